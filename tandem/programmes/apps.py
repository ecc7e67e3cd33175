from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "tandem.programmes"
    verbose_name = _("Программы организаций")

    def ready(self) -> None:
        # Audit trail: this app registers its own models (tandem/audit/tests checks the
        # coverage of the whole product).
        from auditlog.registry import auditlog

        from tandem.programmes.models import Indicator, Programme, RoadmapRow

        auditlog.register(Programme, m2m_fields={"resources"}, exclude_fields=["updated_at"])
        auditlog.register(RoadmapRow)
        auditlog.register(Indicator)

        # This app's part of the anonymisation (tandem/people/personal_data.py).
        from tandem.people.personal_data import register_anonymiser
        from tandem.programmes.personal_data import anonymise

        register_anonymiser("programmes", anonymise)
