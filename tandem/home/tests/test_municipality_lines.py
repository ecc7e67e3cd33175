"""A large region's overview lists municipalities with their sums instead of every
organization (issue #16): the same sums as the tree of organizations, in one query
whatever the number of organizations."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.access.scope import scope_for
from tandem.directory.selectors import organization_tree
from tandem.home import selectors
from tandem.home.selectors import MunicipalityLine, municipality_lines
from tandem.people import counts
from tandem.testing import OrganizationFactory, ParticipantFactory, World


def test_the_lines_are_the_tree_s_municipalities_with_their_sums(world: World) -> None:
    """Город А: organization A and a new one with two people, one without consent; Район
    Б: organization B. The operator sees both, the coordinator of Город А only it; each
    line is the sum of its organizations in the tree."""
    second = OrganizationFactory.create(municipality=world.municipality_a)
    ParticipantFactory.create(organization=second)
    ParticipantFactory.create(organization=second, mentoring_consent_date=None)
    counts.rebuild()
    for user in (world.olga, world.erin, world.alice):
        scope = scope_for(user)
        tree = [(m.municipality.name, len(m.organizations), m.participant_count,
                 m.consent_count)
                for r in organization_tree(scope=scope) for m in r.municipalities]
        lines = municipality_lines(scope=scope)
        assert [(x.name, x.organizations, x.participants, x.with_consent)
                for x in lines] == tree
    operator = municipality_lines(scope=scope_for(world.olga))
    assert [x.name for x in operator] == ["Город А", "Район Б"]
    assert operator[0].organizations == 2
    assert operator[0].participants - operator[0].with_consent >= 1


def test_the_overview_of_a_large_region_shows_municipalities_in_constant_queries(
        client: Client, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "TREE_ORGANIZATIONS", 1)
    client.force_login(world.olga)

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("dashboard")).content.decode()
        return len(ctx.captured_queries), page

    small, page = count()
    assert "Все организации по муниципалитетам" in page and "Район Б" in page
    assert world.org_a.short_name not in page.split("Нет письменного согласия")[0]
    for _ in range(12):
        o = OrganizationFactory.create(municipality=world.municipality_b)
        ParticipantFactory.create(organization=o)
    assert count()[0] == small
    [_, district] = municipality_lines(scope=scope_for(world.olga))
    assert district == MunicipalityLine("Район Б", 13, district.participants,
                                        district.with_consent)
