"""The dashboards' cache is versioned by unit: an edit in one organization recomputes the
figures that show it, and keeps the others'."""

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.monitoring import selectors, versions
from tandem.monitoring.models import UnitChange
from tandem.testing import ParticipantFactory, World, build_diagnostics

pytestmark = pytest.mark.django_db


def _version(world: World, user: str) -> str:
    return selectors.data_version(scope_for(getattr(world, user)), Filters())


def test_an_edit_changes_the_version_of_the_units_that_show_it_only(world: World) -> None:
    before = {user: _version(world, user) for user in ("alice", "charlie", "erin", "olga")}
    with transaction.atomic():  # a request of its own
        world.charlie_p.position = "Методист"
        world.charlie_p.save()  # an audited change in organization B
    after = {user: _version(world, user) for user in before}
    assert after["charlie"] != before["charlie"]  # B's curator
    assert after["olga"] != before["olga"]  # the region shows B
    assert after["alice"] == before["alice"]  # A's curator: nothing of A changed
    assert after["erin"] == before["erin"]  # A's municipality
    assert UnitChange.objects.filter(organization_id=world.org_b.pk).exists()


def test_a_change_of_the_region_or_of_everything_reaches_every_unit(world: World) -> None:
    before = {user: _version(world, user) for user in ("alice", "charlie")}
    with transaction.atomic():
        world.region.name = "Тестовая область (новое имя)"
        world.region.save()
    after = {user: _version(world, user) for user in before}
    assert all(after[u] != before[u] for u in before)
    build_diagnostics(world)  # the framework (everybody's) and campaigns of A and B
    assert UnitChange.objects.filter(organization_id=None, region_id=None).exists()


def test_one_row_per_unit_and_transaction(world: World) -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            ParticipantFactory.create(organization=world.org_a)
    table = connection.ops.quote_name(UnitChange._meta.db_table)
    assert len([q for q in queries.captured_queries if table in q["sql"]]) == 1


def test_the_cached_page_of_an_untouched_unit_is_served_from_the_cache(world: World) -> None:
    from django.core.cache import cache

    cache.clear()
    client = Client()
    client.force_login(world.alice)
    url = reverse("monitoring:index")
    assert client.get(url).status_code == 200
    with transaction.atomic():
        world.charlie_p.position = "Методист"
        world.charlie_p.save()  # in B

    with CaptureQueriesContext(connection) as first:
        client.get(url)
    cached_queries = len(first.captured_queries)
    with transaction.atomic():
        world.bob_p.position = "Методист"
        world.bob_p.save()  # in A
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(second.captured_queries) > cached_queries  # A's figures computed again


@pytest.mark.django_db(transaction=True)
def test_an_organization_can_be_deleted(world: World) -> None:
    """Its audit entry comes after the row is gone: the change names it by number."""
    from tandem.territory.models import Organization

    spare = Organization.objects.create(municipality=world.municipality_a, code="spare",
                                        name="Запасная школа", short_name="Запасная",
                                        sector=Organization.Sector.SCHOOL)
    pk = spare.pk
    spare.delete()
    assert not Organization.objects.filter(pk=pk).exists()
    assert UnitChange.objects.filter(organization_id=pk).exists()


