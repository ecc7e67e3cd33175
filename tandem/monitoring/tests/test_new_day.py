"""#16: a region's day turns at its midnight, and its kept pair figures
(tandem/monitoring/tallies.py) describe the day before until they are rebuilt. The
dashboards do not compute every pair, row and meeting of the region again in that gap
(6 s cold on a region of 300,000): they read the kept figures as they are, say on the
page which day they describe, and ask once for the rebuild of the new day."""

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.access.tests.personas import federal_operator
from tandem.maps.models import Row
from tandem.monitoring import selectors, tallies, tasks
from tandem.monitoring.effectiveness import unit_counts
from tandem.monitoring.models import PairTallyState
from tandem.testing import (
    MunicipalityFactory,
    OrganizationFactory,
    RegionFactory,
    World,
    build_map,
    bulk_participants,
    start_map,
)

pytestmark = pytest.mark.django_db

URL = reverse("monitoring:index")
RAW = ("pairs_pair", "maps_row", "maps_meeting")
# 10:00 UTC: 13:00 in Moscow (the world's region), 22:00 in Kamchatka — both on one date.
BUILT = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
NEXT = BUILT + dt.timedelta(days=1)
LINE = "Показатели пар — на 6 декабря 2026, пересчитываются."


def _clock(monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: now)


