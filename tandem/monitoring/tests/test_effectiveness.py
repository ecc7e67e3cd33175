"""The effectiveness adapter: the worked pair end to end, scope, the SQL aggregates equal
the core's sums, and a fixed number of queries at two data sizes."""

import copy
import datetime as dt
import random
from dataclasses import dataclass
from statistics import fmean

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.core import effectiveness as core
from tandem.core.periods import academic_year, snap_to_academic_years
from tandem.diagnostics import tallies
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import (
    Answer,
    Campaign,
    FrameworkVersion,
    PublishedGain,
    PublishedGainMember,
    Response,
)
from tandem.maps.models import Map, Meeting, Row
from tandem.monitoring import effectiveness as eff
from tandem.pairs.models import Pair
from tandem.pairs.querysets import FORMED
from tandem.people.models import Participant
from tandem.surveys import tallies as survey_tallies
from tandem.surveys.models import Survey
from tandem.territory.models import Organization
from tandem.testing import World, bulk_participants

TODAY = dt.date(2027, 6, 15)
STARTS, ENDS = dt.date(2026, 12, 1), dt.date(2027, 5, 31)
# Bob (A) teaches Carol (B) digital tools; Carol teaches Bob methodology.
CAROL_DEFICITS = ["ict.ai_lessons", "ict.online_tests", "ict.video_content"]
BOB_DEFICITS = ["method.lesson_design", "method.assessment"]


@dataclass
class Effect:
    pair: Pair
    initial: Campaign
    final: Campaign


def _round(campaign: Campaign, person: Participant, levels: dict[str, int]) -> None:
    response = Response.objects.create(campaign=campaign, participant=person,
                                       status=Response.Status.SUBMITTED, answered=len(levels))
    Answer.objects.bulk_create([Answer(response=response, competency=code, self_level=level,
                                       level=level) for code, level in levels.items()])
    tallies.rebuild([person.organization_id])  # written past the services


def _rows(the_map: Map, direction: str, codes: list[str], done: int) -> None:
    Row.objects.bulk_create([Row(
        map=the_map, direction=direction, order=i, competency=code, title=code,
        current_level=0, target_level=2, partner_level=3, task="Задача",
        deadline=dt.date(2027, 1 + i, 20), product=f"Продукт {i}" if i else "",
        evidence="Показ", done_at=dt.date(2027, 1 + i, 10) if i < done else None)
        for i, code in enumerate(codes)])


def build_effect(world: World) -> Effect:
    """The worked example of docs/effectiveness.md in organization A."""
    framework = ensure_default_framework()
    initial = Campaign.objects.create(title="Входная", organization=world.org_a,
                                      framework=framework, starts_on=dt.date(2026, 9, 1),
                                      ends_on=dt.date(2026, 9, 30))
    final = Campaign.objects.create(title="Итоговая", kind=Campaign.Kind.FINAL,
                                    organization=world.org_a, framework=framework,
                                    baseline=initial, starts_on=dt.date(2027, 5, 10),
                                    ends_on=dt.date(2027, 5, 25))
    bob, carol = world.bob_p, world.carol_p
    _round(initial, carol, {"ict.ai_lessons": 0, "ict.online_tests": 1,
                            "ict.video_content": 1, "method.lesson_design": 3})
    _round(final, carol, {"ict.ai_lessons": 2, "ict.online_tests": 3,
                          "ict.video_content": 1, "method.lesson_design": 3})
    _round(initial, bob, {"method.lesson_design": 0, "method.assessment": 1,
                          "ict.ai_lessons": 3})
    _round(final, bob, {"method.lesson_design": 2, "method.assessment": 2,
                        "ict.ai_lessons": 3})
    # Closed once everyone answered (published: its first publication — a closed round
    # takes no answer, so one written into it later would be held by rule 5)
    final.status = Campaign.Status.CLOSED
    final.save(update_fields=["status"])
    pair = Pair.objects.create(a=bob, b=carol, organization=world.org_a,
                               status=Pair.Status.COMPLETED, starts_on=STARTS, ends_on=ENDS)
    the_map = Map.objects.create(pair=pair, status=Map.Status.COMPLETED)
    _rows(the_map, Row.Direction.A_TO_B, CAROL_DEFICITS, done=2)
    _rows(the_map, Row.Direction.B_TO_A, BOB_DEFICITS, done=2)
    held = [dt.date(2026, 12, 10), dt.date(2027, 1, 14), dt.date(2027, 2, 11),
            dt.date(2027, 3, 11)]
    Meeting.objects.bulk_create(
        [Meeting(pair=pair, date=d, topic="Встреча") for d in held]
        # scheduled for 11.03 and held that day (logged as a new record): not a miss
        + [Meeting(pair=pair, date=dt.date(2027, 3, 11), planned=True, topic="План"),
           Meeting(pair=pair, date=dt.date(2027, 4, 15), planned=True, topic="Не прошла")])
    return Effect(pair, initial, final)


