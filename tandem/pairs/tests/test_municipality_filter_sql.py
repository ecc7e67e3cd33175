"""The pair list's ``municipality`` filter (``/api/v1/pairs/``, ``/pairs/``) asks for the
municipality's organizations of the user's scope by a subquery
(``access.forms.UnitFilter.municipality_organizations``), not by a literal list of their
ids: a city of thousands of organizations sent thousands of parameters with every query
of the list (issue #16 follow-up). The queries' number and their text are the same for a
municipality of a few organizations and of a hundred and fifty."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tandem.api.services import api_token_issue
from tandem.pairs.models import Pair
from tandem.pairs.tests.pair_lists import TERM, new_people
from tandem.territory.models import Organization
from tandem.testing import OrganizationFactory, World

pytestmark = pytest.mark.django_db


def _queries(world: World) -> dict[str, list[str]]:
    """The SQL of the API's list and of the page, filtered by A's municipality."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=world.olga)}")
    page = Client()
    page.force_login(world.olga)
    query = {"municipality": world.municipality_a.pk}
    out = {}
    for name, client, url in (("api", api, "/api/v1/pairs/"),
                              ("page", page, reverse("pairs:list"))):
        client.get(url, query)  # warm: sessions, keys, caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, query)
        assert response.status_code == 200
        out[name] = [q["sql"] for q in captured.captured_queries]
    return out


def test_the_municipality_filter_s_sql_does_not_grow_with_its_organizations(
        world: World) -> None:
    people = new_people(world.org_a, 2)
    Pair.objects.create(a=people[0], b=people[1], organization=world.org_a,
                        status=Pair.Status.ACTIVE, **TERM)
    small = _queries(world)
    OrganizationFactory.create_batch(150, municipality=world.municipality_a)
    assert Organization.objects.filter(municipality=world.municipality_a).count() > 150
    large = _queries(world)
    for name in ("api", "page"):
        assert len(large[name]) == len(small[name]), name  # the same queries
        # The same text (the organizations' ids are not in it): no query grew.
        assert [len(q) for q in large[name]] == [len(q) for q in small[name]], name
