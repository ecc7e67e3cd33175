"""Effectiveness figures from the database (formulas: tandem.core.effectiveness and
docs/effectiveness.md).

Everything is read through the user's :class:`~tandem.access.scope.Scope` and the
monitoring :class:`~tandem.monitoring.filters.Filters`. Only maps and rows of real pairs
count: rows and meetings are always reached through :class:`~tandem.pairs.models.Pair`,
so training-mode maps (a made-up pair from a case) never enter a figure.

Each function issues a fixed number of queries whatever the number of pairs or people:
unit-level figures are SQL aggregates; :func:`pair_figures` loads its inputs in five
batch queries and computes in the core.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from tandem.access.scope import Scope
from tandem.core import effectiveness as core
from tandem.core.effectiveness import AreaGain, PairFigures, UnitSummary
from tandem.diagnostics.models import Answer, Campaign, FrameworkVersion, Response
from tandem.maps.models import Meeting, Row
from tandem.monitoring.filters import Filters
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.surveys.models import Survey

__all__ = ["AreaGain", "PairFigures", "UnitSummary", "as_of", "gains_by_area",
           "pair_figures", "pairs_in", "unit_summary"]

SUBMITTED = Response.Status.SUBMITTED


def as_of(filters: Filters, today: dt.date | None = None) -> dt.date:
    """The day the figures describe: the end of the period, never later than today."""
    today = today or timezone.localdate()
    return min(filters.date_to, today) if filters.date_to else today


def pairs_in(*, scope: Scope, filters: Filters) -> QuerySet[Pair]:
    """The pairs of the filtered unit: either member works in one of its organizations
    (a municipal-pool pair belongs to both), and the term overlaps the period."""
    organizations = filters.organizations(scope)
    qs = Pair.objects.filter(Q(a__organization__in=organizations)
                             | Q(b__organization__in=organizations))
    if filters.date_from:
        qs = qs.filter(ends_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(starts_on__lte=filters.date_to)
    return qs


# -- per pair -----------------------------------------------------------------------------
def pair_figures(*, scope: Scope, filters: Filters,
                 pairs: Iterable[int | Pair] | QuerySet[Pair] | None = None,
                 today: dt.date | None = None) -> list[PairFigures]:
    """Both directions of every pair of the unit (or of ``pairs`` among them), ordered by
    organization and pair. Five queries, whatever the number of pairs."""
    day = as_of(filters, today)
    qs = pairs_in(scope=scope, filters=filters)
    if pairs is not None:
        if isinstance(pairs, QuerySet):
            qs = qs.filter(pk__in=pairs.values("pk"))  # type: ignore[misc]
        else:
            qs = qs.filter(pk__in=[p.pk if isinstance(p, Pair) else p for p in pairs])
    ids = qs.values("pk")
    chosen = list(qs.select_related("a", "b", "organization")
                  .order_by("organization__short_name", "pk"))
    if not chosen:
        return []

    rows: dict[tuple[int, str], list[core.PlanRow]] = defaultdict(list)
    for pair_id, direction, code, current, target, deadline, done_at, product in (
            Row.objects.filter(map__pair__in=ids).order_by("direction", "order", "pk")
            .values_list("map__pair_id", "direction", "competency", "current_level",
                         "target_level", "deadline", "done_at", "product")):
        rows[pair_id, direction].append(
            core.PlanRow(code, current, target, deadline, done_at, product))

    meetings: dict[int, list[tuple[dt.date, bool]]] = defaultdict(list)
    for pair_id, date, planned in (Meeting.objects.filter(pair__in=ids)
                                   .values_list("pair_id", "date", "planned")):
        meetings[pair_id].append((date, planned))

    rounds = _learner_rounds(ids, {r.competency for rs in rows.values() for r in rs})

    result = []
    for pair in chosen:
        directions = []
        for direction, learner in ((core.A_TO_B, pair.b_id), (core.B_TO_A, pair.a_id)):
            before, finals = _rounds_for(rounds.get(learner, []), pair, day)
            directions.append(core.direction_figures(
                direction, rows.get((pair.pk, direction), []),
                before=before, finals=finals, as_of=day))
        span = core.window(pair.starts_on, pair.ends_on, as_of=day,
                           date_from=filters.date_from)
        result.append(PairFigures(
            pair_id=pair.pk, status=pair.status, starts_on=pair.starts_on,
            ends_on=pair.ends_on, a_to_b=directions[0], b_to_a=directions[1],
            meetings=core.meeting_figures(meetings.get(pair.pk, []), span),
            a_name=pair.a.short_name, b_name=pair.b.short_name,
            organization=pair.organization.short_name,
            organization_id=pair.organization_id))
    return result


# (kind, campaign starts_on, campaign ends_on, response pk, {competency: level})
_Round = tuple[str, dt.date, dt.date, int, dict[str, int | None]]


def _learner_rounds(pair_ids: QuerySet[Any], codes: set[str]) -> dict[int, list[_Round]]:
    """Every submitted diagnostics round of the pairs' members, with the levels of the
    competencies their maps plan (two queries)."""
    in_a_pair = Pair.objects.filter(pk__in=pair_ids).filter(
        Q(a=OuterRef("participant")) | Q(b=OuterRef("participant")))
    responses = Response.objects.filter(Exists(in_a_pair), status=SUBMITTED)
    levels: dict[int, dict[str, int | None]] = defaultdict(dict)
    if codes:
        for response_id, code, level in (Answer.objects
                                         .filter(response__in=responses.values("pk"),
                                                 competency__in=sorted(codes))
                                         .values_list("response_id", "competency", "level")):
            levels[response_id][code] = level
    result: dict[int, list[_Round]] = defaultdict(list)
    for pk, participant, kind, starts_on, ends_on in responses.values_list(
            "pk", "participant_id", "campaign__kind", "campaign__starts_on",
            "campaign__ends_on"):
        result[participant].append((kind, starts_on, ends_on, pk, levels.get(pk, {})))
    for items in result.values():
        items.sort(key=lambda r: (r[2], r[1], r[3]))
    return result


def _rounds_for(rounds: list[_Round], pair: Pair, day: dt.date
                ) -> tuple[dict[str, int | None], list[dict[str, int | None]]]:
    """The learner's initial levels for this pair (the latest initial round that began by
    the pair's start) and the final rounds that count for it (ended on or after the
    pair's start, begun by ``day``), oldest first."""
    initial = [r for r in rounds if r[0] == Campaign.Kind.INITIAL and r[1] <= pair.starts_on]
    finals = [r[4] for r in rounds if r[0] == Campaign.Kind.FINAL
              and r[2] >= pair.starts_on and r[1] <= day]
    return (initial[-1][4] if initial else {}), finals


