"""A curator's «Участники» (one organization: no organization column) reads the people
without joining the organizations — PostgreSQL hashed all the region's organizations for
that join (10–25 ms on t300k, docs/performance.md, h/home3); a list of several
organizations still shows each person's, with no query per row."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.testing import World

pytestmark = pytest.mark.django_db


def _list_query(client: Client) -> tuple[str, str]:
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("people:list")).content.decode()
    [sql] = [q["sql"] for q in ctx.captured_queries
             if 'FROM "people_participant"' in q["sql"] and "search_name" in q["sql"]
             and "LIMIT" in q["sql"]]
    return sql, html


def test_a_curator_s_list_does_not_join_the_organizations(client: Client,
                                                          world: World) -> None:
    client.force_login(world.alice)
    sql, html = _list_query(client)
    assert '"territory_organization"' not in sql
    assert "Каролёва" in html and "Школа А" not in html.split("<tbody")[-1]


def test_a_region_s_list_shows_each_person_s_organization(client: Client,
                                                          world: World) -> None:
    client.force_login(world.olga)
    sql, html = _list_query(client)
    assert '"territory_organization"' in sql  # one join, not a query per row
    body = html.split("<tbody")[-1]
    assert world.org_a.short_name in body and world.org_b.short_name in body
