"""Every page that names an organization keeps its «№» on one line with the number
(``{{ name|number_kept }}``, tandem/web/templatetags/typography.py): a phone wraps
«СОШ № 7» before «№», never between «№» and «7». The pairs' list has its own test
(pairs/tests/test_pair_list.py); the phone's browser test (test_browser_phone.py) looks
at the demo's pages of every persona."""

import pytest
from django.test import Client
from django.urls import reverse

from tandem.testing import World, build_world

SHORT, FULL = "СОШ № 7", "МБОУ «Средняя школа № 7»"


@pytest.fixture
def world(db: None) -> World:
    w = build_world()
    w.org_a.short_name, w.org_a.name = SHORT, FULL
    w.org_a.save()
    return w


@pytest.mark.parametrize("page", ["people:list", "people:detail", "territory:detail",
                                  "territory:tree"])
def test_an_organization_keeps_its_number(client: Client, world: World, page: str) -> None:
    args = {"people:detail": [world.bob_p.pk], "territory:detail": [world.org_a.pk]}
    query = {"territory:tree": f"?municipality={world.municipality_a.pk}"}
    client.force_login(world.olga)
    html = client.get(reverse(page, args=args.get(page, [])) + query.get(page, "")).content.decode()
    shown = [name for name in (SHORT, FULL) if name.replace("№ ", "№\u00a0") in html]
    assert shown, f"{page} does not name the organization"
    assert SHORT not in html and FULL not in html


def test_safe_text_stays_escaped_once_and_a_name_is_escaped() -> None:
    # The filter is ``is_safe``: text already escaped is not escaped again, a plain name
    # (a user's input) is escaped as any variable is (review of h/phone).
    from django.template import Context, Template
    from django.utils.safestring import mark_safe

    template = Template("{% load typography %}{{ v|number_kept }}")
    safe = template.render(Context({"v": mark_safe("A &amp; B № 5")}))
    plain = template.render(Context({"v": "<b>A & B</b> № 5"}))
    assert safe == "A &amp; B №\u00a05"
    assert plain == "&lt;b&gt;A &amp; B&lt;/b&gt; №\u00a05"


def test_a_flash_message_keeps_the_number(client: Client, world: World) -> None:
    # «Организация «СОШ № 7» добавлена» — the messages of base.html too.
    from django.contrib.messages import constants
    from django.contrib.messages.storage import default_storage

    client.force_login(world.olga)
    response = client.get(reverse("people:list"))
    storage = default_storage(response.wsgi_request)
    storage.add(constants.SUCCESS, f"Организация «{SHORT}» добавлена.")
    storage.update(response)
    client.cookies.update(response.cookies)
    html = client.get(reverse("people:list")).content.decode()
    assert "«СОШ №\u00a07» добавлена." in html
