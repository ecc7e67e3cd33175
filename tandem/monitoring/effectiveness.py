"""Effectiveness figures from the database (formulas: tandem.core.effectiveness and
docs/effectiveness.md).

Everything is read through the user's :class:`~tandem.access.scope.Scope` and the
monitoring :class:`~tandem.access.filters.Filters`. Only maps and rows of real pairs
count: rows and meetings are always reached through :class:`~tandem.pairs.models.Pair`,
so training-mode maps (a made-up pair from a case) never enter a figure.

Each function issues a fixed number of queries whatever the number of pairs or people:
unit-level figures are SQL aggregates summed per pair by one function (:func:`pair_groups`:
the live totals, the breakdown by organization and the figures kept per organization all
call it); :func:`pair_figures` loads its inputs in five batch queries (three without the
levels) and computes in the core.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone

from tandem.access.filters import (
    Filters,
    municipality_sums,
    overlapping_q,
    region_sums,
    whole_regions,
)
from tandem.access.scope import Scope
from tandem.core import effectiveness as core
from tandem.core import release
from tandem.core.effectiveness import AreaGain, GainFigures, PairFigures, UnitSummary
from tandem.core.text import sort_key
from tandem.diagnostics.models import (
    Answer,
    Campaign,
    FrameworkVersion,
    MunicipalityGainTally,
    PublishedGain,
    RegionGainTally,
    Response,
    gain_counted_q,
    gain_published_q,
)
from tandem.maps.models import Meeting, Row
from tandem.pairs.models import Pair
from tandem.pairs.querysets import (
    MEMBER,
    PairQuerySet,
    meeting_held_q,
    task_done_q,
    task_overdue_q,
)
from tandem.people.models import Participant

if TYPE_CHECKING:
    from tandem.surveys.selectors import SatisfactionSummary

__all__ = ["BY_MEMBERS", "BY_OWNER", "PAIR_FIELDS", "SATISFACTION_FIELDS", "AreaGain",
           "GainFigures",
           "OrganizationFigures", "PairFigures", "UnitSummary", "as_of", "by_organization",
           "gains_by_area", "pair_figures", "pair_figures_flagged", "pair_groups", "pairs_in",
           "people_counts", "released_satisfaction", "satisfaction", "unit_counts",
           "unit_summary"]

SUBMITTED = Response.Status.SUBMITTED


def as_of(filters: Filters, today: dt.date | None = None) -> dt.date:
    """The day the figures describe: the end of the period, never later than today."""
    today = today or timezone.localdate()
    return min(filters.date_to, today) if filters.date_to else today


def pairs_in(*, scope: Scope, filters: Filters) -> PairQuerySet:
    """The pairs of the filtered unit: ``Pair.objects.formed().of_unit(…, by=MEMBER)`` (either
    member works in one of its organizations: a municipal-pool pair belongs to both) whose
    term overlaps the period (``.overlapping``)."""
    ids = filters.organization_ids(scope)  # a curator's: by value (see of_unit)
    unit = filters.organizations(scope) if ids is None else ids
    return Pair.objects.formed().of_unit(unit, by=MEMBER).overlapping(filters)


# -- per pair -----------------------------------------------------------------------------
# Up to this many pairs are passed to the queries of their rows and meetings by id (as
# the answers, below: SQLite's limit on parameters).
PAIRS_BY_ID_UP_TO = 10_000


# What :func:`pair_figures` reads of each pair: columns, not model instances (a curator's
# two dozen pairs with their members and organizations were a hundred objects built to
# be read once — a sixth of the stuck pairs' CPU, issue #16).
_NAMES = Participant.NAME_FIELDS
_PAIR_COLUMNS = ("pk", "status", "starts_on", "ends_on", "a_id", "b_id", "organization_id",
                 "organization__short_name", *(f"a__{f}" for f in _NAMES),
                 *(f"b__{f}" for f in _NAMES))


def pair_figures(*, scope: Scope, filters: Filters,
                 pairs: Iterable[int | Pair] | QuerySet[Pair] | None = None,
                 statuses: Iterable[str] | None = None, today: dt.date | None = None,
                 levels: bool = True) -> list[PairFigures]:
    """Both directions of every pair of the unit (or of ``pairs`` among them), ordered by
    organization and pair, only those of ``statuses`` if given. Five queries, whatever
    the number of pairs.

    ``levels=False`` skips the learners' diagnostics rounds (two of the queries, and at
    300,000 teachers the costly ones): plans, tasks and meetings only, for readers that
    need nothing else — the stuck rule (:func:`tandem.core.effectiveness.stuck_reasons`).
    The figures then know no level: no deficit is closed or assessed, no gain measured."""
    return [figures for figures, _flags in pair_figures_flagged(
        scope=scope, filters=filters, pairs=pairs, statuses=statuses, today=today,
        levels=levels)]


def pair_figures_flagged(*, scope: Scope, filters: Filters,
                         pairs: Iterable[int | Pair] | QuerySet[Pair] | None = None,
                         statuses: Iterable[str] | None = None,
                         today: dt.date | None = None, levels: bool = True,
                         flags: dict[str, Any] | None = None,
                         ) -> list[tuple[PairFigures, dict[str, Any]]]:
    """:func:`pair_figures`, each pair's figures with ``flags``: expressions of the pair
    (an ``Exists`` of a rule's home, ``Pair.objects.filter(pk=OuterRef("pk")).…``) read
    in the same query as the pairs — a rule asked of the same pairs costs no query of
    its own (the stuck pairs' «карта не согласована»)."""
    flags = flags or {}
    day = as_of(filters, today)
    qs = pairs_in(scope=scope, filters=filters)
    if pairs is not None:
        if isinstance(pairs, QuerySet):
            qs = qs.filter(pk__in=pairs.values("pk"))  # type: ignore[misc]
        else:
            qs = qs.filter(pk__in=[p.pk if isinstance(p, Pair) else p for p in pairs])
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    names = len(_NAMES)
    # Sorted here (the organizations' names as people read them), not in the database.
    chosen = sorted(qs.annotate(**flags).order_by()
                    .values_list(*_PAIR_COLUMNS, *flags),
                    key=lambda p: (sort_key(p[7]), p[0]))
    if not chosen:
        return []
    # The pairs are known by now: name them, so the unit's rule (members' organizations,
    # joined over all participants) is not evaluated again for each query below; a very
    # large unit keeps the subquery (SQLite's limit on parameters).
    ids: Any = ([p[0] for p in chosen] if len(chosen) <= PAIRS_BY_ID_UP_TO
                else qs.values("pk"))

    rows: dict[tuple[int, str], list[core.PlanRow]] = defaultdict(list)
    for pair_id, direction, code, current, target, deadline, done_at, product in (
            Row.objects.filter(map__pair__in=ids).order_by("direction", "order", "pk")
            .values_list("map__pair_id", "direction", "competency", "current_level",
                         "target_level", "deadline", "done_at", "product")):
        rows[pair_id, direction].append(
            core.PlanRow(code, current, target, deadline, done_at, product))

    meetings: dict[int, list[tuple[dt.date, bool]]] = defaultdict(list)
    for pair_id, date, planned in (Meeting.objects.filter(pair__in=ids).order_by()
                                   .values_list("pair_id", "date", "planned")):
        meetings[pair_id].append((date, planned))

    rounds = (_learner_rounds(ids, {r.competency for rs in rows.values() for r in rs})
              if levels else {})

    result = []
    for pk, status, starts_on, ends_on, a_id, b_id, organization_id, organization, *rest in (
            chosen):
        a_name, b_name = rest[:names], rest[names:2 * names]
        directions = []
        for direction, learner in ((core.A_TO_B, b_id), (core.B_TO_A, a_id)):
            before, finals = _rounds_for(rounds.get(learner, []), starts_on, day)
            directions.append(core.direction_figures(
                direction, rows.get((pk, direction), []),
                before=before, finals=finals, as_of=day))
        span = core.window(starts_on, ends_on, as_of=day, date_from=filters.date_from)
        held = meetings.get(pk, [])
        result.append((PairFigures(
            pair_id=pk, status=status, starts_on=starts_on,
            ends_on=ends_on, a_to_b=directions[0], b_to_a=directions[1],
            meetings=core.meeting_figures(held, span),
            a_name=Participant.short_name_of(*a_name),
            b_name=Participant.short_name_of(*b_name),
            organization=organization, organization_id=organization_id,
            last_held_on=core.last_held_on(held, day)),
            dict(zip(flags, rest[2 * names:], strict=True))))
    return result


# Up to this many questionnaires are passed to the answers' query by id (SQLite accepts
# 32,766 parameters in a statement; PostgreSQL many more).
ANSWERS_BY_ID_UP_TO = 10_000

# (kind, campaign starts_on, campaign ends_on, response pk, {competency: level})
_Round = tuple[str, dt.date, dt.date, int, dict[str, int | None]]


def _learner_rounds(pair_ids: Any, codes: set[str]) -> dict[int, list[_Round]]:
    """Every submitted diagnostics round of the pairs' members, with the levels of the
    competencies their maps plan (two queries)."""
    pairs = Pair.objects.filter(pk__in=pair_ids)
    # IN, not a correlated EXISTS: PostgreSQL hashes the members once.
    responses = Response.objects.filter(Q(participant__in=pairs.values("a"))
                                        | Q(participant__in=pairs.values("b")),
                                        status=SUBMITTED)
    found = list(responses.values_list("pk", "participant_id", "campaign__kind",
                                       "campaign__starts_on", "campaign__ends_on"))
    levels: dict[int, dict[str, int | None]] = defaultdict(dict)
    if codes and found:
        # The responses are known by now: name them when there are not too many. The
        # planner cannot estimate "member as A or as B" and, given the subquery, read all
        # 1.2 million answers at 30,000 participants (0.2 s for one organization's 1,700
        # questionnaires); given the ids, it reads them by the (response, competency)
        # index. Still one query; a very large unit keeps the subquery.
        chosen: Any = ([r[0] for r in found] if len(found) <= ANSWERS_BY_ID_UP_TO
                       else responses.values("pk"))
        for response_id, code, level in (Answer.objects
                                         .filter(response__in=chosen,
                                                 competency__in=sorted(codes))
                                         .values_list("response_id", "competency", "level")):
            levels[response_id][code] = level
    result: dict[int, list[_Round]] = defaultdict(list)
    for pk, participant, kind, starts_on, ends_on in found:
        result[participant].append((kind, starts_on, ends_on, pk, levels.get(pk, {})))
    for items in result.values():
        items.sort(key=lambda r: (r[2], r[1], r[3]))
    return result


def _rounds_for(rounds: list[_Round], starts_on: dt.date, day: dt.date
                ) -> tuple[dict[str, int | None], list[dict[str, int | None]]]:
    """The learner's initial levels for a pair that starts on ``starts_on`` (the latest
    initial round that began by the pair's start) and the final rounds that count for it
    (ended on or after the pair's start, begun by ``day``), oldest first."""
    initial = [r for r in rounds if r[0] == Campaign.Kind.INITIAL and r[1] <= starts_on]
    finals = [r[4] for r in rounds if r[0] == Campaign.Kind.FINAL
              and r[2] >= starts_on and r[1] <= day]
    return (initial[-1][4] if initial else {}), finals


# -- per unit ------------------------------------------------------------------------------
def _reached(learner: str, day: dt.date, pairs: QuerySet[Pair]) -> Exists:
    """SQL twin of the core rule for a Row whose learner is the pair's ``learner`` ("a" or
    "b"): some final round of the learner that ended on or after the pair's start and
    began by ``day`` reached the row's target. ``pairs`` (those of the rows) only narrows
    the answers PostgreSQL hashes to the learners of the unit's pairs: the correlation
    already implies it, but without it a curator's view hashed every final answer of
    the region."""
    return Exists(Answer.objects.filter(
        response__participant__in=pairs.values(learner),
        response__participant=OuterRef(f"map__pair__{learner}"),
        response__status=SUBMITTED,
        response__campaign__kind=Campaign.Kind.FINAL,
        response__campaign__ends_on__gte=OuterRef("map__pair__starts_on"),
        response__campaign__starts_on__lte=day,
        competency=OuterRef("competency"),
        level__gte=OuterRef("target_level")))


def _closed_by_pair(rows: QuerySet[Row], day: dt.date,
                    pairs: QuerySet[Pair]) -> dict[tuple[int, str], int]:
    """Closed rows per (pair, pair status): one query per direction. Each EXISTS stands
    alone in WHERE, so PostgreSQL runs it as one hash semi-join rather than a lookup per
    row (an EXISTS inside COUNT(...) FILTER or behind OR cannot be pulled up)."""
    result: dict[tuple[int, str], int] = defaultdict(int)
    for direction, learner in ((Row.Direction.A_TO_B, "b"), (Row.Direction.B_TO_A, "a")):
        for pair_id, status, n in (rows.filter(direction=direction)
                                   .filter(_reached(learner, day, pairs))
                                   .values("map__pair", "map__pair__status")
                                   .annotate(n=Count("pk")).order_by()
                                   .values_list("map__pair", "map__pair__status", "n")):
            result[pair_id, status] += n
    return result


def unit_summary(*, scope: Scope, filters: Filters, today: dt.date | None = None,
                 released: dict[str, core.Satisfaction] | None = None,
                 counts: dict[str, int] | None = None) -> UnitSummary:
    """The unit's figures (and, through :meth:`UnitSummary.kirkpatrick`, the four levels).
    The pair and people counts of the standard view (no period) come from the figures
    kept per organization (:func:`tandem.monitoring.tallies.summary`, two queries) when
    they are current (``counts``: the caller read them already), else from
    :func:`unit_counts`; satisfaction and gains as ever."""
    # The kept figures are built on this module's rules (pair_groups): read them late.
    from tandem.monitoring import tallies

    day = as_of(filters, today)
    counts = (counts or tallies.summary(filters.organizations(scope), filters, day)
              or unit_counts(scope=scope, filters=filters, today=today))
    satisfaction = (released if released is not None
                    else released_satisfaction(scope=scope, filters=filters, today=today))
    gains = gains_by_area(scope=scope, filters=filters, today=today)
    return UnitSummary(
        participants_active=counts["participants_active"],
        participants_in_pairs=counts["participants_in_pairs"],
        pairs_total=counts["pairs_total"], pairs_waiting=counts["pairs_waiting"],
        pairs_active=counts["pairs_active"], pairs_completed=counts["pairs_completed"],
        pairs_ended_early=counts["pairs_ended_early"],
        pairs_completed_all_closed=counts["pairs_completed_all_closed"],
        deficits_planned=counts["rows_planned"], deficits_closed=counts["rows_closed"],
        tasks_planned=counts["rows_planned"], tasks_done=counts["tasks_done"],
        tasks_overdue=counts["tasks_overdue"], products=counts["products"],
        meetings_held=counts["meetings_held"], meetings_planned=counts["meetings_planned"],
        mentee_satisfaction=satisfaction["mentee_benefit"],
        mentor_satisfaction=satisfaction["mentor_satisfaction"],
        recommend=satisfaction["recommend"],
        gains=gains.areas, gains_left_out=gains.left_out,
        gains_pending_until=gains.pending_until)


# The pair figures of a unit without its people (the fields of the figures kept per pair
# of organizations, tandem.monitoring.models.PairTally).
PAIR_FIELDS = ("pairs_total", "pairs_waiting", "pairs_active", "pairs_completed",
               "pairs_ended_early", "pairs_completed_all_closed", "rows_planned",
               "rows_closed", "tasks_done", "tasks_overdue", "products", "meetings_held",
               "meetings_planned")
# Who asks for what pair_groups sums by: the kept figures (the organizations of A and B),
# a breakdown by organization (the pair's own), a unit's total (nothing).
BY_MEMBERS = ("a_organization_id", "b_organization_id")
BY_OWNER = ("organization_id", "organization__short_name", "organization__municipality_id")


def pair_groups(pairs: QuerySet[Pair], day: dt.date, *, date_from: dt.date | None = None,
                by: tuple[str, ...] = BY_MEMBERS) -> dict[tuple[Any, ...], dict[str, int]]:
    """The pairs' figures (:data:`PAIR_FIELDS`) as of ``day``, meetings counted from
    ``date_from`` on, summed per value of the pair fields ``by`` (``()``: one group).
    The one home of the rules of a unit's pair figures — the status of each pair, rows
    done / overdue / with a product, closed rows (:func:`_closed_by_pair`), completed
    pairs with every row closed, meetings held and planned by the cadence norm — for
    the live totals (:func:`unit_counts`), the breakdown (:func:`by_organization`) and
    the kept figures (:mod:`tandem.monitoring.tallies`). Five queries, whatever the
    number of pairs; Python runs over pairs, not rows or meetings. A pair that enters
    ``pairs`` between these queries (a write committed meanwhile) is left out of all of
    them, as if read a moment earlier."""
    status = Pair.Status
    field_of: dict[str, str] = {status.APPROVED: "pairs_waiting", status.ACTIVE: "pairs_active",
                                status.COMPLETED: "pairs_completed",
                                status.ENDED_EARLY: "pairs_ended_early"}
    group_of: dict[int, tuple[Any, ...]] = {}
    completed: set[int] = set()
    result: dict[tuple[Any, ...], dict[str, int]] = {}
    terms: dict[int, tuple[dt.date, dt.date]] = {}
    for pk, pair_status, starts_on, ends_on, *key in pairs.values_list(
            "pk", "status", "starts_on", "ends_on", *by):
        group_of[pk] = group = tuple(key)
        terms[pk] = (starts_on, ends_on)
        if pair_status == status.COMPLETED:
            completed.add(pk)
        figures = result.setdefault(group, dict.fromkeys(PAIR_FIELDS, 0))
        figures["pairs_total"] += 1
        figures[field_of[pair_status]] += 1
    if not group_of:
        return result

    rows = Row.objects.filter(map__pair__in=pairs.values("pk"))
    done = task_done_q(day)
    planned: dict[int, int] = {}
    for pk, n, done_n, overdue, products in (
            rows.values("map__pair").order_by()
            .annotate(n=Count("pk"), done=Count("pk", filter=done),
                      overdue=Count("pk", filter=task_overdue_q(day)),
                      products=Count("pk", filter=done & ~Q(product="")))
            .values_list("map__pair", "n", "done", "overdue", "products")):
        if pk not in group_of:  # entered the set after the first read (no snapshot here)
            continue
        planned[pk] = n
        figures = result[group_of[pk]]
        figures["rows_planned"] += n
        figures["tasks_done"] += done_n
        figures["tasks_overdue"] += overdue
        figures["products"] += products
    closed: dict[int, int] = defaultdict(int)
    for (pk, _status), n in _closed_by_pair(rows, day, pairs).items():
        if pk not in group_of:
            continue
        closed[pk] += n
        result[group_of[pk]]["rows_closed"] += n
    for pk in completed:  # a completed pair without rows has nothing closed
        if planned.get(pk) and closed.get(pk, 0) == planned[pk]:
            result[group_of[pk]]["pairs_completed_all_closed"] += 1

    counts = _meeting_counts(pairs, day, date_from)
    for pk, (starts_on, ends_on) in terms.items():
        held, scheduled = counts.get(pk, (0, 0))
        meetings = core.MeetingFigures(held, scheduled, core.cadence_norm(core.window(
            starts_on, ends_on, as_of=day, date_from=date_from)))
        result[group_of[pk]]["meetings_held"] += meetings.held
        result[group_of[pk]]["meetings_planned"] += meetings.planned
    return result


def people_counts(people: QuerySet[Participant],
                  pairs: QuerySet[Pair]) -> dict[int, tuple[int, int]]:
    """(active people, those of them members of ``pairs``) per organization, among
    ``people`` (one query)."""
    in_pairs = Q(pk__in=pairs.values("a")) | Q(pk__in=pairs.values("b"))
    return {pk: (active, members) for pk, active, members in (
        people.filter(is_active=True).values("organization_id").order_by()
        .annotate(active=Count("pk"), members=Count("pk", filter=in_pairs))
        .values_list("organization_id", "active", "members"))}


def unit_counts(*, scope: Scope, filters: Filters,
                today: dt.date | None = None) -> dict[str, int]:
    """The unit's pair and people counts computed live: :func:`pair_groups` over the
    unit's pairs (:func:`pairs_in`) in one group, and :func:`people_counts` of its
    organizations (the keys of :data:`PAIR_FIELDS` and the two people counts). Six
    queries, whatever the size of the unit."""
    day = as_of(filters, today)
    pairs = pairs_in(scope=scope, filters=filters)
    people = people_counts(Participant.objects.filter(
        organization__in=filters.organizations(scope)), pairs).values()
    figures = (pair_groups(pairs, day, date_from=filters.date_from, by=()).get(())
               or dict.fromkeys(PAIR_FIELDS, 0))
    return {"participants_active": sum(active for active, _m in people),
            "participants_in_pairs": sum(members for _a, members in people), **figures}


def _meeting_counts(pairs: QuerySet[Pair], day: dt.date,
                    date_from: dt.date | None) -> dict[int, tuple[int, int]]:
    """Per pair with meetings in its term up to ``day`` (and from ``date_from``): (held,
    scheduled and not held — no held one on that date); one grouped query."""
    inside = Meeting.objects.filter(pair__in=pairs.values("pk"),
                                    date__gte=F("pair__starts_on"),
                                    date__lte=F("pair__ends_on")).filter(date__lte=day)
    if date_from:
        inside = inside.filter(date__gte=date_from)
    was_held = meeting_held_q(day)
    held_same_day = Meeting.objects.filter(was_held, pair=OuterRef("pair"),
                                           date=OuterRef("date"))
    return {pair_id: (held, scheduled) for pair_id, held, scheduled in (
        inside.annotate(covered=Exists(held_same_day)).values("pair")
        .annotate(held=Count("pk", filter=was_held),
                  scheduled=Count("pk", filter=Q(planned=True, covered=False)))
        .values_list("pair", "held", "scheduled"))}


SATISFACTION_FIELDS = ("mentee_benefit", "mentee_support", "mentor_satisfaction",
                       "mentor_engagement", "recommend")


def released_satisfaction(*, scope: Scope, filters: Filters, today: dt.date | None = None,
                          summary: "SatisfactionSummary | None" = None,
                          ) -> dict[str, core.Satisfaction]:
    """Each 1–10 question over both survey stages, as the release rule publishes it
    (:func:`tandem.surveys.selectors.satisfaction_summary`, the one home of satisfaction
    figures): by respondent's organization, whole academic years, counted cells only.
    ``summary``: that function's result, when the caller already has it."""
    from tandem.surveys.selectors import satisfaction_summary

    overall = (summary or satisfaction_summary(scope=scope, filters=filters,
                                               today=today)).overall
    return {name: core.Satisfaction(overall[name].mean, overall[name].answers)
            for name in SATISFACTION_FIELDS}


def satisfaction(*, scope: Scope, filters: Filters) -> dict[str, core.Satisfaction]:
    """Every survey question of the unit: released mean (or withheld) and answer count."""
    return released_satisfaction(scope=scope, filters=filters)


@dataclass(frozen=True)
class OrganizationFigures:
    """One organization's line of a breakdown: the pair-derived counts (the keys of
    :func:`tandem.core.effectiveness.summarize_pairs`) and its involvement."""

    organization_id: int
    name: str
    municipality_id: int
    participants_active: int
    participants_in_pairs: int
    counts: dict[str, int]

    @property
    def involvement(self) -> float | None:
        return core.share(self.participants_in_pairs, self.participants_active)

    @property
    def closed_share(self) -> float | None:
        return core.share(self.counts["deficits_closed"], self.counts["deficits_planned"])

    @property
    def done_share(self) -> float | None:
        return core.share(self.counts["tasks_done"], self.counts["tasks_planned"])

    @property
    def meetings_share(self) -> float | None:
        return core.share(self.counts["meetings_held"], self.counts["meetings_planned"])


def by_organization(*, scope: Scope, filters: Filters,
                    today: dt.date | None = None) -> list[OrganizationFigures]:
    """The unit's figures organization by organization (for a municipality's or the
    region's table), in name order. A pair counts once, in its own organization (that of
    participant A: :func:`pair_groups` by :data:`BY_OWNER`), so the lines add up to the
    unit's total; an organization of the unit without pairs still has its line. Seven
    queries, whatever the size."""
    day = as_of(filters, today)
    pairs = pairs_in(scope=scope, filters=filters)
    organizations = filters.organizations(scope)
    lines: dict[int, dict[str, Any]] = {}

    def line(pk: int, name: str, municipality: int) -> dict[str, Any]:
        return lines.setdefault(pk, {"name": name, "municipality": municipality, "active": 0,
                                     "in_pairs": 0, "counts": dict.fromkeys(_COUNT_KEYS, 0)})

    for pk, name, municipality in organizations.values_list("pk", "short_name",
                                                             "municipality"):
        line(pk, name, municipality)
    for pk, (active, in_pairs) in people_counts(
            Participant.objects.filter(organization__in=organizations), pairs).items():
        lines[pk].update(active=active, in_pairs=in_pairs)
    for (pk, name, municipality), figures in pair_groups(
            pairs, day, date_from=filters.date_from, by=BY_OWNER).items():
        counts = line(pk, name, municipality)["counts"]
        counts.update({key: figures[key] for key in PAIR_FIELDS if key in counts},
                      deficits_planned=figures["rows_planned"],
                      tasks_planned=figures["rows_planned"],
                      deficits_closed=figures["rows_closed"])

    return sorted((OrganizationFigures(pk, v["name"], v["municipality"], v["active"],
                                       v["in_pairs"], v["counts"])
                   for pk, v in lines.items()),
                  key=lambda o: (sort_key(o.name), o.organization_id))


_COUNT_KEYS = ("pairs_total", "pairs_waiting", "pairs_active", "pairs_completed",
               "pairs_ended_early", "pairs_completed_all_closed", "deficits_planned",
               "deficits_closed", "tasks_planned", "tasks_done", "tasks_overdue", "products",
               "meetings_held", "meetings_planned")


# -- before / after by competency area ---------------------------------------------------
def gains_by_area(*, scope: Scope, filters: Filters,
                  today: dt.date | None = None) -> GainFigures:
    """Mean level per competency area in the initial and in the final round, over the
    people of the unit who submitted both a final round (whose dates overlap the period)
    and its baseline (``people``: how many), as the release rule publishes them
    (:mod:`tandem.core.release`, gains): only cells (organization, final round) of at
    least ``MIN_PEOPLE`` such people enter, the others' people are counted as left out.
    Only closed final rounds enter (``gain_published_q``, ``release.round_published``):
    while a round is open — whatever its dates — its submissions would change a published
    figure one by one (a figure before and after one submission differs by that person's
    levels); ``pending_until``: the latest planned end of the open ones (past, when a
    round was not closed on time).
    Areas in the framework's order; three queries (one where the unit has no closed final
    round kept), over the figures kept per organization and final round — their
    **published** states (``PublishedGain``: rule 5, «steps of three» — a cell's figure
    moves only when at least ``MIN_PEOPLE`` people's levels in it differ from what it
    showed; the region's and the country's sums of them, ``MunicipalityGainTally``)."""
    today = today or timezone.localdate()
    day = as_of(filters, today)
    finals = Campaign.objects.filter(overlapping_q(filters.date_from, day),
                                     kind=Campaign.Kind.FINAL, baseline__isnull=False)
    # Kept per organization and final round (tandem/diagnostics/tallies.py): the answers
    # themselves are not read here. Whole regions (a region's, the country's view) read
    # their municipalities' sums by final round (kind and dates) — of counted cells only,
    # with the others' people apart — the rest their organizations', summed here under
    # the rule's query twin; ``group``: the key of one ``people`` value.
    gains: QuerySet[Any]
    levels = ("before_sum", "before_n", "after_sum", "after_n")
    whole = whole_regions(scope, filters)
    if whole:
        # The regions' sums where no municipality is named (a row per region, not per
        # municipality: issue #16), else the municipalities'.
        regional = region_sums(RegionGainTally, scope, filters)
        gains = (municipality_sums(MunicipalityGainTally, scope, filters) if regional is None
                 else regional).filter(overlapping_q(filters.date_from, day),
                                       kind=Campaign.Kind.FINAL)
        group: tuple[str, ...] = ("municipality_id" if regional is None else "region_id",
                                  "sector", "kind", "starts_on", "ends_on", "status")
        ends = "ends_on"
        counted = Q()
        published = gain_published_q()
    else:
        gains = PublishedGain.objects.filter(campaign__in=finals,
                                             organization__in=filters.organizations(scope))
        group = ("organization_id", "campaign_id")
        ends = "campaign__ends_on"
        counted = gain_counted_q()
        published = gain_published_q("campaign__")
    # (aliased: a filter on ``before_n`` must read the column, not this sum of it)
    summed = {f"s_{name}": Sum(name, filter=counted & published) for name in levels}

    # Summed by competency first: no final round kept in the unit (most of the year: the
    # finals come in spring) is no gain to show, and the versions and people are not read;
    # nor while the unit's final rounds are open (``pending``: the last of their ends).
    rows = list(gains.values("competency").order_by().annotate(
        **summed, done=Count("pk", filter=published), pending=Max(ends, filter=~published))
        .values_list("competency", *summed, "done", "pending"))
    pending = max((row[-1] for row in rows if row[-1] is not None), default=None)
    if not any(row[-2] for row in rows):
        return GainFigures(pending_until=pending)
    sums = [row[:-2] for row in rows]
    gains = gains.filter(published)
    # The versions the rounds pinned (not the current one: a competency it dropped still
    # counts in its old area), the newest first, by the framework's own rule.
    versions = FrameworkVersion.objects.filter(
        Q(pk__in=finals.values("framework")) | Q(pk__in=finals.values("baseline__framework"))
    ).newest_first()
    area_of: dict[str, str] = {}
    names: dict[str, str] = {}
    for version in versions:  # the newest version names and orders the areas
        for item in version.areas:
            names.setdefault(item["code"], item["name"])
            for competency in item["competencies"]:
                area_of.setdefault(competency["code"], item["code"])

    before: dict[str, release.Sums] = defaultdict(release.Sums)
    after: dict[str, release.Sums] = defaultdict(release.Sums)
    for code, b_sum, b_n, a_sum, a_n in sums:
        if code in area_of:
            before[area_of[code]] += release.Sums(b_sum or 0, b_n or 0)
            after[area_of[code]] += release.Sums(a_sum or 0, a_n or 0)
    # Each group's people once (a row per competency holds it): the municipalities' rows
    # keep their counted and left-out people apart; an organization's cell is one group.
    people = left_out = 0
    if whole:
        for counted, small in gains.values(*group).order_by().annotate(
                p=Max("people"), s=Max("left_out")).values_list("p", "s"):
            people += counted
            left_out += small
    else:
        for cell in gains.values(*group).order_by().annotate(
                p=Max("people")).values_list("p", flat=True):
            if release.enough(cell):
                people += cell
            else:
                left_out += cell
    figures = release.gains_released(release.GainSums(before, after, people, left_out))
    areas = []
    for code in names:
        if code in figures.areas:
            mean_before, mean_after = figures.areas[code]
            areas.append(AreaGain(area=code, name=names[code], mean_before=mean_before.mean,
                                  mean_after=mean_after.mean, people=figures.people))
    return GainFigures(areas=tuple(areas), left_out=figures.left_out, pending_until=pending)
