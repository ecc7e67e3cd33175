"""The municipalities' satisfaction sums cannot drift from the cells (defects of the
2026-12-05 review of surveys 0005): they are kept by adding differences, so a difference
taken at the wrong place, or not taken, stays — and then the region's figure of a sector
minus one organization's own shows one person's answer.

- Where an organization's cells are summed is recorded on its ``SurveyCellState``, under
  that row's lock, by the writer that summed them there; every writer subtracts at the
  recorded place and adds where the organization is as read after the lock — never at a
  place read by ``pre_save`` without a lock (two admins saving one organization at once).
- Code older than the sums (between ``migrate`` and the restart) changes cells without
  them: the hourly run sums them again from the cells.
- A row goes only when every sum is zero: one with sums but no cell is a drift the check
  must see.

The races need PostgreSQL (SQLite writes one transaction at a time); each has a twin
that runs on both, with the unlocked read made stale by hand."""

import importlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.surveys import tallies
from tandem.surveys.models import MunicipalitySurveyCell, SurveyCell, SurveyCellState
from tandem.surveys.selectors import satisfaction_summary
from tandem.surveys.tests.test_municipality_sums import _answer, _kept, _recomputed
from tandem.territory.models import Municipality, Organization
from tandem.testing import HeldRace, OrganizationFactory, World
from tandem.web import tracking
from tandem.web.signals import hourly

pytestmark = pytest.mark.django_db
# A cell written by hand, published as it stands (rule 5): three people's 7, 9 and 5.
PUBLISHED_THREE: dict[str, Any] = {
    "published_recommend_sum": 21, "published_recommend_n": 3, "published_recommend_people": 3,
    "published_members": {"-1": "recommend:7", "-2": "recommend:9", "-3": "recommend:5"}}

RACE = "гонка транзакций бывает только на PostgreSQL (SQLite пишет по очереди)"


def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        print(f"SKIP: {RACE}")
        pytest.skip(RACE)


def _consistent() -> None:
    tallies.refresh()  # a move to another municipality marks the organization
    assert _kept() == _recomputed()
    assert tallies.stale() == []


def _recommend(world: World, **filters: Any) -> Any:
    return satisfaction_summary(scope=scope_for(world.olga),
                                filters=Filters(**filters)).overall["recommend"]


def _race(first: Callable[[Callable[[], None]], object], second: Callable[[], object]) -> None:
    """``first`` saves and holds its transaction open (``hold``); ``second`` then saves
    the same organization and must wait for it; both commit."""
    race = HeldRace(first, second)
    race.start()
    race.second_waits()
    race.finish()


def _stale_read(monkeypatch: pytest.MonkeyPatch, organization: Organization,
                **stored: object) -> None:
    """``pre_save``'s unlocked read of this organization returns ``stored`` (the values
    before another admin's move, uncommitted when it read them) — the race of the
    PostgreSQL tests, made by hand."""
    read = tracking._read

    def stale(model: Any, pk: Any, fields: Any, using: Any, *, lock: bool = False) -> Any:
        assert not lock, "a read that holds the row cannot be stale"
        row = read(model, pk, fields, using, lock=lock)
        if model is Organization and pk == organization.pk and row is not None:
            row.update({k: v for k, v in stored.items() if k in row})
        return row
    monkeypatch.setattr(tracking, "_read", stale)


# -- (1) two saves of one organization at once --------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_stale_form_saved_during_a_move_leaves_the_sums_where_the_organization_is(
        world: World) -> None:
    """Admin 1 moves A to B's municipality and has not committed; admin 2's form, loaded
    before, renames A and writes municipality A back. A ends in A: so must its sums."""
    _postgresql_only()
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    form = Organization.objects.get(pk=world.org_a.pk)

    def admin1(hold: Callable[[], None]) -> None:
        with transaction.atomic():
            org = Organization.objects.get(pk=world.org_a.pk)
            org.municipality = world.municipality_b
            org.save()
            hold()

    def admin2() -> None:
        with transaction.atomic():
            form.name += " (переименована)"
            form.save()

    _race(admin1, admin2)
    assert Organization.objects.get(pk=world.org_a.pk).municipality_id == world.municipality_a.pk
    _consistent()


@pytest.mark.django_db(transaction=True)
def test_two_moves_at_once_leave_one_copy_of_the_sums(world: World) -> None:
    """Two admins move A at once, to B and to a third municipality: its sums end in the
    third only — not in both."""
    _postgresql_only()
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    third = Municipality.objects.create(region=world.region, name="Третий", code="m3",
                                        kind=world.municipality_b.kind)
    copy1 = Organization.objects.get(pk=world.org_a.pk)
    copy2 = Organization.objects.get(pk=world.org_a.pk)

    def admin1(hold: Callable[[], None]) -> None:
        with transaction.atomic():
            copy1.municipality = world.municipality_b
            copy1.save()
            hold()

    def admin2() -> None:
        with transaction.atomic():
            copy2.municipality = third
            copy2.save()

    _race(admin1, admin2)
    assert set(MunicipalitySurveyCell.objects.values_list("municipality_id", "cells")) == {
        (third.pk, 1)}
    _consistent()


