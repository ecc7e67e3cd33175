"""The members' search names kept on a pair (``Pair.names``): written on every way a pair
is created or its members are written, following a member's rename and anonymisation
(not in the pair's audit trail: the rename is, on the participant), checked and repaired
by ``tandem tallies`` — and, the point of them, the pairs' search by a member's name
finding exactly the pairs the old rule did: every word of the query (the first three) in
A's or B's search name, ё = е, any case."""

import importlib
from io import StringIO
from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import scope_for
from tandem.accounts.models import User
from tandem.core.text import normalize_name
from tandem.pairs import names
from tandem.pairs.models import Pair
from tandem.pairs.selectors import pairs_search, pairs_search_pages
from tandem.pairs.tests.pair_lists import TERM, new_people
from tandem.people.models import Participant
from tandem.people.personal_data import participant_anonymise
from tandem.testing import World

DONE = {"status": Pair.Status.COMPLETED}  # not running: any two people may pair again


def _names(pair: Pair) -> str:
    return Pair.objects.values_list("names", flat=True).get(pk=pair.pk)


def _now(pair_ids: list[int]) -> dict[int, str]:
    """Each pair's members' search names as they are now, joined as ``names`` keeps them."""
    name = dict(Participant.objects.values_list("pk", "search_name"))
    return {pk: f"{name[a]} {name[b]}"
            for pk, a, b in Pair.objects.filter(pk__in=pair_ids).values_list("pk", "a", "b")}


def _renamed(person: Participant, surname: str, name: str = "Оксана",
             patronymic: str = "Павловна") -> None:
    person = Participant.objects.get(pk=person.pk)  # loaded as a page would
    person.surname, person.name, person.patronymic = surname, name, patronymic
    person.save()


def _old_rule(text: str, a: str, b: str) -> bool:
    """The search as it was (Participant.objects.search of each word, asked of A and of
    B), in plain Python: every word of the first three has a member whose search name
    contains each of its folded parts."""
    return all(any(all(part in member for part in normalize_name(word).split())
                   for member in (a, b))
               for word in text.split()[:3])


def _found(user: User, text: str, among: list[int]) -> set[int]:
    return set(pairs_search(scope=scope_for(user), text=text).filter(pk__in=among)
               .values_list("pk", flat=True))


def test_every_way_of_making_a_pair_writes_the_names(world: World) -> None:
    _renamed(world.alice_p, "Грачёва")
    _renamed(world.charlie_p, "Семёнов", "Иван", "")
    saved = Pair.objects.create(a=world.alice_p, b=world.charlie_p, organization=world.org_a,
                                **TERM)
    assert _names(saved) == "грачева оксана павловна семенов иван"
    assert "names" not in saved.__dict__  # not the expression: read when asked for
    assert saved.names == "грачева оксана павловна семенов иван"
    # by key only, and from a copy of a member loaded before their rename
    stale = Participant.objects.get(pk=world.charlie_p.pk)
    _renamed(world.charlie_p, "Ёлкин", "Пётр", "")
    by_key = Pair.objects.create(a_id=world.bob_p.pk, b=stale, organization=world.org_b,
                                 **TERM, **DONE)
    assert _names(by_key).endswith(" елкин петр")
    a, b = new_people(world.org_a, 3), new_people(world.org_b, 3)
    bulk = Pair.objects.bulk_create(
        [Pair(a=x, b=y, organization=world.org_a, **TERM) for x, y in zip(a, b, strict=True)])
    assert {_names(p) for p in bulk} == {f"{x.search_name} {y.search_name}"
                                         for x, y in zip(a, b, strict=True)}
    # a member written again: the names follow; a save of the status alone leaves them
    by_key.b_id = world.alice_p.pk
    by_key.save()
    assert _names(by_key) == f"{world.bob_p.search_name} грачева оксана павловна"
    by_key.status = Pair.Status.ENDED_EARLY
    by_key.save(update_fields=["status"])
    assert _names(by_key) == f"{world.bob_p.search_name} грачева оксана павловна"


def test_a_rename_and_an_anonymisation_carry_the_names(world: World) -> None:
    pair = Pair.objects.create(a=world.alice_p, b=world.bob_p, organization=world.org_a,
                               **TERM)
    entries = LogEntry.objects.get_for_object(pair).count()
    _renamed(world.alice_p, "Грачёва")
    assert _names(pair) == f"грачева оксана павловна {world.bob_p.search_name}"
    assert LogEntry.objects.get_for_object(pair).count() == entries  # derived: no entry
    # a stale copy saved back puts the old name back, and the pair follows it
    stale = Participant.objects.get(pk=world.bob_p.pk)
    _renamed(world.bob_p, "Семёнов")
    stale.save()
    assert _names(pair) == f"грачева оксана павловна {stale.search_name}"
    # a save that writes no name leaves the pairs alone (and sends no UPDATE of them)
    Pair.objects.filter(pk=pair.pk).update(names="damaged")
    world.bob_p.refresh_from_db()
    world.bob_p.save(update_fields=["email"])
    assert _names(pair) == "damaged"
    world.bob_p.save()
    participant_anonymise(participant=world.alice_p, actor=None)
    erased = Participant.objects.get(pk=world.alice_p.pk).search_name
    assert _names(pair) == f"{erased} {stale.search_name}"
    assert "грачева" not in _names(pair)


