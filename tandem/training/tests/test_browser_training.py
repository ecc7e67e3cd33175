"""The whole story of an event of the school of mentors in a real browser: the operator
creates a practicum, curators register people beyond capacity (waiting list), attendance
is marked, the trainer writes a case and splits the attendees into teams, a team builds its
map in the maps editor, the map is shown on a projector (1920×1080), the teams' maps are
compared and scored, the team reads the feedback, and a certificate is downloaded and
verified on the public page."""

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tandem.conftest import SCREENSHOTS, add_resource, logged_in_page, shot
from tandem.testing import World, build_resources, build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def seeded(transactional_db: None) -> World:
    world = build_world()
    build_resources(world)
    return world


def _login(browser: object, base: str, username: str,
           viewport: dict[str, int] = DESKTOP) -> object:
    return logged_in_page(browser, base, username, width=viewport["width"],
                          height=viewport["height"])


def _register(page: object, event_url: str, surname: str) -> None:
    page.goto(event_url)  # type: ignore[attr-defined]
    page.get_by_label(re.compile(surname)).check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Записать отмеченных").click()  # type: ignore[attr-defined]


def test_an_event_from_creation_to_a_verified_certificate_through_case_work(
        live_server: object, seeded: World, browser: object) -> None:
    from playwright.sync_api import expect

    base = live_server.url  # type: ignore[attr-defined]
    start = timezone.localtime(timezone.now() - dt.timedelta(minutes=30))
    errors: list[str] = []

    # 1. The region operator creates a practicum with three places.
    olga = _login(browser, base, "olga")
    olga.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    olga.goto(f"{base}/school/new/")  # type: ignore[attr-defined]
    olga.get_by_label("Вид").select_option("practicum")  # type: ignore[attr-defined]
    olga.get_by_label("Название").fill("Практикум: карта по кейсу")  # type: ignore[attr-defined]
    olga.get_by_label("Начало").fill(start.strftime("%Y-%m-%dT%H:%M"))  # type: ignore[attr-defined]
    olga.get_by_label("Окончание").fill(  # type: ignore[attr-defined]
        (start + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    olga.get_by_label("Место проведения").fill("Дворец творчества")  # type: ignore[attr-defined]
    olga.get_by_label("Количество мест").fill("3")  # type: ignore[attr-defined]
    olga.get_by_role("button", name="Сохранить").click()  # type: ignore[attr-defined]
    expect(olga.get_by_text("Мероприятие создано.")).to_be_visible()  # type: ignore[attr-defined]
    event_url = olga.url  # type: ignore[attr-defined]
    event_pk = int(re.search(r"/school/(\d+)/$", event_url).group(1))  # type: ignore[union-attr]

    # 2. Curators of two organizations register people; the fourth waits.
    alice = _login(browser, base, "alice")
    _register(alice, event_url, "Бобров")
    _register(alice, event_url, "Каролёва")
    charlie = _login(browser, base, "charlie")
    _register(charlie, event_url, "Бэшкина")
    _register(alice, event_url, "Алисова")
    expect(alice.get_by_text("Мест нет — в листе ожидания")).to_be_visible()  # type: ignore[attr-defined]
    expect(alice.get_by_role("heading", name="Лист ожидания (1)")).to_be_visible()  # type: ignore[attr-defined]

    # 3. Attendance on the day.
    olga.goto(event_url + "attendance/")  # type: ignore[attr-defined]
    for surname in ("Бобров", "Каролёва", "Бэшкина"):
        olga.locator(".attendance-row", has_text=surname).click()  # type: ignore[attr-defined]
        expect(olga.locator(".attendance-row.present", has_text=surname)).to_be_visible()  # type: ignore[attr-defined]

    # 4. The trainer writes a case: two made-up teachers, their levels, its resources.
    olga.get_by_role("link", name="Обзор").click()  # type: ignore[attr-defined]
    olga.get_by_role("link", name="Кейсовое обучение: кейсы и команды мероприятий").click()  # type: ignore[attr-defined]
    olga.get_by_role("button", name="Новый кейс").click()  # type: ignore[attr-defined]
    olga.get_by_label("Название").fill("Кейс: медиастудия и родители")  # type: ignore[attr-defined]
    olga.get_by_label("Ситуация").fill("Молодой педагог ведёт медиастудию, опытный "  # type: ignore[attr-defined]
                                       "методист знает каждую семью микрорайона.")
    olga.get_by_label("Начало работы пары").fill("2027-01-10")  # type: ignore[attr-defined]
    olga.get_by_label("Окончание работы пары").fill("2027-06-30")  # type: ignore[attr-defined]
    people = olga.locator("fieldset")  # type: ignore[attr-defined]
    for i, (name, years, position) in enumerate([("Дарья", "1", "педагог ДО"),
                                                 ("Тамара Николаевна", "30", "методист")]):
        people.nth(i).get_by_label("Имя").fill(name)
        people.nth(i).get_by_label("Возраст").select_option(index=1 if i == 0 else 5)
        people.nth(i).get_by_label("Стаж, лет").fill(years)
        people.nth(i).get_by_label("Должность").fill(position)
    ai, parents = "ИИ-инструменты для подготовки занятий", "Работа с родителями"
    olga.get_by_label(f"А: {ai}").select_option("3")  # type: ignore[attr-defined]
    olga.get_by_label(re.compile(f"^А: {parents}")).select_option("0")  # type: ignore[attr-defined]
    olga.get_by_label(f"Б: {ai}").select_option("0")  # type: ignore[attr-defined]
    olga.get_by_label(re.compile(f"^Б: {parents}")).select_option("3")  # type: ignore[attr-defined]
    olga.get_by_label(re.compile("Областной курс")).check()  # type: ignore[attr-defined]
    olga.get_by_label(re.compile("Ресурс Школы А")).check()  # type: ignore[attr-defined]
    olga.get_by_role("button", name="Сохранить кейс").click()  # type: ignore[attr-defined]
    expect(olga.get_by_text("Кейс сохранён.")).to_be_visible()  # type: ignore[attr-defined]
    shot(olga, "training-01-case")

    # 5. The attendees are split into two teams mixing organizations.
    olga.goto(f"{base}/training/")  # type: ignore[attr-defined]
    olga.get_by_role("link", name="Практикум: карта по кейсу").click()  # type: ignore[attr-defined]
    olga.get_by_label("Сколько команд").fill("2")  # type: ignore[attr-defined]
    olga.get_by_label("Кейс: медиастудия и родители").check()  # type: ignore[attr-defined]
    olga.get_by_role("button", name="Разделить").click()  # type: ignore[attr-defined]
    expect(olga.get_by_text("Создано команд: 2.")).to_be_visible()  # type: ignore[attr-defined]
    team_row = olga.locator("tr", has_text="Бобров")  # type: ignore[attr-defined]
    expect(team_row).to_contain_text("Бэшкина")  # Bob of A with Vera of B
    expect(olga.locator("body")).not_to_contain_text("Алисова")  # type: ignore[attr-defined]
    shot(olga, "training-02-teams")

    # 6. Bob's team builds the map in the maps editor: a row per direction, an htmx
    #    edit, a resource from the case's list (and only those are offered).
    bob = _login(browser, base, "bob")
    bob.locator("details.more-menu summary").click()  # type: ignore[attr-defined]
    bob.get_by_role("link", name="Кейсы").click()  # type: ignore[attr-defined]
    bob.get_by_role("link", name=re.compile("Команда 1")).click()  # type: ignore[attr-defined]
    expect(bob.get_by_text("учебный режим")).to_be_visible()  # type: ignore[attr-defined]
    for direction, deficit, title, deadline, product in (
            ("ab", "Тамара Николаевна: " + ai, "ИИ для подготовки занятий", "2027-02-20",
             "план занятия с ИИ-помощником"),
            ("ba", "Дарья: Работа с родителями (законными представителями)",
             "Родительское собрание", "2027-03-20", "сценарий собрания")):
        form = bob.locator("details.add-row form[action$=\"/rows/new/\"]")  # type: ignore[attr-defined]
        if not form.is_visible():
            bob.get_by_text("Добавить строку").click()  # type: ignore[attr-defined]
        form.get_by_label("Направление").select_option(direction)
        form.get_by_label("Дефицит из кейса").select_option(label=deficit)
        form.get_by_label("Дефицит (компетенция)").fill(title)
        form.get_by_label("Сейчас").select_option("0")
        form.get_by_label("Цель").select_option("2")
        form.get_by_label("Срок").fill(deadline)
        form.get_by_label("Задача").fill("Освоить с партнёром и применить")
        form.get_by_label("Результат или продукт").fill(product)
        form.get_by_label("Как будет показан").fill("открытое занятие")
        form.get_by_role("button", name="Добавить").click()
        expect(bob.get_by_text("Строка добавлена.")).to_be_visible()  # type: ignore[attr-defined]
    row = bob.locator("article.map-row", has_text="Родительское собрание")  # type: ignore[attr-defined]
    options = row.locator("select[name=resource] option").all_text_contents()
    assert any("Областной курс" in o for o in options)
    assert not any("Ресурс района Б" in o for o in options)
    row.get_by_role("button", name="изменить").click()
    editing = bob.locator("article.map-row.editing")  # type: ignore[attr-defined]
    editing.get_by_label("Задача").fill("Подготовить и провести собрание вместе с партнёром")
    editing.get_by_role("button", name="Сохранить").click()
    expect(bob.get_by_text("Подготовить и провести собрание вместе с партнёром")).to_be_visible()  # type: ignore[attr-defined]
    for title in ("ИИ для подготовки занятий", "Родительское собрание"):
        row = bob.locator("article.map-row", has_text=title)  # type: ignore[attr-defined]
        add_resource(row, "Областной курс (регион)")
        expect(bob.locator("article.map-row", has_text=title).locator(  # type: ignore[attr-defined]
            ".badge", has_text="Областной курс")).to_be_visible()
    shot(bob, "training-03-team-map-editor")

    # 7. The projector view: both directions, large type, no editing chrome.
    team_url = bob.url  # type: ignore[attr-defined]
    projector = browser.new_context(viewport={"width": 1920, "height": 1080},  # type: ignore[attr-defined]
                                    locale="ru-RU").new_page()
    projector.context.add_cookies(bob.context.cookies())  # type: ignore[attr-defined]
    projector.goto(team_url.replace("/map/", "/present/"))
    expect(projector.get_by_role("heading", name="Дарья → Тамара Николаевна")).to_be_visible()
    expect(projector.get_by_role("heading", name="Тамара Николаевна → Дарья")).to_be_visible()
    assert projector.locator("button, select, input, textarea").count() == 0
    title_size = projector.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.row h3')).fontSize)")
    assert title_size >= 26  # readable from the back of a hall
    assert projector.evaluate("document.documentElement.scrollWidth") <= 1920
    projector.screenshot(path=str(SCREENSHOTS / "training-04-projector-1920x1080.png"))

    # 8. The trainer compares the teams' maps and scores Bob's team.
    olga.goto(f"{base}/training/events/{event_pk}/")  # type: ignore[attr-defined]
    olga.get_by_role("button", name=re.compile("Кейс: медиастудия")).click()  # type: ignore[attr-defined]
    expect(olga.get_by_role("heading", name="Сравнение карт команд")).to_be_visible()  # type: ignore[attr-defined]
    expect(olga.locator(".compare-col")).to_have_count(2)  # type: ignore[attr-defined]
    shot(olga, "training-05-compare")
    olga.locator(".compare-col").first.get_by_role("link", name="оценить").click()  # type: ignore[attr-defined]
    # The fifth criterion: measurable results.
    criterion = olga.locator("fieldset.criterion").nth(4)  # type: ignore[attr-defined]
    criterion.get_by_label("Комментарий").fill("Продукты названы конкретно")
    olga.get_by_label("Общий отзыв команде").fill("Хорошая карта: оба направления закрыты.")  # type: ignore[attr-defined]
    shot(olga, "training-06-score")
    olga.get_by_role("button", name="Сохранить оценку").click()  # type: ignore[attr-defined]
    expect(olga.get_by_text("Оценка сохранена")).to_be_visible()  # type: ignore[attr-defined]
    expect(olga.locator(".compare-col").first).to_contain_text("оценка тренера: 10/10")  # type: ignore[attr-defined]

    # 9. The team reads the feedback.
    bob.reload()  # type: ignore[attr-defined]
    expect(bob.get_by_role("heading", name="Отзыв тренера")).to_be_visible()  # type: ignore[attr-defined]
    expect(bob.get_by_text("Продукты названы конкретно")).to_be_visible()  # type: ignore[attr-defined]
    shot(bob, "training-07-feedback")

    # 10. Bob downloads his certificate; anyone checks its code.
    bob.goto(event_url)  # type: ignore[attr-defined]
    with bob.expect_download() as download_info:  # type: ignore[attr-defined]
        bob.get_by_role("button", name="Скачать сертификат (PDF)").click()  # type: ignore[attr-defined]
    path = SCREENSHOTS / "training-certificate.pdf"
    download_info.value.save_as(path)
    text = " ".join(PdfReader(io.BytesIO(path.read_bytes())).pages[0].extract_text().split())
    code = re.search(r"Код проверки: ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})", text)
    assert code is not None
    public = browser.new_context(locale="ru-RU").new_page()  # type: ignore[attr-defined]
    public.goto(f"{base}/school/verify/{code.group(1)}/")
    expect(public.get_by_role("heading", name="Сертификат действителен")).to_be_visible()
    expect(public.get_by_text("Практикум: карта по кейсу")).to_be_visible()
    shot(public, "training-08-verified")
    assert errors == [], errors