@pytest.fixture
def effect(world: World) -> Effect:
    return build_effect(world)


def test_the_worked_pair_end_to_end(world: World, effect: Effect) -> None:
    [figures] = eff.pair_figures(scope=scope_for(world.alice), filters=Filters(),
                                 today=TODAY)
    ab, ba = figures.a_to_b, figures.b_to_a
    assert (ab.deficits_planned, ab.deficits_closed, ab.deficits_assessed) == (3, 2, 3)
    assert (ba.deficits_planned, ba.deficits_closed) == (2, 2)
    assert [(g.competency, g.before, g.after, g.gain, g.closed) for g in ab.gains] == [
        ("ict.ai_lessons", 0, 2, 2, True), ("ict.online_tests", 1, 3, 2, True),
        ("ict.video_content", 1, 1, 0, False)]
    assert [g.gain for g in ba.gains] == [2, 1]
    # done: rows 0 and 1; row 2 (deadline 20.03) is overdue; products: row 1 only
    # (row 0 names none)
    assert (ab.tasks_planned, ab.tasks_done, ab.tasks_overdue, ab.products) == (3, 2, 1, 1)
    assert (ba.tasks_planned, ba.tasks_done, ba.tasks_overdue, ba.products) == (2, 2, 0, 1)
    # 182 days of term: a norm of 6; held 4 + 1 scheduled that never happened = 5 < 6
    assert figures.meetings == core.MeetingFigures(held=4, scheduled_not_held=1, norm=6,
                                                   last_held_on=dt.date(2027, 3, 11))
    assert figures.meetings.planned == 6
    assert not figures.all_closed and figures.deficits_closed == 4


def test_the_unit_summary_of_the_worked_pair(world: World, effect: Effect) -> None:
    summary = eff.unit_summary(scope=scope_for(world.alice), filters=Filters(), today=TODAY)
    assert (summary.participants_active, summary.participants_in_pairs) == (3, 2)
    assert (summary.pairs_total, summary.pairs_completed) == (1, 1)
    assert (summary.deficits_planned, summary.deficits_closed) == (5, 4)
    assert (summary.tasks_done, summary.tasks_overdue, summary.products) == (4, 1, 2)
    assert (summary.meetings_held, summary.meetings_planned) == (4, 6)
    assert summary.pairs_completed_all_closed == 0
    assert summary.closed_share == pytest.approx(4 / 5)
    levels = {k.key: k for k in summary.kirkpatrick()}
    assert levels["learning"].value == pytest.approx(0.8)
    assert levels["behaviour"].value == pytest.approx((4 / 5 + 4 / 6) / 2)
    assert levels["results"].value == 0.0  # the one finished pair left a deficit open
    assert levels["reaction"].value is None  # no survey answered


def test_closing_the_last_deficit_makes_the_pair_a_success(world: World,
                                                           effect: Effect) -> None:
    carol_final = Response.objects.get(campaign=effect.final, participant=world.carol_p)
    Answer.objects.filter(response=carol_final, competency="ict.video_content").update(level=2)
    summary = eff.unit_summary(scope=scope_for(world.alice), filters=Filters(), today=TODAY)
    assert summary.pairs_completed_all_closed == 1
    assert summary.success_share == 1.0


def test_the_period_ending_before_the_final_round_closes_nothing(world: World,
                                                                effect: Effect) -> None:
    filters = Filters(date_to=dt.date(2027, 2, 28))
    [figures] = eff.pair_figures(scope=scope_for(world.alice), filters=filters, today=TODAY)
    assert figures.deficits_closed == 0
    assert figures.a_to_b.deficits_assessed == 0
    assert figures.meetings.held == 3  # December, January, February
    summary = eff.unit_summary(scope=scope_for(world.alice), filters=filters, today=TODAY)
    assert summary.deficits_closed == 0 and summary.meetings_held == 3


