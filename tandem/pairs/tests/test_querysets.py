"""Pair.objects: the query homes agree with the core rules on the cases that used to
disagree between the dashboard, the reports, the API and the reminders."""

import datetime as dt

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core import attention
from tandem.maps.models import Map, Meeting
from tandem.pairs.models import Pair
from tandem.pairs.querysets import MAP_DRAFT, MEMBER, OWNER
from tandem.people.models import Participant
from tandem.testing import OrganizationFactory, ParticipantFactory, World

START = dt.date(2026, 9, 1)


def _pair(a: Participant, b: Participant) -> Pair:
    return Pair.objects.create(a=a, b=b, organization=a.organization, starts_on=START,
                               ends_on=dt.date(2027, 5, 31), status="active")


def test_a_municipal_pool_pair_counts_by_member_in_both_and_by_owner_in_one(
        world: World) -> None:
    second = OrganizationFactory.create(municipality=world.municipality_a)
    pool = _pair(world.bob_p, ParticipantFactory.create(organization=second))
    assert set(Pair.objects.of_unit(second, by=MEMBER)) == {pool}
    assert set(Pair.objects.of_unit(world.org_a, by=MEMBER)) == {pool}
    assert set(Pair.objects.of_unit(world.org_a, by=OWNER)) == {pool}
    assert not Pair.objects.of_unit(second, by=OWNER).exists()
    assert set(Pair.objects.of_unit(world.municipality_a, by=OWNER)) == {pool}
    assert not Pair.objects.of_unit(world.org_b).exists()


def test_overlapping_and_running(world: World) -> None:
    p = _pair(world.bob_p, world.carol_p)
    assert p in Pair.objects.overlapping(dt.date(2027, 5, 31), None)
    assert p not in Pair.objects.overlapping(dt.date(2027, 6, 1), None)
    assert p in Pair.objects.overlapping(None, START)
    assert p not in Pair.objects.overlapping(None, START - dt.timedelta(days=1))
    assert p in Pair.objects.running()
    Pair.objects.filter(pk=p.pk).update(status="completed")
    assert p not in Pair.objects.running()


def test_a_map_agreed_on_day_8_is_not_late_and_the_draft_value_is_the_model_s(
        world: World) -> None:
    assert MAP_DRAFT == Map.Status.DRAFT
    p = _pair(world.bob_p, world.carol_p)
    confirmed = timezone.make_aware(dt.datetime(2026, 9, 10, 10))
    Pair.objects.filter(pk=p.pk).update(a_confirmed_at=confirmed, b_confirmed_at=confirmed)
    day_8 = dt.date(2026, 9, 18)
    assert p not in Pair.objects.map_not_agreed(day_8, days=14)  # no map yet, not late
    assert p in Pair.objects.map_not_agreed(dt.date(2026, 9, 25), days=14)  # day 15
    assert Pair.objects.with_began_on().get(pk=p.pk).began_on == dt.date(2026, 9, 10)
    the_map = Map.objects.create(pair=p)
    assert p in Pair.objects.map_not_agreed(dt.date(2026, 9, 25), days=14)  # a draft
    Map.objects.filter(pk=the_map.pk).update(status=Map.Status.AGREED)
    assert p not in Pair.objects.map_not_agreed(dt.date(2026, 9, 25), days=14)


def test_a_meeting_planned_in_the_past_is_not_held_and_not_quiet_breaking(
        world: World) -> None:
    p = _pair(world.bob_p, world.carol_p)
    Meeting.objects.create(pair=p, date=dt.date(2026, 9, 20), topic="Было")
    Meeting.objects.create(pair=p, date=dt.date(2026, 10, 20), topic="Не было", planned=True)
    Meeting.objects.create(pair=p, date=dt.date(2026, 12, 20), topic="Будет")  # future, unmarked
    day = dt.date(2026, 11, 30)
    got = Pair.objects.with_progress(day).get(pk=p.pk)
    assert (got.meetings_held, got.meetings_missed) == (1, 1)
    assert Pair.objects.with_quiet_since(day).get(pk=p.pk).quiet_since == dt.date(2026, 9, 20)
    assert p in Pair.objects.quiet(day, weeks=5)
    assert p not in Pair.objects.quiet(day, weeks=11)


def test_the_query_overlap_agrees_with_the_core_rule(world: World) -> None:
    """``Pair.objects.overlapping`` (via access.filters.overlapping_q) and
    ``core.periods.overlaps`` give the same answer on every period around a term's ends,
    open ends and a reversed period included."""
    from tandem.core.periods import overlaps

    p = _pair(world.bob_p, world.carol_p)
    end = p.ends_on
    around = [None, START - dt.timedelta(days=1), START, START + dt.timedelta(days=1),
              end - dt.timedelta(days=1), end, end + dt.timedelta(days=1)]
    for date_from in around:
        for date_to in around:
            in_query = Pair.objects.overlapping(date_from, date_to).filter(pk=p.pk).exists()
            assert in_query == overlaps(START, end, date_from, date_to), (date_from, date_to)


