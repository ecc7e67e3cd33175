"""#16: the first view in its life of a region's, a municipality's or the country's
dashboard — nobody viewed it, so the hourly run did not warm it — finds it computed after a
rebuild of every figure (``tallies --rebuild``, the end of ``seed-demo``:
``signals.rebuilt`` → ``tasks.warm_every_unit``), in the shared cache the pages read; the
organizations' are not computed ahead, nor anything with a process's own memory cache."""

from collections.abc import Iterator
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.access.tests.personas import federal_operator
from tandem.accounts.models import User
from tandem.monitoring import selectors, tasks
from tandem.monitoring.tests.calls import recording
from tandem.testing import (
    World,
    build_diagnostics,
    bulk_participants,
    bulk_responses,
    database_caches,
)
from tandem.web import signals

pytestmark = pytest.mark.django_db

URL = reverse("monitoring:index")
@pytest.fixture
def shared_cache() -> Iterator[None]:
    """The cache in the database, as in production (not the tests' process memory)."""
    with database_caches("every"):
        yield


def _grown(world: World) -> None:
    dw = build_diagnostics(world)
    bulk_responses(dw.campaign_a, bulk_participants(world.org_a, 6))
    bulk_responses(dw.campaign_b, bulk_participants(world.org_b, 4))


def _computed(client: Client, user: User, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many dashboards the user's first view of /monitoring/ computed."""
    client.force_login(user)
    with monkeypatch.context() as patched:
        calls = recording(patched, "compute_dashboard")
        response = client.get(URL)
    assert response.status_code == 200
    return len(calls)


@pytest.mark.parametrize("who", ["federal", "olga", "erin"])
def test_a_rebuild_computes_a_first_view_nobody_viewed(
        client: Client, world: World, shared_cache: None, who: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _grown(world)
    user = {"federal": federal_operator, "olga": lambda: world.olga,
            "erin": lambda: world.erin}[who]()
    cache.clear()  # nothing viewed, nothing computed
    call_command("tallies", "--rebuild", stdout=StringIO(), stderr=StringIO())
    assert _computed(client, user, monkeypatch) == 0
    # The same figures as computed for the page itself.
    scope = Scope(user_id=None, everything=True) if who == "federal" else scope_for(user)
    version = selectors.data_version(scope, Filters())
    kept = cache.get(selectors.cache_key(selectors.DATA_KIND, scope, Filters(), version))
    fresh = selectors.compute_dashboard(scope=scope, filters=Filters())
    assert kept is not None
    assert (kept.units, kept.completion, kept.deficit_share, kept.strength_share,
            kept.mentors, kept.mentor_places, kept.pair_status, kept.summary) == (
        fresh.units, fresh.completion, fresh.deficit_share, fresh.strength_share,
        fresh.mentors, fresh.mentor_places, fresh.pair_status, fresh.summary)


def test_the_warm_up_goes_in_the_hourly_runs_batches(world: World, shared_cache: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The country, the regions and the municipalities with organizations, each once, in
    the hourly run's tasks (their sizes), viewed or not; an entry already there is left."""
    _grown(world)
    enqueued: list[dict[str, object]] = []
    monkeypatch.setattr(tasks, "warm_dashboards", SimpleNamespace(
        enqueue=lambda **kwargs: enqueued.append(kwargs)))
    monkeypatch.setattr(tasks, "WARM_MUNICIPALITIES", 1)
    assert tasks.warm_every_unit() == 4
    municipalities = sorted([world.org_a.municipality_id, world.org_b.municipality_id])
    assert enqueued == [
        {"unviewed": True, "country": True, "region_ids": [], "municipality_ids": []},
        {"unviewed": True, "region_ids": [world.region.pk], "municipality_ids": []},
        *({"unviewed": True, "region_ids": [], "municipality_ids": [pk]}
          for pk in municipalities)]
    monkeypatch.undo()
    assert tasks.warm_every_unit() == 3  # run inline (the immediate backend)
    # Warmed: a second rebuild computes none again, a unit viewed or not.
    assert tasks.warm_dashboards.call(region_ids=[world.region.pk], municipality_ids=municipalities,
                                      country=True, unviewed=True) == 0


def test_a_curators_first_view_is_not_computed_ahead(
        client: Client, world: World, shared_cache: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The organizations (a country's ~30,000) are warmed once viewed, not on a rebuild —
    while her coordinator's is (a guard of the limit: passes without the warm-up too)."""
    _grown(world)
    cache.clear()
    signals.rebuilt.send(sender=None)
    assert _computed(client, world.alice, monkeypatch) == 1
    assert _computed(client, world.erin, monkeypatch) == 0


def test_nothing_is_computed_into_a_process_memory(world: World) -> None:
    """The embedded set-up's cache is the process's: a command's warm-up would be lost."""
    _grown(world)
    cache.clear()
    assert tasks.warm_every_unit() == 0
    assert selectors.warm(Scope(user_id=None, everything=True))  # nothing was there
