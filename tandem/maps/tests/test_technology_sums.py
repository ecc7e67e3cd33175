"""The municipalities' sums of the technologies (maps/tallies.py): review findings of
2026-12-04 — a rebuild wrote the sums of a municipality it did not hold (an organization
that moved after its first read, summed there by difference), and ``tallies --check``
compared sets, blind to a sum row stored twice."""
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from tandem.access.filters import Filters
from tandem.access.scope import Scope
from tandem.conftest import World
from tandem.maps import tallies
from tandem.maps.models import (
    TechnologyMunicipalityTally,
    TechnologyTally,
    TechnologyTallyMark,
)
from tandem.maps.selectors import _technology_table, technologies_counts_live, technologies_used
from tandem.maps.tests.test_technology_tallies import _pair_of
from tandem.territory.models import Municipality, Organization

pytestmark = pytest.mark.django_db
FEDERAL = Scope(user_id=None, everything=True)


def test_a_sum_row_stored_twice_is_refused(world: World) -> None:
    """One row per key (migration 0012): what two unlocked writers of one municipality
    left — a table doubled — is an error now, for the sums of the pair's own
    organization and for those that keep the members' organizations alike."""
    _pair_of(world.org_a, world.org_a, world.org_a, ("case",) * 3)
    _pair_of(world.org_b, world.org_a, world.org_a, ("project",))
    tallies.refresh()
    assert tallies.stale() == []
    for row in TechnologyMunicipalityTally.objects.all():
        row.pk = None
        with pytest.raises(IntegrityError), transaction.atomic():
            row.save()
    assert tallies.stale() == []


