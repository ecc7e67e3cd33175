"""The meeting dates kept on each pair (``Pair.held_until``, ``Pair.held_next``) and the
quiet rule that trusts them only on the days they hold (issue #16): after any meetings
created, edited, moved and deleted on any days, with or without the day's roll-over, the
quiet pairs of any day and their ``quiet_since`` are those of the core rule
(:func:`tandem.core.attention.quiet`) on the meetings themselves, and the two parts of
``quiet_parts`` are disjoint with that union."""

import datetime as dt
import importlib
import re
from types import SimpleNamespace
from unittest import mock

import pytest
from auditlog.models import LogEntry
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core import attention
from tandem.maps import held
from tandem.maps.models import Meeting
from tandem.pairs.models import Pair
from tandem.testing import ParticipantFactory, World

START = dt.date(2026, 9, 1)


def _day(offset: int) -> dt.date:
    return START + dt.timedelta(days=offset)


def _pairs(world: World, starts: list[int]) -> list[Pair]:
    people = [ParticipantFactory.create(organization=world.org_a) for _ in range(2 * len(starts))]
    return [
        Pair.objects.create(
            a=people[2 * i],
            b=people[2 * i + 1],
            organization=world.org_a,
            starts_on=_day(s),
            ends_on=dt.date(2027, 8, 31),
            status="active",
        )
        for i, s in enumerate(starts)
    ]


def _expected(pair: Pair, day: dt.date, weeks: int) -> tuple[bool, dt.date]:
    dates = [m.date for m in Meeting.objects.filter(pair=pair) if not m.planned and m.date <= day]
    last = max(dates, default=None)
    return (
        attention.quiet(starts_on=pair.starts_on, last_held_on=last, as_of=day, weeks=weeks),
        attention.quiet_since(pair.starts_on, last),
    )


def _kept_consecutive(pairs: list[Pair]) -> None:
    """The kept dates of every pair are two consecutive held meetings (none: the ends)."""
    for p in pairs:
        p.refresh_from_db()
        dates = sorted(m.date for m in Meeting.objects.filter(pair=p, planned=False))
        assert p.held_until is None or p.held_until in dates
        assert p.held_next is None or p.held_next in dates
        assert not [
            d
            for d in dates
            if (p.held_until is None or d > p.held_until)
            and (p.held_next is None or d < p.held_next)
        ]
        assert p.held_until is None or p.held_next is None or p.held_until < p.held_next


OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "edit", "plan", "move", "delete", "roll"]),
        st.integers(min_value=0, max_value=2),  # which pair / meeting
        st.integers(min_value=-20, max_value=130),  # a meeting's date
        st.booleans(),  # planned
        st.integers(min_value=0, max_value=140),
    ),  # the day of the write (kept as of)
    max_size=12,
)


@given(
    starts=st.lists(st.integers(min_value=0, max_value=40), min_size=2, max_size=3),
    ops=OPS,
    days=st.lists(st.integers(min_value=-10, max_value=150), min_size=1, max_size=4),
    weeks=st.integers(min_value=1, max_value=10),
)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_kept_dates_give_the_live_rule_on_every_day(
    world: World,
    starts: list[int],
    ops: list[tuple[str, int, int, bool, int]],
    days: list[int],
    weeks: int,
) -> None:
    Pair.objects.all().delete()
    pairs = _pairs(world, starts)
    for op, which, date, planned, write_day in ops:
        with mock.patch.object(held, "today", return_value=_day(write_day)):
            meetings = list(Meeting.objects.order_by("pk"))
            if op == "add" or (not meetings and op != "roll"):
                Meeting.objects.create(
                    pair=pairs[which % len(pairs)], date=_day(date), planned=planned, topic="В"
                )
            elif op == "roll":
                Pair.objects.roll_held(_day(write_day))
            else:
                m = meetings[which % len(meetings)]
                if op == "edit":
                    m.date = _day(date)
                elif op == "plan":
                    m.planned = planned
                elif op == "move":
                    m.pair = pairs[(pairs.index(m.pair) + 1) % len(pairs)]
                if op == "delete":
                    m.delete()
                else:
                    m.save()
            _kept_consecutive(pairs)
    for offset in days:
        day = _day(offset)
        got = {p.pk: p.quiet_since for p in Pair.objects.quiet(day, weeks=weeks)}
        kept, read = Pair.objects.quiet_parts(day, weeks)
        parts = [{p.pk: p.quiet_since for p in part} for part in (kept, read)]
        assert not parts[0].keys() & parts[1].keys()
        assert got == {**parts[0], **parts[1]}
        since = {p.pk: p.quiet_since for p in Pair.objects.with_quiet_since(day)}
        for p in pairs:
            quiet, quiet_since = _expected(p, day, weeks)
            assert (p.pk in got) == quiet, (p.pk, day)
            assert since[p.pk] == quiet_since
            if quiet:
                assert got[p.pk] == quiet_since


