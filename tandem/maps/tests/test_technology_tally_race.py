"""A rebuild of technology tallies, a rebuild of diagnostics figures and an organization
moved to another municipality, in three transactions at once (review finding,
PostgreSQL): the technologies' rebuild holds a municipality and waits for the
organization's row, the move holds that row and checks its new municipality (``FOR KEY
SHARE``), diagnostics hold that municipality and wait for the first. With diagnostics'
lock ``FOR UPDATE`` the check waited on it — a circle, one of them aborted as a
deadlock; ``FOR NO KEY UPDATE`` (every lock on a municipality) lets the move pass."""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction

from tandem.diagnostics import tallies as diagnostics_tallies
from tandem.diagnostics.models import TallyState
from tandem.maps import tallies
from tandem.maps.models import Map
from tandem.maps.tests.test_technology_tallies import _pair_of
from tandem.territory.models import Municipality, Organization
from tandem.testing import MunicipalityFactory, OrganizationFactory, build_world


def _until_waiting(sessions: int, *threads: threading.Thread) -> None:
    """Waits (up to 30 s) until ``sessions`` other sessions wait for a lock, or one of
    ``threads`` ended."""
    query = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
             "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'")
    for _ in range(300):
        if any(not t.is_alive() for t in threads):
            return
        with connection.cursor() as cursor:
            cursor.execute(query)
            if cursor.fetchone()[0] >= sessions:
                return
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_a_move_during_both_rebuilds_is_no_deadlock() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("гонка транзакций бывает только на PostgreSQL (SQLite пишет по очереди)")
    world = build_world()
    region = world.region
    # m2 < m3 < m4 by id: diagnostics lock m2 then m3; the technologies' rebuild m3, m4.
    m2 = world.municipality_b
    m3 = MunicipalityFactory.create(region=region, name="Третий", code="m3")
    m4 = MunicipalityFactory.create(region=region, name="Четвёртый", code="m4")
    assert m2.pk < m3.pk < m4.pk
    moving = OrganizationFactory.create(municipality=m3, name="Переезжающая", code="moving")
    other = OrganizationFactory.create(municipality=m4, name="Стоящая", code="staying")
    _pair_of(moving, moving, moving, ("case",))
    _pair_of(other, other, other, ("project",))
    tallies.refresh()
    # Every organization has its diagnostics state already (a state inserted by the
    # rederive below for the first time is another wait: see the report of h/fedmon2).
    diagnostics_tallies.rebuild()
    assert TallyState.objects.filter(organization_id=moving.pk).exists()
    assert Map.objects.count() == 2
    errors: list[BaseException] = []
    held, release = threading.Event(), threading.Event()

    def run(body: Callable[[], object]) -> threading.Thread:
        def target() -> None:
            try:
                body()
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)
            finally:
                connections.close_all()
        thread = threading.Thread(target=target)
        thread.start()
        return thread

    def blocker() -> None:  # holds m4: the technologies' rebuild stops between its locks
        with transaction.atomic():
            list(Municipality.objects.select_for_update(no_key=True).filter(pk=m4.pk))
            held.set()
            release.wait(30)

    def move() -> None:
        with transaction.atomic():
            organization = Organization.objects.get(pk=moving.pk)
            organization.municipality = m2
            organization.save()

    threads = [run(blocker)]
    assert held.wait(30)
    threads.append(run(lambda: tallies.rebuild([moving.pk, other.pk])))  # m3; waits m4
    _until_waiting(1, *threads)
    threads.append(run(lambda: diagnostics_tallies.rederive([world.org_b.pk, moving.pk])))
    _until_waiting(2, *threads)  # diagnostics: m2 held, m3 waited for
    mover = run(move)
    threads.append(mover)
    _until_waiting(3, *threads)  # the move passes (or, before, waited on m2)
    release.set()  # the rebuild takes m4, then the moved organization's row
    for thread in threads:
        thread.join(60)
    assert not errors, [str(e) for e in errors]
    assert not mover.is_alive()
    tallies.refresh()
    assert tallies.stale() == []
    assert diagnostics_tallies.stale() == []