def _survey(pair: Pair, person: Participant, stage: str, score: int) -> Survey:
    return Survey.objects.create(
        pair=pair, participant=person, stage=stage, due_on=ENDS,
        submitted_at=dt.datetime(2027, 5, 30, 12, tzinfo=dt.UTC), mentee_benefit=score,
        mentor_satisfaction=score - 1, recommend=score)


def test_satisfaction_over_two_answers_is_withheld_over_three_shown(world: World,
                                                                    effect: Effect) -> None:
    scope = scope_for(world.alice)
    _survey(effect.pair, world.bob_p, Survey.Stage.FINAL, 9)
    _survey(effect.pair, world.carol_p, Survey.Stage.FINAL, 6)
    two = eff.unit_summary(scope=scope, filters=Filters(), today=TODAY)
    # The release rule: a cell of two people enters no figure at all.
    assert two.mentee_satisfaction == core.Satisfaction(None, 0)
    other = Pair.objects.create(a=world.alice_p, b=world.carol_p, organization=world.org_a,
                                starts_on=STARTS, ends_on=ENDS)
    _survey(other, world.alice_p, Survey.Stage.FINAL, 10)
    three = eff.unit_summary(scope=scope, filters=Filters(), today=TODAY)
    assert three.mentee_satisfaction == core.Satisfaction(round((9 + 6 + 10) / 3, 1), 3)
    assert three.mentor_satisfaction.mean == round((8 + 5 + 9) / 3, 1)


def test_three_answers_of_two_people_stay_withheld(world: World, effect: Effect) -> None:
    _survey(effect.pair, world.bob_p, Survey.Stage.MID, 9)
    _survey(effect.pair, world.bob_p, Survey.Stage.FINAL, 8)
    _survey(effect.pair, world.carol_p, Survey.Stage.FINAL, 6)
    summary = eff.unit_summary(scope=scope_for(world.alice), filters=Filters(), today=TODAY)
    assert summary.mentee_satisfaction == core.Satisfaction(None, 0)


def _third_person(world: World, effect: Effect) -> None:
    """Alice takes both rounds too, 1 → 2 in the competencies Carol and Bob both have
    (``ict.ai_lessons``, ``method.lesson_design``) and in «comm» (``comm.parents``): A's
    cell (A, the final round) reaches three people and enters the figures
    (tandem/core/release.py); of its competencies only those levelled by three people
    before and after do — the two shared ones, not Carol's or Bob's own, nor Alice's
    «comm». The round was published with two (its first publication: Carol and Bob,
    left out); a third arriving after it is one person changed, which rule 5 holds (since
    2026-12-06 for a small cell too) — so the published state is dropped first: the cell
    as if the round had first been published with all three."""
    baseline = effect.final.baseline
    assert baseline is not None
    codes = ("ict.ai_lessons", "method.lesson_design", "comm.parents")
    for campaign, level in ((baseline, 1), (effect.final, 2)):
        response = Response.objects.create(campaign=campaign, participant=world.alice_p,
                                           status=Response.Status.SUBMITTED,
                                           answered=len(codes))
        Answer.objects.bulk_create([Answer(response=response, competency=code,
                                           self_level=level, level=level) for code in codes])
    for model in (PublishedGain, PublishedGainMember):
        model.objects.filter(organization=world.org_a, campaign=effect.final).delete()
    tallies.rebuild([world.org_a.pk])


def test_gains_by_area_compare_both_rounds(world: World, effect: Effect) -> None:
    # Two people in A's cell: withheld, and the page says two were left out.
    assert eff.gains_by_area(scope=scope_for(world.alice), filters=Filters(),
                             today=TODAY) == core.GainFigures(left_out=2)
    _third_person(world, effect)
    gains = {g.area: g for g in eff.gains_by_area(scope=scope_for(world.alice),
                                                  filters=Filters(), today=TODAY).areas}
    ict, method = gains["ict"], gains["method"]
    # ict.ai_lessons of Carol, Bob and Alice, before and after (to 0.01)
    assert ict.mean_before == round((0 + 3 + 1) / 3, 2)
    assert ict.mean_after == round((2 + 3 + 2) / 3, 2)
    assert ict.people == 3
    # method.lesson_design of Carol, Bob and Alice
    assert method.mean_before == round((3 + 0 + 1) / 3, 2)
    assert method.mean_after == round((3 + 2 + 2) / 3, 2)
    # comm.parents: Alice's alone — not published (review finding, 2026-12-06)
    assert set(gains) == {"ict", "method"}


