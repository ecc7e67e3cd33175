"""Effectiveness of reverse mentoring: pure functions, no Django (docs/effectiveness.md).

Two parts, as in published mentoring programmes: the quality of the process (meetings held
vs planned, tasks done, deadlines) and the impact on people (deficits closed, level gains,
satisfaction). Per pair every figure exists twice, once per direction: in a reverse pair
each side teaches the other. Per unit (organization, municipality, region) the figures are
summed and mapped onto the four Kirkpatrick levels. The database adapter
(``tandem.monitoring.effectiveness``) loads the inputs and computes the same sums in SQL;
tests check that the two agree.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean

from tandem.core import attention

# Aggregates of people's answers are shown only over at least this many answers, so that
# no single answer can be traced back to a person.
MIN_ANSWERS = 3

# The cadence norm: one meeting of the pair per this many days of its term. Published
# reverse-mentoring programmes (and the GE/PwC practice in docs/effectiveness.md) meet
# monthly; a pair that schedules more is measured against its own schedule instead.
CADENCE_DAYS = 30

A_TO_B = "ab"  # A teaches B: the rows of this direction are B's deficits
B_TO_A = "ba"
DIRECTIONS = (A_TO_B, B_TO_A)


def withheld_mean(values: Iterable[float | None], min_n: int = MIN_ANSWERS) -> float | None:
    """The mean of the given answers (None = not answered, skipped), or None when fewer than
    ``min_n`` answers exist: the aggregate is withheld."""
    answered = [float(v) for v in values if v is not None]
    if len(answered) < min_n:
        return None
    return fmean(answered)


def share(part: int | float, whole: int | float) -> float | None:
    """``part / whole`` in [0, 1], or None when there is nothing to divide by."""
    if whole <= 0:
        return None
    if part < 0 or part > whole:
        raise ValueError(f"share {part}/{whole} is outside [0, 1]")
    return part / whole


# -- the one meaning of done, overdue and held (docs/rules.md) ------------------------------
def task_done(done_at: dt.date | None, as_of: dt.date) -> bool:
    """A map task is done by ``as_of`` when it was marked done on or before that day."""
    return done_at is not None and done_at <= as_of


def task_overdue(done_at: dt.date | None, deadline: dt.date, as_of: dt.date) -> bool:
    """Overdue on ``as_of``: not done by then and its deadline (the last day allowed) has
    passed."""
    return not task_done(done_at, as_of) and deadline < as_of


def meeting_held(date: dt.date, planned: bool, as_of: dt.date) -> bool:
    """A meeting was held by ``as_of`` when its record is not marked «запланирована» and
    its date has come. The model has no status of its own (only ``planned``), so a record
    still marked planned did not take place, even when its date is long past (it becomes
    a debt: :attr:`MeetingFigures.scheduled_not_held`); an unmarked record dated in the
    future has not taken place yet either."""
    return not planned and date <= as_of


def last_held_on(meetings: Iterable[tuple[dt.date, bool]], as_of: dt.date) -> dt.date | None:
    """The last meeting held by ``as_of`` over the whole term (not cut by a period)."""
    return max((d for d, p in meetings if meeting_held(d, p, as_of)), default=None)


# -- one direction of one pair --------------------------------------------------------------
@dataclass(frozen=True)
class PlanRow:
    """One row of a map: a deficit of the learner and the task that closes it."""

    competency: str
    current_level: int
    target_level: int
    deadline: dt.date
    done_at: dt.date | None = None
    product: str = ""


@dataclass(frozen=True)
class CompetencyGain:
    """One planned deficit: the learner's level before and after, and whether it closed."""

    competency: str
    before: int | None
    after: int | None
    target: int
    closed: bool

    @property
    def gain(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class DirectionFigures:
    direction: str
    deficits_planned: int
    deficits_closed: int
    # Planned deficits for which a final round of the learner exists at all: a deficit not
    # yet assessed is open, and this tells "not closed" from "not measured yet".
    deficits_assessed: int
    tasks_planned: int
    tasks_done: int
    tasks_overdue: int
    products: int
    gains: tuple[CompetencyGain, ...] = ()

    @property
    def closed_share(self) -> float | None:
        return share(self.deficits_closed, self.deficits_planned)

    @property
    def done_share(self) -> float | None:
        return share(self.tasks_done, self.tasks_planned)

    @property
    def mean_gain(self) -> float | None:
        known = [g.gain for g in self.gains if g.gain is not None]
        return fmean(known) if known else None


def direction_figures(direction: str, rows: Sequence[PlanRow], *,
                      before: Mapping[str, int | None],
                      finals: Sequence[Mapping[str, int | None]],
                      as_of: dt.date) -> DirectionFigures:
    """The figures of one direction of a pair as of ``as_of``.

    ``before``: the learner's levels in the initial round (a competency missing there
    falls back to the row's current level, which the map took from that round).
    ``finals``: the learner's levels in each final round held since the pair began,
    oldest first. A deficit is closed when some final round reached the row's target; the
    level "after" is the latest final round's. A task is done when its ``done_at`` is on or
    before ``as_of``; overdue when not done by then and its deadline has passed; a product
    is made when a done row names one (a non-empty product).
    """
    gains = []
    for row in rows:
        reached = [f[row.competency] for f in finals if f.get(row.competency) is not None]
        latest = next((f[row.competency] for f in reversed(finals)
                       if f.get(row.competency) is not None), None)
        start = before.get(row.competency)
        gains.append(CompetencyGain(
            competency=row.competency,
            before=start if start is not None else row.current_level,
            after=latest, target=row.target_level,
            closed=any(level >= row.target_level for level in reached)))  # type: ignore[operator]
    done = [r for r in rows if task_done(r.done_at, as_of)]
    return DirectionFigures(
        direction=direction,
        deficits_planned=len(rows),
        deficits_closed=sum(g.closed for g in gains),
        deficits_assessed=sum(g.after is not None for g in gains),
        tasks_planned=len(rows),
        tasks_done=len(done),
        tasks_overdue=sum(task_overdue(r.done_at, r.deadline, as_of) for r in rows),
        products=sum(1 for r in done if r.product),
        gains=tuple(gains),
    )


# -- meetings of a pair ---------------------------------------------------------------------
@dataclass(frozen=True)
class MeetingFigures:
    """Meetings in a window of the pair's term (see :func:`meeting_figures`)."""

    held: int
    scheduled_not_held: int
    norm: int
    last_held_on: dt.date | None = None

    @property
    def planned(self) -> int:
        """What the pair owed in the window: the cadence norm, or its own schedule when
        that asked for more (held ones plus scheduled ones that did not happen)."""
        return max(self.norm, self.held + self.scheduled_not_held)

    @property
    def held_share(self) -> float | None:
        return share(self.held, self.planned)


def window(starts_on: dt.date, ends_on: dt.date, *, as_of: dt.date,
           date_from: dt.date | None = None) -> tuple[dt.date, dt.date] | None:
    """The part of the pair's term that has elapsed by ``as_of`` and lies after
    ``date_from``: both ends inclusive; None when empty."""
    start = max(starts_on, date_from) if date_from else starts_on
    end = min(ends_on, as_of)
    return (start, end) if start <= end else None


def cadence_norm(span: tuple[dt.date, dt.date] | None, cadence_days: int = CADENCE_DAYS) -> int:
    """Meetings owed by the norm over a window: one per full ``cadence_days`` days."""
    if span is None:
        return 0
    return ((span[1] - span[0]).days + 1) // cadence_days


def meeting_figures(meetings: Iterable[tuple[dt.date, bool]],
                    span: tuple[dt.date, dt.date] | None,
                    cadence_days: int = CADENCE_DAYS) -> MeetingFigures:
    """Held vs planned from the pair's meeting records ``(date, planned)`` in ``span``.

    A record with ``planned=False`` is a held meeting. A record still marked planned whose
    date has come (it is inside the window) did not happen, unless a held meeting was
    logged on the same date (the pair logged it as a new record instead of ticking it).
    """
    if span is None:
        return MeetingFigures(0, 0, 0)
    inside = [(d, p) for d, p in meetings if span[0] <= d <= span[1]]
    held_dates = [d for d, p in inside if meeting_held(d, p, span[1])]
    held_set = set(held_dates)
    return MeetingFigures(
        held=len(held_dates),
        scheduled_not_held=sum(1 for d, p in inside if p and d not in held_set),
        norm=cadence_norm(span, cadence_days),
        last_held_on=max(held_dates) if held_dates else None,
    )


# -- a pair ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PairFigures:
    pair_id: int
    status: str
    starts_on: dt.date
    ends_on: dt.date
    a_to_b: DirectionFigures
    b_to_a: DirectionFigures
    meetings: MeetingFigures
    # Labels for reports; the core never needs them.
    a_name: str = ""
    b_name: str = ""
    organization: str = ""
    organization_id: int | None = None
    # The last meeting held by the day of the figures over the whole term (the quiet-pair
    # rule looks back past the period's start).
    last_held_on: dt.date | None = None

    @property
    def directions(self) -> tuple[DirectionFigures, DirectionFigures]:
        return (self.a_to_b, self.b_to_a)

    @property
    def deficits_planned(self) -> int:
        return self.a_to_b.deficits_planned + self.b_to_a.deficits_planned

    @property
    def deficits_closed(self) -> int:
        return self.a_to_b.deficits_closed + self.b_to_a.deficits_closed

    @property
    def all_closed(self) -> bool:
        """Every planned deficit of both directions closed (and there were some)."""
        return self.deficits_planned > 0 and self.deficits_closed == self.deficits_planned

    @property
    def tasks_overdue(self) -> int:
        return self.a_to_b.tasks_overdue + self.b_to_a.tasks_overdue

    @property
    def reverse(self) -> bool:
        """Both sides learn something: a pair where only one side gains is not reverse."""
        return self.a_to_b.deficits_planned > 0 and self.b_to_a.deficits_planned > 0


# Why a pair needs the curator's attention; the dashboards show them in Russian.
BEHIND_ON_MEETINGS = "behind_on_meetings"
OVERDUE_TASKS = "overdue_tasks"
NO_RECENT_MEETING = "no_recent_meeting"
ONE_SIDED = "one_sided"


def stuck_reasons(figures: PairFigures, *, as_of: dt.date,
                  quiet_weeks: int = attention.NO_MEETING_WEEKS,
                  min_held_share: float = 0.5) -> list[str]:
    """Reasons a running pair looks stuck (empty for finished pairs or healthy ones).
    Plans, tasks and meetings only — never a diagnostics level — so the dashboard reads
    stuck pairs without the learners' answers (a test holds it to that)."""
    if figures.status not in attention.RUNNING or as_of < figures.starts_on:
        return []
    reasons = []
    held = figures.meetings.held_share
    if held is not None and held < min_held_share:
        reasons.append(BEHIND_ON_MEETINGS)
    if figures.tasks_overdue:
        reasons.append(OVERDUE_TASKS)
    last = figures.last_held_on or figures.meetings.last_held_on
    if attention.quiet(starts_on=figures.starts_on, last_held_on=last, as_of=as_of,
                       weeks=quiet_weeks):
        reasons.append(NO_RECENT_MEETING)
    if not figures.reverse:
        reasons.append(ONE_SIDED)
    return reasons


# -- satisfaction ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Satisfaction:
    """One 1–10 survey question over a unit: the mean, or None when withheld."""

    mean: float | None
    answers: int


def satisfaction(total: float, answers: int, respondents: int,
                 min_n: int = MIN_ANSWERS) -> Satisfaction:
    """The mean of ``answers`` answers summing to ``total``, withheld (None) unless there
    are at least ``min_n`` answers from at least ``min_n`` different people: otherwise a
    person answering twice (mid-term and final) could be told apart."""
    if answers < min_n or respondents < min_n:
        return Satisfaction(None, answers)
    return Satisfaction(total / answers, answers)


# -- a unit ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class AreaGain:
    """Before/after of one competency area over the people who took both rounds (of the
    counted cells: ``tandem.core.release``, gains)."""

    area: str
    name: str
    mean_before: float | None
    mean_after: float | None
    people: int

    @property
    def gain(self) -> float | None:
        if self.mean_before is None or self.mean_after is None:
            return None
        return self.mean_after - self.mean_before


@dataclass(frozen=True)
class GainFigures:
    """A unit's before / after by area as the release rule publishes it
    (:mod:`tandem.core.release`, gains): the areas' figures — only cells (organization,
    final round) of at least ``MIN_PEOPLE`` people enter them — and the people left out
    with the smaller cells."""

    areas: tuple[AreaGain, ...] = ()
    left_out: int = 0
    # The last end of the unit's final rounds still running: their levels are shown only
    # once they have ended (a running round's submissions would show one by one).
    pending_until: dt.date | None = None

    @property
    def withheld(self) -> bool:
        """Levels there are, and no figure of them may be shown."""
        return not self.areas and self.left_out > 0


@dataclass(frozen=True)
class KirkpatrickLevel:
    """One level of Kirkpatrick's model: a headline figure and the figures behind it.

    ``unit`` says how to read ``value``: "share" (0..1) or "score" (1..10).
    """

    key: str
    value: float | None
    unit: str
    parts: tuple[tuple[str, float | None], ...] = ()


@dataclass(frozen=True)
class UnitSummary:
    participants_active: int
    participants_in_pairs: int
    pairs_total: int
    pairs_waiting: int  # approved, not yet confirmed by both
    pairs_active: int
    pairs_completed: int
    pairs_ended_early: int
    pairs_completed_all_closed: int
    deficits_planned: int
    deficits_closed: int
    tasks_planned: int
    tasks_done: int
    tasks_overdue: int
    products: int
    meetings_held: int
    meetings_planned: int
    mentee_satisfaction: Satisfaction
    mentor_satisfaction: Satisfaction
    recommend: Satisfaction
    gains: tuple[AreaGain, ...] = field(default_factory=tuple)
    # People whose levels before / after entered no figure (cells of fewer than 3).
    gains_left_out: int = 0
    # The last end of the final rounds still running, when none has ended (see GainFigures).
    gains_pending_until: dt.date | None = None

    @property
    def involvement(self) -> float | None:
        return share(self.participants_in_pairs, self.participants_active)

    @property
    def active_share(self) -> float | None:
        return share(self.pairs_active, self.pairs_total)

    @property
    def completed_share(self) -> float | None:
        return share(self.pairs_completed, self.pairs_total)

    @property
    def ended_early_share(self) -> float | None:
        return share(self.pairs_ended_early, self.pairs_total)

    @property
    def closed_share(self) -> float | None:
        return share(self.deficits_closed, self.deficits_planned)

    @property
    def done_share(self) -> float | None:
        return share(self.tasks_done, self.tasks_planned)

    @property
    def meetings_share(self) -> float | None:
        return share(self.meetings_held, self.meetings_planned)

    @property
    def success_share(self) -> float | None:
        """Among the pairs that finished (completed or ended early), those completed with
        every planned deficit closed."""
        return share(self.pairs_completed_all_closed,
                     self.pairs_completed + self.pairs_ended_early)

    @property
    def mean_gain(self) -> float | None:
        """The mean of the areas' gains, weighted by the people behind each."""
        known = [(g.gain, g.people) for g in self.gains if g.gain is not None and g.people]
        weight = sum(n for _g, n in known)
        return sum(g * n for g, n in known) / weight if weight else None  # type: ignore[operator]

    def kirkpatrick(self) -> tuple[KirkpatrickLevel, ...]:
        """The four levels (docs/effectiveness.md, «Уровни Киркпатрика»)."""
        reaction = [s.mean for s in (self.mentee_satisfaction, self.mentor_satisfaction)
                    if s.mean is not None]
        behaviour = [v for v in (self.done_share, self.meetings_share) if v is not None]
        return (
            KirkpatrickLevel("reaction", fmean(reaction) if reaction else None, "score", (
                ("mentee_satisfaction", self.mentee_satisfaction.mean),
                ("mentor_satisfaction", self.mentor_satisfaction.mean),
                ("recommend", self.recommend.mean))),
            KirkpatrickLevel("learning", self.closed_share, "share", (
                ("deficits_closed", self.closed_share),
                ("mean_gain", self.mean_gain))),
            KirkpatrickLevel("behaviour", fmean(behaviour) if behaviour else None, "share", (
                ("tasks_done", self.done_share),
                ("meetings_held", self.meetings_share),
                ("products", float(self.products)))),
            KirkpatrickLevel("results", self.success_share, "share", (
                ("pairs_completed_all_closed", self.success_share),
                ("involvement", self.involvement),
                ("ended_early", self.ended_early_share))),
        )


def summarize_pairs(pairs: Sequence[PairFigures]) -> dict[str, int]:
    """The pair-derived counts of a :class:`UnitSummary`, summed in Python: the reference
    the SQL aggregates of the adapter must equal."""
    directions = [d for p in pairs for d in p.directions]
    return {
        "pairs_total": len(pairs),
        "pairs_waiting": sum(p.status == "approved" for p in pairs),
        "pairs_active": sum(p.status == "active" for p in pairs),
        "pairs_completed": sum(p.status == "completed" for p in pairs),
        "pairs_ended_early": sum(p.status == "ended_early" for p in pairs),
        "pairs_completed_all_closed": sum(p.status == "completed" and p.all_closed
                                          for p in pairs),
        "deficits_planned": sum(d.deficits_planned for d in directions),
        "deficits_closed": sum(d.deficits_closed for d in directions),
        "tasks_planned": sum(d.tasks_planned for d in directions),
        "tasks_done": sum(d.tasks_done for d in directions),
        "tasks_overdue": sum(d.tasks_overdue for d in directions),
        "products": sum(d.products for d in directions),
        "meetings_held": sum(p.meetings.held for p in pairs),
        "meetings_planned": sum(p.meetings.planned for p in pairs),
    }
