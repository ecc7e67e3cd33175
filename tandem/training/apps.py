from typing import Any

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

        # Team maps are edited in the map editor; maps asks this app who may do what.
        from tandem.maps.selectors import TeamMaps, register_team_maps
        from tandem.training.selectors import deficit_choices, team_for_map

        def rights(scope: Any, the_map: Any) -> Any:
            assert the_map.team_id is not None  # maps asks only about team maps
            return team_for_map(scope=scope, team_pk=the_map.team_id)[1]

        def competencies(the_map: Any) -> list[tuple[str, str]]:
            assert the_map.team is not None
            return deficit_choices(the_map.team.case)

        register_team_maps(TeamMaps(rights=rights, competencies=competencies))

        # This app's part of the anonymisation (tandem/people/personal_data.py).
        from tandem.people.personal_data import register_anonymiser
        from tandem.training.personal_data import anonymise

        register_anonymiser("training", anonymise)
