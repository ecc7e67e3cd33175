"""The overdue tasks of the reminders: the rule (``task_overdue_q``) read in two parts,
each by its own index (issue #16), gives the same rows in the same order."""

import datetime as dt

from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import scope_for
from tandem.core.effectiveness import task_overdue
from tandem.maps.models import Map, Row
from tandem.pairs.models import Pair
from tandem.pairs.querysets import task_overdue_parts, task_overdue_q
from tandem.pairs.selectors import pairs_manageable
from tandem.reminders.selectors import overdue_tasks
from tandem.surveys.tests.helpers import active_pair
from tandem.testing import World

START = dt.date(2026, 9, 1)
TODAY = dt.date(2026, 11, 20)


def _row(the_map: Map, deadline: dt.date, done_at: dt.date | None = None,
         title: str = "Задача") -> Row:
    return Row.objects.create(map=the_map, direction=Row.Direction.A_TO_B, competency="ict.x",
                              title=title, current_level=0, target_level=2, partner_level=3,
                              task="Задача", deadline=deadline, product="Тест",
                              evidence="Показ", done_at=done_at)


def test_a_worked_example_in_deadline_order(world: World) -> None:
    """Bob ⇄ Carol carry out their map on 20 November. Overdue: «Первая» (deadline 1
    November, not done), «Вторая» (deadline 10 November, marked done only on 25
    November: not done by the 20th) and «Третья» (deadline 15 November, not done).
    Not overdue: done on the day, deadline on the day, deadline ahead. Another
    organization's rows are not the curator's; a map not under way, a pair not active
    have no reminders."""
    p = active_pair(world.bob_p, world.carol_p, starts_on=START)
    the_map = Map.objects.create(pair=p, status=Map.Status.IN_PROGRESS)
    third = _row(the_map, dt.date(2026, 11, 15), title="Третья")
    first = _row(the_map, dt.date(2026, 11, 1), title="Первая")
    second = _row(the_map, dt.date(2026, 11, 10), dt.date(2026, 11, 25), title="Вторая")
    _row(the_map, dt.date(2026, 11, 5), TODAY, title="Сделана в срок дня")
    _row(the_map, TODAY, title="Срок сегодня")
    _row(the_map, dt.date(2026, 12, 1), title="Впереди")
    other = active_pair(world.charlie_p, world.someone_b, starts_on=START)
    _row(Map.objects.create(pair=other, status=Map.Status.IN_PROGRESS),
         dt.date(2026, 10, 1), title="Чужая")

    events = overdue_tasks(today=TODAY, pairs=pairs_manageable(scope=scope_for(world.alice)))
    assert [(e.object_id, e.event_on, e.title) for e in events] == [
        (first.pk, dt.date(2026, 11, 1), "Первая"),
        (second.pk, dt.date(2026, 11, 10), "Вторая"),
        (third.pk, dt.date(2026, 11, 15), "Третья")]
    assert [e.object_id for e in overdue_tasks(today=TODAY, limit=2,
                                               pairs=pairs_manageable(
                                                   scope=scope_for(world.alice)))] == [
        first.pk, second.pk]
    # The other organization's row is the other curator's.
    assert [e.title for e in overdue_tasks(today=TODAY)] == [
        "Чужая", "Первая", "Вторая", "Третья"]
    # A map not under way, a pair not active: nothing to remind.
    Map.objects.filter(pk=the_map.pk).update(status=Map.Status.AGREED)
    assert [e.title for e in overdue_tasks(today=TODAY)] == ["Чужая"]
    Pair.objects.filter(pk=other.pk).update(status=Pair.Status.COMPLETED)
    assert overdue_tasks(today=TODAY) == []


@given(rows=st.lists(st.tuples(st.integers(min_value=-6, max_value=6),
                               st.one_of(st.none(), st.integers(min_value=-6, max_value=6))),
                     min_size=1, max_size=8),
       limit=st.integers(min_value=1, max_value=9))
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_two_parts_are_the_rule_and_the_list_is_its_first_rows(
        world: World, rows: list[tuple[int, int | None]], limit: int) -> None:
    """The parts are disjoint and their union is ``task_overdue_q`` (and the core rule
    ``task_overdue``) on every row around the day; the reminders' list is the first
    ``limit`` rows of the rule in (deadline, id) order."""
    Row.objects.all().delete()
    the_map = Map.objects.update_or_create(
        pair=active_pair(world.bob_p, world.carol_p, starts_on=START)
        if not Pair.objects.filter(a=world.bob_p, b=world.carol_p).exists()
        else Pair.objects.get(a=world.bob_p, b=world.carol_p),
        defaults={"status": Map.Status.IN_PROGRESS})[0]
    made = [_row(the_map, TODAY + dt.timedelta(days=d),
                 None if done is None else TODAY + dt.timedelta(days=done))
            for d, done in rows]
    open_part, late_part = task_overdue_parts(TODAY)
    assert not Row.objects.filter(open_part & late_part).exists()
    by_rule = set(Row.objects.filter(task_overdue_q(TODAY)).values_list("pk", flat=True))
    by_parts = set(Row.objects.filter(Q(open_part) | Q(late_part))
                   .values_list("pk", flat=True))
    by_core = {r.pk for r in made if task_overdue(r.done_at, r.deadline, TODAY)}
    assert by_rule == by_parts == by_core
    expected = sorted((r for r in made if r.pk in by_core), key=lambda r: (r.deadline, r.pk))
    assert [e.object_id for e in overdue_tasks(today=TODAY, limit=limit)] == [
        r.pk for r in expected[:limit]]
