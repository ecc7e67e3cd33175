"""tandem.web.bulk: what COPY (PostgreSQL) or executemany (SQLite) writes is what the ORM
would have written — given values, the fields' defaults, reserved ids nobody else takes."""

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.pairs.models import MatchingRun
from tandem.people.models import Participant
from tandem.territory.models import Organization
from tandem.testing import World
from tandem.web.bulk import (
    CopyText,
    analyze,
    copy_rows,
    foreign_keys_checked_once,
    indexes_built_once,
    reserve_ids,
)

# The place kept on each person (Participant.municipality, Participant.region) is required
# since people/0013: these tests' people get their organization's, and a row pointing to
# no organization (the loads that must roll back) A's.
PLACE = ("municipality_id", "region_id")


def _placed(columns: tuple[str, ...], rows: Any) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    at = columns.index("organization_id")
    places = {pk: (municipality, region) for pk, municipality, region in
              Organization.objects.values_list("pk", "municipality_id",
                                               "municipality__region_id")}
    fallback = places[min(places)]
    return (*columns, *PLACE), [(*row, *places.get(row[at], fallback)) for row in rows]

@pytest.mark.django_db
def test_copied_rows_read_back_as_written_with_the_fields_defaults(world: World) -> None:
    before = timezone.now()
    ids = reserve_ids(Participant, 3)
    assert ids == sorted(set(ids)) and len(ids) == 3
    written = copy_rows(Participant, *_placed(("id", "organization_id", "surname", "name",
                                      "mentoring_consent_date", "experience_years", "email"),
                        ((pk, world.org_a.pk, "Петрова", f"Анна {n}", dt.date(2026, 9, n + 1), 7,
                          f"anna{n}@example.org")
                         for n, pk in enumerate(ids))))
    assert written == 3
    rows = list(Participant.objects.filter(pk__in=ids).order_by("pk"))
    assert [(p.pk, p.name, p.mentoring_consent_date) for p in rows] == [
        (pk, f"Анна {n}", dt.date(2026, 9, n + 1)) for n, pk in enumerate(ids)]
    for p in rows:
        assert p.organization_id == world.org_a.pk
        # Left out: the model's defaults, auto_now(_add) the moment of the call.
        assert p.is_active is True and p.version == 1
        assert p.email_reminders == Participant.EmailReminders.DAILY
        assert p.patronymic == "" and p.user_id is None and p.line_manager_id is None
        assert before <= p.created_at <= timezone.now() and p.updated_at == p.created_at
    # The next ordinary insert takes a new id, past the reserved ones.
    later = Participant.objects.create(organization=world.org_a, surname="Новикова",
                                       name="Ольга", experience_years=1)
    assert later.pk > max(ids)


@pytest.mark.django_db
def test_json_and_choices_and_an_id_left_to_the_database(world: World) -> None:
    copy_rows(MatchingRun, ("organization_id", "status", "instance", "stage"),
              [(world.org_a.pk, MatchingRun.Status.DONE, {"people": [1, 2], "имя": "я"},
                "готово")])
    run = MatchingRun.objects.get()
    assert run.pk is not None and run.status == "done"
    assert run.instance == {"people": [1, 2], "имя": "я"}
    assert run.result == {} and run.rules == {} and run.progress == 0


@given(sizes=st.lists(st.integers(min_value=0, max_value=50), max_size=5))
@settings(max_examples=15, deadline=None)
@pytest.mark.django_db
def test_reservations_never_overlap(sizes: list[int]) -> None:
    reserved = [reserve_ids(Participant, n) for n in sizes]
    flat = [pk for block in reserved for pk in block]
    assert [len(b) for b in reserved] == sizes
    assert len(flat) == len(set(flat))


