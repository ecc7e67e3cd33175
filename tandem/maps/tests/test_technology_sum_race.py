"""Two rebuilds of organizations of one municipality at once (PostgreSQL): the
municipality's technology sums keep one row per key. Each rebuild holds the
municipality's row (``tallies._rebuild_locked``), so they queue; and were a writer ever
to write unheld, the unique key of the sums (migration 0012) refuses its duplicate —
before it, the second writer's insert went in beside the first's and doubled the
region's «технологии» table (defect of the 2026-12-05 review)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Count, F

from tandem.maps import tallies
from tandem.maps.models import TechnologyMunicipalityTally, TechnologyRegionTally, TechnologyTally
from tandem.maps.tests.test_technology_tallies import _pair_of
from tandem.maps.tests.test_technology_tally_race import _until_waiting
from tandem.territory.models import Municipality, Organization
from tandem.testing import HeldRace, build_world

pytestmark = pytest.mark.django_db(transaction=True)


def _two_organizations_one_behind() -> tuple[Organization, Organization, Municipality]:
    """Two organizations of municipality A with «case» rows, both tallies and the sum
    one row behind the maps (as a rebuild finds them after a row was added to each)."""
    if connection.vendor != "postgresql":
        pytest.skip("гонка транзакций бывает только на PostgreSQL (SQLite пишет по очереди)")
    world = build_world()
    o1 = world.org_a
    o2 = Organization.objects.create(municipality=world.municipality_a, name="Школа В",
                                     code="school-v", sector=o1.sector)
    _pair_of(o1, o1, o1, ("case",) * 3)
    _pair_of(o2, o2, o2, ("case",) * 3)
    tallies.refresh()
    assert tallies.stale() == []
    TechnologyTally.objects.filter(organization_id__in=[o1.pk, o2.pk]).update(
        rows=F("rows") - 1)
    TechnologyMunicipalityTally.objects.update(rows=F("rows") - 2)
    TechnologyRegionTally.objects.update(rows=F("rows") - 2)  # the sum of its municipality
    return o1, o2, world.municipality_a


def _run(body: Callable[[], object], errors: list[BaseException]) -> threading.Thread:
    def target() -> None:
        try:
            body()
        except BaseException as e:  # reported by the test
            errors.append(e)
        finally:
            connections.close_all()
    thread = threading.Thread(target=target)
    thread.start()
    return thread


def _keys_stored_twice() -> list[Any]:
    return list(TechnologyMunicipalityTally.objects.values(*tallies.SUM_KEY).order_by()
                .annotate(n=Count("pk")).filter(n__gt=1))


def test_two_rebuilds_of_one_municipality_at_once_leave_one_row_per_key() -> None:
    o1, o2, municipality = _two_organizations_one_behind()
    errors: list[BaseException] = []
    held, release = threading.Event(), threading.Event()

    def blocker() -> None:  # both rebuilds start while the municipality is held
        with transaction.atomic():
            list(Municipality.objects.select_for_update(no_key=True).filter(pk=municipality.pk))
            held.set()
            release.wait(30)

    threads = [_run(blocker, errors)]
    assert held.wait(30)
    threads += [_run(lambda: tallies.rebuild([o1.pk]), errors),
                _run(lambda: tallies.rebuild([o2.pk]), errors)]
    _until_waiting(2, *threads)
    release.set()
    for thread in threads:
        thread.join(60)
    assert not errors, [str(e) for e in errors]
    assert _keys_stored_twice() == []
    assert TechnologyMunicipalityTally.objects.get().rows == 6
    assert tallies.stale() == []


def test_a_writer_that_held_nothing_is_refused_its_duplicate(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock taken away: the first rebuild replaced the sum row and waits to commit;
    the second read the old row, waits for it, finds it gone and inserts the key again —
    refused by the unique key, so the table keeps one row per key."""
    import psycopg

    o1, o2, _municipality = _two_organizations_one_behind()
    monkeypatch.setattr(Municipality.objects, "select_for_update",
                        lambda **kwargs: Municipality.objects.all())

    def first(hold: Callable[[], None]) -> None:
        with transaction.atomic():
            tallies.rebuild([o1.pk])
            hold()

    race = HeldRace(first, lambda: tallies.rebuild([o2.pk]))
    race.start()
    assert race.second_waits()      # for the row the first one replaced
    race.release.set()
    race.first.join(60)
    race.second.join(60)
    assert _keys_stored_twice() == []
    [error] = race.errors
    assert isinstance(error, (IntegrityError, psycopg.IntegrityError)), repr(error)


def test_two_rebuilds_in_two_municipalities_of_one_region_both_reach_its_sums() -> None:
    """The regions' sums (``TechnologyRegionTally``) change by difference: two rebuilds in
    municipalities A and B of one region hold different municipalities, so only the
    region's advisory lock (``tallies._hold_region_sums``, taken last) queues them — the
    second reads the region's sums after the first committed. Without it the second read
    them before and wrote its own difference over the first's (a lost update, or a
    duplicate key refused)."""
    if connection.vendor != "postgresql":
        pytest.skip("гонка транзакций бывает только на PostgreSQL (SQLite пишет по очереди)")
    world = build_world()
    oa, ob = world.org_a, world.org_b
    assert oa.municipality_id != ob.municipality_id
    _pair_of(oa, oa, oa, ("case",) * 3)
    _pair_of(ob, ob, ob, ("case",) * 2)
    tallies.refresh()
    assert tallies.stale() == []
    # Each organization's tally and sum one row behind its maps, the region's two.
    TechnologyTally.objects.filter(organization_id__in=[oa.pk, ob.pk]).update(
        rows=F("rows") - 1)
    TechnologyMunicipalityTally.objects.update(rows=F("rows") - 1)
    TechnologyRegionTally.objects.update(rows=F("rows") - (1 if oa.sector != ob.sector else 2))

    def first(hold: Callable[[], None]) -> None:
        with transaction.atomic():
            tallies.rebuild([oa.pk])
            hold()

    race = HeldRace(first, lambda: tallies.rebuild([ob.pk]))
    race.start()
    assert race.second_waits()      # for the region's sums
    race.finish()
    if oa.sector == ob.sector:
        assert TechnologyRegionTally.objects.get(region=world.region).rows == 5
    assert tallies.stale() == []
