"""The admin names nothing in English: every registered model's app, its names and the
fields its list and its form show, every permission of the user's and the group's
selector (Django writes those into the database in English: tandem/web/permission_names.py)."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.auth.models import Permission
from django.test import Client, RequestFactory
from django.utils import translation

from tandem.testing import World
from tandem.web.permission_names import permission_name, rename_permissions
from tandem.web.tests.test_admin_vendor_russian import _shown

pytestmark = pytest.mark.django_db
# Proper names and acronyms a Russian reader sees as such: the programming interface is
# «API» («ключ API», «REST API» — the app of the interface's keys), as in its Russian docs;
# «IP-адрес» (axes' records); «e-mail», as every page and letter of Тандем says it.
ALLOWED = {"API", "REST", "IP", "e-mail", "E-mail"}
# Django's own hint under a multiple choice, in its Russian catalogue: «Удерживайте
# “Control“ (или “Command“ на Mac)…» — the keys as printed on the keyboard, the computer.
KEYS = {"Control", "Command", "Mac"}
LATIN = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


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
