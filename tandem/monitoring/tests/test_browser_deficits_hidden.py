"""The region's heat maps under the release rule (docs/monitoring.md, «Правило публикации
дефицитов»): a municipality where one person answered shows «—» in the deficits (a group
of one or two is never published — rule 5 — so there is nothing to hide, not even «вне
долей») with the note that says why, and «скрыто — меньше 3 человек» in the mentors
(their rule counts questionnaires, not published groups); on the picture and in its
table; screenshots to look at."""

from typing import Any

import pytest

from tandem.conftest import logged_in_page, shot
from tandem.monitoring.tests.test_deficits_release import _school_c
from tandem.people.models import Participant
from tandem.testing import World, build_world, bulk_responses

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _open_table(section: Any) -> None:
    """Open the section's «Показать таблицей» once its chart picture has loaded: the picture
    is lazy, and at 390 px it loaded while the click was on its way, moved the summary down
    and the click landed on the picture (a run on PostgreSQL in CI saw the table closed)."""
    from playwright.sync_api import expect

    summary = section.get_by_text("Показать таблицей")
    summary.scroll_into_view_if_needed()
    section.locator("figure img").evaluate(
        "img => img.complete || new Promise(done => { img.onload = img.onerror = done; })")
    summary.click()
    expect(section.locator("details.chart-table")).to_have_attribute("open", "")


@pytest.fixture
def world(transactional_db: None) -> World:
    return build_world()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_region_shows_a_one_person_municipality_hidden(live_server: object, world: World,
                                                           browser: object, width: int) -> None:
    from playwright.sync_api import expect

    _school_c(world)  # A's municipality: Carol alone in A (nowhere), three in C (shown)
    assert world.diag is not None
    # B's municipality: Vera alone submits — the whole row shows nothing of her.
    bulk_responses(world.diag.campaign_b, Participant.objects.filter(pk=world.someone_b.pk))
    base = live_server.url  # type: ignore[attr-defined]
    page: Any = logged_in_page(browser, base, "olga", width=width, height=900)
    page.goto(f"{base}/monitoring/")
    section = page.locator("section", has=page.get_by_role("heading", name="Где дефициты"))
    _open_table(section)
    table = section.locator("details.chart-table table")
    alone = table.locator("tr", has_text=world.municipality_b.name)
    expect(alone).to_contain_text("—")
    expect(alone).not_to_contain_text("%")  # not one share of hers
    expect(table.locator("tr", has_text=world.municipality_a.name)).to_contain_text("%")
    # Not «скрыто» and not «вне долей»: her group was never published, so not even how
    # many answers she gave is counted — the note under the map says what «—» means.
    expect(table).not_to_contain_text("скрыто")
    expect(section.get_by_text("Вне долей")).to_have_count(0)
    expect(section.get_by_text("«—» — ответов нет или их дали меньше 3 человек")).to_be_visible()
    section.scroll_into_view_if_needed()
    shot(page, f"monitoring-deficits-hidden-{width}")
    strengths = page.locator("section", has=page.get_by_role(
        "heading", name="Где сильные стороны: кто может научить"))
    _open_table(strengths)
    expect(strengths.locator("details.chart-table tr", has_text=world.municipality_b.name)
           ).to_contain_text("скрыто — меньше 3 человек")
    strengths.scroll_into_view_if_needed()
    shot(page, f"monitoring-strengths-hidden-{width}")
