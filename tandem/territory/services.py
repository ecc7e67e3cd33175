"""Writes of the territory: the region operator adds municipalities and organizations and
sets the region's time zone (the audit trail records who changed what)."""

from django.db import transaction

from tandem.territory.models import Municipality, Organization, Region


@transaction.atomic
def municipality_create(*, region: Region, name: str, kind: str, code: str) -> Municipality:
    municipality = Municipality(region=region, name=name, kind=kind, code=code)
    municipality.full_clean()
    municipality.save()
    return municipality


@transaction.atomic
def organization_create(*, municipality: Municipality, name: str, short_name: str,
                        sector: str, code: str) -> Organization:
    organization = Organization(municipality=municipality, name=name, short_name=short_name,
                                sector=sector, code=code)
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def region_update(*, region: Region, time_zone: str) -> Region:
    """Sets the region's time zone (an IANA name, checked by the model)."""
    region.time_zone = time_zone
    region.full_clean()
    region.save(update_fields=["time_zone"])
    return region
