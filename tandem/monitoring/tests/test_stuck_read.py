"""The curator's stuck pairs in three queries (issue #16): the map's rule asked in the query
of the pairs, the pairs read as columns — the same list as asking the rules of each pair
one by one, whatever the pairs, their maps, rows and meetings."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.core import effectiveness as core
from tandem.maps.models import Map, Meeting, Row
from tandem.monitoring import selectors
from tandem.monitoring.effectiveness import pair_figures
from tandem.pairs.models import Pair
from tandem.pairs.querysets import no_meeting_weeks
from tandem.testing import ParticipantFactory, World

DAY = dt.date(2027, 2, 1)
START = dt.date(2026, 9, 1)
STATUSES = [Pair.Status.APPROVED, Pair.Status.ACTIVE, Pair.Status.COMPLETED]
MAPS = [None, Map.Status.DRAFT, Map.Status.IN_PROGRESS]


def _expected(world: World) -> list[tuple[object, ...]]:
    """The stuck list asked pair by pair of the rules' homes, with model instances: the
    unit's running pairs, each pair's rows and meetings, the map's rule of that pair."""
    weeks = no_meeting_weeks()
    result = []
    pairs = Pair.objects.running().of_unit([world.org_a.pk]).select_related(
        "a", "b", "organization")
    for pair in pairs:
        rows = {d: [core.PlanRow(r.competency, r.current_level, r.target_level, r.deadline,
                                 r.done_at, r.product)
                    for r in Row.objects.filter(map__pair=pair, direction=d)
                    .order_by("order", "pk")] for d in core.DIRECTIONS}
        held = [(m.date, m.planned) for m in Meeting.objects.filter(pair=pair)]
        span = core.window(pair.starts_on, pair.ends_on, as_of=DAY)
        figures = core.PairFigures(
            pair_id=pair.pk, status=pair.status, starts_on=pair.starts_on,
            ends_on=pair.ends_on,
            a_to_b=core.direction_figures(core.A_TO_B, rows[core.A_TO_B], before={},
                                          finals=[], as_of=DAY),
            b_to_a=core.direction_figures(core.B_TO_A, rows[core.B_TO_A], before={},
                                          finals=[], as_of=DAY),
            meetings=core.meeting_figures(held, span),
            last_held_on=core.last_held_on(held, DAY))
        reasons = core.stuck_reasons(figures, as_of=DAY, quiet_weeks=weeks)
        if Pair.objects.filter(pk=pair.pk).map_not_agreed(DAY).exists():
            reasons.append(selectors.MAP_NOT_AGREED)
        if reasons:
            result.append((pair.pk, pair.a.short_name, pair.b.short_name,
                           pair.organization.short_name, tuple(sorted(reasons)),
                           figures.meetings.last_held_on, figures.tasks_overdue))
    return sorted(result)


def _listed(world: World) -> list[tuple[object, ...]]:
    stuck = selectors.stuck_pairs(scope=scope_for(world.alice), filters=Filters(), today=DAY)
    return sorted((p.pair_id, p.a_name, p.b_name, p.organization, tuple(sorted(p.reasons)),
                   p.last_meeting, p.tasks_overdue) for p in stuck)


# (status, start, map, confirmed, rows (direction, deadline, done), meetings (day, planned))
Drawn = tuple[str, int, str | None, int | None, list[tuple[str, int, int | None]],
              list[tuple[int, bool]]]
pair_drawn = st.tuples(
    st.sampled_from(STATUSES),
    st.integers(0, 150),  # days after START the pair starts
    st.sampled_from(MAPS),
    st.one_of(st.none(), st.integers(0, 60)),  # both confirmed so many days after start
    st.lists(st.tuples(st.sampled_from(core.DIRECTIONS), st.integers(-60, 60),
                       st.one_of(st.none(), st.integers(-90, 30))), max_size=4),
    st.lists(st.tuples(st.integers(-150, 10), st.booleans()), max_size=5))


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=st.lists(pair_drawn, min_size=1, max_size=5))
def test_stuck_pairs_are_those_the_rules_name_pair_by_pair(
        world: World, drawn: list[Drawn]) -> None:
    Pair.objects.filter(organization=world.org_a).delete()
    for status, offset, map_status, confirmed, rows, meetings in drawn:
        a, b = (ParticipantFactory.create(organization=world.org_a) for _ in range(2))
        starts_on = START + dt.timedelta(days=offset)
        moment = (None if confirmed is None else timezone.make_aware(
            dt.datetime.combine(starts_on + dt.timedelta(days=confirmed),
                                dt.time(12))))
        pair = Pair.objects.create(a=a, b=b, organization=world.org_a, status=status,
                                   starts_on=starts_on, ends_on=dt.date(2027, 5, 31),
                                   a_confirmed_at=moment, b_confirmed_at=moment)
        if map_status is not None:
            plan = Map.objects.create(pair=pair, status=map_status)
            Row.objects.bulk_create([Row(
                map=plan, direction=direction, competency="ict.ai_lessons", title="Задача",
                current_level=0, target_level=2, partner_level=3, task="Задача",
                deadline=DAY + dt.timedelta(days=deadline), product="Продукт",
                done_at=None if done is None else DAY + dt.timedelta(days=done),
                evidence="Показ")
                for direction, deadline, done in rows])
        Meeting.objects.bulk_create([
            Meeting(pair=pair, date=DAY + dt.timedelta(days=day), planned=planned,
                    topic="Встреча") for day, planned in meetings])
    assert _listed(world) == _expected(world)


def _stuck_queries(world: World) -> int:
    scope = scope_for(world.alice)
    with CaptureQueriesContext(connection) as ctx:
        selectors.stuck_pairs(scope=scope, filters=Filters(), today=DAY)
    return len(ctx.captured_queries)


def _more_pairs(world: World, n: int) -> None:
    people = [ParticipantFactory.create(organization=world.org_a) for _ in range(2 * n)]
    pairs = Pair.objects.bulk_create([
        Pair(a=people[2 * i], b=people[2 * i + 1], organization=world.org_a,
             status=Pair.Status.ACTIVE, starts_on=START, ends_on=dt.date(2027, 5, 31))
        for i in range(n)])
    Map.objects.bulk_create([Map(pair=p) for p in pairs[::2]])
    Meeting.objects.bulk_create([Meeting(pair=p, date=START, topic="Встреча")
                                 for p in pairs])


def test_stuck_pairs_are_three_queries_at_two_sizes(world: World) -> None:
    """The pairs with the map's rule, their rows, their meetings: not a fourth query for
    the maps not agreed, and no query per pair or per person."""
    _more_pairs(world, 3)
    assert _stuck_queries(world) == 3
    _more_pairs(world, 60)
    assert _stuck_queries(world) == 3


def test_pair_figures_name_the_members_as_their_short_names(world: World) -> None:
    a = ParticipantFactory.create(organization=world.org_a, surname="Иванова", name="Анна",
                                  patronymic="")
    b = ParticipantFactory.create(organization=world.org_a, surname="Петров", name="Пётр",
                                  patronymic="Петрович")
    Pair.objects.create(a=a, b=b, organization=world.org_a, status=Pair.Status.ACTIVE,
                        starts_on=START, ends_on=dt.date(2027, 5, 31))
    [figures] = pair_figures(scope=scope_for(world.alice), filters=Filters(), today=DAY)
    assert (figures.a_name, figures.b_name) == ("Иванова А.", "Петров П.П.")
    assert (figures.a_name, figures.b_name) == (a.short_name, b.short_name)
