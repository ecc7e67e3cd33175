"""The municipalities' kept sums of the satisfaction cells (MunicipalitySurveyCell,
tandem/surveys/tallies.py): what a region's and the country's views read. They hold what
the live sum over the organizations' counted cells holds — kept by difference with the
cells, moved with an organization, gone with it — and nothing the release rule would not
publish."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters, whole_regions
from tandem.access.scope import Scope, scope_for
from tandem.core.release import MIN_PEOPLE
from tandem.surveys import selectors, tallies
from tandem.surveys.models import MunicipalitySurveyCell, Survey, SurveyCell, SurveyCellMark
from tandem.surveys.selectors import (
    FIELDS,
    MUNICIPALITY_SUMS,
    release_period,
    satisfaction_summary,
    summed_by_municipality,
)
from tandem.surveys.tests.helpers import active_pair, kept_summary
from tandem.territory.models import Organization
from tandem.testing import OrganizationFactory, ParticipantFactory, World

pytestmark = pytest.mark.django_db
# A cell written by hand, published as it stands (rule 5): three people's 7, 9 and 5.
PUBLISHED_THREE: dict[str, Any] = {
    "published_recommend_sum": 21, "published_recommend_n": 3, "published_recommend_people": 3,
    "published_members": {"-1": "recommend:7", "-2": "recommend:9", "-3": "recommend:5"}}


def _answer(organization: Organization, score: int, *, stage: str = "mid") -> Survey:
    """One answered survey of a new person of ``organization`` (saved one by one: its cell
    is recounted at once)."""
    a = ParticipantFactory.create(organization=organization)
    b = ParticipantFactory.create(organization=organization)
    return Survey.objects.create(
        pair=active_pair(a, b), participant=a, stage=stage, due_on=dt.date(2027, 1, 30),
        sent_at=timezone.now(), submitted_at=timezone.now(), mentor_satisfaction=score,
        mentor_engagement=score, mentee_benefit=score, mentee_support=score, recommend=score)


def _kept() -> dict[tuple[Any, ...], dict[str, int]]:
    return {(row.municipality_id, row.sector, row.year, row.stage):
            {name: getattr(row, name) for name in MUNICIPALITY_SUMS}
            for row in MunicipalitySurveyCell.objects.all()}


def _recomputed() -> dict[tuple[Any, ...], dict[str, int]]:
    """The same sums from the organizations' kept cells, by the SQL of the repair."""
    return {(row["municipality_id"], row["sector"], row["year"], row["stage"]):
            {name: row[name] for name in MUNICIPALITY_SUMS}
            for row in summed_by_municipality(SurveyCell.objects.all())}


def _region_equals_live(world: World) -> None:
    for filters in (Filters(), Filters(sector=world.org_b.sector),
                    Filters(region_id=world.region.pk)):
        scope = scope_for(world.olga)
        assert whole_regions(scope, filters)
        organizations, years = filters.organizations(scope), release_period(filters)[0]
        live = tallies.live_summary(organizations, years)
        assert kept_summary(organizations, years, now=True) == live, filters
        # What the region reads: the published sums of the counted cells (rule 5).
        assert satisfaction_summary(scope=scope, filters=filters) == kept_summary(
            organizations, years, now=False), filters
    assert tallies.stale() == []


