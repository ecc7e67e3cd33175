"""The set-up the pair-list tests share: a pair's term, another region's organization,
new people of an organization."""

import datetime as dt

from tandem.people.models import Participant
from tandem.territory.models import Organization
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
