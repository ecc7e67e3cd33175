"""The regions' sums of the technologies (``TechnologyRegionTally``, maps/tallies.py,
issue #16): the country's «технологии» table of the standard view reads a row per region,
sector, competency and technology instead of the municipalities' sums whole — the same
figures, pairs whose members work in another region («border» pairs) included; a region
operator's scope, or one of several regions, still reads the municipalities' sums (a pair
counts there only if a member works inside it). The regions' sums stay the sums of their
municipalities' after a rebuild, a move of an organization to another region, a
municipality moved to another region or deleted, and ``tandem tallies --rebuild``
repairs them."""

from typing import Any

import pytest
from django.db import connection
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.maps import tallies
from tandem.maps.models import (
    Map,
    TechnologyMunicipalityTally,
    TechnologyRegionTally,
    TechnologyTallyMark,
)
from tandem.maps.selectors import _technology_table, technologies_counts_live, technologies_used
from tandem.maps.tests.test_technology_tallies import _pair_of, _row
from tandem.pairs.models import Pair
from tandem.territory.models import Municipality, Organization
from tandem.testing import MunicipalityFactory, OrganizationFactory, RegionFactory, World

pytestmark = pytest.mark.django_db
FEDERAL = Scope(user_id=None, everything=True)
MUNICIPAL = TechnologyMunicipalityTally._meta.db_table
REGIONAL = TechnologyRegionTally._meta.db_table


def _border(world: World) -> Organization:
    """World's region (A and B) and a far one: a pair of each region's organization whose
    members work in the other region, besides pairs inside one organization. Returns the
    far region's organization."""
    far = OrganizationFactory.create(code="far-1", municipality=MunicipalityFactory.create(
        region=RegionFactory.create(name="Дальняя", code="far"), name="Дальний",
        code="far-m"))
    _pair_of(world.org_a, world.org_a, world.org_a, ("case",) * 3)   # own organization
    _pair_of(far, world.org_a, world.org_b, ("case", "project"))     # members in A's region
    _pair_of(world.org_a, far, far, ("project",) * 2)                # members in the far one
    _pair_of(world.org_b, world.org_a, far, ("ai_tools",))           # one of each
    tallies.refresh()
    return far


def _of_municipalities() -> list[Any]:
    """The country's table as it was read before the regions' sums: the municipalities'
    sums, every row."""
    return _technology_table({
        (c, t): int(n) for c, t, n in TechnologyMunicipalityTally.objects
        .values_list("competency", "technology").order_by().annotate(n=Sum("rows"))})


def _regions_are_their_municipalities(*, waiting: bool = False) -> None:
    """Invariant: each region's sums are its municipalities' sums (as the municipalities
    are now), the members' organizations folded in; the check agrees."""
    municipal: dict[tuple[Any, ...], int] = {}
    for region, sector, competency, technology, n in (
            TechnologyMunicipalityTally.objects
            .values_list("municipality__region_id", "sector", "competency", "technology")
            .order_by().annotate(n=Sum("rows"))):
        municipal[(region, sector, competency, technology)] = int(n)
    regional = {(r, s, c, t): n for r, s, c, t, n in TechnologyRegionTally.objects
                .values_list("region_id", "sector", "competency", "technology", "rows")}
    assert regional == municipal
    if not waiting:  # a mark waiting is what the check reports then
        assert tallies.stale() == []


def _country_equals_live(world: World, far: Organization) -> None:
    assert not TechnologyTallyMark.objects.exists()  # the kept path is the one read
    regions = {world.region.pk, far.municipality.region_id,
               *Municipality.objects.values_list("region_id", flat=True)}
    for filters in (Filters(), Filters(sector=world.org_a.sector),
                    *(Filters(region_id=pk) for pk in regions)):
        assert technologies_used(FEDERAL, filters) == _technology_table(
            technologies_counts_live(FEDERAL, filters)), filters


def test_the_country_reads_a_row_per_region_and_the_same_figures(world: World) -> None:
    """Worked example: 3 rows of case in A's own pair, case and project of the far
    region's pair (its members in A's region), 2 × project of A's pair with far members,
    ai_tools of B's pair with one member in each region — 8 rows. The federal view reads
    the regions' sums only (no municipality's), and its table is the municipalities'
    sums' table and the live count; the far region's sums hold its pair whose people
    work in A's region."""
    far = _border(world)
    with CaptureQueriesContext(connection) as ctx:
        used = technologies_used(FEDERAL, Filters())
    read = [q["sql"] for q in ctx.captured_queries]
    assert [sql for sql in read if MUNICIPAL in sql] == []
    assert [sql for sql in read if REGIONAL in sql]
    assert sum(u.rows for u in used) == 8
    assert used == _of_municipalities()
    assert used == _technology_table(technologies_counts_live(FEDERAL, Filters()))
    assert dict(TechnologyRegionTally.objects.filter(region=far.municipality.region_id)
                .values_list("technology", "rows")) == {"case": 1, "project": 1}
    assert TechnologyRegionTally.objects.filter(region=world.region).aggregate(
        n=Sum("rows"))["n"] == 6
    # One region of the country (the federal operator's filter) reads its row too.
    with CaptureQueriesContext(connection) as ctx:
        one = technologies_used(FEDERAL, Filters(region_id=far.municipality.region_id))
    assert [q for q in ctx.captured_queries if MUNICIPAL in q["sql"]] == []
    assert sum(u.rows for u in one) == 2
    _regions_are_their_municipalities()
    _country_equals_live(world, far)