def test_an_outsider_sees_nothing_of_another_organization(world: World,
                                                         effect: Effect) -> None:
    for outsider in (world.charlie, world.dave, world.bob):
        scope = scope_for(outsider)
        assert eff.pair_figures(scope=scope, filters=Filters(), today=TODAY) == []
        summary = eff.unit_summary(scope=scope, filters=Filters(), today=TODAY)
        assert summary.pairs_total == summary.deficits_planned == 0
        assert summary.participants_in_pairs == 0
        assert eff.gains_by_area(scope=scope, filters=Filters(),
                                 today=TODAY) == core.GainFigures()
    # a filter naming A's organization does not widen Charlie's scope
    scope = scope_for(world.charlie)
    filters = Filters(organization_id=world.org_a.pk)
    assert eff.pair_figures(scope=scope, filters=filters, today=TODAY) == []
    assert eff.unit_summary(scope=scope, filters=filters, today=TODAY).pairs_total == 0


def test_the_region_and_the_municipality_see_the_pair(world: World, effect: Effect) -> None:
    for persona in (world.erin, world.olga):
        [figures] = eff.pair_figures(scope=scope_for(persona), filters=Filters(), today=TODAY)
        assert figures.pair_id == effect.pair.pk


def test_rows_of_a_pair_outside_the_unit_never_count(world: World, effect: Effect) -> None:
    """Rows are reached through the unit's pairs only (so training maps, which have no
    real pair, cannot count either)."""
    other = Pair.objects.create(a=world.charlie_p, b=world.someone_b,
                                organization=world.org_b, starts_on=STARTS, ends_on=ENDS)
    _rows(Map.objects.create(pair=other), Row.Direction.A_TO_B, CAROL_DEFICITS, done=3)
    summary = eff.unit_summary(scope=scope_for(world.alice), filters=Filters(), today=TODAY)
    assert summary.deficits_planned == 5


# -- the SQL aggregates equal the core's sums, on random data ---------------------------------
CODES = ["ict.ai_lessons", "ict.online_tests", "ict.video_content", "method.lesson_design",
         "method.assessment", "comm.parents"]
# Pairs that formed (a declined pair is left out of every figure: tandem/pairs/tests/
# test_decline.py); the generated regions keep their sizes.
STATUSES = list(FORMED)


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def grow(world: World, n: int, seed: int, organization: Organization | None = None) -> None:
    """``n`` random pairs in ``organization`` (A by default) with maps, meetings, both
    diagnostics rounds and surveys (a bounded number of inserts)."""
    rng = random.Random(seed)
    org = organization or world.org_a
    framework = ensure_default_framework()
    known = set(Participant.objects.values_list("pk", flat=True))
    bulk_participants(org, 2 * n)
    people = list(Participant.objects.exclude(pk__in=known).order_by("pk"))
    initial = Campaign.objects.create(title="Входная", organization=org,
                                      framework=framework, starts_on=dt.date(2026, 9, 1),
                                      ends_on=dt.date(2026, 9, 30))
    final = Campaign.objects.create(title="Итоговая", kind=Campaign.Kind.FINAL,
                                    organization=org, framework=framework,
                                    baseline=initial, starts_on=dt.date(2027, 3, 1),
                                    ends_on=dt.date(2027, 5, 25),
                                    status=Campaign.Status.CLOSED)  # published
    responses = [Response(campaign=c, participant=p, status=Response.Status.SUBMITTED)
                 for p in people for c in (initial, final) if rng.random() < 0.8]
    Response.objects.bulk_create(responses)
    Answer.objects.bulk_create([Answer(response=r, competency=code, level=rng.randint(0, 3))
                                for r in responses for code in CODES if rng.random() < 0.9])
    tallies.rebuild([org.pk])
    pairs = []
    for i in range(n):
        starts = _day(rng, dt.date(2026, 10, 1), dt.date(2027, 1, 31))
        pairs.append(Pair(a=people[2 * i], b=people[2 * i + 1], organization=org,
                          status=rng.choice(STATUSES), starts_on=starts,
                          ends_on=starts + dt.timedelta(days=rng.randint(90, 250))))
    Pair.objects.bulk_create(pairs)
    maps = Map.objects.bulk_create([Map(pair=p) for p in pairs if rng.random() < 0.9])
    rows, meetings, surveys = [], [], []
    for the_map in maps:
        pair = the_map.pair
        assert pair is not None
        for direction in Row.Direction.values:
            for order, code in enumerate(rng.sample(CODES, rng.randint(0, 3))):
                current = rng.randint(0, 2)
                rows.append(Row(
                    map=the_map, direction=direction, order=order, competency=code,
                    title=code, current_level=current, target_level=rng.randint(current, 3),
                    partner_level=3, task="Задача", evidence="Показ",
                    deadline=_day(rng, pair.starts_on, pair.ends_on),
                    done_at=_day(rng, pair.starts_on, pair.ends_on)
                    if rng.random() < 0.6 else None,
                    product=rng.choice(["", "Продукт"])))
        for _ in range(rng.randint(0, 8)):
            meetings.append(Meeting(pair=pair, date=_day(rng, pair.starts_on, pair.ends_on),
                                    planned=rng.random() < 0.3, topic="Встреча"))
        for person in (pair.a, pair.b):
            if rng.random() < 0.7:
                surveys.append(Survey(
                    pair=pair, participant=person, stage=Survey.Stage.FINAL,
                    due_on=pair.ends_on, mentee_benefit=rng.choice([None, *range(1, 11)]),
                    mentor_satisfaction=rng.randint(1, 10), recommend=rng.randint(1, 10),
                    submitted_at=dt.datetime.combine(
                        _day(rng, pair.starts_on, pair.ends_on), dt.time(12), dt.UTC)))
    Row.objects.bulk_create(rows)
    Meeting.objects.bulk_create(meetings)
    Survey.objects.bulk_create(surveys)
    survey_tallies.rebuild([org.pk])  # written past the services, like the answers above


