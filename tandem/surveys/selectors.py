"""Reads for surveys: a teacher's own surveys, and aggregates that never single anyone out.

Every satisfaction figure of the product — this results page, the dashboard's cards and
chart, the XLSX, the PDF and the API — comes from :func:`satisfaction_summary`, which
applies the one release rule of :mod:`tandem.core.release` (docs/surveys.md, «Правило
публикации»): answers fall into cells (respondent's organization, academic year, stage); a
cell with answers of fewer than ``MIN_ANSWERS`` people enters no figure; a figure is the
rounded mean over whole counted cells; a date window is widened to whole academic years.
The cells' sums are kept (:class:`SurveyCell`, :mod:`tandem.surveys.tallies`): the summary
reads them, never the surveys — their **published** sums (rule 5, «steps of three»: they
move only when at least three people's answers differ, so two requests at two moments do
not differ by one person's answer); the surveys sent and answered are live. Free text is
shown without names, sorted by its own words, and only from counted cells.
A survey belongs to its **respondent's** organization **when they answered**
(``Survey.organization``; docs/effectiveness.md: figures of people follow the person — a
municipal-pool pair's two answers go to two organizations — but an answer given stays in
its cell when the person later moves, so no move walks around rule 5).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Left
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.access.filters import Filters, municipality_sums, whole_regions
from tandem.access.scope import Scope
from tandem.core import release as rule
from tandem.core.periods import academic_year_bounds, snap_to_academic_years
from tandem.pairs.models import Pair
from tandem.surveys.models import (
    TEXT_KEY,
    MunicipalitySurveyCell,
    Survey,
    SurveyCell,
    SurveyCellMark,
)
from tandem.territory.models import Region
from tandem.territory.zones import zone_named

MIN_ANSWERS = rule.MIN_PEOPLE

MENTOR = "mentor"
MENTEE = "mentee"
BOTH = "both"

# (field, role, label): the 1–10 questions, in the order of the questionnaire.
MEASURES: list[tuple[str, str, Promise]] = [
    ("mentee_benefit", MENTEE, _("Польза от того, чему научил партнёр")),
    ("mentee_support", MENTEE, _("Поддержка партнёра")),
    ("mentor_satisfaction", MENTOR, _("Удовлетворённость своей ролью наставника")),
    ("mentor_engagement", MENTOR, _("Вовлечённость партнёра как наставляемого")),
    ("recommend", BOTH, _("Готовность рекомендовать коллегам")),
]
FIELDS = [f for f, _r, _l in MEASURES]
ROLE_LABELS: dict[str, Promise] = {
    MENTEE: _("как наставляемые"), MENTOR: _("как наставники"), BOTH: _("обе роли"),
}
# The headline figure of each role: mentees' satisfaction is the benefit they got,
# mentors' satisfaction is how they rate their own role.
# The kept figures of a cell (SurveyCell), in the order the check compares them
# (tallies.stale).
CELL_COLUMNS = ("organization_id", "year", "stage", "sent", "answered", "people",
                *(f"{name}_{part}" for name in FIELDS for part in ("sum", "n", "people")))


def published(name: str, part: str) -> str:
    """The column of a kept cell's published ``part`` (``sum``, ``n``, ``people``) of
    question ``name``: what every figure reads (rule 5, «steps of three»)."""
    return f"published_{name}_{part}"


# A cell's published state (SurveyCell): what tallies move together when rule 5 allows.
PUBLISHED_COLUMNS = tuple(published(name, part) for name in FIELDS
                          for part in ("sum", "n", "people"))
# The kept sums of a municipality (MunicipalitySurveyCell): what the release rule adds
# up across cells (rule.Sums) and the cells that may give texts, per (municipality,
# sector, academic year, stage).
MUNICIPALITY_SUMS = ("cells", "sent", "answered", "text_cells",
                     *(f"{name}_{part}" for name in FIELDS
                       for part in ("total", "answers", "left_out")))
MUNICIPALITY_COLUMNS = ("municipality_id", "sector", "year", "stage", *MUNICIPALITY_SUMS)
HEADLINE = {MENTEE: "mentee_benefit", MENTOR: "mentor_satisfaction", BOTH: "recommend"}
TEXT_LIMIT = 200  # free-text answers shown per stage and question
# Texts are ordered by their first TEXT_KEY characters (what their index holds,
# models.Survey), then by the whole text: the order of the whole text wherever strings
# compare character by character (SQLite; PostgreSQL with the C collation), as a strict
# difference in the first characters decides. Under a language collation (ru_RU) texts
# equal in their first characters up to case may come in another order than the whole
# text's — an order of display, not the rule of release (review finding).
ENOUGH_PEOPLE = Q(people__gte=MIN_ANSWERS)


def unmarked(organization: str) -> Q:
    """The rows whose organization (the field ``organization`` names) has no cell waiting
    for its rebuild (no :class:`SurveyCellMark`)."""
    return ~Q(Exists(SurveyCellMark.objects.filter(organization_id=OuterRef(organization))))


def text_source(organization: str) -> tuple[Q, Q]:
    """The one rule of where free texts may come from, in its two halves: a cell of at
    least MIN_ANSWERS people who answered (a condition on the kept :class:`SurveyCell`),
    and kept up to date — an organization whose cells wait for their rebuild (a survey
    deleted, the region's zone changed) gives no texts until then, as its cell may still
    count someone whose texts are no longer in it (a condition on any row whose field
    ``organization`` names the organization; review finding). :func:`satisfaction_summary`
    asks both of the cells for ``counted``; :func:`free_texts` asks the first of each
    answer's kept cell and the second of the answer itself (issue #16: nested in the
    cell's ``EXISTS`` it misled PostgreSQL's estimate). Both read them from here, so the
    rule cannot change for one and not the other (review finding)."""
    return ENOUGH_PEOPLE, unmarked(organization)


@dataclass(frozen=True)
class Measure:
    field: str
    role: str
    label: str
    n: int  # answers behind the mean (those of counted cells)
    mean: float | None  # None: withheld (no counted cell)
    left_out: int = 0  # answers of cells with fewer than MIN_ANSWERS people

    @property
    def withheld(self) -> bool:
        return self.mean is None


@dataclass(frozen=True)
class StageSummary:
    stage: str
    label: str
    sent: int  # surveys e-mailed or offered
    answered: int
    measures: list[Measure]

    @property
    def response_percent(self) -> int:
        return round(100 * self.answered / self.sent) if self.sent else 0

    def measure(self, field: str) -> Measure:
        return next(m for m in self.measures if m.field == field)

    @property
    def mentors(self) -> Measure:
        """Mentors' satisfaction."""
        return self.measure(HEADLINE[MENTOR])

    @property
    def mentees(self) -> Measure:
        """Mentees' satisfaction."""
        return self.measure(HEADLINE[MENTEE])

    @property
    def recommend(self) -> Measure:
        return self.measure(HEADLINE[BOTH])


