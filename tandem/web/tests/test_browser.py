"""A curator's first minutes, in a real browser (Playwright driving Debian's Chromium)."""


import pytest

from tandem.conftest import shot
from tandem.testing import World, build_world, bulk_participants

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def seeded(transactional_db: None) -> World:
    # Made before the browser starts: Playwright's sync API runs the test body in a
    # greenlet with its own context, where the ORM would open a second connection.
    world = build_world()
    bulk_participants(world.org_a, 40)
    return world


def test_curator_finds_a_colleague(live_server: object, seeded: World, browser: object) -> None:
    from playwright.sync_api import expect

    base = live_server.url  # type: ignore[attr-defined]
    page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="ru-RU")  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{base}/participants/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=/participants/")
    shot(page, "01-login")
    page.get_by_label("Имя пользователя").fill("alice")
    page.get_by_label("Пароль").fill("correct horse battery")
    page.get_by_role("button", name="Войти").click()

    expect(page.get_by_role("heading", name="Участники")).to_be_visible()
    expect(page.get_by_text("Найдено 43 участника")).to_be_visible()
    shot(page, "02-participants")

    page.get_by_label("Поиск по ФИО").fill("каролева")
    row = page.get_by_role("link", name="Каролёва Карина Сергеевна")
    expect(row).to_be_visible()
    expect(page.get_by_text("Найден 1 участник")).to_be_visible()
    expect(page.get_by_text("Найдено 43 участника")).not_to_be_visible()
    expect(page).to_have_url(f"{base}/participants/?q=%D0%BA%D0%B0%D1%80%D0%BE%D0%BB%D0%B5%D0%B2%D0%B0&position=&age_band=&consent=&status=active")
    row.click()

    expect(page.get_by_role("heading", name="Каролёва Карина Сергеевна")).to_be_visible()
    expect(page.get_by_text("Алисова Алиса Сергеевна", exact=True)).to_be_visible()  # manager
    shot(page, "03-card")

    page.goto(f"{base}/")
    expect(page.get_by_role("heading", name="Обзор")).to_be_visible()
    shot(page, "04-dashboard")

    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="ru-RU")  # type: ignore[attr-defined]
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{base}/participants/")
    expect(phone.get_by_role("heading", name="Участники")).to_be_visible()
    shot(phone, "05-participants-phone")
    assert errors == [], errors