def test_a_meeting_logged_ahead_is_read_on_its_day_and_kept_after_the_roll_over(
    world: World,
) -> None:
    """A meeting marked held with a date still to come does not end the quiet stretch
    before its day; on its day the pair's meetings are read, and the roll-over keeps it."""
    (p,) = _pairs(world, [0])
    with mock.patch.object(held, "today", return_value=_day(10)):
        Meeting.objects.create(pair=p, date=_day(5), topic="Было")
        Meeting.objects.create(pair=p, date=_day(60), topic="Отмечена заранее")
    p.refresh_from_db()
    assert (p.held_until, p.held_next) == (_day(5), _day(60))
    assert list(Pair.objects.quiet(_day(59), weeks=5)) == [p]  # kept: since day 5
    kept, read = Pair.objects.quiet_parts(_day(59), weeks=5)
    assert list(kept) == [p] and not read.exists()
    assert not Pair.objects.quiet(_day(60), weeks=5).exists()  # the meeting's day
    assert Pair.objects.with_quiet_since(_day(100)).get().quiet_since == _day(60)
    assert list(Pair.objects.quiet_parts(_day(100), weeks=5)[1]) == [p]  # read
    assert Pair.objects.roll_held(_day(100)) == 1
    p.refresh_from_db()
    assert (p.held_until, p.held_next) == (_day(60), None)
    assert list(Pair.objects.quiet_parts(_day(100), weeks=5)[0]) == [p]  # kept again
    assert Pair.objects.roll_held(_day(100)) == 0


def test_keeping_the_dates_leaves_no_entry_in_the_pair_s_trail(world: World) -> None:
    """The dates are derived: the meeting's creation is in the trail, the pair's copy
    of its date is not; a pair saved from a copy read before does not put them back."""
    (p,) = _pairs(world, [0])
    stale = Pair.objects.get(pk=p.pk)
    before = LogEntry.objects.get_for_object(p).count()
    with mock.patch.object(held, "today", return_value=_day(30)):
        m = Meeting.objects.create(pair=p, date=_day(20), topic="Было")
    assert LogEntry.objects.get_for_object(m).count() == 1
    assert LogEntry.objects.get_for_object(p).count() == before
    stale.weight = 7
    stale.save()
    p.refresh_from_db()
    assert (p.weight, p.held_until) == (7, _day(20))


def test_the_migration_fills_the_dates_as_keep_held_does(world: World) -> None:
    pairs = _pairs(world, [0, 10, 20])
    for p, dates in zip(pairs, ([5, 200], [-3], []), strict=True):
        for d in dates:
            Meeting.objects.create(
                pair=p, date=dt.date.today() + dt.timedelta(days=d - 100), topic="В"
            )
        Meeting.objects.create(pair=p, date=dt.date.today(), topic="План", planned=True)
    Pair.objects.all().keep_held(dt.date.today())
    kept = list(Pair.objects.order_by("pk").values_list("held_until", "held_next"))
    Pair.objects.all().update(held_until=None, held_next=None)
    fill = importlib.import_module("tandem.maps.migrations.0010_pair_held_dates_filled").fill
    with mock.patch("django.utils.timezone.localdate", return_value=dt.date.today()):
        fill(None, SimpleNamespace(connection=connection))
    assert list(Pair.objects.order_by("pk").values_list("held_until", "held_next")) == kept


