"""The curator's pair formation in a real browser: run, lock, forbid, re-run, approve,
download the order."""

import io

import pytest
from django.db import connection
from docx import Document

from tandem.conftest import shot
from tandem.pairs.models import Pair, PairRule
from tandem.testing import World, build_pairs_pool, build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def pool(transactional_db: None) -> World:
    world = build_world()
    build_pairs_pool(world, extra=4)  # Bob, Carol, Alice and four more people of A
    return world


def test_curator_forms_pairs_and_downloads_the_order(
    live_server: object, pool: World, browser: object, tmp_path: object,
) -> None:
    from playwright.sync_api import expect

    base = live_server.url  # type: ignore[attr-defined]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")  # type: ignore[attr-defined]
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Имя пользователя").fill("alice")
    page.get_by_label("Пароль").fill("correct horse battery")
    page.get_by_role("button", name="Войти").click()

    page.get_by_role("link", name="Пары").first.click()
    page.get_by_role("button", name="Подбор пар").click()
    expect(page.get_by_text("В пуле 7 человек")).to_be_visible()
    page.get_by_role("button", name="Подобрать пары").click()
    expect(page.get_by_role("heading", name="Предложение пар")).to_be_visible()
    expect(page.get_by_text("оптимум доказан")).to_be_visible()
    cards = page.locator("article.pair-card")
    expect(cards).to_have_count(3)
    shot(page, "pairs-01-proposal")

    first = cards.nth(0).locator("header strong").all_inner_texts()
    cards.nth(0).get_by_role("button", name="закрепить").click()
    expect(page.get_by_text("Пара закреплена")).to_be_visible()
    second = cards.nth(1).locator("header strong").all_inner_texts()
    cards.nth(1).get_by_role("button", name="запретить эту пару").click()
    expect(page.get_by_text("Пара запрещена")).to_be_visible()

    page.get_by_role("button", name="Пересчитать с учётом правил").click()
    expect(page.get_by_role("heading", name="Предложение пар")).to_be_visible()
    text = page.locator("main").inner_text()
    assert " ⇄ ".join(first) in text
    assert " ⇄ ".join(second) not in text
    expect(page.locator("article.pair-card", has_text="закреплена")).to_have_count(1)
    shot(page, "pairs-02-rerun")

    page.get_by_label("Начало").fill("2026-12-01")
    page.get_by_label("Окончание").fill("2027-05-31")
    page.get_by_role("button", name="Утвердить", exact=True).click()
    expect(page.get_by_text("Утверждено пар:")).to_be_visible()
    shot(page, "pairs-03-approved")

    page.get_by_role("button", name="Сформировать приказ").click()
    page.get_by_label("Номер приказа").fill("7-од")
    page.get_by_label("Руководитель (ФИО)").fill("Н. Н. Директорова")
    for box in page.locator("input[name=pairs]").all():
        box.check()
    shot(page, "pairs-04-order-form")
    with page.expect_download() as download:
        page.get_by_role("button", name="Сформировать DOCX").click()
    path = str(tmp_path) + "/order.docx"  # type: ignore[operator]
    download.value.save_as(path)
    with open(path, "rb") as f:
        document = Document(io.BytesIO(f.read()))
    assert "№ 7-од" in "\n".join(p.text for p in document.paragraphs)

    approved = Pair.objects.count()
    rules = PairRule.objects.count()
    connection.close()  # the greenlet's own connection (see test_browser_cycle)
    assert approved >= 2 and rules == 2