FILTER_CASES = [
    Filters(),
    Filters(date_to=dt.date(2027, 4, 1)),
    Filters(date_from=dt.date(2027, 2, 1), date_to=dt.date(2027, 5, 1)),
    Filters(date_from=dt.date(2027, 5, 1)),
]


@pytest.mark.parametrize("filters", FILTER_CASES)
def test_unit_aggregates_equal_the_sum_over_pairs(world: World, filters: Filters) -> None:
    grow(world, 40, seed=7)
    scope = scope_for(world.erin)
    figures = eff.pair_figures(scope=scope, filters=filters, today=TODAY)
    summary = eff.unit_summary(scope=scope, filters=filters, today=TODAY)
    expected = core.summarize_pairs(figures)
    assert expected["pairs_total"] > 0 and expected["deficits_planned"] > 0
    assert {key: getattr(summary, key) for key in expected} == expected


def _naive_mean(surveys: list[Survey], field: str) -> core.Satisfaction:
    """The release rule recomputed by hand: cells (respondent's organization, academic
    year, stage) of at least three people, the rounded mean over their answers."""
    cells: dict[tuple[int, int, str], list[Survey]] = {}
    for s in surveys:
        if getattr(s, field) is not None:
            key = (s.participant.organization_id,
                   academic_year(timezone.localdate(s.submitted_at)),
                   s.stage)
            cells.setdefault(key, []).append(s)
    values = [getattr(s, field) for group in cells.values()
              if len({s.participant_id for s in group}) >= core.MIN_ANSWERS for s in group]
    if not values:
        return core.Satisfaction(None, 0)
    return core.Satisfaction(round(sum(values) / len(values), 1), len(values))


@pytest.mark.parametrize("filters", FILTER_CASES)
def test_satisfaction_equals_a_naive_recomputation(world: World, filters: Filters) -> None:
    grow(world, 30, seed=11)
    scope = scope_for(world.alice)
    first, last = snap_to_academic_years(filters.date_from, filters.date_to,
                                         timezone.localdate())
    surveys = [s for s in Survey.objects.filter(
        participant__organization__in=filters.organizations(scope)).select_related(
        "participant")
        if s.submitted_at is not None
        and first <= academic_year(timezone.localdate(s.submitted_at)) <= last]
    got = eff.satisfaction(scope=scope, filters=filters)
    for field in eff.SATISFACTION_FIELDS:
        want = _naive_mean(surveys, field)
        assert got[field].answers == want.answers
        assert got[field].mean == pytest.approx(want.mean)


