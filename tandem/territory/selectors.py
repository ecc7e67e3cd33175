"""Reads of the territory: the tree with counts, one organization's page."""

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from tandem.access.scope import Scope
from tandem.territory.models import Municipality, Organization, Region

_ACTIVE = Q(participants__is_active=True)
_CONSENT = _ACTIVE & Q(participants__mentoring_consent_date__isnull=False,
                       participants__personal_data_consent_date__isnull=False)


def organizations_with_counts(*, scope: Scope) -> QuerySet[Organization]:
    """Organizations in scope, each with ``participant_count`` and ``consent_count``."""
    return (
        scope.organizations(Organization.objects.select_related("municipality__region"))
        .annotate(participant_count=Count("participants", filter=_ACTIVE),
                  consent_count=Count("participants", filter=_CONSENT))
        .order_by("municipality__region__name", "municipality__name", "short_name")
    )


@dataclass
class MunicipalityNode:
    municipality: Municipality
    organizations: list[Organization] = field(default_factory=list)

    @property
    def participant_count(self) -> int:
        return sum(o.participant_count for o in self.organizations)  # type: ignore[attr-defined]

    @property
    def consent_count(self) -> int:
        return sum(o.consent_count for o in self.organizations)  # type: ignore[attr-defined]


@dataclass
class RegionNode:
    region: Region
    municipalities: list[MunicipalityNode] = field(default_factory=list)

    @property
    def organization_count(self) -> int:
        return sum(len(m.organizations) for m in self.municipalities)

    @property
    def participant_count(self) -> int:
        return sum(m.participant_count for m in self.municipalities)

    @property
    def consent_count(self) -> int:
        return sum(m.consent_count for m in self.municipalities)


def organization_tree(*, scope: Scope) -> list[RegionNode]:
    """Region → municipality → organization with counts, in one query."""
    regions: dict[int, RegionNode] = {}
    municipalities: dict[int, MunicipalityNode] = {}
    for org in organizations_with_counts(scope=scope):
        mun = org.municipality
        region_node = regions.get(mun.region_id)
        if region_node is None:
            region_node = regions[mun.region_id] = RegionNode(mun.region)
        mun_node = municipalities.get(mun.pk)
        if mun_node is None:
            mun_node = municipalities[mun.pk] = MunicipalityNode(mun)
            region_node.municipalities.append(mun_node)
        mun_node.organizations.append(org)
    return list(regions.values())


def organization_get(*, scope: Scope, pk: int) -> Organization:
    return get_object_or_404(organizations_with_counts(scope=scope), pk=pk)
