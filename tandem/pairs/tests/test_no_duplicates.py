"""Issue #14, defect 1: re-running formation must not re-propose a pair that already
runs, approving twice must not create it twice, and the database refuses a second
running pair of the same two people, whichever of them is A."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from tandem.access.scope import scope_for
from tandem.maps import lifecycle
from tandem.pairs import services
from tandem.pairs.models import MatchingRun, Pair
from tandem.pairs.tasks import run_matching
from tandem.testing import World, build_pairs_pool

START, END = dt.date(2026, 12, 1), dt.date(2027, 5, 31)


def _run(world: World, capacity: int) -> MatchingRun:
    run = services.run_start(unit=world.org_a, scope=scope_for(world.alice), user=world.alice,
                             options=services.RunOptions(capacity=capacity))
    run_matching.call(run_id=run.pk, time_limit=5)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.DONE
    return run


def _key(world: World) -> str:
    return "-".join(str(x) for x in sorted((world.bob_p.pk, world.carol_p.pk)))


def test_a_second_run_with_room_left_does_not_propose_the_running_pair(world: World) -> None:
    build_pairs_pool(world)
    first = _run(world, capacity=2)
    assert _key(world) in {f"{min(p['a'], p['b'])}-{max(p['a'], p['b'])}"
                           for p in first.result["pairs"]}
    lifecycle.pairs_approve(run=first, keys=[_key(world)], starts_on=START, ends_on=END,
                            curator=world.alice, base_url="http://x/")
    # Capacity 2: Bob and Carol still have room, so both stay in the pool — but not for
    # each other.
    second = _run(world, capacity=2)
    pool = {p["id"] for p in second.instance["participants"]}
    assert {world.bob_p.pk, world.carol_p.pk} <= pool
    assert sorted((world.bob_p.pk, world.carol_p.pk)) in second.instance["constraints"][
        "forbidden"]
    assert all({p["a"], p["b"]} != {world.bob_p.pk, world.carol_p.pk}
               for p in second.result["pairs"])
    # Bob's explanation names why Carol is out: they already work together, not a ban.
    from tandem.pairs.selectors import run_view

    bob = next(u for u in run_view(second)["unmatched"] if u["person"].pk == world.bob_p.pk)
    assert "уже работают в паре — 1" in bob["reason_text"]
    assert "запрет куратора" not in bob["reason_text"]


def test_approving_the_same_proposal_twice_creates_one_pair(world: World) -> None:
    build_pairs_pool(world)
    run = _run(world, capacity=2)
    lifecycle.pairs_approve(run=run, keys=[_key(world)], starts_on=START, ends_on=END,
                            curator=world.alice, base_url="http://x/")
    with pytest.raises(services.PairsError, match="уже работают в паре"):
        lifecycle.pairs_approve(run=run, keys=[_key(world)], starts_on=START, ends_on=END,
                                curator=world.alice, base_url="http://x/")
    assert Pair.objects.count() == 1


@pytest.mark.parametrize("swap", [False, True])
def test_the_database_refuses_a_second_running_pair_of_two(world: World, swap: bool) -> None:
    first = Pair.objects.create(a=world.bob_p, b=world.carol_p, organization=world.org_a,
                                starts_on=START, ends_on=END)
    a, b = (world.carol_p, world.bob_p) if swap else (world.bob_p, world.carol_p)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pair.objects.create(a=a, b=b, organization=world.org_a, starts_on=START, ends_on=END)
    # A finished pair does not block a new one of the same two people.
    first.status = Pair.Status.COMPLETED
    first.save()
    again = Pair.objects.create(a=a, b=b, organization=world.org_a, starts_on=START,
                                ends_on=END)
    assert Pair.objects.running().get() == again
