from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "tandem.territory"
    verbose_name = _("Территория")

    def ready(self) -> None:
        # Audit trail: this app registers its own models (tandem/audit/tests checks the
        # coverage of the whole product).
        from auditlog.registry import auditlog

        from tandem.territory.models import Municipality, Organization, Region

        auditlog.register(Region)
        auditlog.register(Municipality)
        auditlog.register(Organization, exclude_fields=["search_name", "sort_name"])
