"""Reminder events, computed from the state of pairs, maps and surveys (docs/reminders.md).

Four kinds, each an (object, date) event:

- an **overdue task** (:func:`tandem.core.effectiveness.task_overdue` on the day): a map
  row past its deadline, not done, while the map is carried out and the pair is active —
  the row and its deadline;
- **no meeting** — a quiet pair (:func:`tandem.core.attention.quiet`, ``Pair.objects.quiet``,
  ``TANDEM_NO_MEETING_WEEKS`` = N): a running pair with no meeting held for N weeks or more
  — the pair and the day the current N-week stretch was crossed (so a pair still idle
  after 2N weeks is a new event);
- an **unanswered survey** past its due date — the survey and its due date (only its own
  respondent is reminded: a partner is not told who has not answered);
- a **map not agreed** (:func:`tandem.core.attention.map_not_agreed`,
  ``Pair.objects.map_not_agreed``, ``TANDEM_MAP_AGREE_DAYS``): still a draft more than that
  many days after the pair began working (no map at all counts too) — the pair and the day
  it began working.

The two "needs the curator" rules are the dashboard's own (docs/rules.md).

A resolved event (the row done, a meeting logged, the survey answered, the map agreed, the
pair ended) is simply not computed any more.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tandem.access.scope import Scope
from tandem.maps.models import Map, Row
from tandem.pairs.models import Pair
from tandem.pairs.querysets import no_meeting_weeks, task_overdue_parts
from tandem.pairs.selectors import pair_q
from tandem.people.models import Participant
from tandem.reminders.models import ReminderLog
from tandem.surveys.models import Survey

Kind = ReminderLog.Kind
ORDER = [Kind.OVERDUE_TASK, Kind.NO_MEETING, Kind.MAP_NOT_AGREED, Kind.SURVEY]
__all__ = ["Event", "Line", "PairLines", "no_meeting_weeks", "open_reminders",
           "open_reminders_by_pair", "pending_events"]


@dataclass(frozen=True)
class Event:
    kind: str
    object_id: int
    event_on: dt.date
    pair: Pair
    recipients: tuple[Participant, ...]
    title: str = ""  # the row's deficit, or the survey's stage
    who: Participant | None = None  # the respondent of an unanswered survey
    since: dt.date | None = None  # the last meeting (or the start) of an idle pair

    @property
    def key(self) -> tuple[str, int, dt.date]:
        return (self.kind, self.object_id, self.event_on)

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label)


# Whose events: every pair (None: the sender), the pairs the user manages (their scope:
# the overview), or the pairs of a queryset (the curator's «напомнить» on one pair).
Pairs = QuerySet[Pair] | Scope | None


def _pair_filter(pairs: Pairs, prefix: str) -> Q:
    if pairs is None:
        return Q()
    if isinstance(pairs, Scope):
        # The rule of pairs_manageable (pair_q), on the pair's own columns — the members'
        # organizations kept on it. On a list of pairs as it is; on rows reached through
        # their pair (tasks, surveys), walked in their index's order and cut at a few, the
        # organizations asked by key for each row (``correlated``): ``pair IN (those
        # pairs)`` and the hashed ``IN`` on the pair's columns both made PostgreSQL read
        # every pair of the region first (350–500 ms on ``t300k``; issue #16,
        # docs/performance.md).
        return pair_q(scope=pairs, via="" if prefix == "pk" else prefix, manage=True,
                      correlated=prefix != "pk")
    return Q(**{f"{prefix}__in": pairs.values("pk")})


def _logged(kind: str, date_field: str) -> Exists:
    return Exists(ReminderLog.objects.filter(kind=kind, object_id=OuterRef("pk"),
                                             event_on=OuterRef(date_field)))


def _cut(qs: QuerySet[Any], limit: int | None) -> QuerySet[Any]:
    return qs[:limit] if limit is not None else qs


def overdue_tasks(*, today: dt.date, pairs: Pairs = None,
                  pending_only: bool = False, limit: int | None = None) -> list[Event]:
    qs = (Row.objects.filter(_pair_filter(pairs, "map__pair"),
                             map__status=Map.Status.IN_PROGRESS,
                             map__pair__status=Pair.Status.ACTIVE)
          .select_related("map__pair__a", "map__pair__b").order_by("deadline", "pk"))
    if pending_only:
        qs = qs.exclude(_logged(Kind.OVERDUE_TASK, "deadline"))
    # The rule (task_overdue_q) in its two parts, each read in deadline order by its own
    # index and cut at ``limit``, then merged: two queries, each stopping at its few
    # (issue #16; docs/performance.md).
    rows = sorted((row for part in task_overdue_parts(today)
                   for row in _cut(qs.filter(part), limit)),
                  key=lambda row: (row.deadline, row.pk))
    return [Event(Kind.OVERDUE_TASK, row.pk, row.deadline, row.map.pair,
                  (row.map.pair.a, row.map.pair.b), title=row.title)
            for row in (rows[:limit] if limit is not None else rows)]


def idle_pairs(*, today: dt.date, pairs: Pairs = None,
               pending_only: bool = False, limit: int | None = None,
               weeks: int | None = None) -> list[Event]:
    weeks = weeks or no_meeting_weeks()
    stretch = dt.timedelta(weeks=weeks)
    # The rule (Pair.objects.quiet) in its two parts, each read in the order of its quiet
    # stretch and cut at ``limit``, then merged: the kept part by the index ``pair_quiet``,
    # the part whose meetings are read — few — by theirs (issue #16; docs/performance.md).
    parts = [part.filter(_pair_filter(pairs, "pk")).select_related("a", "b")
             .order_by("quiet_since", "pk")
             for part in Pair.objects.quiet_parts(today, weeks)]
    quiet = sorted((pair for part in parts for pair in (part if pending_only
                                                        else _cut(part, limit))),
                   key=lambda pair: (pair.quiet_since, pair.pk))
    events = []
    for pair in quiet if pending_only else quiet[:limit]:
        since: dt.date = pair.quiet_since
        crossed = since + stretch * ((today - since) // stretch)
        events.append(Event(Kind.NO_MEETING, pair.pk, crossed, pair, (pair.a, pair.b),
                            since=since))
    if pending_only:
        events = _unlogged(events)[:limit] if limit is not None else _unlogged(events)
    return events


def maps_not_agreed(*, today: dt.date, pairs: Pairs = None,
                    pending_only: bool = False, limit: int | None = None) -> list[Event]:
    qs = (Pair.objects.filter(_pair_filter(pairs, "pk")).map_not_agreed(today)
          .select_related("a", "b").order_by("began_on", "pk"))
    # The first few by the day each began working, found by the index ``pair_began``
    # (Pair.objects.first_began: two queries), not by sorting every pair of the rule
    # (issue #16; docs/performance.md).
    events = []
    for pair in (qs if pending_only or limit is None else qs.first_began(limit)):
        events.append(Event(Kind.MAP_NOT_AGREED, pair.pk, pair.began_on, pair,
                            (pair.a, pair.b)))
    if pending_only:
        events = _unlogged(events)[:limit] if limit is not None else _unlogged(events)
    return events


def unanswered_surveys(*, today: dt.date, pairs: Pairs = None,
                       pending_only: bool = False, limit: int | None = None) -> list[Event]:
    qs = (Survey.objects.filter(_pair_filter(pairs, "pair"), submitted_at__isnull=True,
                                due_on__lt=today, participant__is_active=True,
                                pair__status__in=[Pair.Status.ACTIVE, Pair.Status.COMPLETED])
          .select_related("participant", "pair__a", "pair__b").order_by("due_on", "pk"))
    if pending_only:
        qs = qs.exclude(_logged(Kind.SURVEY, "due_on"))
    return [Event(Kind.SURVEY, s.pk, s.due_on, s.pair, (s.participant,),
                  title=str(s.get_stage_display()), who=s.participant)
            for s in _cut(qs, limit)]


def _unlogged(events: list[Event]) -> list[Event]:
    """Drops the events already reminded (one query per kind)."""
    if not events:
        return events
    kind = events[0].kind
    done = set(ReminderLog.objects.filter(kind=kind, object_id__in=[e.object_id for e in events])
               .values_list("kind", "object_id", "event_on"))
    return [e for e in events if e.key not in done]


def pending_events(*, today: dt.date, pairs: Pairs = None) -> list[Event]:
    """Every event not reminded yet: all organizations (for the sender), or of ``pairs``
    only (the curator's «напомнить» on one pair)."""
    return (overdue_tasks(today=today, pairs=pairs, pending_only=True)
            + idle_pairs(today=today, pairs=pairs, pending_only=True)
            + maps_not_agreed(today=today, pairs=pairs, pending_only=True)
            + unanswered_surveys(today=today, pairs=pairs, pending_only=True))


@dataclass(frozen=True)
class Line:
    """One line of the curator's dashboard."""

    event: Event
    reminded_at: dt.datetime | None


PER_PAIR = 4  # events looked at per pair shown: the four kinds


@dataclass(frozen=True)
class PairLines:
    """One pair of the curator's dashboard with its open events, most urgent first."""

    pair: Pair
    lines: list[Line]

    @property
    def pending(self) -> bool:
        """Some event of the pair was never e-mailed: «напомнить» sends it now."""
        return any(line.reminded_at is None for line in self.lines)

    @property
    def reminded_at(self) -> dt.datetime | None:
        """The last reminder about any of its events."""
        return max((x.reminded_at for x in self.lines if x.reminded_at), default=None)


def open_reminders_by_pair(scope: Scope, limit: int = 10,
                           today: dt.date | None = None) -> list[PairLines]:
    """The pairs that need the curator, one entry per pair (the most urgent first), at
    most ``limit`` pairs, each with its events. Eight queries, whatever the data size."""
    lines = open_reminders(scope, limit * PER_PAIR, today)
    grouped: dict[int, list[Line]] = {}
    for line in lines:
        grouped.setdefault(line.event.pair.pk, []).append(line)
    return [PairLines(group[0].event.pair, group) for group in grouped.values()][:limit]



def short_names(ids: set[int]) -> dict[int, str]:
    """The short names of these people (already shown to the user: the members and
    respondents of the pairs of :func:`open_reminders_by_pair`), by primary key, only the
    name columns."""
    return {p.pk: p.short_name for p in
            Participant.objects.filter(pk__in=sorted(ids)).only(*Participant.NAME_FIELDS)}


def open_reminders(scope: Scope, limit: int = 10,
                   today: dt.date | None = None) -> list[Line]:
    """The open events of the pairs the user manages, most urgent kinds first, at most
    ``limit``; whether each was e-mailed. Eight queries (overdue tasks, quiet pairs and maps
    are two each), whatever the data size."""
    if not scope.is_staff:
        return []
    today = today or timezone.localdate()
    # Each kind keeps its first few events in an index's order: the pairs are checked by
    # the members' organizations kept on them (pair_q), not by hashing every person of
    # the region nor every pair of it (issue #16).
    events: list[Event] = []
    for compute in (overdue_tasks, idle_pairs, maps_not_agreed, unanswered_surveys):
        events += compute(today=today, pairs=scope, limit=limit)  # type: ignore[operator]
    events = sorted(events, key=lambda e: (ORDER.index(Kind(e.kind)), e.event_on))[:limit]
    q = Q(pk__in=[])
    for e in events:
        q |= Q(kind=e.kind, object_id=e.object_id, event_on=e.event_on)
    sent = ({(log.kind, log.object_id, log.event_on): log.sent_at
             for log in ReminderLog.objects.filter(q)} if events else {})
    return [Line(e, sent.get(e.key)) for e in events]
