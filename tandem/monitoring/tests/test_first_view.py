"""The first view of a dashboard: the rewritten mentor count against a naive count, and
one computation per key across processes (the marker in the shared cache)."""

import threading
from collections import defaultdict
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.color import no_style
from django.db.models import Max
from django.test import Client, override_settings

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.core import diagnostics as core
from tandem.core import release
from tandem.diagnostics import tallies as diagnostics_tallies
from tandem.diagnostics.models import (
    Answer,
    Campaign,
    Competency,
    CompetencyArea,
    FrameworkVersion,
    PublishedAnswer,
    Response,
)
from tandem.monitoring import selectors
from tandem.territory.models import Municipality, Organization
from tandem.testing import (
    RegionFactory,
    World,
    build_diagnostics,
    bulk_participants,
    bulk_responses,
)


def _grow(world: World) -> None:
    dw = build_diagnostics(world)
    bulk_responses(dw.campaign_a, bulk_participants(world.org_a, 12))
    bulk_responses(dw.campaign_b, bulk_participants(world.org_b, 7))


def _naive_mentors() -> dict[tuple[str, int], set[int]]:
    """(area, organization) → the people strong in some competency of the area, from
    every submitted initial answer by the core's is_strength."""
    people: dict[tuple[str, int], set[int]] = defaultdict(set)
    for a in (Answer.objects.filter(response__status=Response.Status.SUBMITTED,
                                    response__campaign__kind="initial")
              .select_related("response__participant")):
        if core.is_strength(a.level, a.can_teach):
            people[a.competency.split(".", 1)[0],
                   a.response.participant.organization_id].add(a.response.participant_id)
    return people


def _holds(unit: selectors.Unit, org: Organization) -> bool:
    """The unit is the organization or its municipality: a unit's pk compared only with
    an id of its own kind (an organization's id may equal a municipality's)."""
    return (unit.kind, unit.pk) in ((selectors.ORGANIZATION, org.pk),
                                    (selectors.MUNICIPALITY, org.municipality_id))


@pytest.fixture(params=["apart", "colliding"])
def ids(request: pytest.FixtureRequest, db: None) -> None:
    """«colliding»: the world's next ids are arranged so that Школа А's id is Район Б's
    (ids are not reset between tests on PostgreSQL, so any test that created one more
    organization than municipalities did this by chance). Requested before ``world``."""
    if request.param == "apart":
        return
    from django.db import connection

    top = 1 + max(Municipality.objects.order_by().aggregate(m=Max("pk"))["m"] or 0,
                  Organization.objects.order_by().aggregate(m=Max("pk"))["m"] or 0) + 1000
    region = RegionFactory.create(code="spare")
    spare_m = Municipality.objects.create(pk=top, region=region, name="Запасной",
                                          code="spare")
    spare_o = Organization.objects.create(pk=top + 1, municipality=spare_m, name="Запасная",
                                          code="spare")
    with connection.cursor() as cursor:  # PostgreSQL: the sequences past the spare rows
        for sql in connection.ops.sequence_reset_sql(no_style(), [Municipality, Organization]):
            cursor.execute(sql)
    spare_o.delete()
    spare_m.delete()
    region.delete()  # next: Город А top + 1, Район Б top + 2 = Школа А


@pytest.mark.parametrize("persona", ["olga", "erin", "alice"])
def test_mentors_and_places_equal_a_naive_count(ids: None, world: World, persona: str) -> None:
    _grow(world)
    data = selectors.compute_dashboard(scope=scope_for(getattr(world, persona)),
                                       filters=Filters())
    naive = _naive_mentors()
    organizations = {world.org_a.pk: world.org_a, world.org_b.pk: world.org_b}
    in_scope = {pk for pk, org in organizations.items()
                if any(_holds(u, org) for u in data.units)}
    assert data.level in (selectors.REGION, selectors.MUNICIPALITY, selectors.ORGANIZATION)
    for area, _name in data.areas:
        for i, unit in enumerate(data.units):
            want = sum(len(naive.get((area, pk), set())) for pk, org in organizations.items()
                       if _holds(unit, org))
            assert data.mentors[area][i] == want, (area, unit)
    names = dict(data.areas)
    want_places = sorted(
        ((-len(people), organizations[pk].short_name, names[area])
         for (area, pk), people in naive.items()
         if pk in in_scope and area in names and len(people) >= selectors.MENTORS_AT_LEAST))
    got = [(-p.mentors, p.organization, p.area) for p in data.mentor_places]
    assert got == want_places[:selectors.TOP_MENTOR_UNITS]
    assert got  # the grown data has places to find mentors


