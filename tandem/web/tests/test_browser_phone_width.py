"""On a phone, pages fit the screen: nothing sticks out sideways (the header's menus
once did, by Pico's negative margin on the last menu)."""

import pytest
from django.db import connection

from tandem.testing import World, build_world

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