def _country(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The world's pairs (a map carried out, one task due on the day they are built: on
    the next day it is overdue) and a second region, far east, built on ``BUILT``."""
    _clock(monkeypatch, BUILT)
    pair: Any = build_map(world)
    start_map(pair, world)
    Row.objects.filter(pk=Row.objects.filter(map__pair=pair).order_by("pk")
                       .values("pk")[:1]).update(deadline=dt.date(2026, 12, 6))
    far = RegionFactory.create(name="Дальняя", code="far", time_zone="Asia/Kamchatka")
    bulk_participants(OrganizationFactory.create(
        municipality=MunicipalityFactory.create(region=far, name="Дальний"), code="far-1"), 3)
    tallies.refresh()
    assert set(PairTallyState.objects.values_list("as_of", flat=True)) == {
        dt.date(2026, 12, 6)}


def _view(client: Client, user: Any, capture: Callable[..., Any]) -> tuple[str, str, int]:
    """The page, the queries that read pairs, rows or meetings for its pair figures (the
    technologies table, read alike on any day, apart: tandem/maps/selectors.py) and how
    many queries it made."""
    client.force_login(user)
    with capture(execute=True), CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    assert response.status_code == 200
    raw = [q["sql"] for q in ctx.captured_queries
           if any(f'"{table}"' in q["sql"] for table in RAW)
           and '"maps_row"."technology"' not in q["sql"]]
    return response.content.decode(), " ".join(raw), len(ctx.captured_queries)


def _users(world: World) -> dict[str, Any]:
    # The regional operator (the municipalities' sums), the coordinator (her
    # organizations' kept rows), the federal operator (each region's sums on its day).
    return {"olga": world.olga, "dave": world.dave, "federal": federal_operator()}


def test_a_new_day_reads_the_kept_figures_of_the_day_before_and_says_so(
        client: Client, world: World, monkeypatch: pytest.MonkeyPatch, queue: Any,
        django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    _country(world, monkeypatch)
    users = _users(world)
    cache.clear()
    today = {who: _view(client, user, django_capture_on_commit_callbacks)
             for who, user in users.items()}
    for page, sql, _n in today.values():
        assert LINE not in page and not sql

    _clock(monkeypatch, NEXT)  # the regions' 7 December, figures of the 6th
    cache.clear()
    for who, user in users.items():
        page, sql, n = _view(client, user, django_capture_on_commit_callbacks)
        for table in RAW:
            assert f'"{table}"' not in sql, (who, table)
        assert LINE in page, who
        # The same queries as on the day the figures were built, and one cache write.
        assert n <= today[who][2] + 1, who
    # One rebuild asked for, whoever viewed first; a view again asks for none.
    [job] = queue.results
    assert job.task.name == tasks.refresh_new_day.name
    _view(client, users["olga"], django_capture_on_commit_callbacks)
    assert len(queue.results) == 1

    # The rebuild (what the worker runs): the figures are of the new day and equal the
    # live ones; the page no longer names another day.
    assert tasks.refresh_new_day.call() == PairTallyState.objects.count()
    new_day = dt.date(2026, 12, 7)
    for user, overdue in ((world.olga, 1), (world.dave, 0)):  # the pair is in A
        scope = scope_for(user)
        kept = tallies.summary(Filters().organizations(scope), Filters(), new_day)
        live = unit_counts(scope=scope, filters=Filters(), today=new_day)
        assert kept == live and live["tasks_overdue"] == overdue
    cache.clear()
    for who, user in users.items():
        page, sql, _n = _view(client, user, django_capture_on_commit_callbacks)
        assert LINE not in page, who
        assert not sql, who


def test_the_day_befores_figures_are_those_kept_and_the_live_ones_of_that_day(
        world: World, monkeypatch: pytest.MonkeyPatch, queue: Any) -> None:
    """What the page shows on the new day is exactly the figures of the day before:
    the unit's kept counts, equal to the live ones computed as of the 6th — not of the
    7th (one task overdue more), which the page does not claim."""
    _country(world, monkeypatch)
    _clock(monkeypatch, NEXT)
    cache.clear()
    built = dt.date(2026, 12, 6)
    for user in (world.olga, world.dave):
        scope = scope_for(user)
        data = selectors.compute_dashboard(scope=scope, filters=Filters())
        assert data.pairs_as_of == built
        assert data.summary is not None
        live = unit_counts(scope=scope, filters=Filters(), today=built)
        assert data.summary.tasks_overdue == live["tasks_overdue"] == 0
        assert data.summary.pairs_total == live["pairs_total"]
        assert live["pairs_total"] > 0 or user == world.dave  # the pair is in A
    country = selectors.compute_dashboard(scope=Scope(user_id=None, everything=True),
                                          filters=Filters())
    assert country.level == selectors.COUNTRY and country.pairs_as_of == built
    # Tasks run in the process (the embedded set-up): nothing is queued by a page — the
    # hourly run rebuilds — and the page still reads the kept figures.
    with override_settings(TASKS={"default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}):
        cache.clear()
        assert not tallies.enqueue_new_day()


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hours=st.integers(min_value=0, max_value=60))
def test_at_any_hour_the_dashboards_read_the_kept_figures_and_name_an_older_day(
        world: World, monkeypatch: pytest.MonkeyPatch, queue: Any, hours: int) -> None:
    """Whatever the hour after the figures were built (Kamchatka turns its day two hours
    later, the world's region later still, then both again), the standard dashboards of
    the region, the coordinator and the country read no pair, row or meeting, and name
    the figures' day exactly when a unit they show is on a later day than it."""
    if not PairTallyState.objects.exists():  # the world is built once for the examples
        _country(world, monkeypatch)
    now = BUILT + dt.timedelta(hours=hours)
    _clock(monkeypatch, now)
    built = dt.date(2026, 12, 6)

    def day_in(zone: str) -> dt.date:
        return now.astimezone(ZoneInfo(zone)).date()

    here = day_in(world.region.time_zone)
    views = [(scope_for(world.olga), here), (scope_for(world.dave), here),
             (Scope(user_id=None, everything=True), max(here, day_in("Asia/Kamchatka")))]
    for scope, latest in views:
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            data = selectors.compute_dashboard(scope=scope, filters=Filters())
        sql = " ".join(q["sql"] for q in ctx.captured_queries)
        for table in RAW:
            assert f'"{table}"' not in sql, (scope, table)
        assert data.pairs_as_of == (built if latest > built else None), scope


# -- review of h/midnight: whose today -----------------------------------------------------
def _built_in(world: World, monkeypatch: pytest.MonkeyPatch, zone: str) -> Any:
    """The world's region in ``zone``, its pairs built on ``BUILT`` (a task due that day)."""
    world.region.time_zone = zone
    world.region.save()
    _clock(monkeypatch, BUILT)
    pair: Any = build_map(world)
    start_map(pair, world)
    Row.objects.filter(pk=Row.objects.filter(map__pair=pair).order_by("pk")
                       .values("pk")[:1]).update(deadline=dt.date(2026, 12, 6))
    tallies.refresh()
    return pair


def _federal_views(client: Client, world: World, capture: Callable[..., Any]
                   ) -> list[tuple[str, bool, str]]:
    """Views from the installation's zone (the federal operator's): her page of the
    world's region, and the dashboards of its municipality and of an organization
    (which her form does not offer: a view by level, computed in her zone) — (the view,
    whether it names the day before, the pair/row/meeting reads for the figures)."""
    def reads(ctx: CaptureQueriesContext) -> str:
        return " ".join(q["sql"] for q in ctx.captured_queries
                        if any(f'"{table}"' in q["sql"] for table in RAW)
                        and '"maps_row"."technology"' not in q["sql"])

    client.force_login(federal_operator())
    cache.clear()
    with capture(execute=True), CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{URL}?region={world.region.pk}")
    assert response.status_code == 200
    out = [("region", LINE in response.content.decode(), reads(ctx))]
    country = Scope(user_id=None, everything=True)
    municipality = Filters(region_id=world.region.pk,
                           municipality_id=world.org_a.municipality_id)
    organization = Filters(region_id=world.region.pk, organization_id=world.org_a.pk)
    for name, filters in (("municipality", municipality), ("organization", organization)):
        cache.clear()
        with timezone.override(timezone.get_default_timezone()), capture(execute=True), \
                CaptureQueriesContext(connection) as ctx:
            data = selectors.compute_dashboard(scope=country, filters=filters)
        # The organization's page lists its stuck pairs (read from the pairs on any day).
        out.append((name, data.pairs_as_of is not None,
                    reads(ctx) if name == "municipality" else ""))
    return out


def test_a_region_west_of_the_installation_is_current_for_a_federal_viewer(
        client: Client, world: World, monkeypatch: pytest.MonkeyPatch, queue: Any,
        django_capture_on_commit_callbacks: Callable[..., Any], settings: Any) -> None:
    """20:00 UTC: Kaliningrad is at 22:00 on the 6th, its figures are of its today; the
    federal operator (the installation's zone, already on the 7th) sees them as current —
    no «пересчитываются» line, no rebuild asked for every hour, nothing recounted."""
    settings.TANDEM_TIME_ZONE = "Asia/Yekaterinburg"
    _built_in(world, monkeypatch, "Europe/Kaliningrad")
    _clock(monkeypatch, dt.datetime(2026, 12, 6, 20, tzinfo=dt.UTC))
    for view, older, raw in _federal_views(client, world, django_capture_on_commit_callbacks):
        assert not older and not raw, view
    assert not queue.results
    # Past Kaliningrad's midnight the figures are of its day before: the line, one rebuild.
    _clock(monkeypatch, dt.datetime(2026, 12, 6, 23, tzinfo=dt.UTC))
    for view, older, raw in _federal_views(client, world, django_capture_on_commit_callbacks):
        assert older and not raw, view
    assert {job.task.name for job in queue.results} == {tasks.refresh_new_day.name}


def test_a_region_east_of_the_installation_is_current_for_a_federal_viewer(
        client: Client, world: World, monkeypatch: pytest.MonkeyPatch, queue: Any,
        django_capture_on_commit_callbacks: Callable[..., Any], settings: Any) -> None:
    """13:00 UTC: Kamchatka is on the 7th and its figures were rebuilt for it; the
    federal operator's date is still the 6th. Figures of a later day than the viewer's
    are its region's current ones: read as kept, not every pair, row and meeting."""
    settings.TANDEM_TIME_ZONE = "Asia/Yekaterinburg"
    _built_in(world, monkeypatch, "Asia/Kamchatka")
    _clock(monkeypatch, dt.datetime(2026, 12, 6, 13, tzinfo=dt.UTC))
    tallies.refresh()
    assert set(PairTallyState.objects.values_list("as_of", flat=True)) == {
        dt.date(2026, 12, 7)}
    for view, older, raw in _federal_views(client, world, django_capture_on_commit_callbacks):
        assert not older and not raw, view
    assert not queue.results


def test_the_day_befores_figures_are_cached_briefly(
        world: World, monkeypatch: pytest.MonkeyPatch, queue: Any) -> None:
    """A warmed view (the region's standard one) is kept an hour and more — but not when
    it shows the day before's figures: the rebuild asked for follows within minutes."""
    _country(world, monkeypatch)
    scope, filters = scope_for(world.olga), Filters()
    assert selectors.warmed(scope, filters)
    kept: list[int | None] = []
    real = cache.set

    def spy(key: str, value: Any, timeout: Any = None, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, selectors.DashboardData):
            kept.append(timeout)
        return real(key, value, timeout, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    for now in (BUILT, NEXT):
        _clock(monkeypatch, now)
        cache.clear()
        selectors.dashboard_data(scope=scope, filters=filters)
    assert kept == [selectors.WARM_SECONDS, selectors.CACHE_SECONDS]


def test_the_apis_day_is_the_pair_figures_day_while_they_are_recomputed(
        world: World, monkeypatch: pytest.MonkeyPatch, queue: Any) -> None:
    """Without a period the summary's ``as_of`` is the earliest day of its pair figures
    while they wait for the rebuild of the region's new day, today once rebuilt."""
    from rest_framework.test import APIClient

    from tandem.api.services import api_token_issue

    _country(world, monkeypatch)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=world.olga)}")
    _clock(monkeypatch, NEXT)
    cache.clear()
    body = client.get("/api/v1/monitoring/summary/").json()
    assert body["as_of"] == "2026-12-06"
    tasks.refresh_new_day.call()
    cache.clear()
    body = client.get("/api/v1/monitoring/summary/").json()
    assert body["as_of"] == "2026-12-07"


