"""The names of Django's own permissions in Russian. Django names the four permissions of
each model in English («Can add region»), from the model's untranslated name, and writes
that into the database once, when the permission is created (no catalogue reaches it):
the user's and the group's permissions selector in the admin showed them so.

Renamed after every ``migrate``, by a ``post_migrate`` receiver rather than a data
migration: a migration renames what exists when it runs, the receiver also what a later
model, a renamed model or a new installation adds, and puts right a name someone changed
by hand; it only writes a name that differs, so a second ``migrate`` writes nothing."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

ACTIONS = {"add": _("Добавление"), "change": _("Изменение"), "delete": _("Удаление"),
           "view": _("Просмотр")}


def permission_name(action: str, verbose_name: Any) -> str:
    """«Изменение: регион» for Django's «Can change region»."""
    return str(_("%(action)s: %(model)s") % {"action": ACTIONS[action], "model": verbose_name})


def rename_permissions(app_config: AppConfig, using: str = "default", apps: Any = global_apps,
                       **kwargs: Any) -> None:
    """The post_migrate receiver: the app's models' built-in permissions, in Russian.

    Connected before auth's own receiver (tandem.web is listed first), so it creates the
    app's permissions itself first (auth's ``create_permissions``, which adds only what is
    missing) and the names are right from the first ``migrate``."""
    from django.contrib.auth.management import create_permissions

    if not app_config.models_module:
        return
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    try:
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    with translation.override(settings.LANGUAGE_CODE):
        wanted = {}
        for model in app_config.get_models():
            opts = model._meta
            for action in opts.default_permissions:
                if action in ACTIONS:
                    wanted[(opts.model_name, f"{action}_{opts.model_name}")] = permission_name(
                        action, opts.verbose_name)
    stale = [
        permission for permission in Permission.objects.using(using).filter(
            content_type__app_label=app_config.label,
            codename__in={codename for _model, codename in wanted})
        .select_related("content_type")
        if wanted.get((permission.content_type.model, permission.codename), permission.name)
        != permission.name]
    for permission in stale:
        permission.name = wanted[(permission.content_type.model, permission.codename)]
    Permission.objects.using(using).bulk_update(stale, ["name"])
