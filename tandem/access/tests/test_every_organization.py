"""``access.filters.Filters.every_organization``: only the country's scope with no unit or
sector chosen is every organization there is — what lets a reader of a kept table drop
its «of these organizations» join (the country's dashboard version,
``monitoring.versions.version``, and the diagnostics figures' state,
``diagnostics.tallies.state_rows``, take it as ``every=``). Said by the scope and the
filters, not guessed from a queryset's insides (until 2026-12-07:
``territory.models.is_every_organization``)."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.territory.models import Organization
from tandem.testing import World

pytestmark = pytest.mark.django_db

COUNTRY = Scope(user_id=None, everything=True)


def test_the_country_with_no_filter_is_every_organization(world: World) -> None:
    assert Filters().every_organization(COUNTRY)
    # A period is no unit: still every organization.
    assert Filters(date_from=dt.date(2026, 9, 1)).every_organization(COUNTRY)
    for chosen in (Filters(region_id=world.region.pk),
                   Filters(municipality_id=world.municipality_a.pk),
                   Filters(organization_id=world.org_a.pk),
                   Filters(sector=Organization.Sector.SUPPLEMENTARY)):
        assert not chosen.every_organization(COUNTRY), chosen


def test_a_region_holding_every_organization_today_is_not_the_country(world: World) -> None:
    """The region operator's scope lists every organization of this world, yet it is not
    every organization there is: one added in another region would not be hers."""
    olga = scope_for(world.olga)
    assert set(Filters().organizations(olga)) == set(Organization.objects.all())
    assert not Filters().every_organization(olga)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(who=st.sampled_from(["country", "olga", "erin", "dave", "alice", "bob"]),
       region=st.booleans(), municipality=st.sampled_from([None, "a", "b"]),
       organization=st.sampled_from([None, "a", "b"]),
       sector=st.sampled_from([None, *Organization.Sector.values]))
def test_every_organization_is_said_only_where_the_organizations_are_all(
        world: World, who: str, region: bool, municipality: str | None,
        organization: str | None, sector: str | None) -> None:
    scope = COUNTRY if who == "country" else scope_for(getattr(world, who))
    filters = Filters(
        region_id=world.region.pk if region else None,
        municipality_id={"a": world.municipality_a.pk, "b": world.municipality_b.pk,
                         None: None}[municipality],
        organization_id={"a": world.org_a.pk, "b": world.org_b.pk, None: None}[organization],
        sector=sector)
    if filters.every_organization(scope):
        assert set(filters.organizations(scope)) == set(Organization.objects.all())
        assert scope.everything and filters == Filters()
