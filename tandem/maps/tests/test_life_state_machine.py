"""Issue #14, item 14: the pair's life as one state machine (tandem/maps/lifecycle.py).

Hypothesis drives random sequences of what curators and teachers do — propose a pair of
two of three people, confirm or decline it, agree, approve, start, finish, end early or
reopen its map — refusals included, and after every step checks the invariants: no two
running pairs of the same two people; the statuses of a pair and its map agree; a refused
step changes nothing; every status change is in the audit trail; a person is told of a
partner's confirmation or decline once."""

import datetime as dt
import itertools

import pytest
from auditlog.models import LogEntry
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tandem.accounts.models import User
from tandem.maps import lifecycle
from tandem.maps.models import Map
from tandem.maps.services import MapError, map_draft
from tandem.notifications.models import Notification
from tandem.pairs.models import Pair
from tandem.pairs.services import PairsError
from tandem.people.models import Participant
from tandem.testing import ParticipantFactory, World

START, END = dt.date(2026, 12, 1), dt.date(2027, 5, 31)
RUNNING = {Pair.Status.APPROVED, Pair.Status.ACTIVE}
# The map's statuses each pair status allows.
ALLOWED: dict[str, set[str]] = {
    Pair.Status.APPROVED: {Map.Status.DRAFT, Map.Status.AGREED, Map.Status.APPROVED},
    Pair.Status.ACTIVE: {Map.Status.DRAFT, Map.Status.AGREED, Map.Status.APPROVED,
                         Map.Status.IN_PROGRESS},
    Pair.Status.COMPLETED: {Map.Status.COMPLETED},
    Pair.Status.ENDED_EARLY: {Map.Status.ENDED_EARLY},
    Pair.Status.DECLINED: {Map.Status.ENDED_EARLY},
}


USERS = itertools.count()


class PairLife(RuleBasedStateMachine):
    world: World

    def __init__(self) -> None:
        super().__init__()
        self.people = [ParticipantFactory.create(
            organization=self.world.org_a,
            user=User.objects.create_user(f"life{next(USERS)}")) for _ in range(3)]
        self.pairs: list[int] = []

    def _pair(self, i: int) -> Pair | None:
        return Pair.objects.get(pk=self.pairs[i % len(self.pairs)]) if self.pairs else None

    def _person(self, pair: Pair, side: int) -> Participant:
        return pair.a if side == 0 else pair.b

    def _refused(self, pair: Pair, step: object) -> None:
        """Runs a step; a refusal must leave the pair and its map as they were."""
        before = (Pair.objects.get(pk=pair.pk).status,
                  Map.objects.filter(pair=pair).values_list("status", flat=True).first())
        try:
            step()  # type: ignore[operator]
        except (PairsError, MapError):
            after = (Pair.objects.get(pk=pair.pk).status,
                     Map.objects.filter(pair=pair).values_list("status", flat=True).first())
            assert after == before

    @rule(a=st.integers(0, 2), b=st.integers(0, 2))
    def propose(self, a: int, b: int) -> None:
        if a == b:
            return
        x, y = self.people[a], self.people[b]
        busy = Pair.objects.running().filter(a__in=[x, y], b__in=[x, y]).exists()
        if busy:  # what approval refuses (tandem/pairs/tests/test_no_duplicates.py)
            return
        pair = Pair.objects.create(a=x, b=y, organization=x.organization, starts_on=START,
                                   ends_on=END)
        map_draft(pair)
        self.pairs.append(pair.pk)

    @rule(i=st.integers(0, 9), side=st.integers(0, 1))
    def confirm(self, i: int, side: int) -> None:
        if (pair := self._pair(i)) is not None:
            self._refused(pair, lambda: lifecycle.pair_confirm(
                pair=pair, participant=self._person(pair, side)))

    @rule(i=st.integers(0, 9), side=st.integers(0, 1))
    def decline(self, i: int, side: int) -> None:
        if (pair := self._pair(i)) is not None:
            self._refused(pair, lambda: lifecycle.pair_decline(
                pair=pair, participant=self._person(pair, side), reason="не могу",
                base_url="http://x/"))

    @rule(i=st.integers(0, 9), side=st.integers(0, 1))
    def agree(self, i: int, side: int) -> None:
        if (pair := self._pair(i)) is not None:
            self._refused(pair, lambda: lifecycle.map_agree(
                the_map=Map.objects.get(pair=pair), participant=self._person(pair, side)))

    @rule(i=st.integers(0, 9), step=st.sampled_from(["approve", "start", "complete", "end",
                                                      "reopen"]))
    def curator(self, i: int, step: str) -> None:
        if (pair := self._pair(i)) is None:
            return
        the_map = Map.objects.get(pair=pair)
        do = {"approve": lambda: lifecycle.map_approve(the_map=the_map, user=self.world.alice),
              "start": lambda: lifecycle.map_start(the_map=the_map),
              "complete": lambda: lifecycle.map_complete(the_map=the_map),
              "end": lambda: lifecycle.map_end_early(the_map=the_map, reason="переезд"),
              "reopen": lambda: lifecycle.map_reopen(the_map=the_map, reason="ошибка")}
        self._refused(pair, do[step])

    @invariant()
    def one_running_pair_of_two(self) -> None:
        keys = [tuple(sorted((a, b))) for a, b in
                Pair.objects.running().filter(pk__in=self.pairs).values_list("a", "b")]
        assert len(keys) == len(set(keys))

    @invariant()
    def pair_and_map_agree(self) -> None:
        for pair in Pair.objects.filter(pk__in=self.pairs):
            the_map = Map.objects.get(pair=pair)
            assert the_map.status in ALLOWED[pair.status], (pair.status, the_map.status)
            if the_map.status == Map.Status.IN_PROGRESS:
                assert pair.status == Pair.Status.ACTIVE
            if pair.status == Pair.Status.ACTIVE and the_map.status == Map.Status.DRAFT:
                assert pair.confirmed
            if pair.status == Pair.Status.DECLINED:
                assert pair.declined_by_id in (pair.a_id, pair.b_id) and pair.ended_reason

    @invariant()
    def told_once(self) -> None:
        once = [Notification.Kind.PARTNER_CONFIRMED, Notification.Kind.PAIR_DECLINED]
        told = list(Notification.objects.filter(
            kind__in=once, user__participant__in=self.people).values_list("user", "kind", "url"))
        assert len(told) == len(set(told))

    @invariant()
    def every_status_is_audited(self) -> None:
        for pair in Pair.objects.filter(pk__in=self.pairs):
            entries = list(LogEntry.objects.get_for_object(pair).order_by("pk"))
            assert entries  # created
            reached = [e.changes_dict["status"][1] for e in entries
                       if "status" in e.changes_dict]
            if pair.status != Pair.Status.APPROVED or reached:
                assert reached and reached[-1] == pair.status


@pytest.mark.slow
def test_the_pair_life_keeps_its_invariants(world: World) -> None:
    PairLife.world = world
    run_state_machine_as_test(PairLife, settings=settings(
        max_examples=25, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
