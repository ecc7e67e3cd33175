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
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tandem.access.scope import Scope
from tandem.maps.models import Map, Row
from tandem.pairs.models import Pair
from tandem.pairs.querysets import (
    PairQuerySet,
    no_meeting_weeks,
    task_overdue_parts,
    task_overdue_q,
)
from tandem.pairs.selectors import pair_q
from tandem.people.models import Participant
from tandem.reminders.models import ReminderLog
from tandem.surveys.models import Survey

Kind = ReminderLog.Kind
ORDER = [Kind.OVERDUE_TASK, Kind.NO_MEETING, Kind.MAP_NOT_AGREED, Kind.SURVEY]
__all__ = ["Due", "Event", "Line", "PairLines", "events_of", "no_meeting_weeks",
           "open_reminders", "open_reminders_by_pair", "pending", "pending_events"]


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


def _overdue_rows(pairs: Pairs, pending_only: bool) -> QuerySet[Row]:
    qs = (Row.objects.filter(_pair_filter(pairs, "map__pair"),
                             map__status=Map.Status.IN_PROGRESS,
                             map__pair__status=Pair.Status.ACTIVE).order_by("deadline", "pk"))
    return qs.exclude(_logged(Kind.OVERDUE_TASK, "deadline")) if pending_only else qs


def overdue_tasks(*, today: dt.date, pairs: Pairs = None,
                  pending_only: bool = False, limit: int | None = None) -> list[Event]:
    qs = _overdue_rows(pairs, pending_only).select_related("map__pair__a", "map__pair__b")
    # The rule (task_overdue_q) in its two parts, each read in deadline order by its own
    # index and cut at ``limit``, then merged: two queries, each stopping at its few
    # (issue #16; docs/performance.md).
    rows = sorted((row for part in task_overdue_parts(today)
                   for row in _cut(qs.filter(part), limit)),
                  key=lambda row: (row.deadline, row.pk))
    return [Event(Kind.OVERDUE_TASK, row.pk, row.deadline, row.map.pair,
                  (row.map.pair.a, row.map.pair.b), title=row.title)
            for row in (rows[:limit] if limit is not None else rows)]


def _quiet_parts(today: dt.date, pairs: Pairs, weeks: int) -> list[PairQuerySet]:
    return [part.filter(_pair_filter(pairs, "pk")).order_by("quiet_since", "pk")
            for part in Pair.objects.quiet_parts(today, weeks)]