@pytest.mark.django_db(transaction=True)
def test_a_sector_undone_by_a_stale_form_shows_no_one_alone(world: World) -> None:
    """The leak itself: admin 1 sets A's sector to sport, admin 2's form (loaded before)
    writes school back. Were A's cells left summed under sport, the next people of A to
    answer (three of them answering 10: a step rule 5 publishes) would join the school
    sums of the municipality alone, and «region, school» minus the other school's own
    figure would be their answers only."""
    _postgresql_only()
    other = OrganizationFactory.create(municipality=world.municipality_a, name="Другая",
                                       sector=world.org_a.sector)
    for score in (4, 4, 4):
        _answer(other, score)
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    school = world.org_a.sector
    form = Organization.objects.get(pk=world.org_a.pk)

    def admin1(hold: Callable[[], None]) -> None:
        with transaction.atomic():
            org = Organization.objects.get(pk=world.org_a.pk)
            org.sector = Organization.Sector.SPORT
            org.save()
            hold()

    def admin2() -> None:
        with transaction.atomic():
            form.name += " (2)"
            form.save()

    _race(admin1, admin2)
    assert Organization.objects.get(pk=world.org_a.pk).sector == school
    for _ in range(3):
        _answer(Organization.objects.get(pk=world.org_a.pk), 10)
    region = _recommend(world, sector=school)
    alone = _recommend(world, organization_id=other.pk)
    assert (region.answers, alone.answers) == (9, 3)  # both organizations, whole
    assert _recommend(world, sector=Organization.Sector.SPORT).answers == 0
    _consistent()


