"""Issue #16 follow-up: the hourly warm-up computed every viewed dashboard again every hour
(``again``) — ~50 ms an organization, 30,000 viewed ones ~25 worker-minutes an hour, most
of them unchanged. It computes now only those whose entry is missing (the version moved, a
new day, evicted), past a unit's midnight (``fresh_until``), computed while the region's
figures were being recomputed, or older than ``selectors.WARM_AGAIN_SECONDS`` — for the
organizations; the country, a region, a municipality are computed every run as before
(their hourly recomputation bounds what the version misses to an hour). And
``warm_batches`` reads the units' ids, not every organization's time zone."""

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import Scope
from tandem.monitoring import selectors, tasks
from tandem.monitoring.tests.calls import Call, recording
from tandem.testing import World, build_diagnostics

pytestmark = pytest.mark.django_db

POSITIONS = itertools.count()
YOUNG = (0, selectors.WARM_AGAIN_SECONDS - 5 * 60)
OLD = (selectors.WARM_AGAIN_SECONDS + 60, selectors.WARM_SECONDS - 60)


def _scopes(world: World) -> dict[str, Scope]:
    return {"country": Scope(user_id=None, everything=True),
            "region": Scope(user_id=None, region_ids=frozenset({world.region.pk})),
            "mun_a": Scope(user_id=None, municipality_ids=frozenset({world.municipality_a.pk})),
            "mun_b": Scope(user_id=None, municipality_ids=frozenset({world.municipality_b.pk})),
            "org_a": Scope(user_id=None, organization_ids=frozenset({world.org_a.pk})),
            "org_b": Scope(user_id=None, organization_ids=frozenset({world.org_b.pk}))}


ORGANIZATIONS = ("org_a", "org_b")
# Computed by every run, young or not.
WIDE = ("country", "region", "mun_a", "mun_b")
# The scopes whose figures a write in the organization changes (its version moves).
HOLDING = {"org_a": {"country", "region", "mun_a", "org_a"},
           "org_b": {"country", "region", "mun_b", "org_b"}}


def _in_zone(scope: Scope, fn: Any) -> Any:
    with timezone.override(tasks._zone(scope, *tasks._units(None, None, None, every=True))):
        return fn()


def _key(scope: Scope) -> str:
    return _in_zone(scope, lambda: selectors.cache_key(
        selectors.DATA_KIND, scope, Filters(), selectors.data_version(scope, Filters())))


def _view_all(scopes: dict[str, Scope], names: tuple[str, ...] = WIDE + ORGANIZATIONS,
              ) -> None:
    cache.clear()
    for scope in (scopes[n] for n in names):  # viewed (marked) and cached, as their pages do
        _in_zone(scope, lambda scope=scope: selectors.dashboard_data(scope=scope,
                                                                     filters=Filters()))


def _scopes_of(calls: list[Call]) -> list[str]:
    return sorted(repr(call.scope) for call in calls)


def _change(scope: Scope, **changes: Any) -> None:
    """The scope's cache entry, as if computed ``age`` seconds ago and/or with another
    ``fresh_until``."""
    key = _key(scope)
    data = cache.get(key)
    assert isinstance(data, selectors.DashboardData)
    if "age" in changes:
        data.computed_at = timezone.now() - dt.timedelta(seconds=changes["age"])
    if "fresh_until" in changes:
        data.fresh_until = changes["fresh_until"]
    if "pairs_as_of" in changes:
        data.pairs_as_of = changes["pairs_as_of"]
    cache.set(key, data, selectors.WARM_SECONDS)


