"""A curator loads a staff list in a real browser: a file with a mistake, the fixed file,
the commit; then a large file whose check the page follows by itself (htmx polling)."""

from pathlib import Path

import pytest

from tandem.conftest import shot
from tandem.people.models import Participant
from tandem.roster import tasks
from tandem.roster.models import RosterImport
from tandem.roster.services import roster_import_store
from tandem.roster.tests.files import many, person, roster_csv, row_of
from tandem.testing import World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def seeded(transactional_db: None) -> World:
    return build_world()


def test_curator_loads_a_list(live_server: object, seeded: World, browser: object,
                              tmp_path: Path) -> None:
    from playwright.sync_api import expect

    world = seeded
    base = live_server.url  # type: ignore[attr-defined]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Имя пользователя").fill("alice")
    page.get_by_label("Пароль").fill("correct horse battery")
    page.get_by_role("button", name="Войти").click()

    page.goto(f"{base}/participants/")
    page.get_by_role("button", name="Загрузить список").click()
    expect(page.get_by_role("heading", name="Загрузка списка участников")).to_be_visible()
    shot(page, "roster-00-upload")
    wrong = tmp_path / "список.csv"
    wrong.write_bytes(roster_csv([person(), row_of(world.bob_p, **{"Стаж (лет)": 2}),
                                  person(**{"E-mail": "вася@", "Фамилия": ""})],
                                 encoding="cp1251"))
    page.get_by_label("Файл XLSX или CSV").set_input_files(str(wrong))
    page.get_by_role("button", name="Проверить файл").click()
    expect(page.get_by_text("Строка 4, «Фамилия»: Укажите фамилию.")).to_be_visible()
    expect(page.get_by_role("button", name="Загрузить: новых")).to_have_count(0)
    shot(page, "roster-01-preview-with-errors")

    fixed = tmp_path / "список-исправленный.csv"
    fixed.write_bytes(roster_csv([person(), row_of(world.bob_p, **{"Стаж (лет)": 2}),
                                  row_of(world.carol_p)], encoding="cp1251"))
    page.get_by_role("link", name="Загрузить исправленный файл").click()
    page.get_by_label("Файл XLSX или CSV").set_input_files(str(fixed))
    page.get_by_role("button", name="Проверить файл").click()
    expect(page.get_by_text("Стаж (лет): 1 → 2")).to_be_visible()
    shot(page, "roster-02-preview-ok")
    page.get_by_role("button", name="Загрузить: новых — 1, изменений — 1").click()
    expect(page.get_by_text("Загружено. Новых участников: 1, изменено: 1")).to_be_visible()
    shot(page, "roster-03-done")
    assert Participant.objects.filter(email="novikova@example.org").exists()

    # A large file: the check runs in the background and the page follows its progress.
    upload = roster_import_store(user=world.alice, filename="большой.csv",
                                 content=roster_csv(many(30)))
    page.goto(f"{base}/roster/{upload.pk}/")
    expect(page.get_by_text("Проверяем файл…")).to_be_visible()
    shot(page, "roster-04-progress")
    tasks.check_roster_file.call(import_id=upload.pk)  # what a worker would do
    expect(page.get_by_role("button", name="Загрузить: новых — 30, изменений — 0")).to_be_visible(
        timeout=5000)
    assert RosterImport.objects.get(pk=upload.pk).status == RosterImport.Status.CHECKED
    assert errors == [], errors
