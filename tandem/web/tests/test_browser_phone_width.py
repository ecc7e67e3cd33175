"""On a phone, pages fit the screen: nothing sticks out sideways (the header's menus
once did, by Pico's negative margin on the last menu), and the profile's radar chart
shrinks to the screen instead of being cut off."""

import pytest
from django.db import connection

from tandem.testing import DiagnosticsWorld, World, build_diagnostics, build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = 390


@pytest.fixture
def seeded(transactional_db: None) -> World:
    return build_world()


@pytest.mark.parametrize("username, path", [("bob", "/diagnostics/my/"),
                                            ("alice", "/participants/")])
def test_pages_fit_a_phone(live_server: object, seeded: World, browser: object,
                           username: str, path: str) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    page = browser.new_page(viewport={"width": PHONE, "height": 844}, locale="ru-RU")  # type: ignore[attr-defined]
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill("correct horse battery")
    page.get_by_role("button", name="Войти").click()
    page.goto(f"{base}{path}")
    width = page.evaluate("document.documentElement.scrollWidth")
    sticking_out = page.evaluate(
        "w => [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > w + 0.5)"
        ".map(e => e.tagName + '.' + e.className)", PHONE)
    connection.close()  # the greenlet's own connection (see test_browser_cycle)
    assert width == PHONE, sticking_out


@pytest.fixture
def submitted(transactional_db: None) -> tuple[World, DiagnosticsWorld]:
    world = build_world()
    return world, build_diagnostics(world)  # Carol has submitted her questionnaire


def test_the_radar_fits_a_phone(live_server: object, submitted: tuple[World, DiagnosticsWorld],
                                browser: object) -> None:
    _world, dw = submitted
    base = live_server.url  # type: ignore[attr-defined]
    page = browser.new_page(viewport={"width": PHONE, "height": 844}, locale="ru-RU")  # type: ignore[attr-defined]
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Имя пользователя").fill("alice")
    page.get_by_label("Пароль").fill("correct horse battery")
    page.get_by_role("button", name="Войти").click()
    page.goto(f"{base}/diagnostics/q/{dw.carol_r.pk}/profile/")
    radar = page.locator("figure.chart img")
    radar.wait_for()
    img = radar.bounding_box()
    figure = page.locator("figure.chart").bounding_box()
    connection.close()  # the greenlet's own connection (see test_browser_cycle)
    assert img["x"] >= figure["x"] and img["x"] + img["width"] <= figure["x"] + figure["width"]
    assert img["width"] < PHONE
