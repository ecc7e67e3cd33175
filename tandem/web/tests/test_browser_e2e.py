"""The whole programme cycle in a real browser, from an empty region, through the UI alone.

The only thing made outside the browser is the region and its operator's login: a region
is set up once per installation (it is not something the product's pages create), and
the region operator is the role that builds everything below it. The competency framework
is what the migrations ship. From there on, every step is a click in Chromium:

operator adds a municipality, an organization and its first member of staff, appoints
her curator → the curator sets her password from the e-mail, loads the staff list (an
XLSX made here), starts the initial diagnostics and invites everyone → two teachers set
their passwords from the invitation and fill in the questionnaire, the others' results
come as an XLSX import → the curator forms pairs (a background run with progress),
approves them and downloads the order (DOCX, read back with python-docx) → the pair
confirms, agrees its map, the curator approves and starts it, the pair logs a meeting
and closes tasks → the final diagnostics, filled in with higher levels.

Playwright's sync API runs the test body in a greenlet with its own database connection,
so the body reads no model until the browser is closed (see test_browser_cycle).
"""

import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from docx import Document
from openpyxl import Workbook
from pypdf import PdfReader

from tandem.access.models import Role, RoleAssignment
from tandem.conftest import log_in, shot
from tandem.diagnostics.defaults import SOURCE as FRAMEWORK_SOURCE
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import Answer, Campaign
from tandem.maps.models import Evidence, Map, Meeting
from tandem.pairs.models import Pair, PairOrder
from tandem.people.models import Participant
from tandem.roster.tests.files import person, roster_xlsx
from tandem.territory.models import Organization, Region
from tandem.testing import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "Тандем-e2e-пароль-2026"  # noqa: S105 (a test login)
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Teacher:
    surname: str
    name: str
    patronymic: str
    email: str
    young: bool
    group: int  # the pair of competency groups this person is strong and weak in

    @property
    def full_name(self) -> str:
        return f"{self.surname} {self.name} {self.patronymic}"


# Four young and four experienced teachers; person k of each side is strong exactly
# where person k of the other side is weak, so the best pairs are known in advance.
TEACHERS = [
    Teacher("Лебедева", "Анна", "Викторовна", "lebedeva@school.test", True, 0),
    Teacher("Соколов", "Пётр", "Ильич", "sokolov@school.test", False, 0),
    Teacher("Орлова", "Мария", "Андреевна", "orlova@school.test", True, 1),
    Teacher("Васильева", "Галина", "Петровна", "vasilieva@school.test", False, 1),
    Teacher("Жуков", "Илья", "Сергеевич", "zhukov@school.test", True, 2),
    Teacher("Морозова", "Нина", "Ивановна", "morozova@school.test", False, 2),
    Teacher("Панина", "Ксения", "Олеговна", "panina@school.test", True, 3),
    Teacher("Кузнецов", "Олег", "Васильевич", "kuznetsov@school.test", False, 3),
]
ANNA, PETR = TEACHERS[0], TEACHERS[1]


def _framework_codes() -> tuple[list[str], list[str], list[str]]:
    """All codes in order; the digital ones young people teach; the ones experienced
    people teach (both from the shipped framework file, so no database read)."""
    data = json.loads(Path(FRAMEWORK_SOURCE).read_text(encoding="utf-8"))
    codes = [c["code"] for a in data["areas"] for c in a["competencies"]]
    young = [c["code"] for a in data["areas"] for c in a["competencies"]
             if c["typical_direction"] == "young_to_experienced" and a["code"] == "ict"]
    senior = [c["code"] for a in data["areas"] for c in a["competencies"]
              if c["typical_direction"] == "experienced_to_young"]
    return codes, young, senior


CODES, YOUNG_TEACH, SENIOR_TEACH = _framework_codes()


def _groups(t: Teacher) -> tuple[list[str], list[str]]:
    """(strong, weak) competencies of a teacher: two of each."""
    digital = YOUNG_TEACH[2 * t.group: 2 * t.group + 2]
    method = SENIOR_TEACH[2 * t.group: 2 * t.group + 2]
    return (digital, method) if t.young else (method, digital)


def marks(t: Teacher, *, final: bool) -> dict[str, tuple[int, bool, bool]]:
    """code → (level, can teach, wants to learn): level 2 by default, 3 and «могу
    научить» where strong, 0 and «хочу научиться» where weak — 2 after the programme."""
    strong, weak = _groups(t)
    result = {code: (2, False, False) for code in CODES}
    for code in strong:
        result[code] = (3, True, False)
    for code in weak:
        result[code] = (2, False, False) if final else (0, False, True)
    return result