@pytest.mark.django_db(transaction=True)
def test_a_save_whose_unlocked_read_was_stale_still_moves_the_sums(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same race on any database, outside a transaction — where ``pre_save``'s read
    cannot hold the row: admin 1's move to B committed after admin 2's read saw A, so
    admin 2's save of A looks like no change — and is heard all the same."""
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    form = Organization.objects.get(pk=world.org_a.pk)
    moved = Organization.objects.get(pk=world.org_a.pk)
    moved.municipality = world.municipality_b
    moved.save()
    _consistent()
    _stale_read(monkeypatch, form, municipality_id=world.municipality_a.pk)
    assert not connection.in_atomic_block
    form.name += " (переименована)"
    form.save()
    monkeypatch.undo()
    assert not MunicipalitySurveyCell.objects.filter(municipality=world.municipality_b).exists()
    _consistent()


def test_in_a_transaction_the_read_before_a_save_holds_the_row(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a transaction the place is compared on a read that holds the organization's row
    as its UPDATE will (so no save slips between: the race above cannot happen there) —
    the lock that does not hold up inserts that reference the row."""
    locks: list[bool] = []
    read = tracking._read

    def spy(model: Any, pk: Any, fields: Any, using: Any, *, lock: bool = False) -> Any:
        if model is Organization:
            locks.append(lock)
        return read(model, pk, fields, using, lock=lock)
    monkeypatch.setattr(tracking, "_read", spy)
    org = Organization.objects.get(pk=world.org_a.pk)
    org.name += " (2)"
    with CaptureQueriesContext(connection) as queries:
        org.save()
    assert locks == [True]
    if connection.vendor == "postgresql":
        assert any("FOR NO KEY UPDATE" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("writer", ["answer", "rebuild", "save"])
def test_a_move_not_yet_heard_is_taken_from_the_recorded_place(
        world: World, writer: str) -> None:
    """A move whose own callback has not run (a save in autocommit: its row committed
    before it holds the state): the next writer of A's cells subtracts them where they
    are summed — the recorded place — not where A now is, and records the new place."""
    extra = OrganizationFactory.create(municipality=world.municipality_a, name="Школа А3",
                                       sector=world.org_a.sector)
    for score in (7, 9, 5):
        _answer(extra, score)
    for score in (2, 4, 6):
        _answer(world.org_a, score)
    _consistent()
    # The move's UPDATE alone, its signals not yet run (kept figures: no audit concern).
    Organization.objects.filter(pk=extra.pk).update(municipality=world.municipality_b)
    if writer == "answer":
        _answer(Organization.objects.get(pk=extra.pk), 8)
    elif writer == "rebuild":
        tallies.rebuild([extra.pk])
    else:  # a whole save that moves it on: from B (school) to B (sport)
        org = Organization.objects.get(pk=extra.pk)
        org.sector = Organization.Sector.SPORT
        org.save()
    assert SurveyCellState.objects.get(
        organization_id=extra.pk).summed_municipality_id == world.municipality_b.pk
    tallies.refresh()
    _consistent()
    a = MunicipalitySurveyCell.objects.get(municipality=world.municipality_a)
    assert (a.cells, a.recommend_total, a.recommend_answers) == (1, 12, 3)  # A's org only


def test_a_deleted_organization_takes_its_cells_from_the_recorded_place(world: World) -> None:
    """An organization moved unheard, then deleted (its cells still waiting for the
    rebuild that empties them): they leave the sums where they were summed."""
    extra = OrganizationFactory.create(municipality=world.municipality_a, name="Школа А3")
    SurveyCell.objects.create(organization=extra, year=2026, stage="mid", sent=4, answered=3,
                              people=3, recommend_sum=21, recommend_n=3, recommend_people=3,
                              **PUBLISHED_THREE)
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    tallies.roll_up()
    Organization.objects.filter(pk=extra.pk).update(municipality=world.municipality_b)
    Organization.objects.get(pk=extra.pk).delete()
    assert not MunicipalitySurveyCell.objects.filter(municipality=world.municipality_b).exists()
    _consistent()


# -- (2) code older than the sums, between migrate and the restart ---------------------------
def test_code_older_than_the_sums_drifts_only_until_the_hourly_run(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """An old process recounts a cell without the sums (three more people's 9: enough to
    move its published sums, rule 5); the new code's next difference (a seventh's 2) then
    leaves the region short of the organization by those answers. The hourly run sums the
    cells again."""
    for score in (4, 4, 4):
        _answer(world.org_a, score)
    monkeypatch.setattr(tallies, "apply", lambda delta: None)  # the old code: no sums
    for score in (9, 9, 9):
        _answer(world.org_a, score)
    monkeypatch.undo()
    _answer(world.org_a, 2)
    assert _recommend(world) != _recommend(world, organization_id=world.org_a.pk)  # drifted
    assert [row[0] for row in tallies.stale()] == ["MunicipalitySurveyCell"] * 2
    hourly.send(sender=None)
    assert _recommend(world) == _recommend(world, organization_id=world.org_a.pk)
    _consistent()


def test_the_hourly_sum_writes_nothing_when_nothing_drifted(world: World) -> None:
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    rows = list(MunicipalitySurveyCell.objects.values_list("pk", flat=True))
    assert tallies.roll_up(wait=False) == 0
    assert list(MunicipalitySurveyCell.objects.values_list("pk", flat=True)) == rows
    MunicipalitySurveyCell.objects.update(sent=F("sent") + 1)  # a drift
    before = SurveyCellState.objects.get(organization=world.org_a).refreshed_at
    assert tallies.roll_up(wait=False) == 1
    # The dashboards' cache version of the organizations it sums moves (versions.py).
    assert SurveyCellState.objects.get(organization=world.org_a).refreshed_at != before
    _consistent()


@pytest.mark.django_db(transaction=True)
def test_the_hourly_sum_waits_for_no_writer(world: World) -> None:
    """A writer holds a state: the hourly run does not queue behind it (every other
    writer would queue behind the hourly run) — it skips this hour."""
    _postgresql_only()
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    held, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with transaction.atomic():
                tallies._hold([world.org_a.pk])
                held.set()
                release.wait(30)
        except BaseException as e:  # checked below
            errors.append(e)
        finally:
            from django.db import connections
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert held.wait(30)
        assert tallies.roll_up(wait=False) is None
    finally:
        release.set()
        thread.join(60)
    assert not errors
    assert tallies.roll_up(wait=False) == 0
    _consistent()


# -- (3) a row goes only when every sum is zero ----------------------------------------------
def test_a_row_with_sums_but_no_cell_stays_for_the_check(world: World) -> None:
    """A drifted row (two more surveys sent than its cells hold): when its last cell
    leaves, the row stays with what is left — the check sees it, the repair clears it."""
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    MunicipalitySurveyCell.objects.update(sent=F("sent") + 2)
    world.org_a.municipality = world.municipality_b
    world.org_a.save()
    left = MunicipalitySurveyCell.objects.get(municipality=world.municipality_a)
    assert (left.cells, left.sent) == (0, 2)
    assert any(row[0] == "MunicipalitySurveyCell" and row[1] == world.municipality_a.pk
               for row in tallies.stale())
    assert tallies.roll_up() == 1
    assert not MunicipalitySurveyCell.objects.filter(municipality=world.municipality_a).exists()
    _consistent()


# -- the migration ---------------------------------------------------------------------------
def test_the_migration_records_where_it_summed_each_organization(world: World) -> None:
    """0005 sums the kept cells at each organization's place and records that place on
    its state (made if missing): the writers after it subtract there."""
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    # 0005 summed the cells as they stood; they are published as they stand (0007).
    for score in (1, 2, 3):
        _answer(world.org_b, score)
    kept = _kept()
    MunicipalitySurveyCell.objects.all().delete()
    SurveyCellState.objects.filter(organization=world.org_a).update(summed_municipality=None,
                                                                    summed_sector="")
    SurveyCellState.objects.filter(organization=world.org_b).delete()
    migration = importlib.import_module(
        "tandem.surveys.migrations.0005_municipality_survey_cells")
    migration.sum_the_cells(apps, None)
    assert _kept() == kept
    assert set(SurveyCellState.objects.filter(organization__in=[world.org_a, world.org_b])
               .values_list("organization_id", "summed_municipality_id", "summed_sector")) == {
        (world.org_a.pk, world.municipality_a.pk, world.org_a.sector),
        (world.org_b.pk, world.municipality_b.pk, world.org_b.sector)}
    _consistent()
