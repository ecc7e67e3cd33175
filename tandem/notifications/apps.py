from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "tandem.notifications"
    verbose_name = _("Уведомления")

    def ready(self) -> None:
        # This app's part of the anonymisation (tandem/people/personal_data.py).
        from tandem.notifications.personal_data import anonymise
        from tandem.people.personal_data import register_anonymiser

        register_anonymiser("notifications", anonymise)
