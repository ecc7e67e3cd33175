"""A person's data download reads as Russian: headers are the fields' names, statuses
their labels, yes/no words, dates dd.mm.yyyy (tandem/people/personal_data.py)."""

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from tandem.accounts.models import User
from tandem.people.personal_data import sections
from tandem.surveys.models import Survey
from tandem.testing import World, build_map, build_school

MACHINE = re.compile(r"^[a-z_]+$")
LATIN = re.compile(r"^[A-Za-z_]+$")
# Sheets whose sections name their columns (tandem/<app>/personal_data.py). The sections
# of maps and pairs do not yet: see test_every_section_names_its_columns.
NAMED = ("Профиль", "Диагностика", "Мероприятия", "Опросы")


def _codes() -> set[str]:
    """Every stored choice value of every model («submitted», «registered», «mid»…)."""
    return {str(value) for model in apps.get_models() for f in model._meta.get_fields()
            for value, _label in (getattr(f, "choices", None) or ())
            if isinstance(value, str) and MACHINE.match(value)}


@pytest.fixture
def carols_book(client: Client, world: World) -> tuple[Workbook, dict[str, Any]]:
    pair = build_map(world)  # Bob ⇄ Carol, with a map; Bob has a diagnostic
    Survey.objects.create(pair=pair, participant=world.carol_p,  # type: ignore[misc]
                          stage=Survey.Stage.MID, due_on=dt.date(2026, 12, 1),
                          submitted_at=timezone.now(), mentee_benefit=9, recommend=8,
                          text_good="Разбор урока")
    build_school(world)  # Carol attended the seminar and has a certificate
    carol = User.objects.create_user(username="carol", password="x")
    world.carol_p.user = carol
    world.carol_p.save()
    client.force_login(carol)
    kwargs = {"pk": world.carol_p.pk}
    book = load_workbook(io.BytesIO(client.get(reverse("people:data_xlsx",
                                                       kwargs=kwargs)).content))
    data = json.loads(client.get(reverse("people:data_json", kwargs=kwargs)).content)
    return book, data


def test_the_workbook_speaks_russian(carols_book: tuple[Workbook, dict[str, Any]]) -> None:
    book, _data = carols_book
    codes = _codes()
    assert {"submitted", "registered", "mid"} <= codes  # the check can see a code
    profile = {row[0].value: row[1] for row in book["Профиль"].iter_rows()}
    assert not any(LATIN.match(str(k)) for k in profile)
    assert profile["Фамилия"].value == "Каролёва"
    assert profile["В программе"].value == "да"
    for name in NAMED:
        sheet = book[name]
        rows = list(sheet.iter_rows())
        assert rows, name
        headers = rows[0] if name != "Профиль" else [r[0] for r in rows]
        bad = [c.value for c in headers if LATIN.match(str(c.value))]
        assert not bad, (name, bad)
        for row in rows:
            for cell in row:
                assert cell.value not in codes, (name, cell.coordinate, cell.value)
                assert not isinstance(cell.value, bool), (name, cell.coordinate)
                if isinstance(cell.value, dt.date):  # openpyxl reads every date back as a datetime
                    assert cell.number_format in ("DD.MM.YYYY", "DD.MM.YYYY HH:MM"), (
                        name, cell.coordinate)
    surveys = book["Опросы"]
    header = [c.value for c in surveys[1]]
    assert header[:3] == ["Номер пары", "Этап", "Ответить до"]
    assert surveys["B2"].value == "промежуточный"
    assert surveys["C2"].value == dt.datetime(2026, 12, 1)
    assert surveys["C2"].number_format == "DD.MM.YYYY"
    events = book["Мероприятия"]
    assert [c.value for c in events[1]] == ["Мероприятие", "Начало", "Статус",
                                            "Присутствовал", "Сертификаты"]
    assert events["D2"].value == "да" and events["C2"].value == "записан"


def test_the_json_keeps_its_keys_and_says_what_they_mean(
        carols_book: tuple[Workbook, dict[str, Any]]) -> None:
    _book, data = carols_book
    assert data["profile"]["surname"] == "Каролёва"  # stable keys for a program
    assert data["labels"]["profile"]["surname"] == "фамилия"
    assert data["labels"]["surveys"]["stage"] == "этап"
    assert data["surveys"][0]["stage"] == "промежуточный"  # the label, not «mid»
    assert data["surveys"][0]["due_on"] == "2026-12-01"  # ISO in the JSON
    for key, names in data["labels"].items():
        rows = data[key] if isinstance(data[key], list) else [data[key]]
        for row in rows:
            missing = set(row) - set(names)
            if key in {s.key for s in sections() if s.columns} or key == "profile":
                assert not missing, (key, missing)


def test_a_diagnostic_shows_competencies_by_name(client: Client, world: World) -> None:
    build_map(world)
    client.force_login(world.bob)
    book = load_workbook(io.BytesIO(client.get(
        reverse("people:data_xlsx", kwargs={"pk": world.bob_p.pk})).content))
    sheet = book["Диагностика"]
    header = [c.value for c in sheet[1]]
    assert "Компетенция" in header and "Код компетенции" not in header
    column = header.index("Компетенция")
    names = [row[column].value for row in sheet.iter_rows(min_row=2)]
    assert names and not any("." in str(n) and " " not in str(n) for n in names), names


def test_every_section_names_its_columns(
        carols_book: tuple[Workbook, dict[str, Any]]) -> None:
    book, _data = carols_book
    for section in sections():
        if section.title in book.sheetnames and book[section.title].max_row > 1:
            headers = [c.value for c in book[section.title][1]]
            assert not [h for h in headers if LATIN.match(str(h))], section.key
