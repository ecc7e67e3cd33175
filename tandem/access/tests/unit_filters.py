"""What the tests of the territory filters (``access.forms.unit_filter``) share: the
pairs' (``pairs/tests/test_filters_one_meaning.py``) and the participants' and resources'
(``access/tests/test_unit_filter_one_rule.py``) — the personas, the units they filter by
and the rule, worked out by hand, of which values are refused."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import scope_for
from tandem.accounts.models import User
from tandem.pairs.tests.pair_lists import far_organization, new_people
from tandem.people.models import Participant
from tandem.territory.models import Organization
from tandem.testing import OrganizationFactory, UserFactory, World

# The refusal a list page shows above its rows.
REFUSED = re.compile(r'<p class="form-error" role="alert">(.*?)</p>', re.S)
PERSONAS = ["olga", "federal", "erin", "alice", "bob"]
UNITS = ("municipality", "organization")  # the filters' parameters


@dataclass
class Units:
    users: dict[str, User]  # the PERSONAS
    # By parameter, then by name: A's, B's, another region's, forged, not a number — and
    # for the organization «third», a second one of A's municipality.
    values: dict[str, dict[str, int | str]]
    # Made by this call (the examples of a test share them): the test adds its own rows.
    made: bool
    # Then: the new people of another region's organization and of «third».
    far_people: list[Participant]
    third_people: list[Participant]


def units(world: World) -> Units:
    """Once per test: another region's organization and a second organization of A's
    municipality, two people each, and the federal operator."""
    far = Organization.objects.filter(code="far-school").first()
    third = Organization.objects.filter(code="third").first()
    made = far is None or third is None
    far_people: list[Participant] = []
    third_people: list[Participant] = []
    if far is None or third is None:
        far = far_organization()
        third = OrganizationFactory.create(municipality=world.municipality_a, code="third")
        far_people, third_people = new_people(far, 2), new_people(third, 2)
        federal = UserFactory.create(username="federal")
        RoleAssignment.objects.create(user=federal, role=Role.FEDERAL_OPERATOR)
    return Units(
        users={u.username: u for u in User.objects.filter(username__in=PERSONAS)},
        values={"municipality": {"A": world.municipality_a.pk, "B": world.municipality_b.pk,
                                 "far": far.municipality_id, "forged": 2**31 + 5,
                                 "word": "abc"},
                "organization": {"A": world.org_a.pk, "B": world.org_b.pk, "third": third.pk,
                                 "far": far.pk, "forged": 99999999, "word": "²"}},
        made=made, far_people=far_people, third_people=third_people)


def mine(user: User) -> dict[int, int]:
    """``{organization: municipality}`` of the user's scope."""
    return dict(scope_for(user).organizations().values_list("pk", "municipality_id"))


def refused(user: User, filters: Mapping[str, Any]) -> set[str]:
    """The territory parameters refused, worked out by hand: a unit is the user's when it
    is (of) an organization of their scope; a value that is not a number is nobody's; an
    organization outside the chosen municipality is refused."""
    theirs = mine(user)
    out = {k for k in UNITS if k in filters and not isinstance(filters[k], int)}
    municipality, organization = filters.get("municipality"), filters.get("organization")
    if municipality is not None and municipality not in theirs.values():
        out.add("municipality")
    if organization is not None:
        if organization not in theirs:
            out.add("organization")
        elif "municipality" not in out and municipality is not None \
                and theirs[organization] != municipality:
            out.add("organization")
    return out


def form_drops(user: User, filters: Mapping[str, Any]) -> bool:
    """The page's filter form drops, without a word, an organization of the user's
    outside the chosen municipality of the user's (its reload after another municipality
    was chosen, ``access.forms.UnitFilterForm``; a user of several municipalities); the
    API refuses it (docs/api.md)."""
    organization, municipality = filters.get("organization"), filters.get("municipality")
    if not isinstance(organization, int) or not isinstance(municipality, int):
        return False
    theirs = mine(user)
    return (organization in theirs and municipality in theirs.values()
            and theirs[organization] != municipality)
