"""An event of the school of mentors from creation to a verified certificate, in a real
browser: the operator creates it, a curator registers people beyond capacity (waiting
list), a cancellation promotes the first waiting, attendance is marked on a tablet, the
certificate is downloaded and checked on the public page, then revoked."""

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tandem.conftest import SCREENSHOTS, logged_in_page, shot
from tandem.testing import World, build_world, bulk_participants

pytestmark = [pytest.mark.browser, pytest.mark.slow]



@pytest.fixture
def seeded(transactional_db: None) -> World:
    world = build_world()
    bulk_participants(world.org_a, 4)
    return world


def _login(browser: object, base: str, username: str, viewport: dict[str, int]) -> object:
    return logged_in_page(browser, base, username, width=viewport["width"],
                          height=viewport["height"])


def test_event_from_creation_to_verified_certificate(live_server: object, seeded: World,
                                                     browser: object) -> None:
    from playwright.sync_api import expect

    base = live_server.url  # type: ignore[attr-defined]
    desktop = {"width": 1280, "height": 900}
    start = timezone.localtime(timezone.now() - dt.timedelta(minutes=30))
    end = start + dt.timedelta(hours=5)
    errors: list[str] = []

    # 1. The region operator creates a seminar with two places.
    olga = _login(browser, base, "olga", desktop)
    olga.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    olga.locator("details.more-menu summary").click()  # type: ignore[attr-defined]
    olga.get_by_role("link", name="Школа наставников", exact=True).first.click()  # type: ignore[attr-defined]
    olga.get_by_role("button", name="Новое мероприятие").click()  # type: ignore[attr-defined]
    olga.get_by_label("Вид").select_option("seminar")  # type: ignore[attr-defined]
    olga.get_by_label("Название").fill("Реверсивное наставничество: семинар")  # type: ignore[attr-defined]
    olga.get_by_label("Начало").fill(start.strftime("%Y-%m-%dT%H:%M"))  # type: ignore[attr-defined]
    olga.get_by_label("Окончание").fill(end.strftime("%Y-%m-%dT%H:%M"))  # type: ignore[attr-defined]
    olga.get_by_label("Место проведения").fill("Дворец творчества, большой зал")  # type: ignore[attr-defined]
    olga.get_by_label("Спикер").fill("Лебедева И. В.")  # type: ignore[attr-defined]
    olga.get_by_label("Количество мест").fill("2")  # type: ignore[attr-defined]
    olga.get_by_label("Объём, академических часов").fill("6")  # type: ignore[attr-defined]
    olga.get_by_role("button", name="Сохранить").click()  # type: ignore[attr-defined]
    expect(olga.get_by_text("Мероприятие создано.")).to_be_visible()  # type: ignore[attr-defined]
    event_url = olga.url  # type: ignore[attr-defined]
    assert re.search(r"/school/\d+/$", event_url)

    # 2. The curator registers three people for two places: the third waits.
    alice = _login(browser, base, "alice", desktop)
    alice.goto(event_url)  # type: ignore[attr-defined]
    alice.get_by_label("Поиск участников").fill("бобр")  # type: ignore[attr-defined]
    expect(alice.locator("#candidates label")).to_have_count(1)  # type: ignore[attr-defined]
    alice.get_by_label("Бобров Борис Олегович").check()  # type: ignore[attr-defined]
    alice.get_by_label("Поиск участников").fill("")  # type: ignore[attr-defined]
    expect(alice.locator("#candidates label")).to_have_count(7)  # type: ignore[attr-defined]
    # The search replaced the list: tick Bob again along with Carol and one more.
    alice.get_by_label("Бобров Борис Олегович").check()  # type: ignore[attr-defined]
    alice.get_by_label("Каролёва Карина Сергеевна").check()  # type: ignore[attr-defined]
    alice.locator("#candidates input[type=checkbox]").last.check()  # type: ignore[attr-defined]
    alice.get_by_role("button", name="Записать отмеченных").click()  # type: ignore[attr-defined]
    expect(alice.get_by_text("Мест нет — в листе ожидания")).to_be_visible()  # type: ignore[attr-defined]
    expect(alice.get_by_role("heading", name="Лист ожидания (1)")).to_be_visible()  # type: ignore[attr-defined]
    shot(alice, "school-01-registered-with-waiting-list")

    # 3. One cancels: the first in the waiting list gets the place.
    alice.locator("#registrations table").get_by_role(  # type: ignore[attr-defined]
        "button", name="отменить").first.click()
    expect(alice.get_by_text("Из листа ожидания записаны")).to_be_visible()  # type: ignore[attr-defined]
    expect(alice.get_by_role("heading", name="Лист ожидания")).to_have_count(0)  # type: ignore[attr-defined]

    # 4. Attendance on a tablet: search, tap, the row turns green without a reload.
    tablet = {"width": 1024, "height": 768}  # landscape; at 820 the shared header overflows
    pad = _login(browser, base, "olga", tablet)
    pad.goto(event_url + "attendance/")  # type: ignore[attr-defined]
    expect(pad.get_by_text("Отмечено: 0 из 2")).to_be_visible()  # type: ignore[attr-defined]
    pad.get_by_label("Найти по фамилии").fill("карол")  # type: ignore[attr-defined]
    expect(pad.locator(".attendance-row")).to_have_count(1)  # type: ignore[attr-defined]
    pad.get_by_label("Найти по фамилии").fill("")  # type: ignore[attr-defined]
    expect(pad.locator(".attendance-row")).to_have_count(2)  # type: ignore[attr-defined]
    row = pad.locator(".attendance-row", has_text="Каролёва")  # type: ignore[attr-defined]
    box = row.bounding_box()
    assert box["height"] >= 56  # a touch target
    row.click()
    expect(pad.locator(".attendance-row.present", has_text="Каролёва")).to_be_visible()  # type: ignore[attr-defined]
    expect(pad.get_by_text("Отмечено: 1 из 2")).to_be_visible()  # type: ignore[attr-defined]
    # Nothing wider than the tablet's screen.
    assert pad.evaluate("document.documentElement.scrollWidth") <= tablet["width"]  # type: ignore[attr-defined]
    shot(pad, "school-02-attendance-tablet")

    # 5. The certificate: downloaded from the event page, read back.
    olga.goto(event_url)  # type: ignore[attr-defined]
    with olga.expect_download() as download_info:  # type: ignore[attr-defined]
        olga.locator("#registrations tr", has_text="Каролёва").get_by_role(  # type: ignore[attr-defined]
            "link", name="PDF").click()
    path = SCREENSHOTS / "school-certificate.pdf"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    download_info.value.save_as(path)
    text = " ".join(PdfReader(io.BytesIO(path.read_bytes())).pages[0].extract_text().split())
    assert "Каролёвой Карине Сергеевне" in text
    code = re.search(r"Код проверки: ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})", text)
    assert code is not None
    olga.reload()  # type: ignore[attr-defined]
    shot(olga, "school-03-event-page")

    # 6. Anyone checks the code, without logging in; a wrong one is "not found".
    public = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU").new_page()  # type: ignore[attr-defined]
    public.goto(f"{base}/school/verify/")
    public.get_by_label("Код сертификата").fill(code.group(1).lower())
    public.get_by_role("button", name="Проверить").click()
    expect(public.get_by_role("heading", name="Сертификат действителен")).to_be_visible()
    expect(public.get_by_text("Каролёва Карина Сергеевна")).to_be_visible()
    expect(public.get_by_text("Школа А")).to_have_count(0)
    shot(public, "school-04-verified-phone")
    public.goto(f"{base}/school/verify/?code=AAAA-BBBB-CCCC")
    expect(public.get_by_role("heading", name="Сертификат не найден")).to_be_visible()

    # 7. The organizer revokes it, saying why: the same code is no longer found.
    row = olga.locator("#registrations tr", has_text="Каролёва")  # type: ignore[attr-defined]
    row.get_by_label("Причина").first.fill("выдан по ошибке")
    row.get_by_role("button", name="отозвать").click()
    # Asked once: what will happen, the reason carried over, and the way back.
    heading = f"Отозвать сертификат {code.group(1)}?"
    expect(olga.get_by_role("heading", name=heading)).to_be_visible()  # type: ignore[attr-defined]
    expect(olga.get_by_label("Причина отзыва")).to_have_value("выдан по ошибке")  # type: ignore[attr-defined]
    shot(olga, "school-05a-revoke-confirm")
    olga.get_by_role("button", name="Да, отозвать").click()  # type: ignore[attr-defined]
    expect(olga.get_by_text(f"Сертификат {code.group(1)} отозван.")).to_be_visible()  # type: ignore[attr-defined]
    public.goto(f"{base}/school/verify/{code.group(1)}/")
    expect(public.get_by_role("heading", name="Сертификат не найден")).to_be_visible()
    shot(public, "school-05-revoked-phone")
    assert errors == [], errors
