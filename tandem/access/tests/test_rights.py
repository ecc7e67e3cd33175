"""The rights a file made in the background is held to (``tandem.access.scope.Rights``):
the fingerprint is the roles and the territory's layout version (counted by triggers,
``tandem.territory.models.LayoutVersion``); rights cover a fingerprint kept before when
they grew, not when they shrank or changed otherwise."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tandem.access.models import RightsRecord, Role, RoleAssignment
from tandem.access.scope import (
    RECORDS_KEPT,
    Rights,
    _ids,
    _ranges,
    _roles_cover,
    fingerprint_now,
)
from tandem.territory.models import LayoutVersion, Municipality, Organization, layout_version
from tandem.testing import MunicipalityFactory, OrganizationFactory, RegionFactory, World


@given(st.sets(st.integers(min_value=1, max_value=10_000)))
def test_the_ranges_keep_every_id_and_no_other(ids: set[int]) -> None:
    assert _ids(_ranges(sorted(ids))) == ids


def test_a_region_of_consecutive_ids_is_one_range() -> None:
    assert _ranges(list(range(1, 5457))) == "1-5456"
    assert _ranges([1, 2, 3, 7, 9, 10]) == "1-3,7,9-10" and _ranges([]) == ""


UNITS = st.frozensets(st.integers(min_value=1, max_value=6), max_size=3)
ROLES = st.fixed_dictionaries({
    "all": st.booleans(), "federal": st.booleans(), "regions": UNITS,
    "municipalities": UNITS, "organizations": UNITS,
    "own": st.none() | st.integers(1, 3), "own_organization": st.none() | st.integers(1, 3)})


@given(ROLES, ROLES, ROLES)
def test_covering_roles_is_an_order(a: dict, b: dict, c: dict) -> None:  # type: ignore[type-arg]
    """Reflexive and transitive: more roles cover fewer, and a chain of growths covers
    its start."""
    assert _roles_cover(a, a)
    if _roles_cover(b, a) and _roles_cover(c, b):
        assert _roles_cover(c, a)


@pytest.mark.django_db
def test_the_layout_counts_organizations_added_moved_deleted_and_nothing_else(
        world: World) -> None:
    start = layout_version()
    world.org_a.short_name = "Другое имя"
    world.org_a.save()
    world.region.time_zone = "Asia/Tokyo"
    world.region.save()
    world.municipality_a.name = "Город А-2"
    world.municipality_a.save()
    assert layout_version() == start
    school = OrganizationFactory.create(municipality=world.municipality_b)
    assert layout_version() == start + 1
    # an update() skipping save() and the signals counts too (a trigger), a no-op does not
    Organization.objects.filter(pk=school.pk).update(municipality=world.municipality_a)
    Organization.objects.filter(pk=school.pk).update(municipality=world.municipality_a)
    assert layout_version() == start + 2
    Municipality.objects.filter(pk=world.municipality_b.pk).update(region=RegionFactory.create())
    school.delete()
    assert layout_version() == start + 4


@pytest.mark.django_db
def test_rights_that_grew_cover_those_kept_before(world: World) -> None:
    olga, erin = fingerprint_now(world.olga.pk), fingerprint_now(world.erin.pk)
    assert olga.record() and erin.record()
    RoleAssignment.objects.create(user=world.erin, role=Role.CURATOR, organization=world.org_b)
    grown = fingerprint_now(world.erin.pk)
    with CaptureQueriesContext(connection) as queries:
        assert grown.covers(erin)
    assert len(queries) == 1  # the record; the same layout: no organization read
    assert not erin.covers(grown)
    OrganizationFactory.create(municipality=world.municipality_b)  # a new school of hers
    assert fingerprint_now(world.olga.pk) != olga and fingerprint_now(world.olga.pk).covers(olga)


@pytest.mark.django_db
def test_rights_that_shrank_or_lost_a_school_do_not(world: World) -> None:
    olga, erin = fingerprint_now(world.olga.pk), fingerprint_now(world.erin.pk)
    assert olga.record() and erin.record()
    world.org_a.municipality = world.municipality_b  # out of Erin's city, still Olga's region
    world.org_a.save()
    assert not fingerprint_now(world.erin.pk).covers(erin)
    assert fingerprint_now(world.olga.pk).covers(olga)
    world.org_a.municipality = world.municipality_a  # back: what she covered is hers again
    world.org_a.save()
    assert fingerprint_now(world.erin.pk).covers(erin)
    RoleAssignment.objects.filter(user=world.olga).delete()
    RoleAssignment.objects.create(user=world.olga, role=Role.MUNICIPAL_COORDINATOR,
                                  municipality=world.municipality_a)
    assert not fingerprint_now(world.olga.pk).covers(olga)


@pytest.mark.django_db
def test_a_fingerprint_nothing_was_kept_for_is_covered_only_by_itself(world: World) -> None:
    olga = fingerprint_now(world.olga.pk)
    assert olga.covers(str(olga)) and not olga.covers("") and not olga.covers("0" * 32)
    OrganizationFactory.create(municipality=world.municipality_b)
    assert not fingerprint_now(world.olga.pk).covers(olga)  # not recorded: unknown


@pytest.mark.django_db
def test_a_job_holding_the_rights_can_be_pickled_and_copied(world: World) -> None:
    import copy
    import pickle

    olga = fingerprint_now(world.olga.pk)
    for twin in (pickle.loads(pickle.dumps(olga)), copy.deepcopy(olga)):  # noqa: S301 (own bytes)
        assert twin == olga and type(twin) is str


@pytest.mark.django_db
def test_nothing_is_kept_for_a_layout_that_changed_meanwhile(world: World) -> None:
    olga = fingerprint_now(world.olga.pk)
    MunicipalityFactory.create(region=world.region)  # no organization: the layout stays
    assert layout_version() == olga.layout
    OrganizationFactory.create(municipality=world.municipality_a)
    assert not olga.record()


@pytest.mark.django_db
def test_the_layout_is_a_number_from_the_start_and_never_comes_again(world: World) -> None:
    """Review: migration 0004 made no row, so a database with no territory change since
    read the layout as 0; a deleted row (a flush, SQL by hand) counted again from 1 —
    numbers records of rights are keyed by came again for another layout. The row is
    made by the migration; a new row starts at a random number."""
    first = layout_version()
    assert first > 0
    LayoutVersion.objects.all().delete()
    remade = layout_version()  # made again by the reading
    assert remade not in (0, first) and layout_version() == remade
    LayoutVersion.objects.all().delete()
    OrganizationFactory.create(municipality=world.municipality_b)  # made again by the trigger
    assert layout_version() not in (0, first, remade, remade + 1)


@pytest.mark.django_db
def test_nothing_is_kept_when_a_move_came_before_the_first_change_of_a_database(
        world: World) -> None:
    """Review (a leak): with no counter row the fingerprint's layout was 0 and ``record``
    skipped its check «when nonzero»: organizations read after a school moved were kept
    under the fingerprint taken before. Now the check runs whenever a layout was read."""
    LayoutVersion.objects.all().delete()  # a database as migration 0004 used to leave it
    erin = fingerprint_now(world.erin.pk)
    assert erin.layout is not None
    Organization.objects.filter(pk=world.org_a.pk).update(municipality=world.municipality_b)
    assert not erin.record()
    assert not RightsRecord.objects.filter(key=str(erin)).exists()
    # rights no layout changes (a teacher's) read none and are kept at any layout
    teacher = fingerprint_now(world.bob.pk)
    assert teacher.layout is None and teacher.record()


@pytest.mark.django_db
def test_a_record_already_there_is_only_marked_used(world: World) -> None:
    """Review: ``record`` read every covered organization even when the fingerprint's
    record existed. Now one write marks it used — an old one too, which the purge then
    keeps."""
    erin = fingerprint_now(world.erin.pk)
    assert erin.record()
    old = timezone.now() - 2 * RECORDS_KEPT
    RightsRecord.objects.filter(key=str(erin)).update(used_at=old)
    with CaptureQueriesContext(connection) as queries:
        assert erin.record()
    assert len(queries) == 1
    assert RightsRecord.objects.get(key=str(erin)).used_at > old


@pytest.mark.django_db
def test_a_record_made_meanwhile_by_another_job_is_no_error(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review: ``get_or_create`` and then ``save(update_fields=…)`` raised when another
    job's purge deleted the row in between (a 500, a job left running); the same
    fingerprint recorded by two jobs at once must not fail either. Update, then create."""
    erin = fingerprint_now(world.erin.pk)
    original = Rights._covered

    def covered(self: Rights) -> list[int]:
        ids = original(self)
        RightsRecord.objects.create(key=str(self), layout=self.layout or 0,
                                    roles=self.roles, organizations="")  # another job
        return ids

    monkeypatch.setattr(Rights, "_covered", covered)
    assert erin.record()
    assert RightsRecord.objects.filter(key=str(erin)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_record_deleted_by_a_concurrent_purge_is_made_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Review (PostgreSQL): another job's purge — its clock a little later, so the record
    was old to it and not yet to this one's purge — deleted a record ``get_or_create`` had
    just found; ``save(update_fields=…)`` then raised (a 500 at the request, a job left
    running). Now the update finds no row once the purge commits, and the record is made
    again."""
    if connection.vendor != "postgresql":
        pytest.skip("гонка двух транзакций бывает только на PostgreSQL (SQLite пишет по очереди)")
    import datetime as dt
    import types
    from collections.abc import Callable

    from django.db import transaction

    from tandem.access import scope as scope_mod
    from tandem.testing import HeldRace, build_world

    world = build_world()
    erin = fingerprint_now(world.erin.pk)
    assert erin.record()
    RightsRecord.objects.filter(key=str(erin)).update(
        used_at=timezone.now() - RECORDS_KEPT - dt.timedelta(minutes=30))
    # record()'s clock an hour behind the purging job's: the record is not old to it
    monkeypatch.setattr(scope_mod, "timezone", types.SimpleNamespace(
        now=lambda: timezone.now() - dt.timedelta(hours=1)))
    kept: list[bool] = []

    def purge(hold: Callable[[], None]) -> None:
        with transaction.atomic():
            assert RightsRecord.objects.filter(
                used_at__lt=timezone.now() - RECORDS_KEPT).delete()[0] == 1
            hold()

    race = HeldRace(purge, lambda: kept.append(fingerprint_now(world.erin.pk).record()))
    race.start()
    assert race.second_waits()
    race.finish()
    assert kept == [True]
    record = RightsRecord.objects.get(key=str(erin))
    assert _ids(record.organizations) == {world.org_a.pk}


@pytest.mark.django_db
def test_a_job_keeps_its_rights_once_and_its_progress_saves_write_only_the_job(
        world: World) -> None:
    """Checked for the 2026-12-05 review (``Rights`` is a str, and ``FileJob.save`` keeps
    it): only a new job keeps its rights; saving a job again — its status, its progress,
    as a copy read back — writes the job's row and nothing of the rights."""
    from tandem.roster.models import RosterExport

    table = RightsRecord._meta.db_table

    def rights_queries(queries: CaptureQueriesContext) -> list[str]:
        return [q["sql"] for q in queries.captured_queries if table in q["sql"]]

    erin = fingerprint_now(world.erin.pk)
    with CaptureQueriesContext(connection) as queries:
        job = RosterExport.objects.create(requested_by=world.erin, rights=erin, fmt="xlsx")
    assert rights_queries(queries)  # the new job's rights, kept
    assert RightsRecord.objects.filter(key=str(erin)).count() == 1
    for copy in (job, RosterExport.objects.get(pk=job.pk)):
        for status in (RosterExport.Status.RUNNING, RosterExport.Status.DONE):
            copy.status, copy.done = status, copy.done + 10
            with CaptureQueriesContext(connection) as queries:
                copy.save()
            assert rights_queries(queries) == []
            assert len(queries) == 1  # the job's UPDATE
    # A second job under the same rights marks the record used: one write, no reads of
    # the covered organizations.
    with CaptureQueriesContext(connection) as queries:
        RosterExport.objects.create(requested_by=world.erin, rights=erin, fmt="csv")
    assert len(rights_queries(queries)) == 1 and len(queries) == 2
    assert RightsRecord.objects.count() == 1
