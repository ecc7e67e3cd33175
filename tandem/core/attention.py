"""When a running pair needs its curator: pure rules, no Django (docs/rules.md).

Each rule has one home here and one query twin on ``Pair.objects``
(tandem/pairs/querysets.py); the dashboard's «пары, которым нужно внимание» and the
reminders both use them, fed from one setting each (tandem/settings.py):

- **map not agreed** (``TANDEM_MAP_AGREE_DAYS``): the pair's map is missing or still a draft
  more than that many days after the pair began working — the later of its start and the day the
  second member confirmed (its start, when the confirmations were never recorded);
- **quiet pair** (``TANDEM_NO_MEETING_WEEKS``): no meeting held for that many weeks or more —
  counted from the last held meeting, or from the start when none was held yet.
"""

import datetime as dt

# A running pair: approved (waiting for both confirmations) or active. Its term is under
# way or ahead; completed and ended-early pairs are finished.
RUNNING = ("approved", "active")

MAP_AGREE_DAYS = 14
NO_MEETING_WEEKS = 5  # longer than the 30-day cadence norm: a monthly pair is never quiet


def work_began_on(starts_on: dt.date, confirmed_on: dt.date | None) -> dt.date:
    """The day the pair began working: its start, or the second confirmation if later."""
    return max(starts_on, confirmed_on) if confirmed_on is not None else starts_on


def map_not_agreed(*, agreed: bool, began_on: dt.date, as_of: dt.date,
                   days: int = MAP_AGREE_DAYS) -> bool:
    """No agreed map (none, or a draft) more than ``days`` days after the pair began
    working."""
    return not agreed and (as_of - began_on).days > days


def quiet_since(starts_on: dt.date, last_held_on: dt.date | None) -> dt.date:
    """The day the current quiet stretch began: the last held meeting, else the start."""
    return last_held_on if last_held_on is not None else starts_on


def quiet(*, starts_on: dt.date, last_held_on: dt.date | None, as_of: dt.date,
          weeks: int = NO_MEETING_WEEKS) -> bool:
    """No meeting held for ``weeks`` weeks or more by ``as_of`` (a pair that has not
    started yet is never quiet)."""
    if as_of < starts_on:
        return False
    return (as_of - quiet_since(starts_on, last_held_on)).days >= 7 * weeks


# A finished map, a closed diagnostic, a revoked certificate: the curator may undo the
# step (with a reason, audited) for this many days after it (TANDEM_REOPEN_DAYS).
REOPEN_DAYS = 30


def reopenable(*, closed_at: dt.datetime | None, now: dt.datetime,
               days: int = REOPEN_DAYS) -> bool:
    """Whether a step closed at ``closed_at`` may still be undone on ``now``. A step whose
    time was never recorded (closed before the time was kept) may not."""
    return closed_at is not None and closed_at <= now <= closed_at + dt.timedelta(days=days)
