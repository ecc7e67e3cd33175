"""The staff's campaigns list at any number of campaigns (issue #16: at 5,456 organizations
every one has its own campaign): counts by state, a municipality filter, pages of 50 with
progress from the kept tallies — and the same number of queries at 3 and at 120 campaigns."""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.access.scope import scope_for
from tandem.diagnostics import selectors
from tandem.diagnostics.models import Campaign
from tandem.testing import OrganizationFactory, World, build_diagnostics

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 10, 15)
_names = itertools.count()


def _campaigns(world: World, count: int, *, municipality: object = None) -> list[Campaign]:
    """``count`` organizations of municipality A (or the one given), a running campaign
    each."""
    framework = world.diag.campaign_a.framework  # type: ignore[union-attr]
    made = []
    for _ in range(count):
        i = next(_names)
        organization = OrganizationFactory.create(
            municipality=municipality or world.municipality_a, name=f"Школа {i}")
        made.append(Campaign.objects.create(
            title=f"Входная {i}", organization=organization, framework=framework,
            starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2026, 10, 31)))
    return made


def test_counts_states_municipality_and_pages(world: World) -> None:
    """Worked example: A's campaign ended on 30 September and is not closed (overdue), B's
    is closed; 60 new ones in municipality A run. The region operator sees all 62 counted
    by state, pages of 50 newest first, each with its kept progress; the municipality
    filter keeps the campaigns of its organizations."""
    dw = build_diagnostics(world)
    Campaign.objects.filter(pk=dw.campaign_b.pk).update(status=Campaign.Status.CLOSED)
    running = _campaigns(world, 60)
    olga = scope_for(world.olga)
    data = selectors.campaigns_page(scope=olga, today=TODAY)
    assert data.counts == {"running": 60, "overdue": 1, "frozen": 0, "closed": 1}
    assert data.total == 62
    assert data.page.paginator.num_pages == 2 and len(data.rows) == 50
    assert [c.pk for c, _p in data.rows] == [c.pk for c in reversed(running)][:50]
    last = selectors.campaigns_page(scope=olga, today=TODAY, page=2)
    assert [c.pk for c, _p in last.rows][-2:] == [dw.campaign_b.pk, dw.campaign_a.pk]
    progress = dict((c.pk, p) for c, p in last.rows)[dw.campaign_a.pk]
    assert (progress.total, progress.submitted, progress.draft, progress.new) == (3, 1, 1, 1)
    overdue = selectors.campaigns_page(scope=olga, today=TODAY, state="overdue")
    assert [c.pk for c, _p in overdue.rows] == [dw.campaign_a.pk]
    in_b = selectors.campaigns_page(scope=olga, today=TODAY,
                                    municipality_id=world.municipality_b.pk)
    assert [c.pk for c, _p in in_b.rows] == [dw.campaign_b.pk]
    assert in_b.counts == {"running": 0, "overdue": 0, "frozen": 0, "closed": 1}
    # A curator sees only the campaigns of their own organization, as before.
    alice = selectors.campaigns_page(scope=scope_for(world.alice), today=TODAY)
    assert [c.pk for c, _p in alice.rows] == [dw.campaign_a.pk]


def test_the_page_filters_and_refuses_a_foreign_municipality(client: Client,
                                                             world: World) -> None:
    build_diagnostics(world)
    client.force_login(world.olga)
    url = reverse("diagnostics:campaigns")
    page = client.get(url, {"municipality": world.municipality_b.pk}).content.decode()
    assert "Диагностика Б" in page and "Диагностика А" not in page
    client.force_login(world.charlie)  # a curator: no municipality filter of their own
    assert client.get(url, {"municipality": world.municipality_a.pk}).status_code == 404
    assert "Диагностика Б" in client.get(url, {"state": "nonsense"}).content.decode()


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["olga", "dave", "alice"])
def test_the_list_query_count_does_not_grow_with_campaigns(client: Client, world: World,
                                                            persona: str) -> None:
    build_diagnostics(world)
    client.force_login(getattr(world, persona))
    urls = [reverse("diagnostics:campaigns"),
            reverse("diagnostics:campaigns") + f"?municipality={world.municipality_b.pk}"
            + "&state=running&page=2"]
    _campaigns(world, 1, municipality=world.municipality_b)
    small = [_count(client, url) for url in urls if persona != "alice" or "?" not in url]
    _campaigns(world, 60, municipality=world.municipality_b)
    _campaigns(world, 60)
    large = [_count(client, url) for url in urls if persona != "alice" or "?" not in url]
    assert small == large
