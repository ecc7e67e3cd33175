"""#16: a curator's first view of ``/monitoring/`` under eight clients went over 300 ms
(299–376 ms): her organization's dashboard was not computed ahead. Where a worker runs
tasks, an audited write in a viewed organization is followed by one warm-up of its
dashboard (however many writes come within ``WARM_SOON_SECONDS``), and the hourly run
computes the viewed organizations again, in batches. And: a dashboard's cache entry holds
only till the first midnight of one of its units' regions — a country's view warmed
before Kamchatka's midnight showed Kamchatka's day before without «пересчитываются»."""

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.access.tests.personas import federal_operator
from tandem.monitoring import selectors, tasks
from tandem.monitoring.tests.calls import recording
from tandem.monitoring.tests.test_new_day import BUILT, LINE
from tandem.monitoring.tests.test_new_day import _country as _two_zones
from tandem.territory.models import Organization
from tandem.testing import World, build_diagnostics

pytestmark = pytest.mark.django_db

URL = reverse("monitoring:index")


def _warm_ups(queue: Any) -> list[dict[str, Any]]:
    return [result.kwargs
            for result in queue.results
            if result.task.module_path == tasks.warm_dashboards.module_path]


def _organization(pk: int) -> Scope:
    return Scope(user_id=None, organization_ids=frozenset({pk}))


def _key(scope: Scope) -> str:
    return selectors.cache_key(selectors.DATA_KIND, scope, Filters(),
                               selectors.data_version(scope, Filters()))


def _write(world: World, organization: Organization, commit: Any, text: str) -> None:
    """An audited write in ``organization`` (a person's position), committed."""
    person = world.alice_p if organization == world.org_a else world.charlie_p
    with commit(execute=True):
        person.position = text
        person.save()


