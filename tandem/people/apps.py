from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "tandem.people"
    verbose_name = _("Участники")

    def ready(self) -> None:
        # Audit trail: this app registers its own models (tandem/audit/tests checks the
        # coverage of the whole product).
        from auditlog.registry import auditlog

        from tandem.people.models import Participant

        auditlog.register(Participant, exclude_fields=["search_name", "created_at", "updated_at"])
