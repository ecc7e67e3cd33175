"""The filters every dashboard and report of monitoring takes: period, municipality,
organization, sector — always applied inside the user's scope, never instead of it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from tandem.access.scope import Scope
from tandem.territory.models import Organization


@dataclass(frozen=True)
class Filters:
    """``date_from``/``date_to``: the period (inclusive); a pair counts when its term
    overlaps the period, a campaign when its dates do, a meeting or survey answer when it
    falls inside it. Ids are checked against the scope by :meth:`organizations`."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    municipality_id: int | None = None
    organization_id: int | None = None
    sector: str | None = None

    def organizations(self, scope: Scope) -> QuerySet[Organization]:
        """The organizations in scope that pass the filters."""
        qs = scope.organizations(Organization.objects.all())
        if self.municipality_id is not None:
            qs = qs.filter(municipality_id=self.municipality_id)
        if self.organization_id is not None:
            qs = qs.filter(pk=self.organization_id)
        if self.sector:
            qs = qs.filter(sector=self.sector)
        return qs