# -- per unit ------------------------------------------------------------------------------
def _closed_q(day: dt.date) -> Q:
    """SQL twin of the core rule, for a Row: some final round of the learner that ended on
    or after the pair's start and began by ``day`` reached the row's target."""
    def reached(learner: str) -> Exists:
        return Exists(Answer.objects.filter(
            response__participant=OuterRef(f"map__pair__{learner}"),
            response__status=SUBMITTED,
            response__campaign__kind=Campaign.Kind.FINAL,
            response__campaign__ends_on__gte=OuterRef("map__pair__starts_on"),
            response__campaign__starts_on__lte=day,
            competency=OuterRef("competency"),
            level__gte=OuterRef("target_level")))
    return (Q(direction=Row.Direction.A_TO_B) & Q(reached("b"))) | (
        Q(direction=Row.Direction.B_TO_A) & Q(reached("a")))


def unit_summary(*, scope: Scope, filters: Filters,
                 today: dt.date | None = None) -> UnitSummary:
    """The unit's figures (and, through :meth:`UnitSummary.kirkpatrick`, the four levels).
    About ten queries, whatever the size of the unit."""
    day = as_of(filters, today)
    pairs = pairs_in(scope=scope, filters=filters)
    ids = pairs.values("pk")

    people = Participant.objects.filter(organization__in=filters.organizations(scope),
                                        is_active=True).aggregate(
        active=Count("pk"),
        in_pairs=Count("pk", filter=Q(Exists(pairs.filter(a=OuterRef("pk"))))
                       | Q(Exists(pairs.filter(b=OuterRef("pk"))))))

    status = Pair.Status
    by_status = Pair.objects.filter(pk__in=ids).aggregate(
        total=Count("pk"),
        waiting=Count("pk", filter=Q(status=status.APPROVED)),
        active=Count("pk", filter=Q(status=status.ACTIVE)),
        completed=Count("pk", filter=Q(status=status.COMPLETED)),
        ended_early=Count("pk", filter=Q(status=status.ENDED_EARLY)))

    real_rows = Row.objects.filter(map__pair__in=ids)
    closed = _closed_q(day)
    done = Q(done_at__isnull=False, done_at__lte=day)
    rows = real_rows.aggregate(
        planned=Count("pk"), closed=Count("pk", filter=closed), done=Count("pk", filter=done),
        overdue=Count("pk", filter=~done & Q(deadline__lt=day)),
        products=Count("pk", filter=done & ~Q(product="")))
    all_closed = (real_rows.filter(map__pair__status=status.COMPLETED)
                  .values("map__pair").annotate(n=Count("pk"), c=Count("pk", filter=closed))
                  .filter(c=F("n")).count())

    held, planned = _meetings(pairs, filters, day)
    satisfaction = _satisfaction(ids, filters)
    return UnitSummary(
        participants_active=people["active"], participants_in_pairs=people["in_pairs"],
        pairs_total=by_status["total"], pairs_waiting=by_status["waiting"],
        pairs_active=by_status["active"], pairs_completed=by_status["completed"],
        pairs_ended_early=by_status["ended_early"], pairs_completed_all_closed=all_closed,
        deficits_planned=rows["planned"], deficits_closed=rows["closed"],
        tasks_planned=rows["planned"], tasks_done=rows["done"],
        tasks_overdue=rows["overdue"], products=rows["products"],
        meetings_held=held, meetings_planned=planned,
        mentee_satisfaction=satisfaction["mentee_benefit"],
        mentor_satisfaction=satisfaction["mentor_satisfaction"],
        recommend=satisfaction["recommend"],
        gains=tuple(gains_by_area(scope=scope, filters=filters, today=today)))


