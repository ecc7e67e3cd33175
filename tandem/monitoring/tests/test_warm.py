"""#16: the federal and the regional operator's and the municipal coordinator's first view
of the dashboard finds it computed — the hourly run (and, with a worker, the rebuild of
the figures) computes the country's, each region's and each municipality's standard view
ahead, under the very key the page reads, if it was viewed lately."""

import datetime as dt
import json
import re
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.access.tests.personas import federal_operator
from tandem.diagnostics.models import CompetencyArea
from tandem.diagnostics.services import framework_publish
from tandem.monitoring import selectors, tasks
from tandem.monitoring.tests.calls import Call, recording
from tandem.territory.models import Municipality, Region
from tandem.territory.zones import zone_named
from tandem.testing import (
    MunicipalityFactory,
    OrganizationFactory,
    RegionFactory,
    World,
    build_diagnostics,
    bulk_participants,
    bulk_responses,
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


@pytest.mark.parametrize("who", ["federal", "olga", "erin"])
def test_the_hourly_run_warms_the_first_view(client: Client, world: World, who: str) -> None:
    build_diagnostics(world)
    user = {"federal": federal_operator, "olga": lambda: world.olga,
            "erin": lambda: world.erin}[who]()
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
    assert selectors.warmed(scope_for(world.erin), Filters())  # one municipality
    assert not selectors.warmed(scope_for(world.erin), Filters(organization_id=world.org_a.pk))
    assert selectors.warmed(scope_for(world.alice), Filters())  # one organization
    assert not selectors.warmed(Scope(user_id=None, organization_ids=frozenset(
        {world.org_a.pk, world.org_b.pk})), Filters())  # two: not computed by the run
    assert not selectors.warmed(scope_for(world.olga), Filters(sector="school"))
    two = Scope(user_id=None, region_ids=frozenset({world.region.pk, world.region.pk + 1}))
    assert not selectors.warmed(two, Filters())  # not computed by the hourly run
    both = Scope(user_id=None, municipality_ids=frozenset(
        {world.municipality_a.pk, world.municipality_b.pk}))
    assert not selectors.warmed(both, Filters())


def test_a_rebuild_warms_the_dashboards_where_a_worker_runs_it(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the immediate backend a writer's request would pay for it: warmed by the
    hourly run only; with a worker, after the rebuild too."""
    from tandem.monitoring import tallies

    build_diagnostics(world)
    country = Scope(user_id=None, everything=True)
    erin, dave = scope_for(world.erin), scope_for(world.dave)  # A's municipality, B's
    for queued, warmed in ((False, False), (True, True)):
        cache.clear()
        for scope in (country, scope_for(world.olga), erin, dave):  # viewed, entries gone
            selectors.dashboard_data(scope=scope, filters=Filters())
            cache.delete(_key(scope))
        monkeypatch.setattr(tasks, "_queued", lambda queued=queued: queued)
        tallies.touch([world.org_a.pk])  # marked, its job enqueued after commit
        tasks.refresh_pair_tallies.call()
        version = selectors.data_version(scope_for(world.olga), Filters())
        key = selectors.cache_key(selectors.DATA_KIND, scope_for(world.olga), Filters(),
                                  version)
        assert (cache.get(key) is not None) is warmed
        assert (cache.get(_key(erin)) is not None) is warmed  # her school was rebuilt
        assert cache.get(_key(dave)) is None  # nothing of his: the hourly run's
        assert cache.get(_key(country)) is None  # the country: the hourly run's only


def _shown(page: str) -> str:
    """The page without its CSRF tokens (others in each response)."""
    return re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]*', r"\1", page)


def test_the_coordinators_warmed_view_is_the_computed_one(
        client: Client, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The coordinator's first view after the hourly run is read from the cache — as
    many queries as a view of a cached entry — and shows what a computation shows, on an
    hour when her region's day (Kamchatka, UTC+12) is not the installation's
    (Yekaterinburg, UTC+5): the run computes her municipality in her region's zone, under
    the key of her day."""
    build_diagnostics(world)
    second = OrganizationFactory.create(municipality=world.municipality_a, name="Школа В",
                                        code="school-v")
    bulk_participants(second, 4)
    assert world.diag is not None
    bulk_responses(world.diag.campaign_a, bulk_participants(world.org_a, 6))
    world.region.time_zone = "Asia/Kamchatka"
    world.region.save()
    now = dt.datetime(2026, 12, 6, 15, 0, tzinfo=dt.UTC)  # 7 Dec 03:00 there, 6 Dec 20:00 here
    monkeypatch.setattr(timezone, "now", lambda: now)
    client.force_login(world.erin)
    cache.clear()
    _queries(client)  # viewed: marked
    cached, _page = _queries(client)
    with timezone.override(zone_named("Asia/Kamchatka")):
        cache.delete(_key(scope_for(world.erin)))  # the entry gone, the mark kept
    signals.hourly.send(sender=None)
    first, warmed = _queries(client)
    assert first == cached  # read, not computed
    cache.clear()
    _count, computed = _queries(client)
    assert "Школа В" in computed and "Данные на" in computed
    assert _shown(warmed) == _shown(computed)


# -- the hourly warm-up as several tasks (a country: ~2,700 municipalities) ----------------

def _country(world: World) -> dict[str, list[int]]:
    """Three regions: the world's (its two municipalities), a second of three
    municipalities with a school each and one without, a third of two; and a region
    without any organization. The ids of the units with organizations."""
    second = RegionFactory.create(name="Вторая", code="second", time_zone="Asia/Kamchatka")
    third = RegionFactory.create(name="Третья", code="third")
    RegionFactory.create(name="Пустая", code="empty")
    municipalities = [world.municipality_a.pk, world.municipality_b.pk]
    for region, schools in ((second, 3), (third, 2)):
        for i in range(schools):
            municipality = MunicipalityFactory.create(region=region, name=f"{region.code}-{i}")
            OrganizationFactory.create(municipality=municipality, code=f"{region.code}-{i}")
            municipalities.append(municipality.pk)
    MunicipalityFactory.create(region=second, name="без школ")
    return {"regions": [world.region.pk, second.pk, third.pk], "municipalities": municipalities}


def _mark(*scopes: Scope) -> None:
    cache.set_many({selectors.viewed_key(scope): time.time() for scope in scopes},
                   selectors.VIEWED_SECONDS)


def _region(pk: int) -> Scope:
    return Scope(user_id=None, region_ids=frozenset({pk}))


def _municipality(pk: int) -> Scope:
    return Scope(user_id=None, municipality_ids=frozenset({pk}))


COUNTRY = Scope(user_id=None, everything=True)


def _warming(monkeypatch: pytest.MonkeyPatch) -> list[Call]:
    """What ``selectors.warm`` is asked to compute (computing nothing)."""
    return recording(monkeypatch, "warm", instead=lambda *args, **kwargs: True)


def test_the_split_warm_up_computes_what_the_single_task_did(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """#16 at a country's scale: the hourly run enqueues the country, the regions and the
    municipalities in several tasks (batches made small here); with the immediate backend
    they run inline and compute exactly the units — in the same zones — that the single
    task of before computed: only the viewed ones."""
    units = _country(world)
    r1, _r2, r3 = units["regions"]
    m = units["municipalities"]  # r1: m[0], m[1]; r2: m[2..4]; r3: m[5], m[6]
    monkeypatch.setattr(tasks, "WARM_REGIONS", 1)
    monkeypatch.setattr(tasks, "WARM_MUNICIPALITIES", 2)
    cache.clear()
    _mark(COUNTRY, _region(r1), _region(r3), *(_municipality(pk) for pk in
                                               (m[0], m[2], m[3], m[6])))
    warmed = _warming(monkeypatch)
    assert tasks.warm_dashboards.call(again=True) == 7  # the single task of before
    single = [(c.scope, c.zone) for c in warmed]
    warmed.clear()
    tasks.hourly()
    assert [(c.scope, c.zone) for c in warmed] == single
    assert single == [(COUNTRY, "Asia/Yekaterinburg"), (_region(r1), world.region.time_zone),
                      (_region(r3), world.region.time_zone),
                      (_municipality(m[0]), world.region.time_zone),
                      (_municipality(m[2]), "Asia/Kamchatka"),
                      (_municipality(m[3]), "Asia/Kamchatka"),
                      (_municipality(m[6]), world.region.time_zone)]


def test_the_hourly_run_enqueues_a_task_a_batch_on_a_worker_queue(
        world: World, monkeypatch: pytest.MonkeyPatch, settings: object) -> None:
    """On the database queue the hourly run enqueues the country, one task per region
    (batch of 1 here) and one per two municipalities; each task, run by a worker,
    computes its own units and no other, and together they compute the viewed ones."""
    from django_tasks_db.models import DBTaskResult

    units = _country(world)
    r1, r2, r3 = units["regions"]
    m = units["municipalities"]
    monkeypatch.setattr(tasks, "WARM_REGIONS", 1)
    monkeypatch.setattr(tasks, "WARM_MUNICIPALITIES", 2)
    cache.clear()
    viewed = [COUNTRY, _region(r1), _region(r2), _region(r3),
              *(_municipality(pk) for pk in (m[0], m[1], m[3], m[4], m[5]))]
    _mark(*viewed)
    warmed = _warming(monkeypatch)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # type: ignore[attr-defined]
    tasks.hourly()
    assert warmed == []  # queued, not run
    queued = [row.args_kwargs["kwargs"] for row in DBTaskResult.objects.filter(
        task_path=tasks.warm_dashboards.module_path)]
    assert len(queued) == 1 + 3 + 3  # the country, three regions, five municipalities by 2
    assert sorted(queued, key=str) == sorted([
        {"country": True, "region_ids": [], "municipality_ids": [], "again": True},
        *({"region_ids": [pk], "municipality_ids": [], "again": True} for pk in (r1, r2, r3)),
        {"region_ids": [], "municipality_ids": [m[0], m[1]], "again": True},
        {"region_ids": [], "municipality_ids": [m[3], m[4]], "again": True},
        {"region_ids": [], "municipality_ids": [m[5]], "again": True}], key=str)
    everything: list[Scope] = []
    for kwargs in queued:  # as a worker runs each
        warmed.clear()
        assert tasks.warm_dashboards.call(**kwargs) == len(warmed)
        own = _scopes_of(kwargs)
        assert {c.scope for c in warmed} == own
        everything += [c.scope for c in warmed]
    assert sorted(everything, key=repr) == sorted(viewed, key=repr)  # each once


def _scopes_of(kwargs: dict[str, object]) -> set[Scope]:
    own = {COUNTRY} if kwargs.get("country") else set()
    own |= {_region(pk) for pk in kwargs["region_ids"]}  # type: ignore[attr-defined]
    return own | {_municipality(pk) for pk in kwargs["municipality_ids"]}  # type: ignore[attr-defined]


@examples(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seen=st.lists(st.booleans(), min_size=11, max_size=11),
       per_region=st.integers(1, 4), per_municipality=st.integers(1, 8))
def test_the_batches_share_the_viewed_units_out_once(
        world: World, monkeypatch: pytest.MonkeyPatch, seen: list[bool], per_region: int,
        per_municipality: int) -> None:
    """Whatever is viewed and whatever the batch sizes: every viewed unit is in exactly
    one batch, none unviewed, no batch over its size, the country alone in its own."""
    if not Region.objects.filter(code="second").exists():
        _country(world)
    regions = list(Region.objects.filter(municipalities__organizations__isnull=False)
                   .distinct().order_by("pk").values_list("pk", flat=True))
    municipalities = list(Municipality.objects.filter(organizations__isnull=False)
                          .distinct().order_by("pk").values_list("pk", flat=True))
    everyone = [COUNTRY, *map(_region, regions), *map(_municipality, municipalities)]
    assert len(everyone) == 11
    monkeypatch.setattr(tasks, "WARM_REGIONS", per_region)
    monkeypatch.setattr(tasks, "WARM_MUNICIPALITIES", per_municipality)
    cache.clear()
    _mark(*(scope for scope, looked in zip(everyone, seen, strict=True) if looked))
    batches = tasks.warm_batches()
    shares = [_scopes_of(batch) for batch in batches]
    assert sum(len(share) for share in shares) == sum(seen)
    assert set().union(*shares) == {s for s, looked in zip(everyone, seen, strict=True)
                                    if looked}
    for batch, share in zip(batches, shares, strict=True):
        assert (len(batch["region_ids"]) <= per_region
                and len(batch["municipality_ids"]) <= per_municipality)
        assert share and (COUNTRY not in share or share == {COUNTRY})
        json.dumps(batch)  # a task's arguments


def test_a_letter_enqueued_after_the_hourly_warm_up_is_taken_first(
        world: World, monkeypatch: pytest.MonkeyPatch, settings: object) -> None:
    """A worker queue takes tasks by priority, then by time: the warm-up's dozens of
    tasks at a country must not hold back a letter (or a report) enqueued after them
    (review of h/warmtasks: with the default priority the letter was 11th of 11)."""
    from django_tasks_db.models import DBTaskResult

    from tandem.web.tasks import send_email

    units = _country(world)
    monkeypatch.setattr(tasks, "WARM_REGIONS", 1)
    monkeypatch.setattr(tasks, "WARM_MUNICIPALITIES", 1)
    cache.clear()
    _mark(COUNTRY, *map(_region, units["regions"]), *map(_municipality, units["municipalities"]))
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # type: ignore[attr-defined]
    tasks.hourly()
    send_email.enqueue(subject="s", body="b", to=["x@example.org"])
    order = [row.task_path.rsplit(".", 1)[-1] for row in DBTaskResult.objects.ready()]
    assert len(order) == 1 + len(units["regions"]) + len(units["municipalities"]) + 1
    assert order[0] == "send_email"
    assert set(order[1:]) == {"warm_dashboards"}