@given(meetings=st.lists(st.tuples(st.integers(min_value=-20, max_value=120), st.booleans()),
                         max_size=5),
       start=st.integers(min_value=0, max_value=40), as_of=st.integers(min_value=-10,
                                                                         max_value=130),
       weeks=st.integers(min_value=1, max_value=12))
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_quiet_query_agrees_with_the_core_rule(
        world: World, meetings: list[tuple[int, bool]], start: int, as_of: int,
        weeks: int) -> None:
    """``Pair.objects.quiet`` (said without the last meeting of every pair, issue #16)
    keeps exactly the pairs :func:`tandem.core.attention.quiet` calls quiet, with
    :func:`~tandem.core.attention.quiet_since` as ``quiet_since`` — meetings before the
    start, planned or after the day included."""
    Pair.objects.all().delete()
    starts_on = START + dt.timedelta(days=start)
    day = START + dt.timedelta(days=as_of)
    p = Pair.objects.create(a=world.bob_p, b=world.carol_p, organization=world.org_a,
                            starts_on=starts_on, ends_on=dt.date(2027, 8, 31),
                            status="active")
    for offset, planned in meetings:
        Meeting.objects.create(pair=p, date=START + dt.timedelta(days=offset), topic="В",
                               planned=planned)
    held = [START + dt.timedelta(days=o) for o, planned in meetings
            if not planned and START + dt.timedelta(days=o) <= day]
    last = max(held, default=None)
    expected = attention.quiet(starts_on=starts_on, last_held_on=last, as_of=day,
                               weeks=weeks)
    got = list(Pair.objects.quiet(day, weeks=weeks))
    assert [x.pk for x in got] == ([p.pk] if expected else [])
    if expected:
        assert got[0].quiet_since == attention.quiet_since(starts_on, last)


def test_a_meeting_before_the_start_counts_as_the_last_one(world: World) -> None:
    """A meeting logged before the pair's start is its last one (as in quiet_since): the
    pair is quiet from it, though its start is more recent than the threshold."""
    p = _pair(world.bob_p, world.carol_p)
    Meeting.objects.create(pair=p, date=START - dt.timedelta(days=30), topic="До начала")
    day = START + dt.timedelta(weeks=2)
    assert list(Pair.objects.quiet(day, weeks=5)) == [p]
    assert Pair.objects.quiet(day, weeks=5).get().quiet_since == START - dt.timedelta(days=30)
    assert not Pair.objects.quiet(day, weeks=7).exists()


def test_a_unit_given_by_ids_has_the_pairs_of_the_unit_given_as_organizations(
        world: World) -> None:
    """``of_unit([ids])`` (a curator's organizations by value, issue #16) is the same
    rule as ``of_unit(<organizations>)``: a pool pair is in both members' units."""
    from tandem.territory.models import Organization

    second = OrganizationFactory.create(municipality=world.municipality_a)
    pool = _pair(world.bob_p, ParticipantFactory.create(organization=second))
    cross = _pair(world.alice_p, world.charlie_p)  # A ⇄ B
    inside_b = _pair(world.charlie_p, world.someone_b)
    for ids in ([], [world.org_a.pk], [second.pk], [world.org_b.pk],
                [world.org_a.pk, world.org_b.pk], [world.org_a.pk, second.pk]):
        as_rows = Organization.objects.filter(pk__in=ids)
        for by in (MEMBER, OWNER):
            by_ids = list(Pair.objects.of_unit(ids, by=by))
            assert len(by_ids) == len(set(by_ids)), (ids, by)  # none listed twice
            assert set(by_ids) == set(Pair.objects.of_unit(as_rows, by=by)), (ids, by)
    assert set(Pair.objects.of_unit([world.org_b.pk])) == {cross, inside_b}
    assert set(Pair.objects.of_unit([world.org_a.pk])) == {pool, cross}
    assert set(Pair.objects.of_unit([second.pk], by=OWNER)) == set()


def test_figures_kept_for_a_day_are_those_of_that_day(world: World) -> None:
    """``with_progress`` builds its expressions once a day and window and reuses them:
    asked again, and in turn for other days and windows, each answer is that day's (the
    meeting of 20.10 is missed from the 20th, held once its day is marked)."""
    p = _pair(world.bob_p, world.carol_p)
    planned = Meeting.objects.create(pair=p, date=dt.date(2026, 10, 20), topic="План",
                                     planned=True)
    before, after = dt.date(2026, 10, 19), dt.date(2026, 11, 30)

    def figures(day: dt.date, since: dt.date | None = None) -> tuple[int, int]:
        got = Pair.objects.with_progress(day, since).get(pk=p.pk)
        return got.meetings_held, got.meetings_missed

    for _ in range(2):
        assert figures(before) == (0, 0)
        assert figures(after) == (0, 1)
        assert figures(after, dt.date(2026, 11, 1)) == (0, 0)  # the window starts later
    planned.planned = False
    planned.save()
    assert figures(after) == (1, 0)
    assert figures(before) == (0, 0)


def test_the_kept_expressions_give_the_sql_of_fresh_ones(world: World) -> None:
    """Used in other queries (joined, as a subquery, with another window), the kept
    expressions are not changed: each query's SQL is that of freshly built ones."""
    from django.db.models import QuerySet

    from tandem.pairs.querysets import _build_progress_annotations

    p = _pair(world.bob_p, world.carol_p)
    day, since = dt.date(2026, 11, 30), dt.date(2026, 11, 1)

    def fresh(qs: QuerySet[Pair], as_of: dt.date, date_from: dt.date | None = None) -> str:
        return str(qs.annotate(**_build_progress_annotations(Pair, as_of, date_from)).query)

    for _ in range(2):
        inner = Pair.objects.with_progress(day).filter(meetings_missed=0).values("pk")
        assert p in Pair.objects.filter(pk__in=inner)
        joined = Pair.objects.select_related("a__organization").filter(a__surname__gt="")
        assert str(joined.with_progress(day, since).query) == fresh(joined, day, since)
        assert str(Pair.objects.with_progress(day).query) == fresh(Pair.objects.all(), day)
