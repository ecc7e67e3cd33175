"""The three dashboards in a real browser on the demo region: every chart loads, the
drill-down goes region → municipality → organization; screenshots to look at."""

import pytest
from django.conf import settings

from tandem.conftest import log_in, shot
from tandem.demo.services import demo_region_create

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def demo(transactional_db: None) -> None:
    demo_region_create(participants=400, seed=1)


def _login(page: object, base: str, username: str) -> None:
    log_in(page, base, username, settings.TANDEM_DEMO_PASSWORD)


def _charts_loaded(page: object) -> None:
    from playwright.sync_api import expect

    images = page.locator("figure.chart img")  # type: ignore[attr-defined]
    expect(images.first).to_be_attached()
    # The first chart of a page may compute the aggregates: allow a slow, shared machine.
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed(timeout=60_000)
        page.wait_for_function(  # type: ignore[attr-defined]
            "img => img.complete && img.naturalWidth > 0", arg=images.nth(i).element_handle(),
            timeout=60_000)


def test_dashboards_of_three_levels(live_server: object, demo: None, browser: object) -> None:
    from playwright.sync_api import expect

    base = live_server.url  # type: ignore[attr-defined]
    errors: list[str] = []
    for username, name in (("region", "region"), ("coord-prirechensk", "municipality"),
                           ("curator-orbita", "organization")):
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")  # type: ignore[attr-defined]
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        _login(page, base, username)
        page.get_by_role("link", name="Мониторинг", exact=True).first.click()
        expect(page.get_by_role("heading", name="Мониторинг", exact=True)).to_be_visible()
        _charts_loaded(page)
        shot(page, f"monitoring-{name}")
        if username == "region":
            # Drill down: a municipality, then one of its organizations.
            page.get_by_role("link", name="город Приреченск").click()
            expect(page.get_by_text("Муниципалитет: организации рядом")).to_be_visible()
            page.get_by_role("link", name="ДТиС «Орбита»").first.click()
            expect(page.get_by_role("heading", name="Пары, которым нужна помощь")).to_be_visible()
            _charts_loaded(page)
            shot(page, "monitoring-region-drilled-to-organization")
            # A bad date is a Russian message, not an error page.
            page.goto(f"{base}/monitoring/?date_from=31.02.2026")
            expect(page.get_by_text("Дата — в виде ДД.ММ.ГГГГ или ГГГГ-ММ-ДД.")).to_be_visible()
        if username == "curator-orbita":
            expect(page.get_by_role("heading", name="Пары, которым нужна помощь")).to_be_visible()
            page.get_by_text("Скачать отчёт").click()
            with page.expect_download() as download:
                page.get_by_role("link", name="Сводный отчёт (PDF)").click()
            assert download.value.suggested_filename.endswith(".pdf")
            shot(page, "monitoring-organization-reports-menu")
        page.set_viewport_size({"width": 390, "height": 844})
        shot(page, f"monitoring-{name}-phone")
        page.close()
    assert errors == [], errors


@pytest.fixture
def demo_country(transactional_db: None) -> None:
    demo_region_create(participants=150, seed=1)
    demo_region_create(participants=150, seed=1, index=2)


def test_the_federal_dashboard_on_a_phone_and_a_laptop(live_server: object,
                                                       demo_country: None,
                                                       browser: object) -> None:
    """Issue #16: the federal operator compares the regions and opens one; the page fits a
    phone (no sideways scroll) and every chart loads."""
    from playwright.sync_api import expect

    base = live_server.url  # type: ignore[attr-defined]
    for width, height in ((390, 844), (1280, 900)):
        page = browser.new_page(viewport={"width": width, "height": height}, locale="ru-RU")  # type: ignore[attr-defined]
        _login(page, base, "federal")
        page.goto(f"{base}/monitoring/")
        expect(page.get_by_text("Все регионы: регионы рядом")).to_be_visible()
        _charts_loaded(page)
        shot(page, f"federal-country-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.get_by_role("link", name="Заозёрная область (демо)").first.click()
        expect(page.get_by_text("Регион: муниципалитеты рядом")).to_be_visible()
        _charts_loaded(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"federal-region-{width}")
        page.close()