def test_a_municipality_holds_its_counted_cells_and_only_the_count_of_the_others(
        world: World) -> None:
    """Three people in A (counted); three in B, of whom only two answered all but the last
    question (those not counted): A's municipality holds A's total and answers; B's holds
    no total of those questions at all — only how many answers were left out, which every
    figure publishes anyway — and no count of people anywhere. (B's cell is published with
    its third person, rule 5: before it, nothing of it is.)"""
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    for score in (2, 1):
        _answer(world.org_b, score)
    rater, partner = (ParticipantFactory.create(organization=world.org_b) for _ in range(2))
    Survey.objects.create(pair=active_pair(rater, partner), participant=rater, stage="mid",
                          due_on=dt.date(2027, 1, 30), submitted_at=timezone.now(), recommend=3)
    kept = _kept()
    year = release_period(Filters())[0][0]
    a = kept[world.municipality_a.pk, world.org_a.sector, year, "mid"]
    b = kept[world.municipality_b.pk, world.org_b.sector, year, "mid"]
    for name in FIELDS:
        assert (a[f"{name}_total"], a[f"{name}_answers"], a[f"{name}_left_out"]) == (21, 3, 0)
    for name in FIELDS[:-1]:
        assert (b[f"{name}_total"], b[f"{name}_answers"], b[f"{name}_left_out"]) == (0, 0, 2)
    assert (b["recommend_total"], b["recommend_answers"], b["recommend_left_out"]) == (6, 3, 0)
    assert (a["text_cells"], b["text_cells"]) == (1, 1)
    assert not any("people" in f.name for f in MunicipalitySurveyCell._meta.get_fields())
    assert kept == _recomputed()
    _region_equals_live(world)


def test_two_requests_differ_by_whole_counted_cells_only(world: World) -> None:
    """The region and the region of one sector (two requests an operator may compare): the
    difference of their totals and answers is exactly the other sector's counted cells —
    never a cell of fewer than MIN_PEOPLE people, however small."""
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    _answer(world.org_b, 1)  # one person in B's sector: their answer must not show
    olga = scope_for(world.olga)
    region = satisfaction_summary(scope=olga, filters=Filters())
    school = satisfaction_summary(scope=olga, filters=Filters(sector=world.org_a.sector))
    supplementary = satisfaction_summary(scope=olga, filters=Filters(sector=world.org_b.sector))
    for name in FIELDS:
        assert region.overall[name].answers - school.overall[name].answers == 0
        assert region.overall[name].mean == school.overall[name].mean == 7.0
        assert supplementary.overall[name].withheld
        # A cell of one person has published nothing (rule 5), not even an answer left out.
        assert supplementary.overall[name].left_out == 0


def test_an_organization_moved_takes_its_sums_to_the_other_municipality(world: World) -> None:
    """A moves to B's municipality, then changes its sector: at once (in the mover's
    transaction) the leaving municipality keeps exactly the sums of the cells still in
    it, the new one adds A's; the region's figures never change."""
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    for score in (2, 4, 6):
        _answer(world.org_b, score)
    olga = scope_for(world.olga)
    before = satisfaction_summary(scope=olga, filters=Filters())
    world.org_a.municipality = world.municipality_b
    world.org_a.save()
    assert not MunicipalitySurveyCell.objects.filter(municipality=world.municipality_a).exists()
    assert _kept() == _recomputed()
    world.org_a.sector = Organization.Sector.SPORT
    world.org_a.save()
    assert _kept() == _recomputed()
    tallies.refresh()  # the move marked A (another zone would give other years)
    assert satisfaction_summary(scope=olga, filters=Filters()) == before
    _region_equals_live(world)


def test_an_organization_deleted_leaves_the_sums(world: World) -> None:
    """An organization can go only without its people, but its cells may still wait for
    the rebuild that empties them: they leave its municipality's sums with it."""
    extra = OrganizationFactory.create(municipality=world.municipality_a, name="Школа А3")
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    SurveyCell.objects.create(organization=extra, year=2026, stage="mid", sent=4, answered=3,
                              people=3, recommend_sum=21, recommend_n=3, recommend_people=3,
                              **PUBLISHED_THREE)
    tallies.roll_up()
    assert MunicipalitySurveyCell.objects.get(
        municipality=world.municipality_a, year=2026, stage="mid").recommend_total > 21
    extra.delete()
    assert _kept() == _recomputed()
    _region_equals_live(world)


def test_the_repair_makes_the_sums_again_and_the_check_sees_a_wrong_one(world: World) -> None:
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    assert tallies.stale() == []
    MunicipalitySurveyCell.objects.update(recommend_total=1)  # kept figures, not audited
    assert [row[0] for row in tallies.stale()] == ["MunicipalitySurveyCell"] * 2
    tallies.rebuild()
    assert tallies.stale() == []


