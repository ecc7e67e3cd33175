from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tandem.accounts"
    verbose_name = _("Учётные записи")

    def ready(self) -> None:
        # Audit trail: this app registers its own models (tandem/audit/tests checks the
        # coverage of the whole product).
        from auditlog.registry import auditlog

        from tandem.accounts.models import User

        auditlog.register(User, include_fields=["username", "email", "first_name", "last_name",
                                                "is_active", "is_superuser"])
