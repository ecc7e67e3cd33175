"""The columns of a person's name: :attr:`Participant.NAME_FIELDS`, read by
``full_name`` and ``short_name``, is the one list the pages that load people with
``only()`` name — a fourth name part added there reaches every one of them (before,
each list spelled the three out: one forgotten, and every row of that page paid a query
for the missing column)."""

import importlib
from collections.abc import Iterator
from types import ModuleType

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.conftest import World
from tandem.people.models import Participant

pytestmark = pytest.mark.django_db

LISTS = (("tandem.pairs.selectors", "LISTED_FIELDS", ("a__", "b__")),
         ("tandem.api.selectors", "PAGE_FIELDS", ("a__", "b__")),
         ("tandem.directory.selectors", "LISTED_FIELDS", ("",)))


def test_the_names_read_exactly_the_name_fields(world: World) -> None:
    person = Participant.objects.only(*Participant.NAME_FIELDS).get(pk=world.carol_p.pk)
    with CaptureQueriesContext(connection) as queries:
        assert person.full_name.startswith(person.surname)
        assert person.short_name.startswith(person.surname)
    assert queries.captured_queries == []
    for left_out in Participant.NAME_FIELDS:
        fields = [f for f in Participant.NAME_FIELDS if f != left_out]
        person = Participant.objects.only(*fields).get(pk=world.carol_p.pk)
        with CaptureQueriesContext(connection) as queries:
            _ = person.full_name
        assert len(queries.captured_queries) == 1  # each of them is read


@pytest.fixture
def a_fourth_name_part(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ModuleType]]:
    """NAME_FIELDS with one more column, and the lists' modules loaded again under it;
    after, each module's own objects put back as they were — not loaded once more: a
    reload makes new classes, and a test run after this one in the same process that
    imported ``PairPages`` before found ``isinstance`` false (seen by h/trgm)."""
    monkeypatch.setattr(Participant, "NAME_FIELDS", (*Participant.NAME_FIELDS, "position"))
    modules = [importlib.import_module(name) for name, _, _ in LISTS]
    saved = [dict(vars(module)) for module in modules]
    yield [importlib.reload(module) for module in modules]
    monkeypatch.undo()
    for module, before in zip(modules, saved, strict=True):
        vars(module).clear()
        vars(module).update(before)


def test_every_list_of_people_takes_the_names_from_the_one_list(
        a_fourth_name_part: list[ModuleType]) -> None:
    for module, (_, constant, relations) in zip(a_fourth_name_part, LISTS, strict=True):
        columns = getattr(module, constant)
        for relation in relations:
            assert {f"{relation}{f}" for f in Participant.NAME_FIELDS} <= set(columns), (
                module.__name__, constant)