def test_a_curators_view_after_a_change_is_read_from_the_cache(
        client: Client, world: World, queue: Any, django_capture_on_commit_callbacks: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    build_diagnostics(world)
    client.force_login(world.alice)
    cache.clear()
    assert client.get(URL).status_code == 200  # viewed: marked
    _write(world, world.org_a, django_capture_on_commit_callbacks, "учитель")
    (warm_up,) = _warm_ups(queue)
    assert warm_up["organization_ids"] == [world.org_a.pk]
    assert not warm_up.get("region_ids") and not warm_up.get("municipality_ids")
    assert not warm_up.get("country")
    (result,) = [r for r in queue.results
                 if r.task.module_path == tasks.warm_dashboards.module_path]
    assert result.task.run_after is not None  # after the burst of writes, not at once
    assert tasks.warm_dashboards.call(**warm_up) == 1  # as the worker runs it

    def computed(**kwargs: object) -> None:
        raise AssertionError("computed, not read from the cache")

    monkeypatch.setattr(selectors, "compute_dashboard", computed)
    page = client.get(URL)
    assert page.status_code == 200 and "Данные на" in page.content.decode()


def test_a_burst_of_writes_is_one_warm_up(
        world: World, queue: Any, django_capture_on_commit_callbacks: Any) -> None:
    cache.clear()
    selectors.dashboard_data(scope=scope_for(world.alice), filters=Filters())  # viewed
    _write(world, world.org_a, django_capture_on_commit_callbacks, "учитель")
    _write(world, world.org_a, django_capture_on_commit_callbacks, "методист")
    assert _warm_ups(queue) == [{"region_ids": [], "municipality_ids": [],
                                 "organization_ids": [world.org_a.pk]}]
    cache.delete(tasks.WARM_SOON_KEY.format(pk=world.org_a.pk))  # the window is over
    _write(world, world.org_a, django_capture_on_commit_callbacks, "педагог")
    assert len(_warm_ups(queue)) == 2


def test_an_organization_not_viewed_is_not_warmed(
        world: World, queue: Any, django_capture_on_commit_callbacks: Any) -> None:
    cache.clear()
    _write(world, world.org_a, django_capture_on_commit_callbacks, "учитель")
    assert _warm_ups(queue) == []
    assert tasks.warm_batches() == []  # nor by the hourly run
    assert tasks.warm_dashboards.call(organization_ids=[world.org_a.pk], again=True) == 0
    assert cache.get(_key(_organization(world.org_a.pk))) is None


def test_no_other_organizations_dashboard_is_touched(
        world: World, queue: Any, django_capture_on_commit_callbacks: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    build_diagnostics(world)
    cache.clear()
    for user in (world.alice, world.charlie):  # both organizations viewed
        selectors.dashboard_data(scope=scope_for(user), filters=Filters())
    for pk in (world.org_a.pk, world.org_b.pk):
        cache.delete(_key(_organization(pk)))  # the entries gone, the marks kept
    _write(world, world.org_a, django_capture_on_commit_callbacks, "учитель")
    (warm_up,) = _warm_ups(queue)
    warmed = recording(monkeypatch, "warm")
    tasks.warm_dashboards.call(**warm_up)
    assert [c.scope for c in warmed] == [_organization(world.org_a.pk)]
    assert cache.get(_key(_organization(world.org_a.pk))) is not None
    assert cache.get(_key(_organization(world.org_b.pk))) is None


def test_the_hourly_run_warms_the_viewed_organizations_in_batches(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = [Organization.objects.create(municipality=world.municipality_a,
                                         name=f"Школа {i}", short_name=f"Школа {i}",
                                         code=f"school-{i}") for i in range(3)]
    cache.clear()
    viewed = [world.org_a.pk, *(o.pk for o in extra)]  # not org_b
    cache.set_many({selectors.viewed_organization_key(pk): 1.0 for pk in viewed},
                   selectors.VIEWED_SECONDS)
    monkeypatch.setattr(tasks, "WARM_ORGANIZATIONS", 3)
    batches = tasks.warm_batches()
    assert [b.get("organization_ids") for b in batches] == [sorted(viewed)[:3],
                                                           sorted(viewed)[3:]]
    assert all(not b["region_ids"] and not b["municipality_ids"] for b in batches)
    for batch in batches:  # each, as a worker runs it, computes its own
        assert tasks.warm_dashboards.call(again=True, **batch) == len(
            batch["organization_ids"])
    for pk in viewed:
        with timezone.override(world.region.time_zone):
            assert cache.get(_key(_organization(pk))) is not None
    assert cache.get(_key(_organization(world.org_b.pk))) is None


# -- midnight: each unit's day, not the viewer's -------------------------------------------

def _clock(monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: now)


def test_a_country_warmed_before_a_regions_midnight_is_not_shown_after_it(
        client: Client, world: World, monkeypatch: pytest.MonkeyPatch, queue: Any) -> None:
    """Kamchatka (UTC+12) turns at 12:00 UTC, the world's region (Yekaterinburg, UTC+5,
    the installation's zone: the federal operator's day) at 19:00 UTC. The country's view
    warmed at 11:55 is read at 11:58; at 12:05 Kamchatka's figures are of the day before
    — the page says so, not the entry warmed the evening before."""
    _two_zones(world, monkeypatch)  # figures built at 10:00 UTC, 6 December
    client.force_login(federal_operator())
    cache.clear()
    _clock(monkeypatch, BUILT.replace(hour=11, minute=55))
    assert LINE not in client.get(URL).content.decode()  # viewed: computed and kept
    calls = recording(monkeypatch, "compute_dashboard")
    _clock(monkeypatch, BUILT.replace(hour=11, minute=58))
    assert LINE not in client.get(URL).content.decode()
    assert calls == []  # read from the cache
    _clock(monkeypatch, BUILT.replace(hour=12, minute=5))  # Kamchatka: 7 December
    assert LINE in client.get(URL).content.decode()
    assert len(calls) == 1


@pytest.mark.parametrize("which", ["region", "organization"])
def test_a_units_view_holds_till_its_regions_midnight_not_the_viewers(
        world: World, monkeypatch: pytest.MonkeyPatch, queue: Any, which: str) -> None:
    """The federal operator (Yekaterinburg's day) looks at Kamchatka's region or at its
    school: the entry computed at 11:55 UTC is not read after 12:00 UTC (Kamchatka's
    midnight), though the viewer's day is the same; one of the world's region (still
    6 December till 19:00 UTC) is."""
    _two_zones(world, monkeypatch)
    far = Organization.objects.get(code="far-1")
    scope = Scope(user_id=None, everything=True)
    cases = {"region": (Filters(region_id=far.municipality.region_id),
                        Filters(region_id=world.region.pk)),
             "organization": (Filters(organization_id=far.pk),
                              Filters(organization_id=world.org_a.pk))}[which]
    cache.clear()
    with timezone.override(world.region.time_zone):  # the federal operator's zone
        _clock(monkeypatch, BUILT.replace(hour=11, minute=55))
        for filters in cases:
            selectors.dashboard_data(scope=scope, filters=filters)
        calls = recording(monkeypatch, "compute_dashboard")
        _clock(monkeypatch, BUILT.replace(hour=12, minute=5))
        for filters in cases:
            selectors.dashboard_data(scope=scope, filters=filters)
    # Kamchatka's computed again, the world's read.
    assert [c.filters for c in calls] == [cases[0]]


def test_the_next_midnight_is_the_first_of_the_zones() -> None:
    moment = dt.datetime(2026, 12, 6, 11, 55, tzinfo=dt.UTC)
    assert selectors.next_midnight({"Asia/Kamchatka", "Europe/Kaliningrad"}, moment) == (
        dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC))
    assert selectors.next_midnight({"Europe/Kaliningrad"}, moment) == (
        dt.datetime(2026, 12, 6, 22, 0, tzinfo=dt.UTC))
    assert selectors.next_midnight(set(), moment) is None


# -- review of h/warm (2026-12-07) --------------------------------------------------------


def test_a_new_entry_of_a_warmed_view_removes_the_one_before(
        world: World, queue: Any, django_capture_on_commit_callbacks: Any) -> None:
    # A curator editing all afternoon left an entry of two hours a burst (its key holds the
    # version): hundreds an organization, culling the warmed regions'.
    build_diagnostics(world)
    cache.clear()
    scope = _organization(world.org_a.pk)
    selectors.dashboard_data(scope=scope, filters=Filters())
    first = _key(scope)
    assert cache.get(first) is not None
    _write(world, world.org_a, django_capture_on_commit_callbacks, "учитель")
    selectors.dashboard_data(scope=scope, filters=Filters())
    second = _key(scope)
    assert second != first and cache.get(second) is not None
    assert cache.get(first) is None


def test_a_failing_cache_loses_the_warm_up_not_the_write_nor_later_callbacks(
        world: World, queue: Any, django_capture_on_commit_callbacks: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import transaction

    cache.clear()
    selectors.dashboard_data(scope=scope_for(world.alice), filters=Filters())  # viewed

    def broken(keys: object) -> dict[str, object]:
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(tasks.cache, "get_many", broken)
    later: list[str] = []
    with django_capture_on_commit_callbacks(execute=True):
        world.alice_p.position = "учитель"
        world.alice_p.save()
        transaction.on_commit(lambda: later.append("letter sent"))
    assert later == ["letter sent"]
    assert _warm_ups(queue) == []
    world.alice_p.refresh_from_db()
    assert world.alice_p.position == "учитель"


def test_a_write_after_the_warm_up_started_queues_the_next(
        world: World, queue: Any, django_capture_on_commit_callbacks: Any) -> None:
    # Coverage does not hang on the clocks of the app servers and the worker: the task
    # removes the pending key before it reads the version.
    cache.clear()
    selectors.dashboard_data(scope=scope_for(world.alice), filters=Filters())  # viewed
    _write(world, world.org_a, django_capture_on_commit_callbacks, "учитель")
    (warm_up,) = _warm_ups(queue)
    tasks.warm_dashboards.call(**warm_up)  # the worker starts it
    _write(world, world.org_a, django_capture_on_commit_callbacks, "методист")
    assert len(_warm_ups(queue)) == 2


def test_one_transaction_of_many_savepoints_reads_the_cache_once(
        world: World, queue: Any, django_capture_on_commit_callbacks: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import transaction

    cache.clear()
    for user in (world.alice, world.charlie):  # both organizations viewed
        selectors.dashboard_data(scope=scope_for(user), filters=Filters())
    reads: list[object] = []
    real = tasks.cache.get_many

    def counted(keys: list[str]) -> dict[str, Any]:
        reads.append(keys)
        return real(keys)

    monkeypatch.setattr(tasks.cache, "get_many", counted)
    with django_capture_on_commit_callbacks(execute=True):
        for n, person in enumerate((world.alice_p, world.charlie_p, world.alice_p)):
            with transaction.atomic():  # a savepoint a row, as an import does
                person.position = f"должность {n}"
                person.save()
    assert len(reads) == 1
    assert sorted(w["organization_ids"][0] for w in _warm_ups(queue)) == sorted(
        [world.org_a.pk, world.org_b.pk])
