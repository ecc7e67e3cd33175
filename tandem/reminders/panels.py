"""The reminders panel of the home page (tandem/web/panels.py).

The overview keeps it in the shared cache (``by_unit``), versioned by the data of the
scope's organizations. What it keeps is only what the panel shows — ids and dates, never
the people's rows (their e-mail, phone) nor the pairs' — and not even the members'
names: a pair's partner may work in an organization outside the scope, whose edits do not
move the version, so a kept name would show the partner's old name until the entry
expired (``CACHE_SECONDS``). The names are read at every view (:func:`named`, the
panel's ``live`` step: one query by primary key of at most two people a pair)."""

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from tandem.reminders.selectors import PairLines, open_reminders_by_pair, short_names

LIMIT = 10


@dataclass(frozen=True)
class ShownLine:
    kind: str
    title: str
    event_on: Any
    since: Any
    who_id: int | None  # the respondent of an unanswered survey
    reminded_at: Any
    who: str = ""  # their short name, filled at the view (:func:`named`)


@dataclass(frozen=True)
class ShownPair:
    pk: int
    a_id: int
    b_id: int
    lines: list[ShownLine]
    pending: bool
    a: str = ""  # the members' short names, filled at the view (:func:`named`)
    b: str = ""


def shown(group: PairLines) -> ShownPair:
    pair = group.pair
    return ShownPair(
        pk=pair.pk, a_id=pair.a_id, b_id=pair.b_id, pending=group.pending,
        lines=[ShownLine(kind=line.event.kind, title=line.event.title,
                         event_on=line.event.event_on, since=line.event.since,
                         who_id=line.event.who.pk if line.event.who else None,
                         reminded_at=line.reminded_at) for line in group.lines])


def context(request: Any, scope: Any, today: dt.date) -> dict[str, Any] | None:
    """Kept by unit (``by_unit``): the day is the overview's cache key's."""
    if not scope.is_staff:
        return None
    return {"pairs": [shown(g) for g in open_reminders_by_pair(scope, LIMIT, today)],
            "staff": True, "limit": LIMIT}


def named(kept: dict[str, Any]) -> dict[str, Any]:
    """The kept context with the people's names as they are now (one query; none when no
    pair is shown)."""
    pairs: list[ShownPair] = kept["pairs"]
    ids = {pk for p in pairs for pk in (p.a_id, p.b_id, *(line.who_id for line in p.lines))
           if pk is not None}
    names = short_names(ids) if ids else {}
    return {**kept, "pairs": [
        replace(p, a=names.get(p.a_id, ""), b=names.get(p.b_id, ""),
                lines=[replace(line, who=names.get(line.who_id, "")) if line.who_id else line
                       for line in p.lines])
        for p in pairs]}
