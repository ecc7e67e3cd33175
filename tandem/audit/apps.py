from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "tandem.audit"
    verbose_name = _("Журнал изменений")

    def ready(self) -> None:
        # Every model that holds personal data or access rights is registered here, in
        # one place, so the audit trail's coverage can be read at a glance.
        from auditlog.registry import auditlog

        from tandem.access.models import RoleAssignment
        from tandem.accounts.models import User
        from tandem.people.models import Participant
        from tandem.territory.models import Municipality, Organization, Region

        auditlog.register(Participant, exclude_fields=["search_name", "created_at", "updated_at"])
        auditlog.register(User, include_fields=["username", "email", "first_name", "last_name",
                                                "is_active", "is_superuser"])
        auditlog.register(RoleAssignment)
        auditlog.register(Region)
        auditlog.register(Municipality)
        auditlog.register(Organization)

        from tandem.diagnostics.models import Campaign, Competency
        from tandem.resources.models import Resource

        auditlog.register(Campaign)
        auditlog.register(Competency)
        auditlog.register(Resource, m2m_fields={"competencies"})

        from tandem.pairs.models import Pair, PairOrder, PairRule

        auditlog.register(Pair, exclude_fields=["a_teaches_b", "b_teaches_a"])
        auditlog.register(PairRule)
        auditlog.register(PairOrder, m2m_fields={"pairs"})

        from tandem.maps.models import Map, Meeting, Row

        auditlog.register(Map)
        auditlog.register(Row, m2m_fields={"resources"}, exclude_fields=["version",
                                                                         "updated_at"])
        auditlog.register(Meeting)

        from tandem.reminders.models import ReminderLog
        from tandem.surveys.models import Survey

        # Only when a survey went out and came back, never the answers: the trail is read
        # by region operators, and answers are shown only in aggregate (docs/surveys.md).
        auditlog.register(Survey, include_fields=["stage", "due_on", "sent_at", "submitted_at"])
        auditlog.register(ReminderLog)
        from tandem.programmes.models import Indicator, Programme, RoadmapRow

        auditlog.register(Programme, m2m_fields={"resources"}, exclude_fields=["updated_at"])
        auditlog.register(RoadmapRow)
        auditlog.register(Indicator)
        from tandem.school.models import Certificate, Event, Material, Registration

        auditlog.register(Event)
        auditlog.register(Material)
        auditlog.register(Registration)
        auditlog.register(Certificate)

        from tandem.training.models import Case, CaseParticipant, Score, Team, TeamMember

        auditlog.register(Case, m2m_fields={"resources"})
        auditlog.register(CaseParticipant)
        auditlog.register(Team)
        auditlog.register(TeamMember)
        auditlog.register(Score)
