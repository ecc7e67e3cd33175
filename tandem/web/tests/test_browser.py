"""A curator's first minutes, in a real browser (Playwright driving Debian's Chromium)."""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tandem.testing import World, build_world, bulk_participants

CHROMIUM = Path(os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def seeded(transactional_db: None) -> World:
    # Made before the browser starts: Playwright's sync API runs the test body in a
    # greenlet with its own context, where the ORM would open a second connection.
    world = build_world()
    bulk_participants(world.org_a, 40)
    return world


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests skipped: {CHROMIUM} is missing (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()
    _wait_for_server_connections()


def _wait_for_server_connections() -> None:
    """Lets the live server's keep-alive threads close their PostgreSQL sessions.

    They close them when Chromium hangs up, a moment after the test; the test database
    cannot be dropped while they are open.
    """
    if connection.vendor != "postgresql":
        return
    query = ("SELECT count(*) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    with connection.cursor() as cursor:
        for _ in range(50):
            cursor.execute(query)
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


def _shot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_curator_finds_a_colleague(live_server: object, seeded: World, browser: object) -> None:
    from playwright.sync_api import expect

    base = live_server.url  # type: ignore[attr-defined]
    page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="ru-RU")  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{base}/participants/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=/participants/")
    _shot(page, "01-login")
    page.get_by_label("Имя пользователя").fill("alice")
    page.get_by_label("Пароль").fill("correct horse battery")
    page.get_by_role("button", name="Войти").click()

    expect(page.get_by_role("heading", name="Участники")).to_be_visible()
    expect(page.get_by_text("Найдено 43 участника")).to_be_visible()
    _shot(page, "02-participants")

    page.get_by_label("Поиск по ФИО").fill("каролева")
    row = page.get_by_role("link", name="Каролёва Карина Сергеевна")
    expect(row).to_be_visible()
    expect(page.get_by_text("Найден 1 участник")).to_be_visible()
    expect(page.get_by_text("Найдено 43 участника")).not_to_be_visible()
    expect(page).to_have_url(f"{base}/participants/?q=%D0%BA%D0%B0%D1%80%D0%BE%D0%BB%D0%B5%D0%B2%D0%B0&position=&age_band=&consent=&status=active")
    row.click()

    expect(page.get_by_role("heading", name="Каролёва Карина Сергеевна")).to_be_visible()
    expect(page.get_by_text("Алисова Алиса Сергеевна", exact=True)).to_be_visible()  # manager
    _shot(page, "03-card")

    page.goto(f"{base}/")
    expect(page.get_by_role("heading", name="Обзор")).to_be_visible()
    _shot(page, "04-dashboard")

    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="ru-RU")  # type: ignore[attr-defined]
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{base}/participants/")
    expect(phone.get_by_role("heading", name="Участники")).to_be_visible()
    _shot(phone, "05-participants-phone")
    assert errors == [], errors
