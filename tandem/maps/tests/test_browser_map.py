"""A pair's map in a real browser: the drafted map, a row edit, a resource from the
catalogue, both agree, the curator approves and starts it, a meeting, a task done with a
file, and the map as DOCX and PDF."""

from pathlib import Path

import pytest
from django.db import connection

from tandem.conftest import add_resource, logged_in_page, shot
from tandem.maps.models import Evidence, Map, Meeting
from tandem.pairs.models import Pair
from tandem.testing import World

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _login(chromium: object, base: str, username: str) -> object:
    return logged_in_page(chromium, base, username)


def test_a_map_from_draft_to_work(live_server: object, mapped: tuple[World, Pair],
                                  browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    _world, pair = mapped
    base = live_server.url  # type: ignore[attr-defined]
    url = f"{base}/maps/{pair.pk}/"

    bob = _login(browser, base, "bob")
    bob.goto(f"{base}/pairs/{pair.pk}/")  # type: ignore[attr-defined]
    bob.get_by_role("button", name="Карта наставничества").click()  # type: ignore[attr-defined]
    title = "Индивидуальная карта реверсивного наставничества"
    expect(bob.get_by_role("heading", name=title)).to_be_visible()  # type: ignore[attr-defined]
    rows = bob.locator("article.map-row")  # type: ignore[attr-defined]
    assert rows.count() >= 6  # both directions drafted
    shot(bob, "map-01-draft")

    first = rows.nth(0)
    first.get_by_role("button", name="изменить").click()
    editing = bob.locator("article.map-row.editing")  # type: ignore[attr-defined]
    editing.get_by_label("Задача").fill("Провести вместе открытое занятие с ИИ-помощником")
    editing.get_by_role("button", name="Сохранить").click()
    expect(bob.get_by_text("Провести вместе открытое занятие с ИИ-помощником")).to_be_visible()  # type: ignore[attr-defined]

    # A row for which the catalogue had nothing: the curator's course is added by hand.
    bare = bob.locator("article.map-row", has_text="в каталоге нет ресурса").first  # type: ignore[attr-defined]
    bare_id = bare.get_attribute("id")
    add_resource(bare, "Областной курс (регион)")
    expect(bob.locator(f"#{bare_id} .badge", has_text="Областной курс")).to_be_visible()  # type: ignore[attr-defined]
    bob.get_by_role("button", name="Согласовать карту").click()  # type: ignore[attr-defined]
    expect(bob.get_by_text("Согласовали:")).to_be_visible()  # type: ignore[attr-defined]

    carol = _login(browser, base, "carol")
    carol.goto(url)  # type: ignore[attr-defined]
    carol.get_by_role("button", name="Согласовать карту").click()  # type: ignore[attr-defined]
    expect(carol.get_by_text("Статус карты: согласована участниками")).to_be_visible()  # type: ignore[attr-defined]

    alice = _login(browser, base, "alice")
    alice.goto(url)  # type: ignore[attr-defined]
    alice.get_by_role("button", name="Утвердить карту").click()  # type: ignore[attr-defined]
    alice.get_by_role("button", name="Начать выполнение").click()  # type: ignore[attr-defined]
    expect(alice.get_by_text("Статус карты: выполняется")).to_be_visible()  # type: ignore[attr-defined]

    bob.goto(url)  # type: ignore[attr-defined]
    bob.get_by_text("Записать встречу").click()  # type: ignore[attr-defined]
    bob.get_by_label("Дата").fill("2026-12-10")  # type: ignore[attr-defined]
    bob.get_by_label("Тема").fill("Первая встреча: план работы")  # type: ignore[attr-defined]
    bob.get_by_role("button", name="Записать", exact=True).click()  # type: ignore[attr-defined]
    expect(bob.get_by_text("Первая встреча: план работы")).to_be_visible()  # type: ignore[attr-defined]

    proof = tmp_path / "конспект.pdf"
    proof.write_bytes(b"%PDF-1.4 proof")
    first = bob.locator("article.map-row").nth(0)  # type: ignore[attr-defined]
    first.get_by_text("Отметить выполнение").click()
    first.locator("input[type=file]").set_input_files(str(proof))
    first.get_by_role("button", name="Выполнено").click()
    expect(bob.get_by_text("Задача отмечена выполненной.")).to_be_visible()  # type: ignore[attr-defined]
    expect(bob.get_by_role("link", name="конспект.pdf")).to_be_visible()  # type: ignore[attr-defined]
    shot(bob, "map-02-in-progress")

    for fmt in ("DOCX", "PDF"):
        with bob.expect_download() as download:  # type: ignore[attr-defined]
            bob.get_by_role("button", name=fmt).click()  # type: ignore[attr-defined]
        target = tmp_path / f"map.{fmt.lower()}"
        download.value.save_as(str(target))
        assert target.stat().st_size > 1000

    status = Map.objects.get(pair=pair).status
    meetings, evidence = Meeting.objects.count(), Evidence.objects.count()
    connection.close()  # the greenlet's own connection (see test_browser_cycle)
    assert (status, meetings, evidence) == (Map.Status.IN_PROGRESS, 1, 1)
