"""The one rule of when a request covers whole regions (tandem/access/filters.py:
``whole_regions``, ``municipality_sums``), which the monitoring dashboard, the
satisfaction summary and the technologies table read their municipalities' sums by."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters, municipality_sums, whole_regions
from tandem.access.scope import Scope
from tandem.monitoring.models import PairMunicipalityState
from tandem.territory.models import Municipality, Region
from tandem.testing import World

ids = st.frozensets(st.integers(1, 3), max_size=2)
maybe = st.one_of(st.none(), st.integers(1, 3))
scopes = st.builds(Scope, user_id=st.just(1), everything=st.booleans(), region_ids=ids,
                   municipality_ids=ids, organization_ids=ids)
day = st.one_of(st.none(), st.just(dt.date(2026, 9, 1)))
filters = st.builds(Filters, date_from=day, date_to=day, municipality_id=maybe,
                    organization_id=maybe, sector=st.sampled_from([None, "", "school"]),
                    region_id=maybe)


def _regions_only(scope: Scope) -> bool:
    return scope.everything or (bool(scope.region_ids) and not scope.municipality_ids
                                and not scope.organization_ids)


@given(scope=scopes, filters=filters)
def test_the_rule_is_what_the_three_readers_each_decided(scope: Scope, filters: Filters) -> None:
    """The rule each reader kept its own copy of before (the dashboard's, the survey
    summary's and the technologies table's), and the one home now."""
    picked = filters.municipality_id is not None or filters.organization_id is not None
    assert whole_regions(scope, filters) == (_regions_only(scope) and not picked)
    assert whole_regions(scope, filters) == (scope.is_staff and _regions_only(scope)
                                             and not picked)
    assert whole_regions(scope, filters, one_municipality=True) == (
        _regions_only(scope) and filters.organization_id is None)


def test_a_region_operator_who_also_curates_reads_the_organizations() -> None:
    olga = Scope(user_id=1, region_ids=frozenset({1}))
    assert whole_regions(olga, Filters())
    assert whole_regions(olga, Filters(sector="school", region_id=1))
    assert not whole_regions(Scope(user_id=1, region_ids=frozenset({1}),
                                   organization_ids=frozenset({7})), Filters())
    assert not whole_regions(olga, Filters(municipality_id=3))
    assert whole_regions(olga, Filters(municipality_id=3), one_municipality=True)
    assert not whole_regions(olga, Filters(organization_id=5), one_municipality=True)
    assert not whole_regions(Scope(user_id=1), Filters())  # a teacher


@pytest.mark.django_db
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(everything=st.booleans(), region=st.integers(0, 2), municipality=st.integers(0, 4),
       sector=st.sampled_from([None, "school", "sport"]))
def test_the_sums_read_are_those_of_the_scopes_and_the_filters_municipalities(
        world: World, everything: bool, region: int, municipality: int,
        sector: str | None) -> None:
    """Rows of a sums' table in two regions: those read are in the scope's regions, in
    the region, the municipality and the sector filtered, and no other."""
    if not Region.objects.filter(name="Другая").exists():  # shared by the examples
        other = Region.objects.create(name="Другая", time_zone="Asia/Yekaterinburg")
        Municipality.objects.create(region=other, name="Дальний")
        for m in Municipality.objects.all():
            for s in ("school", "sport"):
                PairMunicipalityState.objects.create(municipality=m, sector=s,
                                                     as_of=dt.date(2026, 9, 1))
    regions = sorted(Region.objects.values_list("pk", flat=True))
    municipalities = sorted(Municipality.objects.values_list("pk", flat=True))
    scope = Scope(user_id=1, everything=everything, region_ids=frozenset({world.region.pk}))
    chosen = Filters(region_id=[None, *regions][region % (len(regions) + 1)],
                     municipality_id=[None, *municipalities][
                         municipality % (len(municipalities) + 1)], sector=sector)
    read = set(municipality_sums(PairMunicipalityState, scope, chosen).values_list(
        "municipality_id", "sector"))
    expected = {(m, s) for m, r, s in PairMunicipalityState.objects.values_list(
        "municipality_id", "municipality__region_id", "sector")
        if (everything or r == world.region.pk)
        and chosen.region_id in (None, r) and chosen.municipality_id in (None, m)
        and chosen.sector in (None, s)}
    assert read == expected


@given(scope=scopes, filters=filters)
def test_whole_municipalities_are_whole_only_where_a_reader_asks(scope: Scope,
                                                                 filters: Filters) -> None:
    """``municipalities``: a scope of whole regions or whole municipalities (a municipal
    coordinator's), no organization of its own, counts as whole for a reader of one total
    (the technologies table); without it the rule is as before."""
    whole = scope.everything or (bool(scope.region_ids or scope.municipality_ids)
                                 and not scope.organization_ids)
    for one in (False, True):
        picked = filters.organization_id is not None or (
            not one and filters.municipality_id is not None)
        assert whole_regions(scope, filters, one_municipality=one, municipalities=True) == (
            whole and not picked)
        if not scope.municipality_ids:
            assert whole_regions(scope, filters, one_municipality=one,
                                 municipalities=True) == whole_regions(
                scope, filters, one_municipality=one)


@pytest.mark.django_db
def test_a_coordinators_sums_are_her_municipalitys(world: World) -> None:
    """A coordinator of Город А (and one of both municipalities) reads the rows of her
    municipalities, every sector, and of no other."""
    for m in (world.municipality_a, world.municipality_b):
        for s in ("school", "sport"):
            PairMunicipalityState.objects.create(municipality=m, sector=s,
                                                 as_of=dt.date(2026, 9, 1))
    erin = Scope(user_id=1, municipality_ids=frozenset({world.municipality_a.pk}))
    assert whole_regions(erin, Filters(), municipalities=True)
    assert not whole_regions(erin, Filters())
    assert set(municipality_sums(PairMunicipalityState, erin, Filters()).values_list(
        "municipality_id", "sector")) == {(world.municipality_a.pk, "school"),
                                          (world.municipality_a.pk, "sport")}
    both = Scope(user_id=1, region_ids=frozenset({world.region.pk}),
                 municipality_ids=frozenset({world.municipality_a.pk}))
    assert municipality_sums(PairMunicipalityState, both, Filters(sector="sport")).count() == 2
