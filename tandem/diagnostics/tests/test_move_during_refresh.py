"""An organization moved to another municipality while a refresh job waits for its locks:
the job read the municipalities before the move committed, sums only those, and must leave
the organization marked so that its new municipality is summed by the next job (review of
2026-12-05; PostgreSQL: two transactions at once)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tandem.diagnostics import tallies
from tandem.diagnostics.models import TallyState
from tandem.territory.models import Municipality, Organization
from tandem.testing import build_diagnostics, build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_move_committed_while_the_refresh_waits_is_summed_by_the_next_job(
        monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two transactions at once, row locks")
    world = build_world()
    build_diagnostics(world)
    assert tallies.stale() == []
    third = Municipality.objects.create(name="Третий", region=world.region)
    TallyState.objects.filter(organization_id=world.org_a.pk).update(
        dirty_since=timezone.now())  # A waits for the job (e.g. a hand-out)
    monkeypatch.setattr(tallies, "enqueue_refresh", lambda: None)
    moved, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def mover() -> None:  # an operator moves A; the transaction is still open
        try:
            with transaction.atomic():
                org = Organization.objects.get(pk=world.org_a.pk)
                org.municipality = third
                org.save()
                moved.set()
                release.wait(20)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    def job() -> None:
        try:
            tallies.refresh()
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    moving = threading.Thread(target=mover)
    moving.start()
    assert moved.wait(10)
    refreshing = threading.Thread(target=job)
    refreshing.start()
    time.sleep(1.5)  # the job waits for the municipalities' rows the move holds
    release.set()
    moving.join(20)
    refreshing.join(20)
    assert errors == []
    tallies.refresh()  # the next job
    assert tallies.stale() == []
