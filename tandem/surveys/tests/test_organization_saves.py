"""A save of an organization costs the satisfaction sums nothing unless it moves the
organization (another municipality or sector) — before, every whole save held its
``SurveyCellState`` (five more queries) and left a state row behind even for an
organization with no survey at all (review 2026-12-06). What keeps the sums right
under concurrent saves is in test_municipality_drift.py."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.surveys import tallies
from tandem.surveys.models import MunicipalitySurveyCell, SurveyCellState
from tandem.surveys.tests.test_municipality_sums import _answer, _kept, _recomputed
from tandem.territory.models import Organization
from tandem.testing import OrganizationFactory, World
from tandem.web import tracking

pytestmark = pytest.mark.django_db

STATES = SurveyCellState._meta.db_table


def _save(org: Organization) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        org.save()
    return [q["sql"] for q in queries.captured_queries]


def _without_the_survey_tracker(monkeypatch: pytest.MonkeyPatch) -> None:
    trackers: dict[type, list[tracking.Tracked]] = tracking._TRACKERS  # type: ignore[assignment]
    monkeypatch.setitem(trackers, Organization, [
        t for t in tracking.trackers_of(Organization) if t.name != "survey_cells_organization"])


def test_a_rename_costs_the_sums_no_query(world: World,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Query count: a whole save that moves nothing makes exactly the queries it makes
    with no survey sums at all, and none of them reads or writes a state."""
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    org = Organization.objects.get(pk=world.org_a.pk)
    org.name += " (переименована)"
    with_sums = _save(org)
    assert not [sql for sql in with_sums if STATES in sql]
    _without_the_survey_tracker(monkeypatch)
    org = Organization.objects.get(pk=world.org_a.pk)
    org.name += " (ещё раз)"
    without = _save(org)
    # the audit trail's read (and the name of the municipality), its entry, the
    # trackers' one read, the UPDATE
    assert len(with_sums) == len(without) == 5


def test_an_organization_without_surveys_keeps_no_state(world: World) -> None:
    lonely = OrganizationFactory.create(municipality=world.municipality_a, name="Без опросов")
    lonely.name += " (2)"
    lonely.save()
    assert not SurveyCellState.objects.filter(organization=lonely).exists()
    lonely.municipality = world.municipality_b   # a move, still nothing to sum
    lonely.sector = Organization.Sector.SPORT
    lonely.save()
    assert not SurveyCellState.objects.filter(organization=lonely).exists()
    assert tallies.stale() == []


def test_a_move_still_moves_the_sums(world: World) -> None:
    """Worked example: A's three answers leave municipality A's sums for B's, and a
    rename after that leaves them there."""
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    org = Organization.objects.get(pk=world.org_a.pk)
    org.municipality = world.municipality_b
    org.save()
    tallies.refresh()  # another municipality: marked for a rebuild
    b = MunicipalitySurveyCell.objects.get(municipality=world.municipality_b,
                                           sector=org.sector)
    assert (b.cells, b.recommend_answers) == (1, 3)
    assert not MunicipalitySurveyCell.objects.filter(municipality=world.municipality_a,
                                                     sector=org.sector, cells__gt=1).exists()
    org.name += " (2)"
    org.save()
    assert _kept() == _recomputed()
    assert tallies.stale() == []


@pytest.mark.parametrize("fields", [["name"], ["sector"], None])
def test_what_a_save_writes_decides_whether_it_is_heard(
        world: World, monkeypatch: pytest.MonkeyPatch, fields: Any) -> None:
    """Only a change of the place reaches the sums: not a save of other fields, not a
    whole save that writes the stored place back."""
    heard: list[int] = []
    trackers: dict[type, list[tracking.Tracked]] = tracking._TRACKERS  # type: ignore[assignment]
    monkeypatch.setitem(trackers, Organization, [
        t if t.name != "survey_cells_organization" else tracking.Tracked(
            Organization, t.name, t.fields, lambda i, b, a: heard.append(i.pk), locked=True)
        for t in tracking.trackers_of(Organization)])
    org = Organization.objects.get(pk=world.org_a.pk)
    org.save(update_fields=fields)
    assert heard == []
    org.sector = Organization.Sector.SPORT
    org.save(update_fields=fields)
    assert heard == ([] if fields == ["name"] else [org.pk])