def test_a_key_computed_elsewhere_is_awaited_not_recomputed(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    build_diagnostics(world)
    scope, filters, version = scope_for(world.olga), Filters(), "v-await"
    key = selectors.cache_key(selectors.DATA_KIND, scope, filters, version)
    result = selectors.compute_dashboard(scope=scope, filters=filters)
    cache.add(key + ":computing", 1, 30)  # another process computes this key

    def other_process_finishes() -> None:
        cache.set(key, result, 60)
        cache.delete(key + ":computing")

    def must_not_run(**_kw: object) -> None:
        raise AssertionError("computed twice")

    monkeypatch.setattr(selectors, "compute_dashboard", must_not_run)
    monkeypatch.setattr(selectors, "WAIT_STEP", 0.01)
    timer = threading.Timer(0.1, other_process_finishes)
    timer.start()
    try:
        assert selectors.dashboard_data(scope=scope, filters=filters,
                                        version=version) == result
    finally:
        timer.join()


def test_an_owner_finishing_right_after_a_waiter_s_read_is_not_taken_for_dead(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worst timing for a waiter: the owner stores the result and drops its marker
    right after every read of the waiter that missed the result. Read apart (result, then
    marker), the marker looked gone and the waiter computed again (review 2026-12-06);
    read together, the next poll finds the result."""
    build_diagnostics(world)
    scope, filters, version = scope_for(world.olga), Filters(), "v-race"
    key = selectors.cache_key(selectors.DATA_KIND, scope, filters, version)
    result = selectors.compute_dashboard(scope=scope, filters=filters)
    cache.add(key + ":computing", 1, 30)
    real_get, real_get_many = cache.get, cache.get_many

    def owner_finishes_if_missed(missed: bool) -> None:
        if missed and cache.get_many([key + ":computing"]):
            cache.set(key, result, 60)
            cache.delete(key + ":computing")

    def get(k: str, *args: Any, **kwargs: Any) -> Any:
        got = real_get(k, *args, **kwargs)
        owner_finishes_if_missed(k == key and got is None)
        return got

    def get_many(keys: list[str], *args: Any, **kwargs: Any) -> dict[str, Any]:
        got = real_get_many(keys, *args, **kwargs)
        owner_finishes_if_missed(key in keys and key not in got)
        return got

    def must_not_run(**_kw: object) -> None:
        raise AssertionError("computed although the owner finished")

    monkeypatch.setattr(cache, "get", get)
    monkeypatch.setattr(cache, "get_many", get_many)
    monkeypatch.setattr(selectors, "compute_dashboard", must_not_run)
    monkeypatch.setattr(selectors, "WAIT_FIRST", 0.001)
    monkeypatch.setattr(selectors, "WAIT_STEP", 0.001)
    assert selectors._compute_once(key, scope=scope, filters=filters) == result


def test_a_computation_that_died_is_taken_over(world: World,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    build_diagnostics(world)
    scope, filters, version = scope_for(world.olga), Filters(), "v-died"
    key = selectors.cache_key(selectors.DATA_KIND, scope, filters, version)
    cache.add(key + ":computing", 1, 30)
    monkeypatch.setattr(selectors, "WAIT_STEP", 0.01)
    threading.Timer(0.05, cache.delete, [key + ":computing"]).start()  # it died
    data = selectors.dashboard_data(scope=scope, filters=filters, version=version)
    fresh = selectors.compute_dashboard(scope=scope, filters=filters)
    assert (data.units, data.completion, data.mentors) == (
        fresh.units, fresh.completion, fresh.mentors)
    assert cache.get(key) == data
    assert cache.get(key + ":computing") is None


DB_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                        "LOCATION": "tandem_cache_test"}}


def test_the_database_cache_is_shared_and_its_marker_is_exclusive(world: World) -> None:
    build_diagnostics(world)
    with override_settings(CACHES=DB_CACHE):
        call_command("createcachetable", verbosity=0)
        scope, filters, version = scope_for(world.erin), Filters(), "v-db"
        key = selectors.cache_key(selectors.DATA_KIND, scope, filters, version)
        data = selectors.dashboard_data(scope=scope, filters=filters, version=version)
        assert [u.name for u in data.units] == ["Школа А"]
        stored = cache.get(key)  # stored in the table, read back unpickled
        assert stored is not None and stored.units == data.units
        assert cache.get(key + ":computing") is None  # the marker is released
        assert cache.add("marker", 1, 30) and not cache.add("marker", 2, 30)
        assert cache.get("marker") == 1
        cache.clear()


@pytest.mark.parametrize("limit", ["ANSWERS_BY_ID_UP_TO", "PAIRS_BY_ID_UP_TO"])
def test_pair_figures_are_the_same_with_answers_by_id_or_by_subquery(
        world: World, monkeypatch: pytest.MonkeyPatch, limit: str) -> None:
    import datetime as dt

    from tandem.monitoring import effectiveness as eff
    from tandem.monitoring.tests.test_effectiveness import grow

    grow(world, 20, seed=7)
    scope, today = scope_for(world.olga), dt.date(2027, 6, 15)
    by_id = eff.pair_figures(scope=scope, filters=Filters(), today=today)
    monkeypatch.setattr(eff, limit, 0)  # as in a very large unit
    by_subquery = eff.pair_figures(scope=scope, filters=Filters(), today=today)
    assert by_id == by_subquery
    assert any(f.a_to_b.deficits_closed or f.b_to_a.deficits_closed for f in by_id)


@pytest.mark.parametrize("persona", ["olga", "erin", "alice"])
def test_the_entry_holds_the_technologies_the_maps_selector_gives(
        client: Client, world: World, persona: str) -> None:
    """The technologies table is cached in the dashboard's entry (no entry of its own):
    the maps selector's own table, whatever the filter, and the page shows it."""
    from django.urls import reverse

    from tandem.maps.selectors import technologies_used
    from tandem.maps.tests.test_technology_tallies import _grow as grow_maps

    grow_maps(world, 3)
    scope = scope_for(getattr(world, persona))
    for filters in (Filters(), Filters(municipality_id=world.municipality_a.pk),
                    Filters(organization_id=world.org_b.pk)):
        data = selectors.dashboard_data(scope=scope, filters=filters, version="v-tech")
        assert data.technologies == technologies_used(scope, filters)
        assert cache.get(selectors.cache_key(selectors.DATA_KIND, scope, filters,
                                             "v-tech")) == data
    assert selectors.dashboard_data(scope=scope, filters=Filters(),
                                    version="v-tech").technologies
    cache.clear()
    client.force_login(getattr(world, persona))
    response = client.get(reverse("monitoring:index"))
    assert response.context["technologies"] == technologies_used(scope, Filters())


def _shares_by_competency(data: selectors.DashboardData,
                          ) -> dict[tuple[str, int], tuple[release.Released, release.Released]]:
    """(area, organization) → deficit and strength shares as the dashboard summed them
    before it summed by area in the database: the organizations' kept cells (one per
    campaign and competency, as published — ``PublishedAnswer``, rule 5) of initial
    rounds read one by one, each
    competency placed in its area by the current framework and the regions' own
    competencies, any other by the start of its code; the release rule of the core."""
    framework = FrameworkVersion.objects.current()
    assert framework is not None
    area_of = {**dict(Competency.objects.filter(region__isnull=False).values_list(
        "code", "area__code")), **framework.area_of()}
    deficit: dict[tuple[str, int], release.Sums] = defaultdict(release.Sums)
    strong: dict[tuple[str, int], release.Sums] = defaultdict(release.Sums)
    for org, campaign, code, n, d, s in PublishedAnswer.objects.filter(
            campaign__kind=Campaign.Kind.INITIAL).values_list(
            "organization_id", "campaign_id", "competency", "answered", "deficit", "strong"):
        key = (area_of.get(code, code.split(".", 1)[0]), org)
        deficit[key] += release.summed([release.Cell((org, campaign, code), d, n, n)])
        strong[key] += release.summed([release.Cell((org, campaign, code), s, n, n)])
    return {key: (release.share_released(deficit[key]), release.share_released(strong[key]))
            for key in deficit}


@pytest.mark.parametrize("persona", ["erin", "alice"])
def test_a_coordinators_and_a_curators_shares_equal_the_sum_by_competency(
        world: World, persona: str) -> None:
    """A worked example of the areas summed by the database (issue #16, the first view
    of a coordinator and a curator): a region's own competency counts in its area, a
    code of no framework in the area its code begins with, a small cell is left out —
    the same figures as competency by competency."""
    _grow(world)  # Школа А: 13 questionnaires, Школа Б: 7
    area = CompetencyArea.objects.get(code="method")
    Competency.objects.create(area=area, code="local.reading", name="Чтение региона",
                              description="—", descriptor_0="—", descriptor_1="—",
                              descriptor_2="—", descriptor_3="—", region=world.region)
    submitted = list(Response.objects.filter(campaign=world.diag.campaign_a,  # type: ignore[union-attr]
                                             status=Response.Status.SUBMITTED))
    assert len(submitted) >= 5
    Answer.objects.bulk_create(
        [Answer(response=r, competency="local.reading", self_level=i % 4, level=i % 4,
                can_teach=i % 4 == 3, wants_to_learn=i % 4 == 0)
         for i, r in enumerate(submitted)]
        + [Answer(response=r, competency="ict.not_in_framework", self_level=0, level=0,
                  wants_to_learn=True) for r in submitted[:4]]
        + [Answer(response=r, competency="legal.small_cell", self_level=0, level=0,
                  wants_to_learn=True) for r in submitted[:2]])
    diagnostics_tallies.rebuild([world.org_a.pk, world.org_b.pk])
    data = selectors.compute_dashboard(scope=scope_for(getattr(world, persona)),
                                       filters=Filters())
    assert data.level == (selectors.MUNICIPALITY if persona == "erin"
                          else selectors.ORGANIZATION)
    want = _shares_by_competency(data)
    nothing = release.share_released(release.Sums())
    for code, _name in data.areas:
        for i, unit in enumerate(data.units):
            assert (data.deficit_share[code][i], data.strength_share[code][i]) == want.get(
                (code, unit.pk), (nothing, nothing)), (code, unit)
    school_a = [u.pk for u in data.units].index(world.org_a.pk)
    assert data.deficit_share["method"][school_a].mean is not None
    assert data.deficit_share["legal"][school_a].left_out >= 2  # the small cell