@pytest.mark.slow
def test_the_bulk_demo_keeps_the_dates_of_its_pairs(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """seed-demo writes meetings by COPY and bulk_create, past the meetings' signals: it
    keeps the pairs' dates itself, and the quiet pairs of its day are the core rule's."""
    from django.utils import timezone

    from tandem.demo import services

    monkeypatch.setattr(services, "PAIRS_UP_TO", 100)  # 400 people take the fast path
    services.demo_region_create(participants=400, seed=3)
    pairs = list(Pair.objects.all())
    assert Meeting.objects.exists()
    _kept_consecutive(pairs)
    day = timezone.localdate()
    got = {p.pk: p.quiet_since for p in Pair.objects.quiet(day, weeks=5)}
    for p in pairs:
        quiet, quiet_since = _expected(p, day, 5)
        assert (p.pk in got) == (quiet and p.status in attention.RUNNING)
        if p.pk in got:
            assert got[p.pk] == quiet_since


@pytest.mark.django_db(transaction=True)
def test_two_meetings_logged_at_once_both_count() -> None:
    """Two people log meetings of one pair at the same moment (two transactions): the
    later writer's dates see the earlier one's meeting. Without the lock taken before the
    UPDATE, PostgreSQL's READ COMMITTED re-read only the pair's row after waiting, not the
    subqueries: the dates missed the other meeting and the quiet list trusted them for good
    (review finding). SQLite's writers take turns, so the race is PostgreSQL's."""
    import threading
    import time

    from django.db import connections, transaction

    from tandem.testing import build_world

    if connection.vendor != "postgresql":
        pytest.skip("гонка двух транзакций бывает только на PostgreSQL (SQLite пишет по очереди)")
    world = build_world()
    a, b = (ParticipantFactory.create(organization=world.org_a) for _ in range(2))
    pair = Pair.objects.create(a=a, b=b, organization=world.org_a, starts_on=dt.date(2026, 9, 1),
                               ends_on=dt.date(2027, 8, 31), status=Pair.Status.ACTIVE)
    today = dt.date(2026, 12, 1)
    first_written, second_writing = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:  # writes its meeting and holds the pair's row a while
        try:
            with transaction.atomic():
                Meeting.objects.create(pair_id=pair.pk, date=dt.date(2026, 11, 20), topic="А")
                first_written.set()
                second_writing.wait(10)
                time.sleep(1)  # the other transaction now waits for this one's lock
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connections.close_all()

    def second() -> None:
        first_written.wait(10)
        try:
            with transaction.atomic():
                second_writing.set()
                Meeting.objects.create(pair_id=pair.pk, date=dt.date(2026, 10, 1), topic="Б")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connections.close_all()

    with mock.patch.object(held, "today", return_value=today):
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    pair.refresh_from_db()
    assert (pair.held_until, pair.held_next) == (dt.date(2026, 11, 20), None)
    assert pair.pk not in {p.pk for p in Pair.objects.quiet(today, weeks=5)}
    assert not attention.quiet(starts_on=pair.starts_on, last_held_on=dt.date(2026, 11, 20),
                               as_of=today, weeks=5)


def _deleted_with_meetings(world: World, n: int) -> tuple[list[str], int]:
    """A pair with ``n`` meetings (held and planned) deleted: the statements it took, and
    the pair's id."""
    from django.test.utils import CaptureQueriesContext

    [pair] = _pairs(world, [0])
    for i in range(n):
        Meeting.objects.create(pair=pair, date=_day(1 + i), topic=f"Встреча {i}",
                               planned=i % 3 == 2)
    pair = Pair.objects.get(pk=pair.pk)  # loaded as a page would: nothing cached
    pk = pair.pk
    with CaptureQueriesContext(connection) as queries:
        pair.delete()
    return [q["sql"] for q in queries.captured_queries], pk


def _names(pk: int, sql: str) -> bool:
    """The statement names the pair ``pk`` (its number as a whole)."""
    return re.search(rf"(?<![\w.]){pk}(?![\w.])", sql) is not None


def _pair_written(pk: int, sql: list[str]) -> list[str]:
    """The statements that update or lock the pair ``pk``'s row (``keep_held``: a lock
    ``FOR NO KEY UPDATE``, then its ``UPDATE``)."""
    return [s for s in sql if (s.startswith('UPDATE "pairs_pair"') or (
        s.startswith("SELECT") and 'FROM "pairs_pair"' in s and "FOR" in s.split("WHERE")[-1]
        and "UPDATE" in s.split("WHERE")[-1])) and _names(pk, s)]


@pytest.mark.parametrize("n", [3, 12])
def test_a_pair_deleted_with_its_meetings_keeps_no_dates_of_its_own(world: World, n: int) -> None:
    """A pair's delete takes its meetings along (the cascade): their dates are kept once
    for the pairs of the delete, after its last meeting — not for the pair itself, whose
    row goes (the ``UPDATE`` of it, and its lock, were wasted: review of issue #16); the
    trail keeps one entry per meeting deleted (the audit rule: docs/architecture.md,
    ``audit/deletes.py``) — auditlog writes them one by one and has no bulk write."""
    sql, pk = _deleted_with_meetings(world, n)
    assert not [s for s in sql if s.startswith('UPDATE "pairs_pair" SET "held_until"')]
    assert _pair_written(pk, sql) == []
    assert any(s.startswith('DELETE FROM "pairs_pair"') and _names(pk, s) for s in sql)
    from django.contrib.contenttypes.models import ContentType

    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Meeting),
                                      action=LogEntry.Action.DELETE)
    assert entries.count() == n
    assert not Meeting.objects.filter(pair_id=pk).exists()