@dataclass(frozen=True)
class SatisfactionSummary:
    stages: list[StageSummary]
    min_answers: int = MIN_ANSWERS
    by_stage: dict[str, StageSummary] = field(default_factory=dict)
    # Both stages together, per question (the dashboard's cards, the API, Kirkpatrick).
    overall: dict[str, rule.Released] = field(default_factory=dict)
    years: tuple[int, int] | None = None  # the academic years the figures cover
    # Per stage, the academic years with a counted cell that may give free texts
    # (:func:`text_source`): none — «Тексты скрыты».
    counted: dict[str, frozenset[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_stage.update({s.stage: s for s in self.stages})

    @property
    def period_label(self) -> str:
        """«2026/27 учебный год» or «2025/26–2026/27 учебные годы»."""
        if self.years is None:
            return ""
        first, last = self.years
        if first == last:
            return str(_("%(y)s учебный год") % {"y": f"{first}/{(first + 1) % 100:02}"})
        return str(_("%(a)s–%(b)s учебные годы") % {
            "a": f"{first}/{(first + 1) % 100:02}", "b": f"{last}/{(last + 1) % 100:02}"})


def release_period(filters: Filters, today: dt.date | None = None
                   ) -> tuple[tuple[int, int], dt.date, dt.date]:
    """The whole academic years a request's window is widened to, and their first and
    last day (:func:`tandem.core.periods.snap_to_academic_years`)."""
    years = snap_to_academic_years(filters.date_from, filters.date_to,
                                   today or timezone.localdate())
    return years, academic_year_bounds(years[0])[0], academic_year_bounds(years[1])[1]


def counted_q(name: str) -> Q:
    """:func:`tandem.core.release.counted` for question ``name`` of a kept cell's
    published sums, as a condition on :class:`SurveyCell` (its query twin): answers of
    at least ``MIN_ANSWERS`` different people."""
    return Q(**{f"{published(name, 'people')}__gte": MIN_ANSWERS,
                f"{published(name, 'n')}__gt": 0})


def municipality_share(cell: SurveyCell) -> list[int]:
    """What one kept cell adds to its municipality's sums (:data:`MUNICIPALITY_SUMS`), by
    the rule itself (:func:`tandem.core.release.counted`, :func:`tandem.core.release.summed`)
    over its **published** sums: a counted question's total and answers, an uncounted
    one's answers only (left out) — the Python twin of :func:`summed_by_municipality`,
    what ``tandem tallies --check`` holds the kept sums to. The cell itself, surveys sent
    and answered and whether it may give texts are live."""
    # A cell that may give texts: answered, by at least MIN_ANSWERS people (ENOUGH_PEOPLE).
    share = [1, cell.sent, cell.answered, int(cell.answered > 0 and cell.people >= MIN_ANSWERS)]
    for name in FIELDS:
        sums = rule.summed([rule.Cell(None, getattr(cell, published(name, "sum")),
                                      getattr(cell, published(name, "n")),
                                      getattr(cell, published(name, "people")))])
        share += [sums.total, sums.answers, sums.left_out]
    return share


def _cell_aggregates(*, waiting_too: bool) -> dict[str, Any]:
    """The kept cells summed by the rule (:func:`counted_q`, :func:`text_source`), named
    ``m_`` and :data:`MUNICIPALITY_SUMS`: one home for the summary's SQL over the cells
    and the municipalities' sums. Only cells with answers give texts. The cells that may
    give texts: of enough people (:func:`text_source`'s first half) and, unless
    ``waiting_too``, not waiting for a rebuild (its second half) — the municipalities
    keep the first and their reader subtracts the waiting ones. The questions' sums are
    the published ones (rule 5): a cell whose surveys are gone still gives what it
    published, and one never published gives nothing."""
    answered = Q(answered__gt=0)
    cell, not_waiting = text_source("organization_id")
    aggregates: dict[str, Any] = {
        "cells": Count("pk"), "sent": Sum("sent"), "answered": Sum("answered"),
        "text_cells": Count("pk", filter=answered & cell & (Q() if waiting_too
                                                             else not_waiting))}
    for name in FIELDS:
        counted = counted_q(name)
        aggregates[f"{name}_total"] = Sum(published(name, "sum"), filter=counted)
        aggregates[f"{name}_answers"] = Sum(published(name, "n"), filter=counted)
        aggregates[f"{name}_left_out"] = Sum(published(name, "n"), filter=~counted)
    # Named apart from the cell's own fields (an annotation may not shadow one).
    return {f"m_{key}": value for key, value in aggregates.items()}


@cache
def _cells_summed() -> QuerySet[SurveyCell, Any]:
    """The kept cells summed per (stage, year) by :func:`_cell_aggregates` (not waiting
    ones' texts), without a filter: :func:`satisfaction_summary` adds the request's
    organizations and years (a filter on the cell's own columns goes to ``WHERE``). The
    aggregates' shape — 19 conditional sums — is built once per process, not resolved
    again at every first view (issue #16). Never evaluated itself."""
    return (SurveyCell.objects.values("stage", "year").order_by()
            .annotate(**_cell_aggregates(waiting_too=False)))


def summed_by_municipality(cells: QuerySet[SurveyCell], *,
                      at: tuple[str, str] = ("organization__municipality",
                                             "organization__sector"),
                      ) -> list[dict[str, Any]]:
    """These kept cells summed per (municipality, sector, academic year, stage) of their
    organizations, as :class:`MunicipalitySurveyCell` keeps them (its fields by name).
    ``at``: the paths of the municipality and the sector a cell is summed at — by default
    its organization's place now, or where the organization's state records its cells
    are summed (``tallies.roll_up``). ``--check`` (``tallies.stale``) compares the kept
    sums with the cells summed in Python, not with this."""
    rows: Any = (cells.values("year", "stage", m_municipality=F(at[0]), m_sector=F(at[1]))
                 .order_by().annotate(**_cell_aggregates(waiting_too=True)))
    return [{"municipality_id": row["m_municipality"], "sector": row["m_sector"],
             "year": row["year"], "stage": row["stage"],
             **{key: row[f"m_{key}"] or 0 for key in MUNICIPALITY_SUMS}} for row in rows]


def satisfaction_summary(*, scope: Scope, filters: Filters,
                         today: dt.date | None = None) -> SatisfactionSummary:
    """Per stage (mid-term, final) and role: how many surveys went out and came back, and
    the released means of every 1–10 question (the release rule of
    :mod:`tandem.core.release` over the cells of the request). Reads the kept cells
    (:class:`SurveyCell`, kept by :mod:`tandem.surveys.tallies`), never the surveys: one
    query, whatever the data size — or, for whole regions or the country
    (:func:`tandem.access.filters.whole_regions`), their municipalities' kept sums
    (:class:`MunicipalitySurveyCell`: a few hundred rows, not thousands of cells) and the
    counted cells of organizations waiting for their rebuild (they give no texts), in
    one statement.
    Any filter is a set of organizations and whole academic years, so it is a union of
    cells; people are counted within a cell only, as the rule needs them.

    The cells are summed by the database per (stage, year) — a handful of rows, not the
    region's thousands of cells: each question's counted cells (:func:`counted_q`) give
    the total and the answers, the others the answers left out (:class:`rule.Sums`, which
    add up across cells), and the cells that may give texts are counted
    (:func:`text_source`). On ``t300k`` the region's 4,899 cells made into 24,495 Python
    cells cost 60–130 ms of CPU per view (issue #16)."""
    years, _start, _end = release_period(filters, today)
    rows: Any
    if whole_regions(scope, filters):
        # The municipalities' kept sums: a row per municipality, sector, year and stage
        # (a few hundred), not the region's thousands of cells.
        kept = municipality_sums(MunicipalitySurveyCell, scope, filters).filter(
            year__range=years)
        # Cells of organizations waiting for their rebuild give no texts (text_source's
        # second half): their cells that may give texts, subtracted — found from the marks
        # (nearly always none), not among the region's cells; in the same statement
        # (UNION ALL), one round trip.
        waiting = (SurveyCell.objects.filter(
            text_source("organization_id")[0], answered__gt=0, year__range=years,
            organization_id__in=SurveyCellMark.objects.values("organization_id"),
            organization__in=filters.organizations(scope))
            .values("stage", "year").order_by().annotate(**{
                f"m_{key}": -Count("pk") if key == "text_cells"
                else Value(0, output_field=IntegerField()) for key in MUNICIPALITY_SUMS}))
        rows = (kept.values("stage", "year").order_by()
                .annotate(**{f"m_{key}": Sum(key) for key in MUNICIPALITY_SUMS})
                .union(waiting, all=True))
    else:
        rows = _cells_summed().filter(organization__in=filters.organizations(scope),
                                      year__range=years)
    sent: dict[str, dict[str, int]] = {}
    sums: dict[tuple[str, str], rule.Sums] = {}
    text_cells: dict[tuple[str, int], int] = {}
    for row in rows:
        stage = row["stage"]
        counts = sent.setdefault(stage, {"sent": 0, "answered": 0})
        counts["sent"] += row["m_sent"] or 0
        counts["answered"] += row["m_answered"] or 0
        key = (stage, row["year"])
        text_cells[key] = text_cells.get(key, 0) + (row["m_text_cells"] or 0)
        for name in FIELDS:
            sums[name, stage] = sums.get((name, stage), rule.Sums()) + rule.Sums(
                row[f"m_{name}_total"] or 0, row[f"m_{name}_answers"] or 0,
                row[f"m_{name}_left_out"] or 0)
    text_years: dict[str, set[int]] = {stage: set() for stage in Survey.Stage.values}
    for (stage, year), n in text_cells.items():
        if n > 0:
            text_years[stage].add(year)
    return assemble(sent=sent, sums=sums, counted=text_years, years=years)


def assemble(*, sent: dict[str, dict[str, int]],
             sums: dict[tuple[str, str], rule.Sums],
             counted: dict[str, set[int]],
             years: tuple[int, int]) -> SatisfactionSummary:
    """The summary from the request's cells: ``sent`` — per stage, ``{"sent": …,
    "answered": …}``; ``sums`` — per (question, stage), the :class:`rule.Sums` of its
    cells; ``counted`` — per stage, the academic years with a cell of at least
    ``MIN_ANSWERS`` people (where free texts may come from)."""
    stages = []
    for stage, label in Survey.Stage.choices:
        counts = sent.get(stage, {})
        measures = []
        for name, role, text in MEASURES:
            released = rule.released(sums.get((name, stage), rule.Sums()))
            measures.append(Measure(field=name, role=role, label=str(text),
                                    n=released.answers, mean=released.mean,
                                    left_out=released.left_out))
        stages.append(StageSummary(stage=stage, label=str(label), sent=counts.get("sent", 0),
                                   answered=counts.get("answered", 0), measures=measures))
    overall = {name: rule.released(sum((sums.get((name, stage), rule.Sums())
                                        for stage in Survey.Stage.values), rule.Sums()))
               for name in FIELDS}
    return SatisfactionSummary(stages=stages, overall=overall, years=years,
                               counted={k: frozenset(v) for k, v in counted.items()})


@dataclass(frozen=True)
class FreeText:
    stage: str
    label: str
    answered: int
    shown: bool  # False: no counted cell in the group, texts withheld
    good: list[str]
    improve: list[str]


def free_texts(*, scope: Scope, filters: Filters,
               summary: SatisfactionSummary) -> list[FreeText]:
    """Free-text answers per stage, without names, sorted by their words, and only from
    counted cells (the release rule: never from a cell of fewer than MIN_ANSWERS people,
    :func:`text_source`). A cell's year is taken in its organization's region's zone, as
    the kept cells take it (:mod:`tandem.surveys.tallies`).

    :func:`text_source` is asked in its two halves: the kept cell's people inside the
    ``EXISTS`` on the cell, and "no mark" of the respondent's organization (the cell's
    own) on the answer itself. Nested in the cell's ``EXISTS``, the anti-join on the
    (nearly always empty) marks made PostgreSQL take the region's answers for a handful
    of rows and sort all of them (27,796 texts, 0.6–0.9 s on ``t300k``) instead of
    walking the text index to the 200th (issue #16).

    Whatever the number of organizations: one query for the time zones of the regions
    involved (one row a region), and at most two per stage — the surveys of the
    organizations in the filter whose cell is counted (a correlated ``EXISTS`` on the
    kept cell, by its unique key), read in the order of their words along a partial index
    (``survey_text_good_order``, ``survey_text_improve_order``: answered surveys with
    that text, by stage and the text's first :data:`TEXT_KEY` characters) and cut at
    :data:`TEXT_LIMIT` — the region's other texts are neither read nor sorted."""
    organizations = filters.organizations(scope)
    stages = [s for s in summary.stages if s.answered]
    zones: dict[str, list[int]] = defaultdict(list)
    if any(summary.counted.get(s.stage) for s in stages):
        for pk, name in (Region.objects.filter(municipalities__organizations__in=organizations)
                         .values_list("pk", "time_zone").distinct().order_by("pk")):
            zones[name].append(pk)
    _cell, organization_unmarked = text_source("organization_id")
    base = Survey.objects.filter(organization_unmarked,
                                 submitted_at__isnull=False,
                                 organization__in=organizations)
    result = []
    for s in stages:
        counted_years = summary.counted.get(s.stage, frozenset())
        shown = bool(counted_years)
        texts: dict[str, list[str]] = {"text_good": [], "text_improve": []}
        if shown:
            when = _counted_answers(stage=s.stage, years=sorted(counted_years),
                                    zones=zones)
            for name in texts:
                values = (base.filter(when, stage=s.stage).exclude(**{name: ""})
                          .order_by(Left(name, TEXT_KEY), name)
                          .values_list(name, flat=True)[:TEXT_LIMIT])
                texts[name] = [v.strip() for v in values if v.strip()]
        result.append(FreeText(stage=s.stage, label=s.label, answered=s.answered,
                               shown=shown, good=texts["text_good"],
                               improve=texts["text_improve"]))
    return result


def _counted_answers(*, stage: str, years: list[int], zones: dict[str, list[int]]) -> Q:
    """Answers of ``stage`` whose cell is counted: given in one of these academic years
    (its day in the zone of the respondent's organization's region — ``zones``: the
    regions of each zone name) and whose (organization, year, stage) cell holds at least
    MIN_ANSWERS people (the first half of :func:`text_source`; the other, no mark, is the
    caller's). With one zone (one region, as a rule) the region is not asked."""
    cell, _organization_unmarked = text_source("organization_id")
    when = Q(pk__in=[])
    for name, regions in sorted(zones.items()):
        tz = zone_named(name or None)
        in_zone = (Q(organization__municipality__region__in=regions)
                   if len(zones) > 1 else Q())
        for year in years:
            first, last = academic_year_bounds(year)
            counted = SurveyCell.objects.filter(  # and unmarked: free_texts' base
                cell, organization_id=OuterRef("organization_id"),
                year=year, stage=stage)
            when |= in_zone & Q(
                Exists(counted),
                submitted_at__gte=dt.datetime.combine(first, dt.time(), tz),
                submitted_at__lt=dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz))
    return when


# -- a teacher's own surveys ------------------------------------------------------------
def my_surveys(*, scope: Scope) -> QuerySet[Survey]:
    """The signed-in teacher's own surveys; nobody else's, whatever their role."""
    if scope.own_participant_id is None:
        return Survey.objects.none()
    return (Survey.objects.filter(participant_id=scope.own_participant_id)
            .select_related("pair__a", "pair__b").order_by("submitted_at", "due_on", "pk"))


def my_open_surveys(*, scope: Scope) -> QuerySet[Survey]:
    return my_surveys(scope=scope).filter(submitted_at__isnull=True).exclude(
        pair__status__in=[Pair.Status.ENDED_EARLY, Pair.Status.DECLINED])


def my_survey_get(*, scope: Scope, pk: int) -> Survey:
    """One of the teacher's own surveys; anyone else's id is a 404."""
    return get_object_or_404(my_surveys(scope=scope), pk=pk)
