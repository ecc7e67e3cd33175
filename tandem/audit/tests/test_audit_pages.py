"""The log's pages by the place of an entry (keyset): every entry once, in order, both
ways; no count of the whole log (issue #16)."""

import datetime as dt
import re

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.access.scope import scope_for
from tandem.audit.selectors import audit_entries, audit_page, entry_cursor, parse_cursor
from tandem.people.models import Participant
from tandem.testing import World


def _entries(world: World, n: int) -> None:
    """``n`` entries of the world's region, three to a moment (ties broken by key)."""
    kind = ContentType.objects.get_for_model(Participant)
    start = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    for i in range(n):
        entry = LogEntry.objects.create(
            content_type=kind, object_pk=str(i), object_id=i, object_repr=f"запись {i}",
            action=LogEntry.Action.UPDATE, changes={},
            additional_data={"region_id": world.region.pk})
        # auto_now_add: the moment set after the insert
        LogEntry.objects.filter(pk=entry.pk).update(
            timestamp=start + dt.timedelta(seconds=i // 3))


@pytest.mark.parametrize("n", [0, 1, 3, 4, 7, 9, 10])
def test_older_then_newer_pages_give_every_entry_once_in_order(world: World, n: int) -> None:
    LogEntry.objects.all().delete()
    _entries(world, n)
    scope = scope_for(world.olga)
    everything = list(audit_entries(scope=scope).values_list("pk", flat=True))
    assert len(everything) == n
    pages, page = [], audit_page(scope=scope, size=3)
    assert page.newer is None
    while True:
        pages.append([e.pk for e in page.entries])
        if page.older is None:
            break
        page = audit_page(scope=scope, older=page.older, size=3)
    assert [pk for p in pages for pk in p] == everything
    assert all(len(p) == 3 for p in pages[:-1])
    back = [[e.pk for e in page.entries]]
    while page.newer is not None:
        page = audit_page(scope=scope, newer=page.newer, size=3)
        back.append([e.pk for e in page.entries])
    assert back[::-1] == pages  # whole pages all the way back to the newest


def test_a_cursor_reads_back_and_nonsense_is_the_first_page(world: World) -> None:
    _entries(world, 2)
    entry = LogEntry.objects.order_by("-timestamp", "-pk").first()
    assert entry is not None
    assert parse_cursor(entry_cursor(entry)) == (entry.timestamp, entry.pk)
    scope = scope_for(world.olga)
    first = audit_page(scope=scope)
    for junk in ["", "x", "1.", ".1", "-1.2", "1e5.2", "9" * 40 + ".1", "1.2.3"]:
        assert parse_cursor(junk) is None
        assert audit_page(scope=scope, older=junk).entries == first.entries


def test_the_page_counts_nothing_and_links_by_place(client: Client, world: World) -> None:
    _entries(world, 60)
    client.force_login(world.olga)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("audit:log")).content.decode()
    assert not [q for q in ctx.captured_queries
                if "COUNT(" in q["sql"].upper() and "auditlog_logentry" in q["sql"]]
    older = re.search(r'href="\?model=&amp;older=([0-9.]+)"', html)
    assert older is not None and "новее" not in html
    html = client.get(reverse("audit:log"), {"older": older.group(1)}).content.decode()
    assert "новее" in html


def test_an_empty_page_past_the_oldest_leads_back_to_the_newest(
        client: Client, world: World) -> None:
    """A stale or edited link («старше» of entries since deleted, ``?newer=0.0``) lands on
    an empty page: it says so and links to the newest entries, not a dead end."""
    _entries(world, 2)
    client.force_login(world.olga)
    html = client.get(reverse("audit:log"), {"model": "", "older": "1.1"}).content.decode()
    assert "Здесь записей нет." in html
    assert 'href="?model=">К самым новым записям</a>' in html
    first = client.get(reverse("audit:log")).content.decode()
    assert "К самым новым записям" not in first and "запись 1" in first
