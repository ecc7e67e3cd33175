from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "tandem.resources"
    verbose_name = _("Каталог ресурсов")

    def ready(self) -> None:
        # Audit trail: this app registers its own models (tandem/audit/tests checks the
        # coverage of the whole product).
        from auditlog.registry import auditlog

        from tandem.resources.models import Resource

        auditlog.register(Resource, m2m_fields={"competencies"})

        # This app's part of the anonymisation (tandem/people/personal_data.py).
        from tandem.people.personal_data import register_anonymiser
        from tandem.resources.personal_data import anonymise

        register_anonymiser("resources", anonymise)
