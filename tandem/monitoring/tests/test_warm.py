"""#16: the federal and the regional operator's first view of the dashboard finds it
computed — the hourly run (and, with a worker, the rebuild of the figures) computes the
country's and each region's standard view ahead, under the very key the page reads."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.access.tests.personas import federal_operator
from tandem.monitoring import selectors, tasks
from tandem.testing import World, build_diagnostics
from tandem.web import signals

pytestmark = pytest.mark.django_db

URL = reverse("monitoring:index")


def _queries(client: Client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("who", ["federal", "olga"])
def test_the_hourly_run_warms_the_first_view(client: Client, world: World, who: str) -> None:
    build_diagnostics(world)
    client.force_login(federal_operator() if who == "federal" else world.olga)
    cache.clear()
    cold, _page = _queries(client)
    cached, _page = _queries(client)
    assert cached < cold
    cache.clear()
    signals.hourly.send(sender=None)  # the hourly run: the dashboards are computed
    first, page = _queries(client)
    assert first == cached  # the first view after it is a cached one
    assert "Данные на" in page


def test_the_warm_up_computes_again_only_when_asked(world: World) -> None:
    build_diagnostics(world)
    cache.clear()
    assert tasks.warm_dashboards.call() == 2  # the country and the one region
    assert tasks.warm_dashboards.call() == 0  # both cached already
    assert tasks.warm_dashboards.call(again=True) == 2
    assert tasks.warm_dashboards.call(region_ids=[world.region.pk]) == 0


def test_only_the_standard_views_of_whole_regions_are_kept_long(world: World) -> None:
    country = Scope(user_id=None, everything=True)
    assert selectors.warmed(country, Filters())
    assert selectors.warmed(scope_for(world.olga), Filters())
    assert not selectors.warmed(country, Filters(region_id=world.region.pk))
    assert not selectors.warmed(scope_for(world.erin), Filters())  # a municipality
    assert not selectors.warmed(scope_for(world.alice), Filters())  # an organization
    assert not selectors.warmed(scope_for(world.olga), Filters(sector="school"))


def test_a_rebuild_warms_the_dashboards_where_a_worker_runs_it(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the immediate backend a writer's request would pay for it: warmed by the
    hourly run only; with a worker, after the rebuild too."""
    from tandem.monitoring import tallies

    build_diagnostics(world)
    for queued, warmed in ((False, False), (True, True)):
        cache.clear()
        monkeypatch.setattr(tasks, "_queued", lambda queued=queued: queued)
        tallies.touch([world.org_a.pk])  # marked, its job enqueued after commit
        tasks.refresh_pair_tallies.call()
        version = selectors.data_version(scope_for(world.olga), Filters())
        key = selectors.cache_key(selectors.DATA_KIND, scope_for(world.olga), Filters(),
                                  version)
        assert (cache.get(key) is not None) is warmed