def test_a_pairs_delete_takes_four_statements_fewer_than_keeping_its_dates(
        world: World) -> None:
    """The same delete with the pair's own dates kept (the receiver that leaves a deleted
    pair out disconnected: the code before) took four statements more — the lock and the
    ``UPDATE`` of the row being deleted, in a savepoint — and nothing else differs. Two
    pairs deleted at once keep the dates of neither."""
    from django.db.models.signals import pre_delete

    def per_delete(sql: list[str]) -> list[str]:
        # Written once a transaction (the deletes here share the test's): left out.
        once = re.compile(r'INSERT INTO "(\w+mark|monitoring_unitchange)"')
        return [s for s in sql if not once.match(s)]

    _deleted_with_meetings(world, 3)  # the once-a-transaction writes, done
    fixed, pk = _deleted_with_meetings(world, 3)
    assert pre_delete.disconnect(sender=Pair, dispatch_uid="held_pair_deleting")
    try:
        before, old = _deleted_with_meetings(world, 3)
    finally:
        pre_delete.connect(held.pair_deleting, sender=Pair, dispatch_uid="held_pair_deleting")
    # What the fix takes away: the lock (a plain read on SQLite) and the UPDATE.
    assert len(_pair_written(old, before)) == 1 + connection.features.has_select_for_update
    # And its savepoint (``keep_held``'s atomic block): four statements, nothing else.
    assert len(per_delete(fixed)) == len(per_delete(before)) - 4
    assert _pair_written(pk, fixed) == []
    # Two pairs deleted at once (a queryset's delete), each with its meetings.
    pairs = _pairs(world, [0, 0])
    for pair_ in pairs:
        Meeting.objects.create(pair=pair_, date=_day(1), topic="Встреча")
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        Pair.objects.filter(pk__in=[p.pk for p in pairs]).delete()
    sql = [q["sql"] for q in queries.captured_queries]
    assert not Pair.objects.filter(pk__in=[p.pk for p in pairs]).exists()
    assert not [s for s in sql if s.startswith('UPDATE "pairs_pair" SET "held_until"')]
    assert all(_pair_written(p.pk, sql) == [] for p in pairs)


def test_a_pairs_delete_grows_with_its_meetings_only_by_their_trail(world: World) -> None:
    """Three meetings more or twelve: each costs its audit entry and the reads of its scope
    for it (its pair, the pair's organization and municipality: ``keep_additional_data``)
    — four statements — and nothing else (the pair's dates were kept once a meeting: five)."""

    def per_delete(sql: list[str]) -> list[str]:
        # The figures' marks and the unit's change row are written once a transaction (the
        # two deletes here share the test's): left out of both.
        once = re.compile(r'INSERT INTO "(\w+mark|monitoring_unitchange)"')
        return [s for s in sql if not once.match(s)]

    small, _pair = _deleted_with_meetings(world, 3)
    large, _pair = _deleted_with_meetings(world, 12)
    assert (len(small) - len(per_delete(small)), len(large) - len(per_delete(large))) == (3, 0)
    assert len(per_delete(large)) - len(per_delete(small)) == 9 * 4
    assert (sum(s.startswith('INSERT INTO "auditlog_logentry"') for s in large)
            - sum(s.startswith('INSERT INTO "auditlog_logentry"') for s in small)) == 9


def test_meetings_deleted_in_one_go_keep_their_pairs_dates_once_each(world: World) -> None:
    """A queryset's delete of several pairs' meetings keeps the pairs' dates once, all
    together after its last meeting is gone — the dates then are those of the meetings
    left. One statement locks them in the order of their ids: pair by pair, two such
    deletes in opposite orders deadlocked on PostgreSQL (review of h/smalls3)."""
    from django.test.utils import CaptureQueriesContext

    pairs = _pairs(world, [0, 0])
    for pair in pairs:
        for i in range(4):
            Meeting.objects.create(pair=pair, date=_day(1 + i), topic=f"Встреча {i}")
    with mock.patch.object(held, "today", return_value=_day(30)):
        with CaptureQueriesContext(connection) as queries:
            Meeting.objects.filter(pair__in=pairs, date__gt=_day(2)).delete()
    kept = [q["sql"] for q in queries.captured_queries
            if q["sql"].startswith('UPDATE "pairs_pair" SET "held_until"')]
    assert len(kept) == 1
    for pair in pairs:
        pair.refresh_from_db()
        assert (pair.held_until, pair.held_next) == (_day(2), None)
    _kept_consecutive(pairs)
