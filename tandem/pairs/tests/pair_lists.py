"""The set-up the pair-list tests share: a pair's term, another region's organization,
new people of an organization, a small territory to move things in."""

import datetime as dt
from typing import Any

from tandem.people.models import Participant
from tandem.territory.models import Municipality, Organization
from tandem.testing import (
    MunicipalityFactory,
    OrganizationFactory,
    RegionFactory,
    bulk_participants,
)

# The term of every pair these tests make.
TERM = {"starts_on": dt.date(2026, 12, 1), "ends_on": dt.date(2027, 5, 31)}


def far_organization() -> Organization:
    """An organization of another region («Другая область», municipality «far»)."""
    other = RegionFactory.create(name="Другая область", code="other")
    municipality = MunicipalityFactory.create(region=other, code="far")
    return OrganizationFactory.create(municipality=municipality, code="far-school")


def new_people(organization: Organization, count: int) -> list[Participant]:
    """``count`` new people of ``organization`` (bulk_participants returns all of its)."""
    return list(bulk_participants(organization, count).order_by("-pk")[:count])


class Territory:
    """Two regions, three municipalities (A's, B's, the far one's), four organizations
    (A, B, the far one, a third in A's municipality) — the places the Hypothesis tests of
    the kept places (pairs' regions, people's places) move things between."""

    def __init__(self, world: Any) -> None:
        far = far_organization()
        self.far = far
        self.regions = [world.region, far.municipality.region]
        self.municipalities = [world.municipality_a, world.municipality_b, far.municipality]
        self.organizations = [world.org_a, world.org_b, far,
                              OrganizationFactory.create(municipality=world.municipality_a,
                                                         code="third")]

    def move(self, kind: str, who: Any, where: int) -> bool:
        """One move, each saved from a copy read now: a person (``who``) to organization
        ``where``; organization ``who`` to municipality ``where``; municipality ``who`` to
        region ``where``. False for another kind (the caller's own)."""
        if kind == "person":
            row: Any = Participant.objects.get(pk=who.pk)
            row.organization = self.organizations[where]
        elif kind == "organization":
            row = Organization.objects.get(pk=self.organizations[who].pk)
            row.municipality = self.municipalities[where]
        elif kind == "municipality":
            row = Municipality.objects.get(pk=self.municipalities[who].pk)
            row.region = self.regions[where]
        else:
            return False
        row.save()
        return True