def test_entries_written_in_bulk_or_one_by_one_change_their_units_version(world: World) -> None:
    """A write that bypasses model signals records its own audit entries — in bulk
    (``write_entries``: a roster's new people, surveys claimed for sending) or with
    ``log_create`` (a map row's edit, an anonymisation): the unit's version moves too."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from tandem.audit.entries import write_entries
    from tandem.people.models import Participant

    kind = ContentType.objects.get_for_model(Participant)
    before = {user: _version(world, user) for user in ("alice", "charlie")}
    with transaction.atomic():
        write_entries([LogEntry(content_type=kind, object_pk=str(world.charlie_p.pk),
                                object_id=world.charlie_p.pk, object_repr="Б",
                                action=LogEntry.Action.UPDATE, changes={},
                                additional_data=world.org_b.audit_data())])
    middle = {user: _version(world, user) for user in before}
    assert middle["charlie"] != before["charlie"] and middle["alice"] == before["alice"]
    with transaction.atomic():
        LogEntry.objects.log_create(world.bob_p, force_log=True,
                                    action=LogEntry.Action.UPDATE, changes={"x": ["1", "2"]})
    after = {user: _version(world, user) for user in before}
    assert after["alice"] != middle["alice"] and after["charlie"] == middle["charlie"]


def test_the_hourly_run_keeps_only_each_units_newest_change(world: World) -> None:
    """Pruning removes rows but moves no version: each unit keeps its newest row."""
    from tandem.web.signals import hourly

    for person in (world.charlie_p, world.bob_p, world.charlie_p, world.alice_p):
        with transaction.atomic():
            person.position = f"Методист {person.pk}-{UnitChange.objects.count()}"
            person.save()
    before = {user: _version(world, user) for user in ("alice", "charlie", "erin", "olga")}
    keys = set(UnitChange.objects.values_list("organization_id", "region_id"))
    assert UnitChange.objects.count() > len(keys)
    hourly.send(sender=None)
    assert UnitChange.objects.count() == len(keys)
    assert set(UnitChange.objects.values_list("organization_id", "region_id")) == keys
    assert {user: _version(world, user) for user in before} == before


@pytest.mark.parametrize("kept", ["diagnostics", "surveys"])
def test_a_rebuild_of_kept_figures_moves_the_version_of_its_units_only(
        world: World, kept: str) -> None:
    """The version's three maxima are read in one statement: each still moves it — here
    the kept figures' own times (a rebuild writes no audit entry), of organization B."""
    import datetime as dt

    from django.utils import timezone

    from tandem.diagnostics.models import TallyState
    from tandem.surveys.models import SurveyCellState

    model = TallyState if kept == "diagnostics" else SurveyCellState
    at = timezone.now() - dt.timedelta(days=1)
    for org in (world.org_a, world.org_b):
        model.objects.update_or_create(organization=org, defaults={"refreshed_at": at})
    before = {user: _version(world, user) for user in ("alice", "charlie", "olga")}
    model.objects.filter(organization=world.org_b).update(refreshed_at=timezone.now())
    after = {user: _version(world, user) for user in before}
    assert after["charlie"] != before["charlie"]  # B itself
    assert after["olga"] != before["olga"]  # the region shows B
    assert after["alice"] == before["alice"]  # A: not rebuilt
    assert _version(world, "alice") == after["alice"]  # the same figures, the same version


def test_the_version_is_one_statement(world: World) -> None:
    with CaptureQueriesContext(connection) as queries:
        _version(world, "olga")
    assert len([q for q in queries.captured_queries if "MAX(" in q["sql"].upper()]) == 1


def test_an_organization_moved_changes_the_version_of_the_coordinators_it_left_and_joined(
        world: World) -> None:
    """The moved organization's own changes are not among those the coordinator it left
    reads any more (her maxima stay the same), yet its figures must leave her pages: the
    territory's layout (``layout_version``) is part of every version."""
    before = {user: _version(world, user) for user in ("erin", "dave", "olga", "charlie")}
    with transaction.atomic():
        world.org_a.municipality = world.municipality_b
        world.org_a.save()
    after = {user: _version(world, user) for user in before}
    assert after["erin"] != before["erin"]  # A's municipality: A left
    assert after["dave"] != before["dave"]  # B's municipality: A joined
    assert after["olga"] != before["olga"]
    # A name, with the layout the same, changes only the units that show it.
    with transaction.atomic():
        world.org_a.name = "Школа А (новое имя)"
        world.org_a.save()
    assert _version(world, "charlie") == after["charlie"]


