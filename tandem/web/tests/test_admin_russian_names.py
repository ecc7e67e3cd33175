"""The admin names nothing in English: every registered model's app, its names and the
fields its list and its form show, every permission of the user's and the group's
selector (Django writes those into the database in English: tandem/web/permission_names.py)."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.auth.models import Permission
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone, translation

from tandem.testing import World
from tandem.web.permission_names import permission_name, rename_permissions
from tandem.web.tests.test_admin_vendor_russian import _shown

pytestmark = pytest.mark.django_db
# Proper names and acronyms a Russian reader sees as such: the programming interface is
# «API» («ключ API», «REST API» — the app of the interface's keys), as in its Russian docs;
# «IP-адрес» (axes' records); «e-mail», as every page and letter of Тандем says it; «IANA»,
# the time zones' database a region's zone is named from.
ALLOWED = {"API", "REST", "IP", "IANA", "e-mail", "E-mail"}
# Django's own hint under a multiple choice, in its Russian catalogue: «Удерживайте
# “Control“ (или “Command“ на Mac)…» — the keys as printed on the keyboard, the computer.
KEYS = {"Control", "Command", "Mac"}
LATIN = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _latin(text: object) -> list[str]:
    return [word for word in LATIN.findall(str(text)) if word not in ALLOWED]


def test_registered_models_their_fields_and_all_permissions_are_named_in_russian(
        world: World) -> None:
    world.olga.is_staff = world.olga.is_superuser = True
    world.olga.save()
    request = RequestFactory().get("/admin/")
    request.user = world.olga
    found: list[tuple[str, object]] = []
    with translation.override("ru"):
        for model, model_admin in admin.site._registry.items():
            opts = model._meta
            names: list[object] = [opts.app_config.verbose_name, opts.verbose_name,
                                   opts.verbose_name_plural]
            for field in model_admin.get_list_display(request):
                names.append(label_for_field(field, model, model_admin))
            form = model_admin.get_form(request)()
            for title, fieldset in model_admin.get_fieldsets(request):
                names.append(title or "")
                for line in fieldset["fields"]:
                    for field in (line,) if isinstance(line, str) else line:
                        names.append(form.fields[field].label if field in form.fields
                                     else label_for_field(field, model, model_admin))
            found += [(opts.label, name) for name in names if _latin(name)]
        found += [("auth.Permission", p) for p in Permission.objects.select_related(
            "content_type") if _latin(p)]
    assert found == [], "\n".join(map(str, found))


def test_the_groups_permission_selector_reads_russian(world: World) -> None:
    world.olga.is_staff = world.olga.is_superuser = True
    world.olga.save()
    client = Client()
    client.force_login(world.olga)
    response = client.get("/admin/auth/group/add/")
    assert response.status_code == 200
    text = _shown(response.content.decode())
    assert set(_latin(text)) <= KEYS
    assert "| регион | Изменение: регион" in text


def test_an_english_or_stale_name_is_put_right_and_a_second_run_writes_nothing(
        django_assert_num_queries) -> None:
    region = Permission.objects.get(content_type__app_label="territory",
                                    codename="change_region")
    attempt = Permission.objects.get(content_type__app_label="axes",
                                     codename="view_accessattempt")
    Permission.objects.filter(pk=region.pk).update(name="Can change region")
    Permission.objects.filter(pk=attempt.pk).update(name="Can view access attempt")
    rename_permissions(apps.get_app_config("territory"))
    rename_permissions(apps.get_app_config("axes"))
    region.refresh_from_db()
    attempt.refresh_from_db()
    assert region.name == "Изменение: регион"
    assert attempt.name == permission_name("view", "попытка входа") == "Просмотр: попытка входа"
    before = {p.pk: p.name for p in Permission.objects.all()}
    rename_permissions(apps.get_app_config("territory"))
    assert {p.pk: p.name for p in Permission.objects.all()} == before


def _records(world: World) -> None:
    """A record of every kind the admin lists whose data is worded by code: a trail entry
    of a change with its author and one by nobody, a background task, a log-in attempt."""
    from auditlog.context import set_actor
    from axes.models import AccessAttempt, AccessLog
    from django_tasks_db.models import DBTaskResult

    with set_actor(world.olga):
        world.alice_p.surname = "Алексеева-Петрова"
        world.alice_p.save()
    world.bob_p.surname = "Бобров-Старший"  # by nobody: «система»
    world.bob_p.save()
    DBTaskResult.objects.create(
        task_path="tandem.web.tasks.send_email", args_kwargs={"args": [], "kwargs": {}},
        backend_name="default", run_after=timezone.now(), exception_class_path="")
    AccessAttempt.objects.create(
        user_agent="Mozilla/5.0", ip_address="10.0.0.1", username="olga", http_accept="*/*",
        path_info="/login/", get_data="", post_data="", failures_since_start=5)
    AccessLog.objects.create(user_agent="Mozilla/5.0", ip_address="10.0.0.1",
                             username="olga", http_accept="*/*", path_info="/login/")


def _typed() -> list[str]:
    """What the records hold that people or systems typed, not words of the interface:
    logins (e-mails: :data:`EMAIL`), territory codes, time zones (IANA names), background tasks'
    numbers, longest first (``city-a`` before ``a``)."""
    from django_tasks_db.models import DBTaskResult

    from tandem.accounts.models import User
    from tandem.territory.models import Municipality, Organization, Region

    typed = [*User.objects.values_list("username", flat=True),
             *Region.objects.values_list("code", flat=True),
             *Region.objects.values_list("time_zone", flat=True),
             *Municipality.objects.values_list("code", flat=True),
             *Organization.objects.values_list("code", flat=True)]
    for pk in DBTaskResult.objects.values_list("pk", flat=True):
        typed += [str(pk), str(pk)[:8]]
    return sorted({t for t in typed if t}, key=len, reverse=True)


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_every_admin_list_and_record_reads_russian(world: World) -> None:
    """Every registered model's list — its columns, its rows, its filters and their
    values — and the page of its first record: no English word reaches the screen but
    what people typed (:func:`_typed`). Failed before: the trail's entries («1 change:
    surname», «system», the filter's «participant»), yes/no icons read «True»."""
    from tandem.accounts.models import User

    _records(world)
    for user in User.objects.all():  # a password's hash, shown in part, is random text
        user.set_unusable_password()
        user.save(update_fields=["password"])
    world.olga.is_staff = world.olga.is_superuser = True
    world.olga.save()
    typed = _typed()
    client = Client()
    client.force_login(world.olga)
    found: list[tuple[str, list[str]]] = []
    for model in admin.site._registry:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        urls = [base]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(f"{base}{first.pk}/change/")
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            page = EMAIL.sub(" ", response.content.decode())
            english = sorted(set(_latin(_shown(page, *typed))) - KEYS)
            if english:
                found.append((url, english))
    assert found == [], "\n".join(map(str, found))