def _meetings(pairs: QuerySet[Pair], filters: Filters, day: dt.date) -> tuple[int, int]:
    """(held, planned) over the pairs: the counts per pair come from one grouped query,
    the norm of each pair from its dates (two queries; the sum runs over pairs, not
    meetings)."""
    inside = Meeting.objects.filter(pair__in=pairs.values("pk"),
                                    date__gte=F("pair__starts_on"),
                                    date__lte=F("pair__ends_on")).filter(date__lte=day)
    if filters.date_from:
        inside = inside.filter(date__gte=filters.date_from)
    held_same_day = Meeting.objects.filter(pair=OuterRef("pair"), date=OuterRef("date"),
                                           planned=False)
    counts = {pair_id: (held, scheduled) for pair_id, held, scheduled in (
        inside.annotate(covered=Exists(held_same_day)).values("pair")
        .annotate(held=Count("pk", filter=Q(planned=False)),
                  scheduled=Count("pk", filter=Q(planned=True, covered=False)))
        .values_list("pair", "held", "scheduled"))}
    total_held = total_planned = 0
    for pk, starts_on, ends_on in pairs.values_list("pk", "starts_on", "ends_on"):
        held, scheduled = counts.get(pk, (0, 0))
        figures = core.MeetingFigures(
            held, scheduled, core.cadence_norm(core.window(
                starts_on, ends_on, as_of=day, date_from=filters.date_from)))
        total_held += figures.held
        total_planned += figures.planned
    return total_held, total_planned


SATISFACTION_FIELDS = ("mentee_benefit", "mentee_support", "mentor_satisfaction",
                       "mentor_engagement", "recommend")


