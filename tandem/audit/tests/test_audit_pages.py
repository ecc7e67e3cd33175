"""The log's pages by the place of an entry (keyset): every entry once, in order, both
ways; no count of the whole log (issue #16)."""

import datetime as dt
import re
import zoneinfo

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tandem.access.scope import scope_for
from tandem.audit.selectors import (
    audit_entries,
    audit_page,
    day_cursor,
    entry_cursor,
    parse_cursor,
)
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


def _at(world: World, moments: list[dt.datetime]) -> list[int]:
    """An entry of the world's region at each moment; their keys."""
    kind = ContentType.objects.get_for_model(Participant)
    keys = []
    for i, moment in enumerate(moments):
        entry = LogEntry.objects.create(
            content_type=kind, object_pk=str(i), object_id=i, object_repr=f"в срок {i}",
            action=LogEntry.Action.UPDATE, changes={},
            additional_data={"region_id": world.region.pk})
        LogEntry.objects.filter(pk=entry.pk).update(timestamp=moment)
        keys.append(entry.pk)
    return keys


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@example(hours=[0, 1, 23, 24, 25], day=0, zone="Asia/Yekaterinburg")
@given(hours=st.lists(st.integers(0, 24 * 5), max_size=8),
       day=st.integers(-2, 6),
       zone=st.sampled_from(["Asia/Yekaterinburg", "Europe/Moscow", "Asia/Kamchatka",
                             "UTC"]))
def test_a_day_is_the_page_of_its_entries_and_older_in_the_zone(
        world: World, hours: list[int], day: int, zone: str) -> None:
    """«По дату» (the ``older`` cursor of the end of a day): the page holds the newest
    entries whose time in the zone is on that day or before — whatever the zone, the
    entries at its midnights included."""
    LogEntry.objects.all().delete()
    start = dt.datetime(2026, 1, 5, 19, 0, tzinfo=dt.UTC)  # 00:00 of 6 January at UTC+5
    _at(world, [start + dt.timedelta(hours=h) for h in hours])
    target = dt.date(2026, 1, 6) + dt.timedelta(days=day)
    scope = scope_for(world.olga)
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        page = audit_page(scope=scope, older=day_cursor(target), size=5)
        expected = [e.pk for e in audit_entries(scope=scope)
                    if timezone.localtime(e.timestamp).date() <= target][:5]
    assert [e.pk for e in page.entries] == expected


def test_a_day_in_the_form_turns_the_page_in_the_regions_zone(
        client: Client, world: World) -> None:
    """Tyumen is UTC+5: an entry of 19:30 UTC on 5 January is of 6 January there, and
    «по 05.01.2026» leaves it out; the page leads to newer entries and keeps the day."""
    LogEntry.objects.all().delete()
    _at(world, [dt.datetime(2026, 1, 4, 10, 0, tzinfo=dt.UTC),    # 4 Jan, 15:00
                dt.datetime(2026, 1, 5, 18, 30, tzinfo=dt.UTC),   # 5 Jan, 23:30
                dt.datetime(2026, 1, 5, 19, 30, tzinfo=dt.UTC)])  # 6 Jan, 00:30
    client.force_login(world.olga)
    for day in ("05.01.2026", "2026-01-05"):
        html = client.get(reverse("audit:log"), {"day": day}).content.decode()
        assert "в срок 0" in html and "в срок 1" in html and "в срок 2" not in html
        assert "05.01.2026 23:30" in html and "новее" in html
        assert 'id="audit-day" name="day" value="2026-01-05"' in html  # as the input reads
    html = client.get(reverse("audit:log"), {"day": "03.01.2026"}).content.decode()
    assert "Здесь записей нет." in html and "К самым новым записям" in html
    client.force_login(world.alice)  # a curator: no log, whatever the day
    assert client.get(reverse("audit:log"), {"day": "05.01.2026"}).status_code == 403


@pytest.mark.parametrize("day", ["31.02.2026", "завтра", "2026-13-01", "1.1", "0" * 300,
                                 "99999-01-01"])
def test_a_bad_day_is_said_under_its_field_and_the_newest_entries_shown(
        client: Client, world: World, day: str) -> None:
    LogEntry.objects.all().delete()
    _entries(world, 2)
    client.force_login(world.olga)
    response = client.get(reverse("audit:log"), {"day": day, "model": "participant"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "«По дату»: укажите дату в виде ДД.ММ.ГГГГ или ГГГГ-ММ-ДД" in html
    assert "запись 1" in html and "запись 0" in html
    assert '<option value="participant" selected>' in html  # the kind still applies


def test_the_last_and_the_first_days_there_are(client: Client, world: World) -> None:
    _entries(world, 2)
    client.force_login(world.olga)
    assert day_cursor(dt.date.max) is None
    assert day_cursor(dt.date.min) == "0.0"
    html = client.get(reverse("audit:log"), {"day": "31.12.9999"}).content.decode()
    assert "запись 1" in html and "Здесь записей нет." not in html
    html = client.get(reverse("audit:log"), {"day": "01.01.0001"}).content.decode()
    assert "Здесь записей нет." in html



@pytest.mark.parametrize("days", [0, 1, 400])
def test_a_day_not_over_yet_is_the_newest_page_without_a_newer_link(
        client: Client, world: World, days: int) -> None:
    """Today (the commonest choice) or a day to come: the newest entries, as without a
    day — no «новее» link that would show the same entries again (review of h/ux)."""
    _entries(world, 3)
    client.force_login(world.olga)
    day = timezone.localdate() + dt.timedelta(days=days)
    assert day_cursor(day) is None
    html = client.get(reverse("audit:log"), {"day": day.isoformat()}).content.decode()
    assert "запись 2" in html and "запись 0" in html
    assert "newer=" not in html and "Здесь записей нет." not in html

def test_an_old_numbered_bookmark_is_told_how_pages_turn_now(
        client: Client, world: World) -> None:
    """``?page=N`` of the numbered pages (before issue #16) shows the newest entries and
    says so; the page's own links carry no number and no such note."""
    _entries(world, 60)
    client.force_login(world.olga)
    note = "Номеров страниц у журнала больше нет"
    html = client.get(reverse("audit:log"), {"page": "3", "model": ""}).content.decode()
    assert note in html and "запись 59" in html
    older = re.search(r'href="\?model=&amp;older=([0-9.]+)"', html)
    assert older is not None
    assert note not in client.get(reverse("audit:log")).content.decode()
    assert note not in client.get(reverse("audit:log"),
                                  {"older": older.group(1)}).content.decode()


@pytest.mark.parametrize("n", [5, 60])
def test_a_day_costs_no_query_more_than_the_newest_page(
        client: Client, world: World, n: int) -> None:
    _entries(world, n)
    client.force_login(world.olga)
    client.get(reverse("audit:log"))  # the session's and the scope's first reads
    counts = []
    # A day after every entry: the same entries as the newest page (their changes' names
    # are read alike), only reached through the day's cursor.
    for query in ({}, {"day": "31.12.2099"}, {"day": "нет"}, {"page": "2"}):
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("audit:log"), query)
        counts.append(len(ctx.captured_queries))
    assert len(set(counts)) == 1, counts