def test_the_search_reads_the_names(world: World) -> None:
    """Worked examples: ё = е, any case, a word of each member, a word split between the
    two names matches nothing; the query names no table of people."""
    _renamed(world.alice_p, "Грачёва")
    _renamed(world.charlie_p, "Семёнов", "Иван", "")
    pair = Pair.objects.create(a=world.alice_p, b=world.charlie_p, organization=world.org_a,
                               **TERM)
    root = User.objects.create_superuser("root", "root@example.org", "x" * 12)
    for text, found in (("грачева оксана павловна", True), ("ГРАЧЁВА", True),
                        ("грачева иван", True), ("семенов", True), ("ёлкин", False),
                        ("павловнасеменов", False), ("павловна семенов", True),
                        ("оксана оксана грач ёлкин", True)):  # the fourth word is not read
        assert _found(root, text, [pair.pk]) == ({pair.pk} if found else set()), text
    sql = str(pairs_search(scope=scope_for(world.olga), text="грачева").query)
    assert '"pairs_pair"."names" LIKE' in sql.replace("::text", "")
    assert "EXISTS" not in sql  # no probe of the members


def test_tallies_check_reports_and_rebuild_repairs(world: World) -> None:
    pair = Pair.objects.create(a=world.alice_p, b=world.bob_p, organization=world.org_a,
                               **TERM)
    call_command("tallies", "--rebuild", stdout=StringIO(), stderr=StringIO())
    assert names.stale() == []
    Pair.objects.filter(pk=pair.pk).update(names="иванов")  # the test damages it
    assert names.stale() == [pair.pk]
    with pytest.raises(CommandError, match="имена пар: 1"):
        call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("tallies", "--rebuild", stdout=out, stderr=StringIO())
    assert "Имена пар: исправлено пар — 1." in out.getvalue()
    assert _names(pair) == f"{world.alice_p.search_name} {world.bob_p.search_name}"
    call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())


def test_the_migration_fills_the_existing_pairs(world: World) -> None:
    a, b = new_people(world.org_a, 4), new_people(world.org_b, 4)
    pairs = Pair.objects.bulk_create(
        [Pair(a=x, b=y, organization=world.org_a, **TERM) for x, y in zip(a, b, strict=True)])
    Pair.objects.update(names="")  # as the column is added
    migration = importlib.import_module("tandem.pairs.migrations.0014_pair_names")

    def execute(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    migration.fill(apps, SimpleNamespace(connection=connection, execute=execute))
    assert {p.pk: _names(p) for p in pairs} == _now([p.pk for p in pairs])


SURNAMES = ("Грачёва", "Грачева", "ГРАЧЁВ", "Семёнов", "Семенова", "Ёлкин", "Ли", "Оксанова")
GIVEN = ("Оксана", "Пётр", "Иван", "ЁЖИК", "")
WORDS = ("грачева", "Грачёв", "ГРАЧ", "сем", "ёлк", "елкин", "ли", "оксана", "петр", "ва",
         "ич", "вао", "а", "павловна", "нов", "ё")


@pytest.mark.django_db(transaction=False)
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.one_of(
    st.tuples(st.just("rename"), st.integers(0, 7), st.sampled_from(SURNAMES),
              st.sampled_from(GIVEN), st.sampled_from(GIVEN)),
    st.tuples(st.just("pair"), st.integers(0, 7), st.integers(0, 7)),
    st.tuples(st.just("member"), st.integers(0, 20), st.sampled_from("ab"),
              st.integers(0, 7)),
    st.tuples(st.just("stale"), st.integers(0, 7), st.sampled_from(SURNAMES)),
    st.tuples(st.just("anonymise"), st.integers(0, 7))), min_size=1, max_size=14),
    queries=st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), min_size=1,
                     max_size=6))
def test_after_any_renames_the_names_are_the_members_and_the_search_the_old_rule(
        world: World, steps: list[tuple], queries: list[list[str]]) -> None:
    """Pairs made, members written, people renamed (also from a stale copy) and
    anonymised, in any order: every pair's ``names`` are its members' search names now;
    and for any query the pairs' search — the superuser's, the region operator's list
    (``pairs_search_pages``: page and API) — finds exactly the pairs the old rule does."""
    with transaction.atomic():
        people = [*new_people(world.org_a, 4), *new_people(world.org_b, 4)]
        made: list[int] = []
        for step in steps:
            kind = step[0]
            if kind == "rename":
                _, who, surname, name, patronymic = step
                _renamed(people[who], surname, name, patronymic)
            elif kind == "pair" and step[1] != step[2]:
                a, b = people[step[1]], people[step[2]]
                made.append(Pair.objects.create(a=a, b=b, organization=world.org_a,
                                                **TERM, **DONE).pk)
            elif kind == "member" and made:
                pair = Pair.objects.get(pk=made[step[1] % len(made)])
                setattr(pair, f"{step[2]}_id", people[step[3]].pk)
                if pair.a_id != pair.b_id:
                    pair.save()
            elif kind == "stale":
                stale = Participant.objects.get(pk=people[step[1]].pk)
                _renamed(people[step[1]], step[2])
                stale.save()
            elif kind == "anonymise":
                participant_anonymise(participant=people[step[1]], actor=None)
            kept = dict(Pair.objects.filter(pk__in=made).values_list("pk", "names"))
            assert kept == _now(made), step
        root = User.objects.create_superuser("root", "root@example.org", "x" * 12)
        member = dict(Participant.objects.values_list("pk", "search_name"))
        pairs = list(Pair.objects.filter(pk__in=made).values_list("pk", "a", "b"))
        for words in queries:
            text = " ".join(words)
            expected = {pk for pk, a, b in pairs if _old_rule(text, member[a], member[b])}
            assert _found(root, text, made) == expected, text
            pages = pairs_search_pages(scope=scope_for(world.olga), text=text)
            assert {p.pk for p in pages[0:None]} & set(made) == expected, text
        transaction.set_rollback(True)