def results_xlsx(teachers: list[Teacher], *, final: bool) -> bytes:
    """The results import: e-mail, one column per competency, «могу научить»/«хочу
    научиться» as lists of codes."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["email", *CODES, "могу научить", "хочу научиться"])
    for t in teachers:
        m = marks(t, final=final)
        sheet.append([t.email, *(m[c][0] for c in CODES),
                      ", ".join(c for c in CODES if m[c][1]),
                      ", ".join(c for c in CODES if m[c][2])])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def empty_region(transactional_db: None) -> Iterator[Region]:
    # A transactional test before this one may have flushed what the migrations made:
    # put the shipped framework back (a no-op on a fresh database).
    ensure_default_framework()
    region = Region.objects.create(name="Заречная область", code="zarechnaya")
    operator = UserFactory.create(username="operator", first_name="Ольга",
                                  last_name="Операторова")
    operator.set_password(PASSWORD)
    operator.save()
    RoleAssignment.objects.create(user=operator, role=Role.REGION_OPERATOR, region=region)
    mail.outbox = []
    yield region


def _new_page(browser: Any, size: dict[str, int] = WIDE) -> Any:
    page = browser.new_page(viewport=size, locale="ru-RU")
    page.set_default_timeout(20_000)
    return page


def _login(page: Any, base: str, username: str) -> None:
    log_in(page, base, username, PASSWORD)


def _mail_link(to: str, pattern: str) -> str:
    """The newest link matching ``pattern`` in the newest letter to ``to``."""
    letters = [m for m in mail.outbox if to in m.to]
    assert letters, f"no letter to {to}"
    found = re.findall(pattern, str(letters[-1].body))
    assert found, f"no link in the letter to {to}: {letters[-1].body}"
    return str(found[-1])


def _set_password(page: Any, link: str) -> None:
    page.goto(link)
    page.locator("#id_new_password1").fill(PASSWORD)
    page.locator("#id_new_password2").fill(PASSWORD)
    page.get_by_role("button", name="Сохранить пароль").click()
    page.wait_for_url(re.compile(r"/accounts/password/reset/done/$"))


def _shot(page: Any, name: str) -> None:
    """shot() once every image of the page has loaded (a chart drawn late is blank)."""
    images = page.locator("main img")
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=images.nth(i).element_handle())
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, name)


def _charts_loaded(page: Any) -> None:
    """Every chart image of the page has loaded (not a broken image)."""
    from playwright.sync_api import expect

    images = page.locator("figure.chart img")
    expect(images.first).to_be_visible()
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=images.nth(i).element_handle())


def _fill_questionnaire(page: Any, t: Teacher, *, final: bool) -> None:
    from playwright.sync_api import expect

    for code, (level, can, want) in marks(t, final=final).items():
        page.locator(f"input[name='level-{code}'][value='{level}']").check()
        if can:
            page.locator(f"input[name='can-{code}']").check()
        if want:
            page.locator(f"input[name='want-{code}']").check()
    # Each change is saved by htmx in the background; the test database (SQLite in
    # memory) refuses a second writer, so the form is sent once the saves are done.
    expect(page.get_by_text(f"Заполнено {len(CODES)} из {len(CODES)}")).to_be_visible()
    expect(page.locator(".htmx-request")).to_have_count(0)


def test_the_whole_cycle_through_the_ui(live_server: Any, empty_region: Region,
                                        browser: Any, tmp_path: Path) -> None:
    base = live_server.url
    errors: list[str] = []
    pages: list[Any] = []

    def watch(page: Any) -> Any:
        page.on("console", lambda m: errors.append(f"{page.url}: {m.text}")
                if m.type == "error" else None)
        pages.append(page)
        return page

    from playwright.sync_api import expect

    # CI runs this beside a thousand other tests on two cores: a chart may take a while.
    expect.set_options(timeout=20_000)
    try:
        _cycle(base, browser, watch, tmp_path)
    except Exception:
        # What each open page showed when a step failed, to look at.
        for i, page in enumerate(p for p in pages if not p.is_closed()):
            shot(page, f"e2e-failed-{i}")
        raise
    finally:
        expect.set_options(timeout=5_000)  # Playwright's default, for the other tests
    assert errors == [], errors
    # Read-only checks of what the clicks stored (then the greenlet's own connection goes,
    # see test_browser_cycle).
    stored = _stored()
    connection.close()
    assert stored["territory"] == ("Город Заречный", "Школа № 5", "kuratorova@school.test")
    assert stored["participants"] == 9 and stored["pairs"] == 4
    assert stored["order_pairs"] == 4
    assert stored["pair"] == (Pair.Status.COMPLETED, Map.Status.COMPLETED, 2, 4)
    assert stored["open_deficits_after"] == 0 and stored["deficits_before"] == 16


def _stored() -> dict[str, object]:
    org = Organization.objects.select_related("municipality").get()
    [curator] = RoleAssignment.objects.filter(role=Role.CURATOR).select_related("user")
    pair = Pair.objects.select_related("map").get(a__email__in=[ANNA.email, PETR.email],
                                                  b__email__in=[ANNA.email, PETR.email])
    before = Answer.objects.filter(response__campaign__kind=Campaign.Kind.INITIAL,
                                   wants_to_learn=True)
    after = {(a.response.participant_id, a.competency): a.level for a in Answer.objects.filter(
        response__campaign__kind=Campaign.Kind.FINAL).select_related("response")}
    return {
        "territory": (org.municipality.name, org.short_name, curator.user.username),
        "participants": Participant.objects.count(),
        "pairs": Pair.objects.count(),
        "order_pairs": PairOrder.objects.get(number="42-од").pairs.count(),
        "pair": (pair.status, pair.map.status, Meeting.objects.filter(pair=pair).count(),
                 Evidence.objects.filter(row__map=pair.map).count()),
        "deficits_before": before.count(),
        "open_deficits_after": sum(
            1 for a in before.select_related("response")
            if (after[(a.response.participant_id, a.competency)] or 0) < 2),
    }


def _cycle(base: str, browser: Any, watch: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    # -- 1. The region operator builds the territory and appoints a curator --------------
    op = watch(_new_page(browser))
    _login(op, base, "operator")
    op.get_by_role("link", name="Организации").first.click()
    op.get_by_role("button", name="Добавить муниципалитет").click()
    op.get_by_label("Название").fill("Город Заречный")
    op.get_by_label("Вид").select_option(label="городской округ")
    op.get_by_label("Код").fill("zarechny")
    _shot(op, "e2e-01-municipality-form")
    op.get_by_role("button", name="Добавить").click()
    expect(op.get_by_text("Муниципалитет «Город Заречный» добавлен.")).to_be_visible()

    op.get_by_role("button", name="Добавить организацию").click()
    op.get_by_label("Муниципалитет").select_option(label="Город Заречный")
    op.get_by_label("Полное название").fill("МАОУ «Средняя школа № 5 города Заречного»")
    op.get_by_label("Краткое название").fill("Школа № 5")
    op.get_by_label("Сфера").select_option(label="общее образование")
    op.get_by_label("Код").fill("school-5")
    op.get_by_role("button", name="Добавить").click()
    expect(op.get_by_role("heading", name="Школа № 5")).to_be_visible()

    op.get_by_role("link", name="Добавить сотрудника").click()
    op.get_by_label("Фамилия").fill("Кураторова")
    op.locator("#id_name").fill("Ирина")
    op.get_by_label("Отчество").fill("Павловна")
    op.get_by_label("Должность").fill("заместитель директора по УВР")
    op.get_by_label("Педагогический стаж, лет").fill("15")
    op.get_by_label("Возрастная группа").select_option(label="35–44 года")
    op.get_by_label("E-mail").fill("kuratorova@school.test")
    op.get_by_role("button", name="Сохранить").click()
    expect(op.get_by_role("heading", name="Кураторова Ирина Павловна")).to_be_visible()
    op.get_by_role("link", name="МАОУ «Средняя школа № 5 города Заречного»").click()
    op.get_by_label("Сотрудник").select_option(label="Кураторова Ирина Павловна")
    op.get_by_role("button", name="Назначить куратором").click()
    expect(op.get_by_text("теперь куратор организации")).to_be_visible()
    _shot(op, "e2e-02-curator-appointed")
    op.get_by_role("link", name="Организации").first.click()
    _shot(op, "e2e-03-territory")
    op.close()

    # -- 2. The curator sets her password from the e-mail and loads the staff list ------
    cur = watch(_new_page(browser))
    _set_password(cur, _mail_link("kuratorova@school.test", r"http://\S+/accounts/password/reset/\S+"))
    _login(cur, base, "kuratorova@school.test")
    expect(cur.get_by_role("heading", name="Обзор")).to_be_visible()

    young_bands = ["до 25 лет", "25–34 года"]
    rows = [person(Фамилия=t.surname, Имя=t.name, Отчество=t.patronymic,
                   Должность="учитель", **{
                       "E-mail": t.email, "Телефон": "",
                       "Предмет/направление": "информатика" if t.young else "история",
                       "Стаж (лет)": str(2 + t.group if t.young else 22 + 3 * t.group),
                       "Возрастная группа": (young_bands[t.group % 2] if t.young
                                             else "45–54 года")})
            for t in TEACHERS]
    roster = tmp_path / "сотрудники.xlsx"
    roster.write_bytes(roster_xlsx(rows))
    cur.goto(f"{base}/participants/")
    cur.get_by_role("button", name="Загрузить список").click()
    cur.get_by_label("Файл XLSX или CSV").set_input_files(str(roster))
    cur.get_by_role("button", name="Проверить файл").click()
    load = cur.get_by_role("button", name="Загрузить: новых — 8, изменений — 0")
    expect(load).to_be_visible()
    _shot(cur, "e2e-04-roster-preview")
    load.click()
    expect(cur.get_by_text("Загружено. Новых участников: 8, изменено: 0")).to_be_visible()

    # -- 3. The initial diagnostics, and the invitations --------------------------------
    cur.goto(f"{base}/diagnostics/")
    cur.get_by_role("button", name="Новая диагностика").click()
    cur.get_by_label("Название").fill("Входная диагностика 2026")
    cur.get_by_label("Вид").select_option(label="входная")
    cur.get_by_label("Для кого").select_option(label="Организация: Школа № 5")
    cur.get_by_role("button", name="Создать").click()
    expect(cur.get_by_text("Диагностика создана: участников — 8.")).to_be_visible()
    initial_url = cur.url
    cur.get_by_role("button", name="Пригласить и напомнить по e-mail").click()
    expect(cur.get_by_text("Приглашения и напоминания отправлены: 8.")).to_be_visible()

    # -- 4. Two teachers fill in the questionnaire (one on a phone) ----------------------
    for t, size in ((ANNA, PHONE), (PETR, WIDE)):
        page = watch(_new_page(browser, size))
        _set_password(page, _mail_link(t.email, r"http://\S+/accounts/password/reset/\S+"))
        _login(page, base, t.email)
        page.goto(_mail_link(t.email, r"http://\S+/diagnostics/q/\d+/"))
        expect(page.get_by_role("heading", name="Входная диагностика 2026")).to_be_visible()
        _fill_questionnaire(page, t, final=False)
        if t is ANNA:
            _shot(page, "e2e-05-questionnaire-phone")
        page.get_by_role("button", name="Отправить анкету").click()
        expect(page.get_by_text("Анкета отправлена. Спасибо!")).to_be_visible()
        if t is ANNA:
            _shot(page, "e2e-06-profile-phone")
        page.close()

    # -- 5. The others' results come as a file ------------------------------------------
    others = tmp_path / "результаты-входной.xlsx"
    others.write_bytes(results_xlsx(TEACHERS[2:], final=False))
    cur.goto(initial_url)
    cur.get_by_role("button", name="Загрузить результаты").click()
    cur.get_by_label("Файл XLSX или CSV").set_input_files(str(others))
    cur.get_by_role("button", name="Проверить файл").click()
    cur.get_by_role("button", name="Загрузить 6 анкет").click()
    expect(cur.get_by_text("Загружены результаты 6 человек.")).to_be_visible()
    expect(cur.get_by_text("Все отправили анкеты.")).to_be_visible()
    _shot(cur, "e2e-07-initial-diagnostics")

    # -- 6. Pairs: a run, approval, the order -------------------------------------------
    cur.goto(f"{base}/pairs/")
    cur.get_by_role("button", name="Подбор пар").click()
    expect(cur.get_by_text("В пуле 8 человек")).to_be_visible()
    cur.get_by_role("button", name="Подобрать пары").click()
    expect(cur.get_by_role("heading", name="Предложение пар")).to_be_visible()
    cards = cur.locator("article.pair-card")
    expect(cards).to_have_count(4)
    proposal = cur.locator("main").inner_text()
    for young, senior in zip(TEACHERS[::2], TEACHERS[1::2], strict=True):
        assert (f"{young.full_name} ⇄ {senior.full_name}" in proposal
                or f"{senior.full_name} ⇄ {young.full_name}" in proposal), proposal
    _shot(cur, "e2e-08-pairs-proposal")
    today = dt.date.today()
    cur.get_by_label("Начало").fill(today.isoformat())
    cur.get_by_label("Окончание").fill((today + dt.timedelta(days=180)).isoformat())
    cur.get_by_role("button", name="Утвердить", exact=True).click()
    expect(cur.get_by_text("Утверждено пар:")).to_be_visible()

    cur.goto(f"{base}/pairs/")
    cur.get_by_role("button", name="Сформировать приказ").click()
    cur.get_by_label("Номер приказа").fill("42-од")
    cur.get_by_label("Руководитель (ФИО)").fill("С. С. Директорова")
    for box in cur.locator("input[name=pairs]").all():
        box.check()
    with cur.expect_download() as download:
        cur.get_by_role("button", name="Сформировать DOCX").click()
    order_path = tmp_path / "приказ.docx"
    download.value.save_as(str(order_path))
    order = Document(io.BytesIO(order_path.read_bytes()))
    order_text = "\n".join([p.text for p in order.paragraphs]
                           + [c.text for t in order.tables for r in t.rows for c in r.cells])
    assert "№ 42-од" in order_text
    assert "Лебедева" in order_text and "Соколов" in order_text, order_text
    assert "С. С. Директорова" in order_text

    # -- 7. The pair confirms and agrees its map; the curator approves and starts it -----
    anna, petr = (watch(_new_page(browser)) for _ in range(2))
    for page, t in ((anna, ANNA), (petr, PETR)):
        _login(page, base, t.email)
        page.goto(_mail_link(t.email, r"http://\S+/pairs/\d+/"))
        page.get_by_role("button", name="Подтверждаю участие").click()
        expect(page.get_by_role("button", name="Подтверждаю участие")).to_have_count(0)
    pair_url = anna.url
    anna.get_by_role("button", name="Карта наставничества").click()
    map_url = anna.url
    expect(anna.get_by_role(
        "heading", name="Индивидуальная карта реверсивного наставничества")).to_be_visible()
    expect(anna.locator("article.map-row")).to_have_count(4)  # two deficits each way
    _shot(anna, "e2e-09-map-draft")
    for page in (anna, petr):
        page.goto(map_url)
        page.get_by_role("button", name="Согласовать карту").click()
    expect(petr.get_by_text("Статус карты: согласована участниками")).to_be_visible()
    cur.goto(map_url)
    cur.get_by_role("button", name="Утвердить карту").click()
    cur.get_by_role("button", name="Начать выполнение").click()
    expect(cur.get_by_text("Статус карты: выполняется")).to_be_visible()

    # -- 8. Meetings and tasks ------------------------------------------------------------
    for page, topic in ((anna, "Первая встреча: план работы"),
                        (petr, "Проектируем занятие вместе")):
        page.goto(map_url)
        page.get_by_text("Записать встречу").click()
        page.get_by_label("Дата").fill(today.isoformat())
        page.get_by_label("Тема").fill(topic)
        page.get_by_role("button", name="Записать", exact=True).click()
        expect(page.get_by_text(topic)).to_be_visible()
    proof = tmp_path / "конспект-занятия.pdf"
    proof.write_bytes(b"%PDF-1.4 a lesson plan made together")
    for i in range(4):
        row = anna.locator("article.map-row:not(.done)").first
        row.get_by_text("Отметить выполнение").click()
        if i == 0:
            row.locator("input[type=file]").set_input_files(str(proof))
        else:
            row.locator("input[type=url]").fill(f"https://school5.test/products/{i}")
        row.get_by_role("button", name="Выполнено").click()
        expect(anna.get_by_text("Задача отмечена выполненной.")).to_be_visible()
    expect(anna.locator("article.map-row.done")).to_have_count(4)
    expect(anna.get_by_role("link", name="конспект-занятия.pdf")).to_be_visible()
    _shot(anna, "e2e-10-map-in-progress")
    anna.goto(pair_url)
    _shot(anna, "e2e-11-pair")

    # -- 9. The final diagnostics, with higher levels -----------------------------------
    cur.goto(f"{base}/diagnostics/new/")
    cur.get_by_label("Название").fill("Итоговая диагностика 2026")
    cur.get_by_label("Вид").select_option(label="итоговая")
    cur.get_by_label("Для кого").select_option(label="Организация: Школа № 5")
    # «Для кого» re-renders «Сравнить с входной» (htmx): chosen before the swap, the
    # choice would go with the old element.
    cur.wait_for_load_state("networkidle")
    cur.get_by_label("Сравнить с входной").select_option(
        label="Школа № 5 — Входная диагностика 2026")
    cur.get_by_role("button", name="Создать").click()
    expect(cur.get_by_text("Диагностика создана: участников — 8.")).to_be_visible()
    final_url = cur.url
    cur.get_by_role("button", name="Пригласить и напомнить по e-mail").click()
    expect(cur.get_by_text("Приглашения и напоминания отправлены: 8.")).to_be_visible()
    # Пётр fills it in himself; the others' results come as a file again.
    petr.goto(_mail_link(PETR.email, r"http://\S+/diagnostics/q/\d+/"))
    expect(petr.get_by_role("heading", name="Итоговая диагностика 2026")).to_be_visible()
    _fill_questionnaire(petr, PETR, final=True)
    petr.get_by_role("button", name="Отправить анкету").click()
    expect(petr.get_by_text("Анкета отправлена. Спасибо!")).to_be_visible()
    expect(petr.get_by_text("Дефицитов закрыто: 2, осталось: 0.")).to_be_visible()
    _shot(petr, "e2e-12-profile-after")
    final = tmp_path / "результаты-итоговой.xlsx"
    final.write_bytes(results_xlsx([t for t in TEACHERS if t is not PETR], final=True))
    cur.goto(final_url)
    cur.get_by_role("button", name="Загрузить результаты").click()
    cur.get_by_label("Файл XLSX или CSV").set_input_files(str(final))
    cur.get_by_role("button", name="Проверить файл").click()
    cur.get_by_role("button", name="Загрузить 7 анкет").click()
    expect(cur.get_by_text("Все отправили анкеты.")).to_be_visible()
    cur.get_by_role("button", name="Завершить").click()
    expect(cur.get_by_text("Отправили анкету: 8 из 8.")).to_be_visible()  # asked once
    cur.get_by_role("button", name="Да, завершить").click()
    expect(cur.get_by_text("Диагностика завершена.")).to_be_visible()
    _shot(cur, "e2e-13-final-diagnostics")

    # -- 10. The curator closes the map; the dashboards and the region's report -----------
    cur.goto(map_url)
    cur.get_by_role("button", name="Завершить").click()
    expect(cur.get_by_role("heading", name="Завершить карту и пару?")).to_be_visible()
    cur.get_by_role("button", name="Да, завершить").click()
    expect(cur.get_by_text("Статус карты: завершена")).to_be_visible()
    cur.get_by_role("link", name="Мониторинг").first.click()
    expect(cur.get_by_role("heading", name="До и после: уровень по областям")).to_be_visible()
    _charts_loaded(cur)
    _shot(cur, "e2e-14-monitoring-organization")

    op = watch(_new_page(browser))
    _login(op, base, "operator")
    op.get_by_role("link", name="Мониторинг").first.click()
    expect(op.get_by_role("heading", name="Мониторинг", exact=True)).to_be_visible()
    expect(op.get_by_role("heading", name="До и после: уровень по областям")).to_be_visible()
    _charts_loaded(op)
    _shot(op, "e2e-15-monitoring-region")
    dashboard_text = op.locator("main").inner_text()
    op.get_by_text("Скачать отчёт").click()
    with op.expect_download() as download:
        op.get_by_role("link", name="Сводный отчёт (PDF)").click()
    report_path = tmp_path / "отчёт.pdf"
    download.value.save_as(str(report_path))
    report_text = "\n".join(p.extract_text() for p in PdfReader(str(report_path)).pages)
    # Every deficit the pairs planned was closed in the final round, and the one finished
    # pair closed all of its own: the figures say so on the page and in the report.
    for text in (dashboard_text, report_text):
        assert re.search(r"100 %\s+Обучение|Обучение\s+100 %", text), text
        assert re.search(r"100 %\s+Результаты|Результаты\s+100 %", text), text
        assert "8 из 8" in text  # the initial questionnaires
    assert "Сводный отчёт о реверсивном наставничестве" in report_text
    assert "Заречная область" in report_text
    assert "До и после: средний уровень по областям (0–3)" in report_text
    for page in (anna, petr, cur, op):
        page.close()