def test_a_rebuild_leaves_what_another_run_rebuilt_since_it_read_its_list(
        world: World, monkeypatch: pytest.MonkeyPatch, queue: Any) -> None:
    """The hourly run and a page's ``refresh_new_day`` at a region's midnight both find
    its organizations of the day before; the one that holds their states second finds
    them rebuilt for the day and not marked, and writes nothing (review of h/midnight:
    every organization of the Moscow zone was rebuilt twice at 21:00 UTC)."""
    _country(world, monkeypatch)
    _clock(monkeypatch, NEXT)
    every = PairTallyState.objects.count()
    real = tallies._by_day
    other: list[int] = []

    def racing(ids: list[int], now: dt.datetime | None) -> Any:
        groups = real(ids, now)
        # The other run: it read the same list and commits first, between this one's
        # list and its locks.
        monkeypatch.setattr(tallies, "_by_day", real)
        other.append(tallies.refresh())
        return groups

    monkeypatch.setattr(tallies, "_by_day", racing)
    assert tallies.refresh() == 0
    assert other == [every]
    assert set(PairTallyState.objects.values_list("as_of", flat=True)) == {
        dt.date(2026, 12, 7)}
    # Once more, in sequence, with a list read before (as a queued run's): no write, and
    # on PostgreSQL the check follows the locks.
    with CaptureQueriesContext(connection) as ctx:
        assert tallies.rebuild(list(PairTallyState.objects.values_list(
            "organization_id", flat=True)), stale_only=True) == 0
    sql = [q["sql"] for q in ctx.captured_queries]
    writes = [q for q in sql if q.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert not writes, writes
    if connection.vendor == "postgresql":
        locked = next(i for i, q in enumerate(sql) if "FOR UPDATE" in q)
        checked = next(i for i, q in enumerate(sql) if '"as_of" =' in q)
        assert locked < checked