def test_a_pairs_records_change_the_version_of_both_members_organizations(
        world: World) -> None:
    """A pair of organization A with a member in B is seen and managed from B as well
    (``pairs.selectors.pair_q``): its entries — and its map's, meetings', reminders' —
    change B's version too."""
    import datetime as dt

    from tandem.maps.models import Map
    from tandem.surveys.tests.helpers import active_pair

    with transaction.atomic():
        pair = active_pair(world.bob_p, world.someone_b, starts_on=dt.date(2026, 9, 1))
    assert pair.get_additional_data() == {
        "organization_id": world.org_a.pk, "region_id": world.region.pk,
        "member_organization_ids": [world.org_b.pk]}
    before = {user: _version(world, user) for user in ("alice", "charlie", "dave", "erin")}
    with transaction.atomic():
        Map.objects.create(pair=pair, status=Map.Status.DRAFT)
    after = {user: _version(world, user) for user in before}
    assert all(after[u] != before[u] for u in before)
    # A pair within one organization names no other.
    own = active_pair(world.bob_p, world.carol_p)
    assert "member_organization_ids" not in own.get_additional_data()
    with transaction.atomic():
        Map.objects.create(pair=own, status=Map.Status.DRAFT)
    assert _version(world, "charlie") == after["charlie"]
    assert _version(world, "alice") != after["alice"]


def test_no_organizations_have_a_version(world: World) -> None:
    """A scope or filter of no organization (``none()``, an empty list of ids): Django
    would not even compile the statement (EmptyResultSet). It has a version all the same,
    which what changes everything and the layout still move."""
    from tandem.territory.models import Organization

    for nothing in (Organization.objects.none(), Organization.objects.filter(pk__in=[])):
        before = versions.version(nothing)
        assert before.tally_state == (None, 0)
        UnitChange.objects.create()  # a change of everything (the framework, say)
        assert versions.version(nothing) != before


def test_a_mark_without_an_audit_entry_shows_at_once(client: Client, world: World) -> None:
    """An organization marked for a diagnostics rebuild (its job not run yet) writes no
    audit entry: the waiting count is part of the version, so the dashboard says so at
    once — not «0 waiting» from the cache for its lifetime."""
    from django.core.cache import cache
    from django.utils import timezone

    from tandem.diagnostics.models import TallyState

    build_diagnostics(world)
    cache.clear()
    client.force_login(world.olga)
    url = reverse("monitoring:index")
    assert "ждёт пересчёта" not in client.get(url).content.decode()
    TallyState.objects.update_or_create(organization=world.org_a,
                                        defaults={"dirty_since": timezone.now()})
    assert "Ещё 1 организация ждёт пересчёта" in client.get(url).content.decode()
    TallyState.objects.filter(organization=world.org_a).update(dirty_since=None)
    assert "ждёт пересчёта" not in client.get(url).content.decode()


@pytest.mark.parametrize("kept", ["audit", "diagnostics", "surveys"])
def test_the_countrys_version_reads_whole_tables_and_still_moves(
        world: World, kept: str) -> None:
    """The federal operator's scope is every organization: its version reads the kept
    tables' maxima whole (no join with the country's organizations: 36 → 5 ms on the
    country of 1.5 M) — the same version as the scope of every organization listed by id,
    and moved by a change of any organization, audited or a rebuild without an entry."""
    import datetime as dt

    from django.utils import timezone

    from tandem.access.scope import Scope
    from tandem.diagnostics.models import TallyState
    from tandem.surveys.models import SurveyCellState
    from tandem.territory.models import Organization

    model = TallyState if kept == "diagnostics" else SurveyCellState
    at = timezone.now() - dt.timedelta(days=1)
    for org in (world.org_a, world.org_b):
        model.objects.update_or_create(organization=org, defaults={"refreshed_at": at})
    country = Scope(user_id=None, everything=True)  # the federal view's (monitoring.views)
    every = list(Organization.objects.values_list("pk", flat=True))

    def both() -> tuple[str, str]:
        return (selectors.data_version(country, Filters()),
                versions.version(Organization.objects.filter(pk__in=every)))

    with CaptureQueriesContext(connection) as queries:
        before, listed = both()
    statement = next(q["sql"] for q in queries.captured_queries if "MAX(" in q["sql"].upper())
    assert connection.ops.quote_name(Organization._meta.db_table) not in statement
    assert before == listed
    if kept == "audit":
        with transaction.atomic():
            world.charlie_p.position = "Методист"
            world.charlie_p.save()  # an audited change in organization B
    else:
        model.objects.filter(organization=world.org_b).update(refreshed_at=timezone.now())
    after, listed = both()
    assert after != before
    assert after == listed