def test_a_region_operator_and_several_regions_keep_todays_figures(world: World) -> None:
    """A scope of regions counts a pair only if a member works inside it (border pairs
    through their members): it reads the municipalities' sums as before, never the
    regions' — the region operator's, the far region's, both regions'."""
    far = _border(world)
    both = Scope(user_id=None, region_ids=frozenset({world.region.pk,
                                                     far.municipality.region_id}))
    scopes = [("olga", scope_for(world.olga)), ("both", both),
              ("far", Scope(user_id=None, region_ids=frozenset({far.municipality.region_id})))]
    for name, scope in scopes:
        for filters in (Filters(), Filters(region_id=world.region.pk),
                        Filters(sector=world.org_a.sector)):
            with CaptureQueriesContext(connection) as ctx:
                used = technologies_used(scope, filters)
            assert [q for q in ctx.captured_queries if REGIONAL in q["sql"]] == [], name
            assert used == _technology_table(technologies_counts_live(scope, filters)), (
                name, filters)
    # A pair counts where its organization is and a member works: the region operator
    # counts A's own pair and B's (a member in A's region) — 4 of the 6 rows A's region's
    # sums hold (A's pair of far people is not hers); the far region none (its pair's
    # people work in A's region, A's pair is not its organization's); both regions all 8.
    totals = {name: sum(u.rows for u in technologies_used(scope, Filters()))
              for name, scope in scopes}
    assert totals == {"olga": 4, "both": 8, "far": 0}


def test_the_regions_sums_follow_moves_and_deletions_of_municipalities(world: World) -> None:
    """Each step keeps the invariant (and the country's table the live one): a rebuild of
    new rows, an organization moved to the other region (its mark sums both again), a
    municipality moved to the other region (both regions redone in the saving
    transaction), a municipality deleted after its organization went (its sums cascade:
    its region's are redone without them), a region's sums broken by hand and repaired
    by the full rebuild."""
    far = _border(world)
    _regions_are_their_municipalities()

    _row(Map.objects.get(pair__organization=world.org_b), "case")    # a rebuild
    tallies.refresh()
    _regions_are_their_municipalities()
    _country_equals_live(world, far)

    org = Organization.objects.get(pk=world.org_b.pk)                # to the far region
    org.municipality = far.municipality
    org.save()
    tallies.refresh()
    _regions_are_their_municipalities()
    _country_equals_live(world, far)

    municipality = Municipality.objects.get(pk=world.municipality_a.pk)  # rezoned
    municipality.region_id = far.municipality.region_id
    municipality.save()
    assert not TechnologyTallyMark.objects.exists()   # nothing waits: redone at once
    _regions_are_their_municipalities()
    _country_equals_live(world, far)
    municipality.region = world.region
    municipality.save()
    _regions_are_their_municipalities()

    gone = Municipality.objects.create(region=world.region, name="Упразднённый", code="gone")
    school = OrganizationFactory.create(code="gone-1", municipality=gone,
                                        sector=world.org_a.sector)
    _pair_of(school, world.org_a, far, ("case",) * 4)
    tallies.refresh()
    assert TechnologyRegionTally.objects.filter(region=world.region).aggregate(
        n=Sum("rows"))["n"] >= 4
    _regions_are_their_municipalities()
    Pair.objects.filter(organization=school).delete()     # marks the school…
    school.delete()                                       # …and the municipality it left
    gone.delete()                                         # before the job: sums cascade
    _regions_are_their_municipalities(waiting=True)
    tallies.refresh()
    _regions_are_their_municipalities()
    _country_equals_live(world, far)

    broken = TechnologyRegionTally.objects.filter(region=world.region).first()
    assert broken is not None
    TechnologyRegionTally.objects.filter(pk=broken.pk).update(rows=F("rows") + 5)
    TechnologyRegionTally.objects.create(region_id=far.municipality.region_id,
                                         sector="school", competency="x", technology="y",
                                         rows=1)
    assert len(tallies.stale()) == 3
    tallies.rebuild()
    _regions_are_their_municipalities()
    _country_equals_live(world, far)


def test_a_sum_going_short_is_summed_again_whole(world: World) -> None:
    """A region's sum below what its municipalities' difference takes out (never, if
    every writer kept it): the region is summed again whole, not left negative."""
    far = _border(world)
    TechnologyRegionTally.objects.filter(region=world.region).delete()
    pair = Pair.objects.filter(organization=world.org_a).order_by("pk").first()
    assert pair is not None
    Pair.objects.filter(pk=pair.pk).delete()
    tallies.refresh()
    _regions_are_their_municipalities()
    _country_equals_live(world, far)