def test_the_hourly_run_over_fresh_entries_of_organizations_computes_nothing(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    build_diagnostics(world)
    scopes = _scopes(world)
    _view_all(scopes, ORGANIZATIONS)
    computed = recording(monkeypatch, "compute_dashboard")
    with CaptureQueriesContext(connection) as ctx:
        tasks.hourly()
    assert computed == []
    # What is left costs a scope the version's read and nothing of the figures' tables.
    read = " ".join(q["sql"].lower() for q in ctx.captured_queries)
    assert "answertally" not in read and "pairs_pair" not in read
    # One of them three hours old: warmed again, and no other.
    _change(scopes["org_b"], age=OLD[0])
    tasks.hourly()
    assert [c.scope for c in computed] == [scopes["org_b"]]


def test_the_country_regions_and_municipalities_are_computed_every_run(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """What their version misses (a long transaction committed after a shorter later
    one: ``versions.version``) stays at most an hour, as before the age rule."""
    build_diagnostics(world)
    scopes = _scopes(world)
    _view_all(scopes)
    computed = recording(monkeypatch, "compute_dashboard")
    for _run in range(2):
        computed.clear()
        tasks.hourly()
        assert _scopes_of(computed) == sorted(repr(scopes[n]) for n in WIDE)


def test_an_organization_computed_while_its_region_was_recomputed_is_warmed_again(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry computed with «пересчитываются» (``pairs_as_of``) lives CACHE_SECONDS: left
    by the run as young, it would expire before the next visitor, who would compute it."""
    scopes = _scopes(world)
    _view_all(scopes, ORGANIZATIONS)
    _change(scopes["org_a"], pairs_as_of=timezone.localdate() - dt.timedelta(days=1))
    computed = recording(monkeypatch, "compute_dashboard")
    tasks.hourly()
    assert [c.scope for c in computed] == [scopes["org_a"]]


@examples(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ages=st.lists(st.sampled_from(YOUNG + OLD), min_size=6, max_size=6),
       past_midnight=st.lists(st.booleans(), min_size=6, max_size=6),
       written=st.sampled_from([None, "org_a", "org_b"]))
def test_the_warm_up_computes_exactly_the_missing_old_and_past_midnight_entries(
        world: World, monkeypatch: pytest.MonkeyPatch, ages: list[int],
        past_midnight: list[bool], written: str | None) -> None:
    scopes = _scopes(world)
    _view_all(scopes)
    want = set()
    for (name, scope), age, midnight in zip(scopes.items(), ages, past_midnight,
                                            strict=True):
        _change(scope, age=age, **({"fresh_until": timezone.now() - dt.timedelta(seconds=1)}
                                   if midnight else {}))
        if name in WIDE or age in OLD or midnight:
            want.add(name)
    if written is not None:  # an audited write: the versions of its units move
        person = world.alice_p if written == "org_a" else world.charlie_p
        # A new value each example: the same one again writes no audit entry.
        person.position = f"учитель {next(POSITIONS)}"
        person.save()
        want |= HOLDING[written]
    computed = recording(monkeypatch, "compute_dashboard")
    tasks.hourly()
    assert _scopes_of(computed) == sorted(repr(scopes[n]) for n in want)
    # Each computed once and cached: a second run computes only the wide ones again.
    computed.clear()
    tasks.hourly()
    assert _scopes_of(computed) == sorted(repr(scopes[n]) for n in WIDE)
    monkeypatch.undo()


def test_the_hourly_batches_read_no_organizations_time_zone(world: World) -> None:
    scopes = _scopes(world)
    cache.clear()
    cache.set_many({selectors.viewed_key(s): 1.0 for s in scopes.values()},
                   selectors.VIEWED_SECONDS)
    with CaptureQueriesContext(connection) as ctx:
        batches = tasks.warm_batches()
    assert "time_zone" not in " ".join(q["sql"].lower() for q in ctx.captured_queries)
    assert {pk for b in batches for pk in b.get("organization_ids", [])} == {
        world.org_a.pk, world.org_b.pk}
    assert {pk for b in batches for pk in b["municipality_ids"]} == {
        world.municipality_a.pk, world.municipality_b.pk}
    assert [b for b in batches if b.get("country")]
    assert {pk for b in batches for pk in b["region_ids"]} == {world.region.pk}
