"""The new campaign's form in a real browser: a new municipality refills «Для кого» and then
— once, after the refill — «Сравнить с входной», with the organizations the form offers now
(it fired both at once, the second with the previous municipality's organization, whose
initial campaign stayed on offer)."""

import pytest
from django.db import connection
from django.urls import reverse

from tandem.conftest import logged_in_page, shot
from tandem.testing import DiagnosticsWorld, World, build_diagnostics, build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def diagnostics(transactional_db: None) -> tuple[World, DiagnosticsWorld]:
    world = build_world()
    return world, build_diagnostics(world)


def _options(page: object) -> list[str]:
    return page.locator("#id_baseline option").all_text_contents()  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [390, 1280])
def test_a_new_municipality_refreshes_the_baselines_once_after_the_refill(
        live_server: object, diagnostics: tuple[World, DiagnosticsWorld], browser: object,
        width: int) -> None:
    from playwright.sync_api import expect

    world, dw = diagnostics
    base = live_server.url  # type: ignore[attr-defined]
    path = reverse("diagnostics:campaign_create")
    page = logged_in_page(browser, base, "olga", width=width)
    page.goto(f"{base}{path}")  # type: ignore[attr-defined]
    page.get_by_label("Вид").select_option("final")  # type: ignore[attr-defined]
    municipality = page.get_by_label("Муниципалитет организаций")  # type: ignore[attr-defined]
    unit = page.get_by_label("Для кого")  # type: ignore[attr-defined]
    municipality.select_option(str(world.municipality_a.pk))
    expect(unit.locator(f"option[value='o:{world.org_a.pk}']")).to_be_attached()
    unit.select_option(f"o:{world.org_a.pk}")
    expect(page.locator("#id_baseline")).to_contain_text(dw.campaign_a.title)  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]

    events: list[tuple[str, str, str]] = []
    page.on("request", lambda r: events.append(  # type: ignore[attr-defined]
        ("request", r.method, r.post_data or r.url)))
    page.on("response", lambda r: events.append(  # type: ignore[attr-defined]
        ("response", r.request.method, r.url)))
    municipality.select_option(str(world.municipality_b.pk))
    expect(unit.locator(f"option[value='o:{world.org_b.pk}']")).to_be_attached()
    expect(page.locator("#id_baseline")).to_contain_text(dw.campaign_b.title)  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    shot(page, f"diag-campaign-form-municipality-{width}")

    posts = [e for e in events if e[:2] == ("request", "POST")]
    [refill] = [i for i, e in enumerate(events) if e[0] == "request" and e[1] == "GET"]
    assert len(posts) == 1, events  # one refresh of the baselines, not two
    [post] = posts
    # … sent after the refill came back, with the new municipality and no organization
    # of the previous one (the refill dropped it from «Для кого»).
    answered = next(i for i, e in enumerate(events) if e[0] == "response" and e[1] == "GET")
    assert refill < answered < events.index(post)
    assert f"municipality={world.municipality_b.pk}" in post[2]
    assert f"o%3A{world.org_a.pk}" not in post[2]
    assert unit.input_value() == ""
    offered = _options(page)
    assert any(dw.campaign_b.title in o for o in offered)
    assert not any(dw.campaign_a.title in o for o in offered)
    connection.close()  # Playwright's greenlet holds its own connection: let it go
