from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "tandem.web"
    verbose_name = _("Интерфейс")

    def ready(self) -> None:
        # Django 6.1's new blank-choice label has no Russian translation yet.
        from django.db.models import fields

        from tandem.web.forms import BLANK_CHOICE

        fields.BLANK_CHOICE_LABEL = BLANK_CHOICE
        # The admin's title and header said «Административный сайт Django».
        from django.contrib import admin

        admin.site.site_title = admin.site.site_header = _("Тандем: администрирование")
        # A yes/no column's icon is read aloud by its alt text: «True» (vendor_admin.py).
        from tandem.web.vendor_admin import install_boolean_icons

        install_boolean_icons()
        # Django's own permissions named in Russian after every migrate (permission_names).
        from django.db.models.signals import post_migrate

        from tandem.web.permission_names import rename_permissions

        post_migrate.connect(rename_permissions, dispatch_uid="tandem_russian_permissions")
