"""``Filters.organization_ids``: the organizations of :meth:`Filters.organizations` by
value when the scope names them (a curator), else None — never a different set."""

import pytest

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.testing import OrganizationFactory, World


@pytest.mark.parametrize("picked", ["none", "own", "other"])
def test_a_curator_s_organizations_by_value_are_those_of_the_query(
        world: World, picked: str) -> None:
    OrganizationFactory.create(municipality=world.municipality_a)  # not Alice's
    organization_id = {"none": None, "own": world.org_a.pk, "other": world.org_b.pk}[picked]
    filters = Filters(organization_id=organization_id)
    scope = scope_for(world.alice)
    ids = filters.organization_ids(scope)
    assert ids == sorted(filters.organizations(scope).values_list("pk", flat=True))
    assert ids == {"none": [world.org_a.pk], "own": [world.org_a.pk], "other": []}[picked]


def test_units_named_by_territory_or_a_narrowing_filter_stay_a_query(world: World) -> None:
    assert Filters().organization_ids(scope_for(world.olga)) is None  # region operator
    assert Filters().organization_ids(scope_for(world.dave)) is None  # coordinator
    assert Filters().organization_ids(scope_for(world.bob)) is None  # a teacher
    alice = scope_for(world.alice)
    assert Filters(sector="school").organization_ids(alice) is None
    assert Filters(municipality_id=world.municipality_a.pk).organization_ids(alice) is None
