"""The crumbs of the dashboard name the filter's units through the scope
(``monitoring.selectors.unit_names``), not by a query of the view."""

from django.test import Client
from django.urls import reverse

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.monitoring.selectors import unit_names
from tandem.testing import World


def test_the_filter_units_are_named_inside_the_scope_only(world: World) -> None:
    chosen = Filters(municipality_id=world.municipality_a.pk, organization_id=world.org_a.pk)
    assert unit_names(scope=scope_for(world.olga), filters=chosen) == (
        "Город А", world.org_a.short_name)
    # A unit outside the scope has no name to give (the filter form refuses it anyway).
    assert unit_names(scope=scope_for(world.charlie), filters=chosen) == ("", "")
    assert unit_names(scope=scope_for(world.olga), filters=Filters()) == ("", "")


def test_the_drilled_dashboard_shows_the_crumbs(client: Client, world: World) -> None:
    client.force_login(world.olga)
    body = client.get(reverse("monitoring:index"),
                      {"municipality": world.municipality_a.pk,
                       "organization": world.org_a.pk}).content.decode()
    assert "Город А" in body and world.org_a.short_name in body
