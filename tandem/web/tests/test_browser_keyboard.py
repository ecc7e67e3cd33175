"""Keyboard only (issue #15): a teacher fills in the questionnaire, confirms the pair, edits
a map row and answers the survey with Tab, Shift+Tab, Enter, Space and typing — no mouse —
and every focused control shows a visible focus ring."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from tandem.conftest import logged_in_page
from tandem.maps.models import Map
from tandem.pairs.models import Pair
from tandem.surveys.models import Survey
from tandem.surveys.services import surveys_create_due
from tandem.surveys.tests.helpers import active_pair
from tandem.testing import (
    DiagnosticsWorld,
    World,
    build_diagnostics,
    build_world,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# What the focused element is and whether its focus shows (an outline or a box shadow).
ACTIVE_JS = """() => {
  const e = document.activeElement; const s = getComputedStyle(e);
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
               || s.boxShadow !== 'none';
  const label = e.labels && e.labels[0] ? e.labels[0].innerText : '';
  return {tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '',
          text: (e.innerText || e.value || e.getAttribute('aria-label') || '').trim(),
          label: label.trim(), checked: !!e.checked, ring: ring};
}"""


def tab_to(page: object, wanted: str, *, limit: int = 400) -> dict[str, object]:
    """Presses Tab until the focused control's text or label starts with ``wanted``;
    every control passed on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        active = page.evaluate(ACTIVE_JS)  # type: ignore[attr-defined]
        if active["tag"] != "body":
            assert active["ring"], f"focus is invisible on {active}"
        if str(active["text"]).startswith(wanted) or str(active["label"]).startswith(wanted):
            return active
    raise AssertionError(f"«{wanted}» is not reachable with Tab")


def test_confirm_the_pair_and_edit_a_map_row(live_server: object, mapped: tuple[World, Pair],
                                             browser: object) -> None:
    from playwright.sync_api import expect

    _world, pair = mapped
    base = live_server.url  # type: ignore[attr-defined]
    bob = logged_in_page(browser, base, "bob", width=390, height=844)
    bob.goto(f"{base}/pairs/{pair.pk}/")  # type: ignore[attr-defined]
    tab_to(bob, "Подтверждаю участие")
    bob.keyboard.press("Enter")  # type: ignore[attr-defined]
    expect(bob.get_by_text("Подтверждаю участие")).to_have_count(0)  # type: ignore[attr-defined]

    bob.goto(f"{base}/maps/{pair.pk}/")  # type: ignore[attr-defined]
    tab_to(bob, "изменить")
    bob.keyboard.press("Enter")  # type: ignore[attr-defined]
    bob.locator("article.map-row.editing").wait_for()  # type: ignore[attr-defined]
    tab_to(bob, "Задача")
    bob.keyboard.press("Control+A")  # type: ignore[attr-defined]
    bob.keyboard.type("Провести вместе открытое занятие")  # type: ignore[attr-defined]
    tab_to(bob, "Сохранить")
    bob.keyboard.press("Enter")  # type: ignore[attr-defined]
    expect(bob.locator("article.map-row", has_text="Провести вместе открытое занятие")  # type: ignore[attr-defined]
           ).to_be_visible()
    connection.close()  # the greenlet's own connection (see test_browser_cycle)
    pair.refresh_from_db()
    assert pair.a_confirmed_at or pair.b_confirmed_at


@pytest.fixture
def questionnaire(transactional_db: None) -> tuple[World, DiagnosticsWorld]:
    world = build_world()
    return world, build_diagnostics(world)


def test_fill_in_the_questionnaire(live_server: object,
                                   questionnaire: tuple[World, DiagnosticsWorld],
                                   browser: object) -> None:
    from playwright.sync_api import expect

    _world, dw = questionnaire
    base = live_server.url  # type: ignore[attr-defined]
    bob = logged_in_page(browser, base, "bob", width=390, height=844)
    bob.goto(f"{base}/diagnostics/q/{dw.bob_r.pk}/")  # type: ignore[attr-defined]
    answered: set[str] = set()
    for _ in range(1500):
        bob.keyboard.press("Tab")  # type: ignore[attr-defined]
        active = bob.evaluate(ACTIVE_JS)  # type: ignore[attr-defined]
        assert active["tag"] == "body" or active["ring"], f"focus is invisible on {active}"
        if active["type"] == "radio" and active["name"] not in answered:
            if not active["checked"]:
                bob.keyboard.press("Space")  # type: ignore[attr-defined]
            answered.add(str(active["name"]))
        if str(active["text"]).startswith("Отправить"):
            break
    else:
        raise AssertionError("the submit button is not reachable with Tab")
    bob.keyboard.press("Enter")  # type: ignore[attr-defined]
    expect(bob.get_by_text("отправлена", exact=False).first).to_be_visible()  # type: ignore[attr-defined]
    connection.close()
    dw.bob_r.refresh_from_db()
    assert dw.bob_r.status == "submitted"


@pytest.fixture
def surveyed(transactional_db: None) -> tuple[World, Survey]:
    world = build_world()
    today = timezone.localdate()
    pair = active_pair(world.bob_p, world.carol_p, starts_on=today - dt.timedelta(days=100),
                       ends_on=today + dt.timedelta(days=100))
    Map.objects.create(pair=pair, status=Map.Status.IN_PROGRESS)
    surveys_create_due(today=today)
    return world, Survey.objects.get(participant=world.bob_p)


def test_answer_the_survey(live_server: object, surveyed: tuple[World, Survey],
                           browser: object) -> None:
    from playwright.sync_api import expect

    _world, survey = surveyed
    base = live_server.url  # type: ignore[attr-defined]
    bob = logged_in_page(browser, base, "bob", width=390, height=844)
    tab_to(bob, "Ответить")
    bob.keyboard.press("Enter")  # type: ignore[attr-defined]
    bob.get_by_role("heading", name="Опрос о работе в паре").wait_for()  # type: ignore[attr-defined]
    groups: set[str] = set()
    for _ in range(300):
        bob.keyboard.press("Tab")  # type: ignore[attr-defined]
        active = bob.evaluate(ACTIVE_JS)  # type: ignore[attr-defined]
        assert active["tag"] == "body" or active["ring"], f"focus is invisible on {active}"
        if active["type"] == "radio" and active["name"] not in groups:
            # The first point of the scale has the focus; the arrow moves to 8, Space keeps it.
            for _step in range(7):
                bob.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
            bob.keyboard.press("Space")  # type: ignore[attr-defined]
            groups.add(str(active["name"]))
        if str(active["text"]).startswith("Отправить ответы"):
            break
    else:
        raise AssertionError("«Отправить ответы» is not reachable with Tab")
    bob.keyboard.press("Enter")  # type: ignore[attr-defined]
    expect(bob.get_by_text("закрыты для изменений")).to_be_visible()  # type: ignore[attr-defined]
    connection.close()
    survey.refresh_from_db()
    assert survey.submitted_at is not None and survey.recommend == 8
