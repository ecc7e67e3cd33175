"""#16: the federal operator's pages issue the same number of SQL queries whatever the data
size — the country's dashboard and its chart (computed and cached), the overview, the
federal catalogue and the API's pairs — like the region's, the municipality's and the
school's (test_query_counts.py)."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tandem.access.tests.personas import federal_operator
from tandem.monitoring.tests.test_query_counts import URLS, _count, _grow
from tandem.testing import World, build_diagnostics

PAGES = [reverse("dashboard"), reverse("resources:catalogue"), "/api/v1/pairs/"]


@pytest.mark.django_db
def test_federal_pages_query_count_does_not_grow(client: Client, world: World) -> None:
    build_diagnostics(world)
    client.force_login(federal_operator())
    _grow(world, 10)  # about 20 participants in all
    cache.clear()
    small_cold = [_count(client, url) for url in URLS]
    small_warm = [_count(client, url) for url in URLS]
    small_pages = [_count(client, url) for url in PAGES]
    _grow(world, 1000)  # about 2,000
    cache.clear()
    assert [_count(client, url) for url in URLS] == small_cold
    assert [_count(client, url) for url in URLS] == small_warm
    assert [_count(client, url) for url in PAGES] == small_pages
    assert small_warm[0] < small_cold[0]  # the cache saves the country's aggregates
