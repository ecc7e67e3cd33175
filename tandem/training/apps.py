from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "tandem.training"
    verbose_name = _("Кейсовое обучение")

    def ready(self) -> None:
        # Audit trail: this app registers its own models (tandem/audit/tests checks the
        # coverage of the whole product).
        from auditlog.registry import auditlog

        from tandem.training.models import Case, CaseParticipant, Score, Team, TeamMember

        auditlog.register(Case, m2m_fields={"resources"})
        auditlog.register(CaseParticipant)
        auditlog.register(Team)
        auditlog.register(TeamMember)
        auditlog.register(Score)
