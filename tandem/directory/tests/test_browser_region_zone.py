"""The region operator sets the region's time zone on a phone: the page passes the crawl's
checks (no sideways scroll, no serious axe finding, no English on screen), and the tree
then reads the new zone as people call it."""

from typing import Any

import pytest

from tandem.conftest import logged_in_page, shot
from tandem.territory.models import Region
from tandem.testing import World, build_world
from tandem.web.tests.crawl import check_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def world(transactional_db: None) -> World:
    return build_world()


def test_the_operator_moves_the_region_to_moscow_on_a_phone(
    live_server: object, world: World, browser: object
) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    base = live_server.url  # type: ignore[attr-defined]
    page: Any = logged_in_page(browser, base, "olga", width=390, height=844)
    for path in ("/organizations/", f"/organizations/regions/{world.region.pk}/"):
        findings, _links = check_page(page, Axe(), "olga", 390, path, base)
        # The test world's logins are Latin («olga» in the header); the demo's are checked
        # by the crawl itself.
        assert [f.rule for f in findings if "«olga»" not in f.rule] == []
    page.goto(f"{base}/organizations/")
    expect(page.get_by_text("Часовой пояс: Екатеринбург, Тюмень (UTC+5)")).to_be_visible()
    page.get_by_role("link", name="Изменить часовой пояс региона").click()
    page.get_by_label("Часовой пояс").select_option(label="Москва (UTC+3)")
    shot(page, "region-zone-390")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Часовой пояс: Москва (UTC+3)")).to_be_visible()
    shot(page, "region-zone-tree-390")
    assert Region.objects.get(pk=world.region.pk).time_zone == "Europe/Moscow"