def _satisfaction(pair_ids: QuerySet[Any], filters: Filters) -> dict[str, core.Satisfaction]:
    """Each 1–10 question over the submitted answers of the unit's pairs in the period,
    withheld under the 3-answer rule (one query)."""
    surveys = Survey.objects.filter(pair__in=pair_ids, submitted_at__isnull=False)
    if filters.date_from:
        surveys = surveys.filter(submitted_at__date__gte=filters.date_from)
    if filters.date_to:
        surveys = surveys.filter(submitted_at__date__lte=filters.date_to)
    aggregates: dict[str, Any] = {}
    for name in SATISFACTION_FIELDS:
        answered = Q(**{f"{name}__isnull": False})
        aggregates[f"{name}__sum"] = Sum(name)
        aggregates[f"{name}__n"] = Count("pk", filter=answered)
        aggregates[f"{name}__people"] = Count("participant", filter=answered, distinct=True)
    values = surveys.aggregate(**aggregates)
    return {name: core.satisfaction(values[f"{name}__sum"] or 0, values[f"{name}__n"],
                                    values[f"{name}__people"])
            for name in SATISFACTION_FIELDS}


def satisfaction(*, scope: Scope, filters: Filters) -> dict[str, core.Satisfaction]:
    """Every survey question of the unit's pairs: mean (or withheld) and answer count."""
    return _satisfaction(pairs_in(scope=scope, filters=filters).values("pk"), filters)


# -- before / after by competency area ---------------------------------------------------
def gains_by_area(*, scope: Scope, filters: Filters,
                  today: dt.date | None = None) -> list[AreaGain]:
    """Mean level per competency area in the initial and in the final round, over the
    people of the unit who submitted both a final round (whose dates overlap the period)
    and its baseline. Areas in the framework's order; three queries."""
    day = as_of(filters, today)
    finals = Campaign.objects.filter(kind=Campaign.Kind.FINAL, baseline__isnull=False,
                                     starts_on__lte=day)
    if filters.date_from:
        finals = finals.filter(ends_on__gte=filters.date_from)
    organizations = filters.organizations(scope)
    baseline_answered = Response.objects.filter(
        participant=OuterRef("participant"), campaign=OuterRef("campaign__baseline"),
        status=SUBMITTED)
    final_responses = Response.objects.filter(
        campaign__in=finals, status=SUBMITTED, participant__organization__in=organizations
    ).filter(Exists(baseline_answered))
    initial_responses = Response.objects.filter(status=SUBMITTED).filter(Exists(
        final_responses.filter(participant=OuterRef("participant"),
                               campaign__baseline=OuterRef("campaign"))))

    versions = FrameworkVersion.objects.filter(
        Q(pk__in=finals.values("framework")) | Q(pk__in=finals.values("baseline__framework"))
    ).order_by("number")
    area_of: dict[str, str] = {}
    names: dict[str, str] = {}
    order: list[str] = []
    for version in versions:  # later versions win for names and order
        order = [a["code"] for a in version.areas] + [a for a in order if a not in
                                                      {x["code"] for x in version.areas}]
        for item in version.areas:
            names[item["code"]] = item["name"]
            for competency in item["competencies"]:
                area_of[competency["code"]] = item["code"]
    if not area_of:
        return []
    by_area: dict[str, list[str]] = defaultdict(list)
    for code, area_code in area_of.items():
        by_area[area_code].append(code)
    area = Case(*[When(competency__in=sorted(codes), then=Value(a))
                  for a, codes in sorted(by_area.items())],
                default=Value(""), output_field=CharField())
    initial = Q(response__campaign__kind=Campaign.Kind.INITIAL)
    final = Q(response__campaign__kind=Campaign.Kind.FINAL)
    found = {row["area"]: row for row in (
        Answer.objects.filter(Q(response__in=final_responses.values("pk"))
                              | Q(response__in=initial_responses.values("pk")),
                              level__isnull=False)
        .annotate(area=area).values("area")
        .annotate(before=Avg("level", filter=initial), after=Avg("level", filter=final),
                  people=Count("response__participant", filter=final, distinct=True))
        .order_by("area"))}
    return [AreaGain(area=code, name=names.get(code, code),
                     mean_before=found[code]["before"], mean_after=found[code]["after"],
                     people=found[code]["people"])
            for code in order if code in found]
