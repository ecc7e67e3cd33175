"""The curator fills the programme in a real browser: a roadmap row through htmx (and a
refused one), the rules, adoption; the page on a tablet; the overview for the operator."""

import pytest

from tandem.conftest import log_in, shot
from tandem.core.programmes import year_bounds
from tandem.programmes import selectors
from tandem.programmes.models import Programme
from tandem.testing import World, build_programme, build_resources, build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def draft(transactional_db: None) -> World:
    world = build_world()
    build_resources(world)
    build_programme(world, adopt=False)
    return world


def _login(page: object, base: str, username: str) -> None:
    log_in(page, base, username)


def test_curator_fills_and_adopts_the_programme(live_server: object, draft: World,
                                                browser: object) -> None:
    from playwright.sync_api import expect

    base = live_server.url  # type: ignore[attr-defined]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")  # type: ignore[attr-defined]
    _login(page, base, "alice")
    page.locator("details.more-menu summary").click()  # the «Ещё» menu of the header
    page.get_by_role("link", name="Программа").first.click()
    expect(page.get_by_role("heading", name="Программы реверсивного наставничества")
           ).to_be_visible()
    page.get_by_role("link", name="Открыть").click()
    expect(page.get_by_role("heading", name="Программа реверсивного наставничества")
           ).to_be_visible()

    first, _last = year_bounds(selectors.current_year())
    roadmap = page.locator("#section-roadmap")
    roadmap.get_by_text("Добавить строку").click()
    roadmap.get_by_label("Этап").select_option("pairs")
    roadmap.get_by_label("Мероприятие").fill("Формирование пар и приказ о закреплении")
    roadmap.get_by_label("Начало").fill(f"{first.year}-10-20")
    roadmap.get_by_label("Окончание").fill(f"{first.year - 1}-10-30")  # before the start
    roadmap.get_by_label("Ответственный").fill("Алисова А. С.")
    roadmap.get_by_label("Результат").fill("приказ")
    roadmap.get_by_role("button", name="Добавить").click()
    expect(page.get_by_text("Поле «Окончание»: не раньше начала.")).to_be_visible()
    page.locator("#section-roadmap").get_by_label("Окончание").fill(f"{first.year}-11-05")
    page.locator("#section-roadmap").get_by_role("button", name="Добавить").click()
    expect(page.locator("#section-roadmap td", has_text="Формирование пар и приказ")
           ).to_be_visible()

    # #14, 4: two sections edited, one saved — the other keeps its edit (htmx swaps only
    # the saved section), and is saved in its turn.
    goals = page.locator("#section-goals")
    goals.get_by_label("Цель").fill("Цель, сохранённая отдельно")
    rules = page.locator("#section-rules")
    rules.get_by_label("Пар на одного педагога").select_option("2")
    expect(rules).to_have_attribute("data-unsaved", "yes")
    goals.get_by_role("button", name="Сохранить раздел").click()
    expect(page.locator("#section-goals").get_by_text("Раздел сохранён.")).to_be_visible()
    expect(page.locator("#section-goals")).to_have_attribute("data-unsaved", "no")
    expect(page.locator("#section-rules").get_by_label("Пар на одного педагога")
           ).to_have_value("2")
    assert Programme.objects.get().capacity == 1  # typed, not saved yet
    assert Programme.objects.get().goals == "Цель, сохранённая отдельно"
    page.locator("#section-rules").get_by_role("button", name="Сохранить раздел").click()
    expect(page.locator("#section-rules").get_by_text("Раздел сохранён.")).to_be_visible()
    page.locator("#section-resources").get_by_label("Областной курс").check()
    page.locator("#section-resources").get_by_role("button", name="Сохранить ресурсы").click()
    expect(page.get_by_text("Ресурсы программы сохранены.")).to_be_visible()
    shot(page, "programme-01-draft")

    page.get_by_label("Номер приказа").fill("12-од")
    page.get_by_role("button", name="Принять программу").click()
    expect(page.get_by_text("Программа принята. Её правила")).to_be_visible()
    programme = Programme.objects.get()
    assert programme.status == Programme.Status.ADOPTED and programme.capacity == 2
    assert programme.roadmap.count() == 2
    shot(page, "programme-02-adopted")
    # Pair formation starts from the adopted rules.
    page.goto(f"{base}/pairs/formation/?unit=o:{programme.organization_id}")
    expect(page.get_by_text("По принятой программе организации")).to_be_visible()
    expect(page.get_by_label("Пар на одного педагога")).to_have_value("2")
    shot(page, "programme-05-formation-defaults")

    tablet = browser.new_page(viewport={"width": 820, "height": 1180}, locale="ru-RU")  # type: ignore[attr-defined]
    _login(tablet, base, "olga")
    tablet.goto(f"{base}/programmes/")
    expect(tablet.get_by_text("№ 12-од")).to_be_visible()
    shot(tablet, "programme-03-overview-tablet")
    tablet.goto(f"{base}/programmes/{programme.pk}/")
    expect(tablet.get_by_text("Сохранить раздел")).to_have_count(0)
    shot(tablet, "programme-04-read-only-tablet")


def test_without_script_saving_a_section_keeps_the_others(live_server: object, draft: World,
                                                          browser: object) -> None:
    """#14, 4 with JavaScript off, on a phone: the page's one form goes to the section's
    address; the section is saved and the other section comes back as typed."""
    from playwright.sync_api import expect

    base = live_server.url  # type: ignore[attr-defined]
    programme = Programme.objects.get()
    for width in (390, 1280):
        context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": 900}, locale="ru-RU",
            java_script_enabled=False)
        page = context.new_page()
        _login(page, base, "alice")
        page.goto(f"{base}/programmes/{programme.pk}/")
        page.locator("#section-goals").get_by_label("Цель").fill(f"Цель без скрипта {width}")
        page.locator("#section-technologies").get_by_label("Свои технологии").fill(
            f"квест {width}")
        page.locator("#section-goals").get_by_role("button", name="Сохранить раздел").click()
        expect(page.get_by_text("Раздел сохранён.")).to_be_visible()
        technologies = page.locator("#section-technologies")
        expect(technologies.get_by_label("Свои технологии")).to_have_value(f"квест {width}")
        expect(technologies.get_by_text("Изменения этого раздела ещё не сохранены")
               ).to_be_visible()
        programme.refresh_from_db()
        assert programme.goals == f"Цель без скрипта {width}"
        assert f"квест {width}" not in programme.technologies_other
        shot(page, f"programme-06-no-script-{width}")
        technologies.get_by_role("button", name="Сохранить раздел").click()
        expect(page.get_by_text("Раздел сохранён.")).to_be_visible()
        programme.refresh_from_db()
        assert programme.technologies_other == f"квест {width}"
        context.close()
