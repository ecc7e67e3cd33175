"""The task library on a phone (issue #15): its table becomes cards instead of scrolling
sideways, and its forms fit the screen."""

import pytest

from tandem.conftest import SCREENSHOTS, logged_in_page
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.maps.defaults import ensure_default_library
from tandem.testing import World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCROLL_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def library_world(transactional_db: None) -> World:
    ensure_default_framework()
    ensure_default_library()
    return build_world()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_library_fits_the_screen(
    live_server: object, library_world: World, browser: object, width: int
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    olga = logged_in_page(browser, base, "olga", width=width, height=844)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path, name in (("/maps/library/", "library"), ("/maps/library/new/", "library-new")):
        olga.goto(base + path)  # type: ignore[attr-defined]
        scroll, inner = olga.evaluate(SCROLL_JS)  # type: ignore[attr-defined]
        olga.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"))  # type: ignore[attr-defined]
        assert scroll <= inner, f"{path} at {width} px is {scroll} px wide"
    olga.goto(base + "/maps/library/")  # type: ignore[attr-defined]
    first = olga.locator("table.table-cards tbody tr").first  # type: ignore[attr-defined]
    cell = first.locator("td").nth(2)
    label = cell.evaluate("e => getComputedStyle(e, '::before').content")
    if width == 390:  # a card: each cell under its column's name
        assert label == '"Задача: "'
        assert first.bounding_box()["width"] <= 390
    else:  # a table: the column's name is in its header
        assert label in ("none", "normal")
        assert olga.locator("table.table-cards thead").is_visible()  # type: ignore[attr-defined]
