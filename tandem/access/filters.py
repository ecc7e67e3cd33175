"""The filters every dashboard and report of monitoring takes: period, municipality,
organization, sector — always applied inside the user's scope, never instead of it —
and the one rule of when a request covers whole regions, so that it may read the
municipalities' kept sums (:func:`whole_regions`, :func:`municipality_sums`)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from tandem.access.scope import Scope
from tandem.territory.models import Organization


def overlapping_q(date_from: dt.date | None, date_to: dt.date | None, prefix: str = "") -> Q:
    """The one period-overlap rule as a condition on a model with ``starts_on`` and
    ``ends_on`` (``prefix``: the path to it, e.g. ``"campaign__"``): the query twin of
    :func:`tandem.core.periods.overlaps` (a reversed period matches nothing)."""
    if date_from is not None and date_to is not None and date_to < date_from:
        return Q(pk__in=[])
    q = Q()
    if date_from is not None:
        q &= Q(**{f"{prefix}ends_on__gte": date_from})
    if date_to is not None:
        q &= Q(**{f"{prefix}starts_on__lte": date_to})
    return q


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
    # The federal operator's dashboard compares regions and looks into one of them.
    region_id: int | None = None

    def overlapping(self, prefix: str = "") -> Q:
        """Terms (of pairs, campaigns…) that overlap the period: :func:`overlapping_q`."""
        return overlapping_q(self.date_from, self.date_to, prefix)

    def organizations(self, scope: Scope) -> QuerySet[Organization]:
        """The organizations in scope that pass the filters."""
        qs = scope.organizations(Organization.objects.all())
        if self.region_id is not None:
            qs = qs.filter(municipality__region_id=self.region_id)
        if self.municipality_id is not None:
            qs = qs.filter(municipality_id=self.municipality_id)
        if self.organization_id is not None:
            qs = qs.filter(pk=self.organization_id)
        if self.sector:
            qs = qs.filter(sector=self.sector)
        return qs

    def every_organization(self, scope: Scope) -> bool:
        """Whether :meth:`organizations` is every organization there is: the country's
        scope (a federal operator's) and no unit or sector chosen. A reader of the maxima
        or sums of a kept table over these organizations then reads the whole table
        instead of joining it with the country's tens of thousands of ids
        (``monitoring.versions.version``, ``diagnostics.tallies.state_rows``: they take
        it as ``every=``)."""
        return (scope.everything and self.region_id is None and self.municipality_id is None
                and self.organization_id is None and not self.sector)

    def organization_ids(self, scope: Scope) -> list[int] | None:
        """The ids of :meth:`organizations` when they are known without a query — a
        curator's organizations (or the one of them picked), no other filter — else None.
        Given as ids, a filter on a pair's members' organizations is estimated by
        PostgreSQL from the columns' statistics; given as a subquery inside an OR it is
        taken for half the table (issue #16: the 24 running pairs of a curator's
        organization planned as 19,000, and their people read whole)."""
        if (scope.everything or scope.region_ids or scope.municipality_ids
                or not scope.organization_ids or self.region_id is not None
                or self.municipality_id is not None or self.sector):
            return None
        ids = set(scope.organization_ids)
        if self.organization_id is not None:
            ids &= {self.organization_id}
        return sorted(ids)


def whole_regions(scope: Scope, filters: Filters, *, one_municipality: bool = False,
                  municipalities: bool = False) -> bool:
    """Whether the request's organizations are every organization (of one sector, if the
    filter names one) of whole municipalities — the scope holds only whole regions (or
    everything; with ``municipalities``, whole municipalities too: a municipal
    coordinator's scope) and no organization is picked, nor a municipality unless
    ``one_municipality`` (a reader whose sums are compared or shown per municipality
    cannot take one) — so that the municipalities' kept sums (by sector) answer it:
    :func:`municipality_sums`. A region operator who also curates elsewhere, and anything
    smaller, reads the organizations' own figures. The period is the reader's: some sums
    are kept per round or year, some only over every term. ``municipalities`` is for a
    reader that shows one total of the scope (the technologies table), not one figure
    per organization of a municipality."""
    whole = scope.everything or (
        bool(scope.region_ids or (municipalities and scope.municipality_ids))
        and (municipalities or not scope.municipality_ids) and not scope.organization_ids)
    return (whole and filters.organization_id is None
            and (one_municipality or filters.municipality_id is None))


def region_sums(model: type, scope: Scope, filters: Filters) -> QuerySet[Any] | None:
    """A table of sums by region and sector (``model``: its ``region`` and ``sector``)
    narrowed to the scope and the filters, or None where the request names
    municipalities (a scope of whole municipalities, a municipality chosen): then only
    the municipalities' sums (:func:`municipality_sums`) answer it."""
    if scope.municipality_ids or filters.municipality_id is not None:
        return None
    sums = model.objects.all()  # type: ignore[attr-defined]
    if not scope.everything:
        sums = sums.filter(region_id__in=scope.region_ids)
    if filters.region_id is not None:
        sums = sums.filter(region_id=filters.region_id)
    if filters.sector:
        sums = sums.filter(sector=filters.sector)
    return sums  # type: ignore[no-any-return]


def municipality_sums(model: type, scope: Scope, filters: Filters) -> QuerySet[Any]:
    """A table of sums by municipality and sector (``model``: its ``municipality`` and
    ``sector``) narrowed to the scope and the filters — the rows of the request's
    municipalities where :func:`whole_regions` holds."""
    sums = model.objects.all()  # type: ignore[attr-defined]
    if not scope.everything:
        within = Q(municipality__region_id__in=scope.region_ids)
        if scope.municipality_ids:  # whole municipalities (``whole_regions(municipalities=)``)
            within |= Q(municipality_id__in=scope.municipality_ids)
        sums = sums.filter(within)
    if filters.region_id is not None:
        sums = sums.filter(municipality__region_id=filters.region_id)
    if filters.municipality_id is not None:
        sums = sums.filter(municipality_id=filters.municipality_id)
    if filters.sector:
        sums = sums.filter(sector=filters.sector)
    return sums  # type: ignore[no-any-return]
