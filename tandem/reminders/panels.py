"""The reminders panel of the home page (tandem/web/panels.py).

The overview keeps it in the shared cache (``by_unit``): its context is only what the
panel shows — ids, names as printed, dates — never the people's rows (their e-mail,
phone) nor the pairs'."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tandem.reminders.selectors import PairLines, open_reminders_by_pair

LIMIT = 10


@dataclass(frozen=True)
class ShownLine:
    kind: str
    title: str
    event_on: Any
    since: Any
    who: str  # the short name of an unanswered survey's respondent
    reminded_at: Any


@dataclass(frozen=True)
class ShownPair:
    pk: int
    a: str
    b: str
    lines: list[ShownLine]
    pending: bool


def shown(group: PairLines) -> ShownPair:
    pair = group.pair
    return ShownPair(
        pk=pair.pk, a=pair.a.short_name, b=pair.b.short_name, pending=group.pending,
        lines=[ShownLine(kind=line.event.kind, title=line.event.title,
                         event_on=line.event.event_on, since=line.event.since,
                         who=line.event.who.short_name if line.event.who else "",
                         reminded_at=line.reminded_at) for line in group.lines])


def context(request: Any, scope: Any, today: dt.date) -> dict[str, Any] | None:
    """Kept by unit (``by_unit``): the day is the overview's cache key's."""
    if not scope.is_staff:
        return None
    return {"pairs": [shown(g) for g in open_reminders_by_pair(scope, LIMIT, today)],
            "staff": True, "limit": LIMIT}
