"""``territory.models.is_every_organization``: only a queryset that is every organization
there is lets a reader of a kept table drop its «of these organizations» join (the
country's dashboard version, ``monitoring.versions.version``; review of the change)."""

import pytest
from django.db.models import Count

from tandem.territory.models import Organization, is_every_organization
from tandem.testing import World

pytestmark = pytest.mark.django_db


def test_only_every_organization_is_every_organization(world: World) -> None:
    every = Organization.objects.all()
    assert is_every_organization(every)
    assert is_every_organization(every.order_by("pk"))
    some = Organization.objects.filter(pk=world.org_a.pk)
    not_every = [
        some, every.none(), every.filter(pk__in=[]), every[:1],
        every.exclude(pk=world.org_a.pk), every.intersection(some), every.difference(some),
        every.values("municipality").annotate(n=Count("pk")),
        every.filter(municipality__region=world.region),
    ]
    for qs in not_every:
        assert not is_every_organization(qs), str(qs.query)