def test_a_waiting_organization_gives_no_texts_in_the_region_either(world: World) -> None:
    """The rule's «not waiting for a rebuild» (text_source): the region's sums keep A's
    cell of enough people; a mark on A takes its year out of the texts, as the cells'
    reading did."""
    for score in (7, 9, 5):
        _answer(world.org_a, score)
    olga = scope_for(world.olga)
    year = release_period(Filters())[0][0]
    assert satisfaction_summary(scope=olga, filters=Filters()).counted["mid"] == {year}
    SurveyCellMark.objects.create(organization_id=world.org_a.pk)
    assert satisfaction_summary(scope=olga, filters=Filters()).counted["mid"] == frozenset()
    live = tallies.live_summary(Filters().organizations(olga), release_period(Filters())[0])
    assert live.counted["mid"] == {year}  # the scan knows no marks: only the kept reading


def test_the_region_and_the_country_read_the_municipalities_at_any_size(world: World) -> None:
    """One query for the region and for the country — the municipalities' sums and the
    counted cells of waiting organizations in one statement — and the same at ten times
    the organizations; a municipality's view still reads its organizations' cells."""
    region = scope_for(world.olga)
    country = Scope(user_id=None, everything=True)  # the federal operator's view

    def queries(scope: Scope, filters: Filters) -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            satisfaction_summary(scope=scope, filters=filters)
        return [q["sql"] for q in ctx.captured_queries]

    for score in (7, 9, 5):
        _answer(world.org_a, score)
    small = [queries(region, Filters()), queries(country, Filters())]
    for i in range(20):
        organization = OrganizationFactory.create(
            municipality=world.municipality_a if i % 2 else world.municipality_b,
            name=f"Школа {i}", sector=Organization.Sector.values[i % 3])
        for score in (3, 6, 9):
            _answer(organization, score)
    large = [queries(region, Filters()), queries(country, Filters())]
    assert [len(q) for q in small] == [len(q) for q in large] == [1, 1]
    for sqls in large:
        assert any('"surveys_municipalitysurveycell"' in sql for sql in sqls)
        assert not any('"surveys_survey"' in sql for sql in sqls)
    municipality = queries(region, Filters(municipality_id=world.municipality_a.pk))
    assert len(municipality) == 1 and '"surveys_surveycell"' in municipality[0]
    _region_equals_live(world)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["answer", "relocate", "resector",
                                                 "rebuild", "mark"]),
                                st.integers(0, 2), st.integers(1, 10)),
                      min_size=1, max_size=10))
def test_kept_sums_equal_the_cells_summed_after_any_writes(
        world: World, steps: list[tuple[str, int, int]]) -> None:
    """Whatever answers come in, organizations move or change sector and rebuilds run,
    the municipalities' sums equal the organizations' cells summed from scratch (and the
    scan of the surveys: the check), and the region's figures equal the live ones."""
    third = (Organization.objects.filter(name="Школа А2").first()  # shared by the examples
             or OrganizationFactory.create(municipality=world.municipality_a, name="Школа А2"))
    organizations = [world.org_a, world.org_b, third]
    for step, which, level in steps:
        organization = Organization.objects.get(pk=organizations[which].pk)
        if step == "answer":
            _answer(organization, level, stage="mid" if level % 2 else "final")
        elif step == "relocate":
            organization.municipality = (
                world.municipality_b if organization.municipality_id == world.municipality_a.pk
                else world.municipality_a)
            organization.save()
        elif step == "resector":
            organization.sector = Organization.Sector.values[level % 3]
            organization.save()
        elif step == "rebuild":
            tallies.rebuild([organization.pk])
        elif step == "mark":
            tallies.touch([organization.pk])
        assert _kept() == _recomputed()
    tallies.refresh()
    assert MIN_PEOPLE == selectors.MIN_ANSWERS
    _region_equals_live(world)
