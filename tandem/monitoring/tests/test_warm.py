"""#16: the federal and the regional operator's first view of the dashboard finds it
computed — the hourly run (and, with a worker, the rebuild of the figures) computes the
country's and each region's standard view ahead, under the very key the page reads, if
it was viewed lately."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.access.tests.personas import federal_operator
from tandem.diagnostics.models import CompetencyArea
from tandem.diagnostics.services import framework_publish
from tandem.monitoring import selectors, tasks
from tandem.testing import (
    MunicipalityFactory,
    OrganizationFactory,
    RegionFactory,
    World,
    build_diagnostics,
)
from tandem.web import signals

pytestmark = pytest.mark.django_db

URL = reverse("monitoring:index")


def _queries(client: Client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def _key(scope: Scope) -> str:
    return selectors.cache_key(selectors.DATA_KIND, scope, Filters(),
                               selectors.data_version(scope, Filters()))


@pytest.mark.parametrize("who", ["federal", "olga"])
def test_the_hourly_run_warms_the_first_view(client: Client, world: World, who: str) -> None:
    build_diagnostics(world)
    user = federal_operator() if who == "federal" else world.olga
    client.force_login(user)
    cache.clear()
    cold, _page = _queries(client)  # viewed: marked
    cached, _page = _queries(client)
    assert cached < cold
    scope = Scope(user_id=None, everything=True) if who == "federal" else scope_for(user)
    cache.delete(_key(scope))  # the entry gone, the mark of the view kept
    signals.hourly.send(sender=None)  # the hourly run: the dashboards are computed
    first, page = _queries(client)
    assert first == cached  # the first view after it is a cached one
    assert "Данные на" in page


def test_the_warm_up_computes_again_only_when_asked(world: World) -> None:
    build_diagnostics(world)
    cache.clear()
    country = Scope(user_id=None, everything=True)
    for scope in (country, scope_for(world.olga)):  # both viewed
        selectors.dashboard_data(scope=scope, filters=Filters())
    assert tasks.warm_dashboards.call() == 0  # both cached already
    assert tasks.warm_dashboards.call(again=True) == 2  # the country and the one region
    assert tasks.warm_dashboards.call(region_ids=[world.region.pk]) == 0
    assert tasks.warm_dashboards.call(region_ids=[world.region.pk], again=True) == 1


def test_only_a_viewed_region_is_computed_by_the_hourly_run(world: World) -> None:
    """#16 review A3: at 89 regions the run computed every one, viewed or not."""
    build_diagnostics(world)
    other = RegionFactory.create(name="Вторая", code="second")
    OrganizationFactory.create(municipality=MunicipalityFactory.create(region=other))
    visited = scope_for(world.olga)
    unvisited = Scope(user_id=None, region_ids=frozenset({other.pk}))
    cache.clear()
    assert tasks.warm_dashboards.call(again=True) == 0  # nobody looked at anything
    selectors.dashboard_data(scope=visited, filters=Filters())
    cache.delete(_key(visited))
    assert tasks.warm_dashboards.call(again=True) == 1
    assert cache.get(_key(visited)) is not None
    assert cache.get(_key(unvisited)) is None


def test_framework_publication_changes_the_version(world: World) -> None:
    """#16 review A1: a publication writes no audit entry; the warmed entry (2 hours)
    kept the old names of the areas."""
    build_diagnostics(world)
    olga = scope_for(world.olga)
    cache.clear()
    selectors.dashboard_data(scope=olga, filters=Filters())  # viewed
    tasks.warm_dashboards.call(again=True)  # the hourly run
    area = CompetencyArea.objects.order_by("order").first()
    assert area is not None
    area.name = "Новое название области"
    area.save()  # not audited
    framework_publish(note="новая", user=None)  # not audited
    assert (selectors.compute_dashboard(scope=olga, filters=Filters()).areas
            == selectors.dashboard_data(scope=olga, filters=Filters()).areas)


def test_every_view_kept_two_hours_is_one_the_hourly_run_computes_again(
        world: World) -> None:
    """#16 review A2: an operator of two regions was kept 2 hours, never computed again."""
    r2 = RegionFactory.create(name="Вторая", code="second")
    OrganizationFactory.create(municipality=MunicipalityFactory.create(region=r2))
    both = Scope(user_id=None, region_ids=frozenset({world.region.pk, r2.pk}))
    cache.clear()
    selectors.dashboard_data(scope=both, filters=Filters())
    key = _key(both)
    cache.set(key, "as computed before the hour", selectors.WARM_SECONDS)
    tasks.warm_dashboards.call(again=True)
    assert (not selectors.warmed(both, Filters())
            or cache.get(key) != "as computed before the hour")


def test_only_the_standard_views_of_whole_regions_are_kept_long(world: World) -> None:
    country = Scope(user_id=None, everything=True)
    assert selectors.warmed(country, Filters())
    assert selectors.warmed(scope_for(world.olga), Filters())
    assert not selectors.warmed(country, Filters(region_id=world.region.pk))
    assert not selectors.warmed(scope_for(world.erin), Filters())  # a municipality
    assert not selectors.warmed(scope_for(world.alice), Filters())  # an organization
    assert not selectors.warmed(scope_for(world.olga), Filters(sector="school"))
    two = Scope(user_id=None, region_ids=frozenset({world.region.pk, world.region.pk + 1}))
    assert not selectors.warmed(two, Filters())  # not computed by the hourly run


def test_a_rebuild_warms_the_dashboards_where_a_worker_runs_it(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the immediate backend a writer's request would pay for it: warmed by the
    hourly run only; with a worker, after the rebuild too."""
    from tandem.monitoring import tallies

    build_diagnostics(world)
    country = Scope(user_id=None, everything=True)
    for queued, warmed in ((False, False), (True, True)):
        cache.clear()
        for scope in (country, scope_for(world.olga)):  # viewed, the entries gone
            selectors.dashboard_data(scope=scope, filters=Filters())
            cache.delete(_key(scope))
        monkeypatch.setattr(tasks, "_queued", lambda queued=queued: queued)
        tallies.touch([world.org_a.pk])  # marked, its job enqueued after commit
        tasks.refresh_pair_tallies.call()
        version = selectors.data_version(scope_for(world.olga), Filters())
        key = selectors.cache_key(selectors.DATA_KIND, scope_for(world.olga), Filters(),
                                  version)
        assert (cache.get(key) is not None) is warmed
        assert cache.get(_key(country)) is None  # the country: the hourly run's only