def _crossed(since: dt.date, today: dt.date, stretch: dt.timedelta) -> dt.date:
    """The day the current stretch of ``stretch`` without meetings was crossed."""
    return since + stretch * ((today - since) // stretch)


def idle_pairs(*, today: dt.date, pairs: Pairs = None,
               pending_only: bool = False, limit: int | None = None,
               weeks: int | None = None) -> list[Event]:
    weeks = weeks or no_meeting_weeks()
    stretch = dt.timedelta(weeks=weeks)
    # The rule (Pair.objects.quiet) in its two parts, each read in the order of its quiet
    # stretch and cut at ``limit``, then merged: the kept part by the index ``pair_quiet``,
    # the part whose meetings are read — few — by theirs (issue #16; docs/performance.md).
    parts = [part.select_related("a", "b") for part in _quiet_parts(today, pairs, weeks)]
    quiet = sorted((pair for part in parts for pair in (part if pending_only
                                                        else _cut(part, limit))),
                   key=lambda pair: (pair.quiet_since, pair.pk))
    events = []
    for pair in quiet if pending_only else quiet[:limit]:
        since: dt.date = pair.quiet_since
        events.append(Event(Kind.NO_MEETING, pair.pk, _crossed(since, today, stretch), pair,
                            (pair.a, pair.b), since=since))
    if pending_only:
        events = _unlogged(events)[:limit] if limit is not None else _unlogged(events)
    return events


def _not_agreed(today: dt.date, pairs: Pairs) -> PairQuerySet:
    return (Pair.objects.filter(_pair_filter(pairs, "pk")).map_not_agreed(today)
            .order_by("began_on", "pk"))


def maps_not_agreed(*, today: dt.date, pairs: Pairs = None,
                    pending_only: bool = False, limit: int | None = None) -> list[Event]:
    qs = _not_agreed(today, pairs).select_related("a", "b")
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


def _unanswered(today: dt.date, pairs: Pairs, pending_only: bool) -> QuerySet[Survey]:
    qs = (Survey.objects.filter(_pair_filter(pairs, "pair"), submitted_at__isnull=True,
                                due_on__lt=today, participant__is_active=True,
                                pair__status__in=[Pair.Status.ACTIVE, Pair.Status.COMPLETED])
          .order_by("due_on", "pk"))
    return qs.exclude(_logged(Kind.SURVEY, "due_on")) if pending_only else qs


def unanswered_surveys(*, today: dt.date, pairs: Pairs = None,
                       pending_only: bool = False, limit: int | None = None) -> list[Event]:
    qs = _unanswered(today, pairs, pending_only).select_related("participant", "pair__a",
                                                                 "pair__b")
    return [Event(Kind.SURVEY, s.pk, s.due_on, s.pair, (s.participant,),
                  title=str(s.get_stage_display()), who=s.participant)
            for s in _cut(qs, limit)]


@dataclass(frozen=True, slots=True)
class Due:
    """An event not reminded yet, by its keys only: what the hourly run holds of every
    event of a region while it pages over the people (:func:`pending`; its full
    :class:`Event`, with the pair and the people, is read per page — :func:`events_of`)."""

    kind: str
    object_id: int
    event_on: dt.date
    pair_id: int
    recipient_ids: tuple[int, ...]  # the pair's members, or a survey's respondent
    since: dt.date | None = None  # the last meeting (or the start) of an idle pair

    @property
    def key(self) -> tuple[str, int, dt.date]:
        return (self.kind, self.object_id, self.event_on)


def _unlogged[E: (Event, Due)](events: list[E]) -> list[E]:
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
    return events_of(pending(today=today, pairs=pairs), today=today)


def pending(*, today: dt.date, pairs: Pairs = None) -> list[Due]:
    """Every event not reminded yet, as :func:`pending_events` finds them and in its order
    (the kinds in turn, each in its date order), by keys only: the same queries, reading
    the keys and the people's ids, not the rows, pairs and people — at a region of 300,000
    teachers ≈ 25,000 events, which the hourly run held as objects all at once
    (docs/performance.md)."""
    overdue = sorted((row for part in task_overdue_parts(today)
                      for row in _overdue_rows(pairs, pending_only=True).filter(part)
                      .values_list("pk", "deadline", "map__pair_id", "map__pair__a_id",
                                   "map__pair__b_id")),
                     key=lambda row: (row[1], row[0]))
    dues = [Due(Kind.OVERDUE_TASK, pk, deadline, pair_id, (a, b))
            for pk, deadline, pair_id, a, b in overdue]
    weeks = no_meeting_weeks()
    stretch = dt.timedelta(weeks=weeks)
    quiet = sorted((pair for part in _quiet_parts(today, pairs, weeks)
                    for pair in part.values_list("pk", "quiet_since", "a_id", "b_id")),
                   key=lambda pair: (pair[1], pair[0]))
    dues += _unlogged([Due(Kind.NO_MEETING, pk, _crossed(since, today, stretch), pk, (a, b),
                           since=since) for pk, since, a, b in quiet])
    dues += _unlogged([Due(Kind.MAP_NOT_AGREED, pk, began_on, pk, (a, b)) for pk, began_on, a, b
                       in _not_agreed(today, pairs).values_list("pk", "began_on", "a_id",
                                                                "b_id")])
    dues += [Due(Kind.SURVEY, pk, due_on, pair_id, (who,)) for pk, due_on, pair_id, who
             in _unanswered(today, pairs, pending_only=True).values_list(
                 "pk", "due_on", "pair_id", "participant_id")]
    return dues


def events_of(dues: list[Due], *, today: dt.date,
              logged: Collection[tuple[str, int, dt.date]] = frozenset()) -> list[Event]:
    """The full events of ``dues`` (:func:`pending`), in their order: the rows, pairs,
    surveys and people read by key (four queries at most) — under the rule of each kind
    on ``today`` again, the one :func:`pending` found them by (``_overdue_rows`` and
    ``task_overdue_q``, ``Pair.objects.quiet``, ``_not_agreed``, ``_unanswered``), and on
    the same date: an event resolved since (a task done, a meeting held, the map agreed,
    the survey answered, the pair ended — the hourly run reads its pages minutes after
    the keys) or gone (a row deleted, a survey withdrawn) drops out, and is not sent.
    The keys in ``logged`` — events this run has already logged on an earlier page (its
    log, audit entry and bell news are written for both people) — are read by key only
    (four queries more at most): the partner on a later page gets their letter even if
    the event was resolved in between (review of h/warmtasks)."""
    done = [due for due in dues if due.key in logged]
    if done:
        kept = {e.key: e for e in _events_by_key(done)}
        kept |= {e.key: e for e in events_of(
            [due for due in dues if due.key not in logged], today=today)}
        return [kept[due.key] for due in dues if due.key in kept]
    ids: dict[str, list[int]] = {}
    for due in dues:
        ids.setdefault(due.kind, []).append(due.object_id)
    rows = {row.pk: row for row in _overdue_rows(None, pending_only=False).filter(
        task_overdue_q(today), pk__in=ids[Kind.OVERDUE_TASK]).select_related(
        "map__pair__a", "map__pair__b")} if Kind.OVERDUE_TASK in ids else {}
    stretch = dt.timedelta(weeks=no_meeting_weeks())
    quiet = {pair.pk: pair for pair in Pair.objects.quiet(today, no_meeting_weeks())
             .filter(pk__in=ids[Kind.NO_MEETING]).select_related("a", "b")
             } if Kind.NO_MEETING in ids else {}
    not_agreed = {pair.pk: pair for pair in _not_agreed(today, None).filter(
        pk__in=ids[Kind.MAP_NOT_AGREED]).select_related("a", "b")
        } if Kind.MAP_NOT_AGREED in ids else {}
    surveys = {s.pk: s for s in _unanswered(today, None, pending_only=False).filter(
        pk__in=ids[Kind.SURVEY]).select_related("participant", "pair__a", "pair__b")
        } if Kind.SURVEY in ids else {}
    events = []
    for due in dues:
        if due.kind == Kind.OVERDUE_TASK and (row := rows.get(due.object_id)) is not None \
                and row.deadline == due.event_on and (mapped := row.map.pair) is not None:
            events.append(Event(due.kind, row.pk, due.event_on, mapped, (mapped.a, mapped.b),
                                title=row.title))
        elif due.kind == Kind.SURVEY and (survey := surveys.get(due.object_id)) is not None \
                and survey.due_on == due.event_on:
            events.append(Event(due.kind, survey.pk, due.event_on, survey.pair,
                                (survey.participant,), title=str(survey.get_stage_display()),
                                who=survey.participant))
        elif due.kind == Kind.NO_MEETING and (idle := quiet.get(due.object_id)) is not None \
                and _crossed(idle.quiet_since, today, stretch) == due.event_on:
            events.append(Event(due.kind, idle.pk, due.event_on, idle, (idle.a, idle.b),
                                since=due.since))
        elif due.kind == Kind.MAP_NOT_AGREED and (
                draft := not_agreed.get(due.object_id)) is not None \
                and draft.began_on == due.event_on:
            events.append(Event(due.kind, draft.pk, due.event_on, draft, (draft.a, draft.b)))
    return events


def _events_by_key(dues: list[Due]) -> list[Event]:
    """The full events of ``dues`` read by key only, whatever their rule says now
    (:func:`events_of` of events already logged); an object gone since drops out."""
    ids: dict[str, list[int]] = {}
    for due in dues:
        ids.setdefault(due.kind, []).append(due.object_id)
    rows = {row.pk: row for row in Row.objects.filter(pk__in=ids.get(Kind.OVERDUE_TASK, []))
            .select_related("map__pair__a", "map__pair__b")} if Kind.OVERDUE_TASK in ids else {}
    paired = ids.get(Kind.NO_MEETING, []) + ids.get(Kind.MAP_NOT_AGREED, [])
    pairs = {pair.pk: pair for pair in Pair.objects.filter(pk__in=paired)
             .select_related("a", "b")} if paired else {}
    surveys = {s.pk: s for s in Survey.objects.filter(pk__in=ids.get(Kind.SURVEY, []))
               .select_related("participant", "pair__a", "pair__b")} if Kind.SURVEY in ids else {}
    events = []
    for due in dues:
        if due.kind == Kind.OVERDUE_TASK and (row := rows.get(due.object_id)) is not None \
                and (mapped := row.map.pair) is not None:
            events.append(Event(due.kind, row.pk, due.event_on, mapped, (mapped.a, mapped.b),
                                title=row.title))
        elif due.kind == Kind.SURVEY and (survey := surveys.get(due.object_id)) is not None:
            events.append(Event(due.kind, survey.pk, due.event_on, survey.pair,
                                (survey.participant,), title=str(survey.get_stage_display()),
                                who=survey.participant))
        elif due.kind in (Kind.NO_MEETING, Kind.MAP_NOT_AGREED) and (
                idle := pairs.get(due.object_id)) is not None:
            events.append(Event(due.kind, idle.pk, due.event_on, idle, (idle.a, idle.b),
                                since=due.since))
    return events


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
    # The four columns read, not the logs' rows (their recipients' lists): ten at most.
    sent = ({(kind, object_id, event_on): sent_at
             for kind, object_id, event_on, sent_at in ReminderLog.objects.filter(q)
             .order_by().values_list("kind", "object_id", "event_on", "sent_at")}
            if events else {})
    return [Line(e, sent.get(e.key)) for e in events]