def test_the_check_counts_a_sum_row_read_twice(world: World,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """``tallies --check`` compares multisets: a row stored twice (before migration 0012;
    the database refuses it now, so the read returns one twice) is a difference."""
    _pair_of(world.org_a, world.org_a, world.org_a, ("case",) * 3)
    tallies.refresh()
    assert tallies.stale() == []
    real = TechnologyMunicipalityTally.objects.values_list

    def values_list(*fields: Any, **kwargs: Any) -> list[Any]:
        return list(real(*fields, **kwargs)) * 2
    monkeypatch.setattr(TechnologyMunicipalityTally.objects, "values_list", values_list)
    assert tallies.stale() == [("TechnologyMunicipalityTally", world.municipality_a.pk,
                                world.org_a.sector, "ict.ai_lessons", "case", None, None, 3)]


def _move_when_locking(world: World, monkeypatch: pytest.MonkeyPatch,
                       organization: Organization) -> list[Any]:
    """The organization moves to municipality B between the rebuild's first read and its
    locks (another session's move, committed: done where the locks are taken)."""
    real = Municipality.objects.select_for_update
    held: list[Any] = []

    def select_for_update(*args: Any, **kwargs: Any) -> Any:
        qs = real(*args, **kwargs)
        moved = Organization.objects.get(pk=organization.pk)
        moved.municipality = world.municipality_b
        moved.save()
        held.append(qs)
        return qs
    monkeypatch.setattr(Municipality.objects, "select_for_update", select_for_update)
    return held


def test_a_rebuild_writes_no_sums_of_a_municipality_it_does_not_hold(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    o = world.org_a
    _pair_of(o, o, o, ("case",) * 2)
    tallies.refresh()
    _pair_of(o, o, o, ("project",))        # a content mark (O, null) waits
    held = _move_when_locking(world, monkeypatch, o)
    written: list[Any] = []
    copy = tallies.copy_rows

    def copy_rows(model: Any, columns: Any, rows: Any) -> None:
        rows = list(rows)
        if model is TechnologyMunicipalityTally:
            written.extend(r[0] for r in rows)
        copy(model, columns, rows)
    monkeypatch.setattr(tallies, "copy_rows", copy_rows)
    tallies.rebuild([o.pk])
    monkeypatch.undo()
    assert held
    assert world.municipality_b.pk not in set(written)
    assert not TechnologyMunicipalityTally.objects.filter(
        municipality=world.municipality_b).exists()
    # The move's mark is left: the tables are counted live until the next rebuild.
    assert TechnologyTallyMark.objects.filter(municipality_id=world.municipality_a.pk).exists()
    assert technologies_used(FEDERAL, Filters()) == _technology_table(
        technologies_counts_live(FEDERAL, Filters()))
    tallies.refresh()
    assert tallies.stale() == []
    assert technologies_used(FEDERAL, Filters()) == _technology_table(
        technologies_counts_live(FEDERAL, Filters()))


def test_a_roll_up_sums_no_organization_that_left_the_held_municipality(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A neighbour P (not rebuilt, not locked) leaves the held municipality between the
    roll-up's read of the members and its read of their tallies: its tallies are not
    summed into its new municipality (not held), and its own mark sums both again."""
    o, p = world.org_a, Organization.objects.create(
        municipality=world.municipality_a, name="Школа П", code="school-p",
        sector=world.org_a.sector)
    _pair_of(o, o, o, ("case",))
    _pair_of(p, p, p, ("project",) * 2)
    tallies.refresh()
    _pair_of(o, o, o, ("case",))
    TechnologyTallyMark.objects.create(organization_id=o.pk, municipality_id=o.municipality_id)
    real = TechnologyTally.objects.filter
    moved: list[int] = []

    def filter_(*args: Any, **kwargs: Any) -> Any:
        if p.pk in kwargs.get("organization_id__in", ()) and not moved:  # the roll-up's
            stale = Organization.objects.get(pk=p.pk)
            stale.municipality = world.municipality_b
            stale.save()
            moved.append(p.pk)
        return real(*args, **kwargs)
    monkeypatch.setattr(TechnologyTally.objects, "filter", filter_)
    tallies.rebuild([o.pk])
    monkeypatch.undo()
    assert moved
    assert not TechnologyMunicipalityTally.objects.filter(
        municipality=world.municipality_b).exists()
    tallies.refresh()
    assert tallies.stale() == []


def test_bulk_writes_of_rows_and_people_leave_no_useless_marks(world: World) -> None:
    """figures_changed from map rows names the members' organizations (the rows' own
    writer marks the pair's), from new people organizations whose newcomers have no
    pairs: neither marks the technologies; a bulk write of no sender (the demo) does."""
    from tandem.maps.models import Row
    from tandem.people.models import Participant
    from tandem.web.signals import figures_changed

    figures_changed.send(sender=Row, organization_ids={world.org_b.pk})
    figures_changed.send(sender=Participant, organization_ids={world.org_b.pk})
    assert not TechnologyTallyMark.objects.exists()
    figures_changed.send(sender=None, organization_ids={world.org_b.pk})
    assert set(TechnologyTallyMark.objects.values_list("organization_id", flat=True)) == {
        world.org_b.pk}


def test_a_curators_table_reads_its_areas_with_the_sums(world: World) -> None:
    """#16 (h/curatorview): a curator's technologies table read the kept sums, then the
    areas of their competencies and the areas' names — four round trips with her own
    pairs'; the areas ride with the sums now (two), and the table is the one the
    separate reads give: a region's own code in the area its competency names, not the
    part before its dot."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.access.scope import scope_for
    from tandem.diagnostics.defaults import ensure_default_framework
    from tandem.diagnostics.models import Competency, CompetencyArea
    from tandem.maps.tests.test_technology_tallies import _row

    ensure_default_framework()
    area = CompetencyArea.objects.order_by("-order").first()
    assert area is not None
    Competency.objects.create(area=area, code="tyumen:local_history", name="Краеведение",
                              description="-", descriptor_0="-", descriptor_1="-",
                              descriptor_2="-", descriptor_3="-", region=world.region)
    pair = _pair_of(world.org_a, world.org_a, world.org_a, ("case", "project"))
    _row(pair.map, "case", "tyumen:local_history")
    _row(pair.map, "project", "nowhere.at_all")  # no competency: by its prefix
    tallies.refresh()
    scope = scope_for(world.alice)
    with CaptureQueriesContext(connection) as read:
        table = technologies_used(scope, Filters())
    assert len(read) == 1 + (scope.own_participant_id is not None)
    assert table == _technology_table(technologies_counts_live(scope, Filters()))
    assert {use.area for use in table} == {area.name, "nowhere", *(
        CompetencyArea.objects.filter(code="ict").values_list("name", flat=True))}