@pytest.mark.django_db(transaction=True)
def test_a_row_pointing_nowhere_rolls_the_whole_load_back(world: World) -> None:
    """Whatever the database: the load fails and leaves nothing behind."""
    count = Participant.objects.count()
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"), transaction.atomic():
        with foreign_keys_checked_once(Participant):
            copy_rows(Participant, *_placed(
                ("organization_id", "surname", "name", "experience_years", "email"),
                      [(world.org_a.pk, "Есть", "Организация", 3, "est@example.org"),
                       (world.org_a.pk + 10_000, "Нет", "Организации", 3, "net@example.org")]))
    assert Participant.objects.count() == count


@pytest.mark.django_db(transaction=True)
def test_constraints_come_back_as_they_were(world: World) -> None:
    from django.db import connection

    def constraints() -> list[tuple[str, str]]:
        if connection.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid = 'people_participant'::regclass ORDER BY 1")
            return cursor.fetchall()

    before = constraints()
    with transaction.atomic(), foreign_keys_checked_once(Participant):
        copy_rows(Participant, *_placed(("organization_id", "surname", "name", "experience_years"),
                  [(world.org_b.pk, "Сидорова", "Мария", 12)]))
    assert constraints() == before
    assert Participant.objects.filter(surname="Сидорова", organization=world.org_b).exists()


def _foreign_keys(table: str) -> list[tuple[str, str, bool]]:
    """The table's foreign keys: name, definition, validated (nothing but PostgreSQL)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid), convalidated "
                       "FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' "
                       "ORDER BY 1", [table])
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_loads_but_the_last_check_their_new_rows_and_the_last_all(world: World) -> None:
    """A country's regions: each but the last checks only its own rows and leaves the
    keys NOT VALID (still checked for later writes); a row of its own pointing nowhere
    rolls it back; the last leaves the keys valid, as they were before the first."""
    table = Participant._meta.db_table
    before = _foreign_keys(table)
    columns = ("organization_id", "surname", "name", "experience_years", "email")
    try:
        with transaction.atomic(), foreign_keys_checked_once(Participant, whole=False):
            copy_rows(Participant, *_placed(columns, [(world.org_a.pk, "Первая", "Загрузка", 3,
                                              "first@example.org")]))
        if connection.vendor == "postgresql":
            assert [(n, d + " NOT VALID", False) for n, d, _v in before] == _foreign_keys(table)
        count = Participant.objects.count()
        with pytest.raises(IntegrityError, match=r"(?i)foreign key"), transaction.atomic():
            with foreign_keys_checked_once(Participant, whole=False):
                copy_rows(Participant, *_placed(columns,
                          [(world.org_b.pk, "Вторая", "Загрузка", 3, "second@example.org"),
                           (world.org_a.pk + 10_000, "Нет", "Организации", 3,
                            "none@example.org")]))
        assert Participant.objects.count() == count
        # NOT VALID keys still check every later write (at its commit).
        with pytest.raises(IntegrityError), transaction.atomic():
            copy_rows(Participant, *_placed(columns, [(world.org_a.pk + 10_000, "Нет", "Ключа", 1,
                                              "nokey@example.org")]))
    finally:
        with transaction.atomic(), foreign_keys_checked_once(Participant):
            copy_rows(Participant, *_placed(columns, [(world.org_b.pk, "Последняя", "Загрузка", 3,
                                              "last@example.org")]))
    assert _foreign_keys(table) == before
    assert set(Participant.objects.filter(name="Загрузка").values_list("surname", flat=True)
               ) == {"Первая", "Последняя"}


def _schema(table: str) -> list[tuple[str, ...]]:
    """The table's indexes and constraints as PostgreSQL would recreate them (nothing
    elsewhere)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'index', indexname, indexdef FROM pg_indexes "
                       "WHERE tablename = %s UNION ALL "
                       "SELECT 'constraint', conname, pg_get_constraintdef(oid) "
                       "FROM pg_constraint WHERE conrelid = %s::regclass ORDER BY 1, 2",
                       [table, table])
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_indexes_come_back_as_they_were_and_hold_the_loaded_rows(world: World) -> None:
    from django.db import connection

    table = Participant._meta.db_table
    before = _schema(table)
    with transaction.atomic():
        with foreign_keys_checked_once(Participant), indexes_built_once(Participant):
            if connection.vendor == "postgresql":  # inside: only the primary key is left
                assert [name for kind, name, _d in _schema(table) if kind == "index"] == [
                    f"{table}_pkey"]
                assert len([kind for kind, _n, _d in before if kind == "index"]) > 1
            copy_rows(Participant, *_placed(
                ("organization_id", "surname", "name", "experience_years", "email"),
                      [(world.org_b.pk, "Сидорова", f"Мария {n}", 12, f"m{n}@example.org")
                       for n in range(50)]))
        analyze(Participant)
    assert _schema(table) == before
    # The rebuilt indexes answer for the new rows.
    assert Participant.objects.filter(organization=world.org_b, is_active=True,
                                      email__iexact="M7@example.org").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_the_load_brings_rolls_the_whole_load_back(world: World) -> None:
    """A unique index (here a case-insensitive one on e-mails) still holds: on PostgreSQL
    the rebuild at the end finds the duplicate, elsewhere the insert itself."""
    count = Participant.objects.count()
    table = Participant._meta.db_table
    before = _schema(table)
    with pytest.raises(IntegrityError), transaction.atomic():
        with indexes_built_once(Participant):
            copy_rows(Participant, *_placed(
                ("organization_id", "surname", "name", "experience_years", "email"),
                      [(world.org_a.pk, "Один", "Адрес", 3, "same@example.org"),
                       (world.org_a.pk, "Тот же", "Адрес", 3, "SAME@example.org")]))
    assert Participant.objects.count() == count
    assert _schema(table) == before