def test_gains_by_area_equal_a_naive_recomputation(world: World) -> None:
    grow(world, 30, seed=5)
    levels: dict[tuple[str, int], list[int]] = {}
    finals = Response.objects.filter(campaign__kind=Campaign.Kind.FINAL,
                                     status=Response.Status.SUBMITTED)
    for response in finals:
        base = Response.objects.filter(campaign=response.campaign.baseline,
                                       participant=response.participant,
                                       status=Response.Status.SUBMITTED).first()
        if base is None:
            continue
        for r, kind in ((base, 0), (response, 1)):
            for answer in r.answers.exclude(level=None):
                levels.setdefault((answer.competency.split(".")[0], kind), []).append(
                    answer.level)  # type: ignore[arg-type]
    gains = eff.gains_by_area(scope=scope_for(world.olga), filters=Filters(), today=TODAY)
    assert {g.area for g in gains.areas} == {area for area, _kind in levels}
    assert gains.left_out == 0  # one organization of 30 people: one counted cell
    for g in gains.areas:
        assert g.mean_before == round(fmean(levels[g.area, 0]), 2)
        assert g.mean_after == round(fmean(levels[g.area, 1]), 2)


def _queries(world: World, call: str) -> int:
    scope = scope_for(world.olga)
    filters = Filters(date_from=dt.date(2026, 9, 1))
    with CaptureQueriesContext(connection) as ctx:
        getattr(eff, call)(scope=scope, filters=filters, today=TODAY)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("filters", FILTER_CASES[:3])
def test_the_breakdown_by_organization_adds_up(world: World, effect: Effect,
                                               filters: Filters) -> None:
    grow(world, 25, seed=3)
    grow(world, 15, seed=4, organization=world.org_b)
    scope = scope_for(world.olga)
    lines = eff.by_organization(scope=scope, filters=filters, today=TODAY)
    figures = eff.pair_figures(scope=scope, filters=filters, today=TODAY)
    assert {line.organization_id for line in lines} == {world.org_a.pk, world.org_b.pk}
    for line in lines:
        mine = [f for f in figures if f.organization_id == line.organization_id]
        assert mine and line.counts == core.summarize_pairs(mine)
        alone = eff.unit_summary(scope=scope, today=TODAY, filters=Filters(
            filters.date_from, filters.date_to, organization_id=line.organization_id))
        assert (line.participants_active, line.participants_in_pairs) == (
            alone.participants_active, alone.participants_in_pairs)
    total = eff.unit_summary(scope=scope, filters=filters, today=TODAY)
    assert sum(line.counts["deficits_closed"] for line in lines) == total.deficits_closed
    # a curator's breakdown holds only their organization
    assert [line.organization_id for line in eff.by_organization(
        scope=scope_for(world.charlie), filters=filters, today=TODAY)] == [world.org_b.pk]


@pytest.mark.parametrize("call", ["pair_figures", "unit_summary", "gains_by_area",
                                  "by_organization"])
def test_the_number_of_queries_does_not_grow_with_data(world: World, call: str) -> None:
    scope_for(world.olga)  # the scope's own queries are not ours
    grow(world, 3, seed=1)
    small = _queries(world, call)
    grow(world, 60, seed=2)
    assert _queries(world, call) == small


def _version_after(base: FrameworkVersion, number: int, ict_name: str,
                   drop: str | None = None) -> FrameworkVersion:
    snapshot = copy.deepcopy(base.snapshot)
    for area in snapshot["areas"]:
        if area["code"] == "ict":
            area["name"] = ict_name
        area["competencies"] = [c for c in area["competencies"] if c["code"] != drop]
    return FrameworkVersion.objects.create(number=number, snapshot=snapshot)


def test_gains_by_area_name_areas_by_the_newest_pinned_version(world: World,
                                                              effect: Effect) -> None:
    """The order of versions is the framework's own rule (``newest_first``, which
    ``current()`` reads too); the areas are those of the versions the rounds pinned, not
    the current one, so a competency the current version dropped still counts."""
    base = effect.final.framework
    pinned = _version_after(base, base.number + 1, "ИКТ (версия итоговой)")
    effect.final.framework = pinned
    effect.final.save(update_fields=["framework"])
    newest = _version_after(base, base.number + 2, "ИКТ (текущая)", drop="ict.ai_lessons")
    assert FrameworkVersion.objects.current() == newest
    assert list(FrameworkVersion.objects.newest_first()) == [newest, pinned, base]
    _third_person(world, effect)
    gains = {g.area: g for g in eff.gains_by_area(scope=scope_for(world.alice),
                                                  filters=Filters(), today=TODAY).areas}
    assert gains["ict"].name == "ИКТ (версия итоговой)"
    assert gains["ict"].mean_before == round((0 + 3 + 1) / 3, 2)  # ai_lessons in