_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"),
                max_size=30)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
@given(rows=st.lists(st.tuples(_TEXT, _TEXT, st.integers(min_value=0, max_value=60),
                               st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)),
                               st.booleans()), min_size=1, max_size=6))
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.django_db
def test_hand_written_copy_text_reads_back_as_written(world: World, rows: list[tuple[
        str, str, int, dt.date | None, bool]]) -> None:
    """CopyText's lines (tabs, backslashes, line breaks and NULLs escaped by hand) give
    the very values copy_rows would have written, the left-out columns their defaults."""
    columns = ("id", "organization_id", "email", "surname", "name", "experience_years",
               "mentoring_consent_date", "is_active")
    text = CopyText(Participant, (*columns, *PLACE))
    ids = reserve_ids(Participant, len(rows))
    place = world.municipality_a.pk, world.region.pk
    text.copy(b"%s%s\n" % (text.values(pk, world.org_a.pk, f"p{pk}@example.org", *row,
                                        *place), text.tail)
              for pk, row in zip(ids, rows, strict=True))
    back = list(Participant.objects.filter(pk__in=ids).order_by("pk").values_list(
        *columns[3:], "patronymic", "line_manager_id", "version"))
    assert back == [(*row, "", None, 1) for row in rows]


def test_hand_written_copy_text_refuses_what_needs_the_fields_preparation() -> None:
    with pytest.raises(ValueError, match="needs copy_rows"):
        CopyText(MatchingRun, ("organization_id", "instance"))  # JSON


@given(st.text(alphabet=st.sampled_from("ab\\\t\n\rN.ё")))
def test_copy_text_escapes_anything_written_as_text(text: str) -> None:
    # A lazy translation or any object written as its text is escaped like a string: a
    # backslash, tab or line break inside never shifts a column or ends a row.
    from django.utils.functional import lazystr

    assert CopyText.value(lazystr(text)) == CopyText.value(text)
    assert not {"\t", "\n", "\r"} & set(CopyText.value(text))


def test_copy_text_refuses_a_naive_datetime_and_writes_an_aware_one_with_its_offset() -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        CopyText.value(dt.datetime(2026, 12, 3, 1, 0))
    aware = dt.datetime(2026, 12, 3, 1, 0, tzinfo=dt.UTC)
    assert CopyText.value(aware) == "2026-12-03T01:00:00+00:00"
    assert CopyText.value(dt.date(2026, 12, 3)) == "2026-12-03"
