"""When a pair's satisfaction surveys open and when they are due: pure rules, no Django.

The rules (docs/surveys.md):

- only pairs that are under way (``active``) or finished normally (``completed``) are
  surveyed; a pair still waiting for confirmation or ended early gets no new survey;
- the **mid-term** survey opens at the middle of the pair's term and is due two weeks
  later; it is skipped when the pair reaches its final window first (it completed early,
  or the term is so short that the middle falls inside the final window);
- the **final** survey opens two weeks before ``ends_on`` (never before ``starts_on``), or
  as soon as the pair is completed; it is due two weeks after it opens, and never before
  ``ends_on`` when it opened on time.
"""

import datetime as dt
from dataclasses import dataclass

MID = "mid"
FINAL = "final"
ACTIVE = "active"
COMPLETED = "completed"

ANSWER_DAYS = 14  # how long a participant has to answer
FINAL_BEFORE_END_DAYS = 14  # the final survey opens this long before the term ends


@dataclass(frozen=True)
class Due:
    stage: str
    due_on: dt.date


def mid_opens(starts_on: dt.date, ends_on: dt.date) -> dt.date:
    """The middle of the term (rounded down)."""
    return starts_on + (ends_on - starts_on) // 2


def final_opens(starts_on: dt.date, ends_on: dt.date) -> dt.date:
    return max(starts_on, ends_on - dt.timedelta(days=FINAL_BEFORE_END_DAYS))


def surveys_due(*, starts_on: dt.date, ends_on: dt.date, status: str,
                today: dt.date) -> list[Due]:
    """The surveys a pair should have by ``today`` (creating them is idempotent)."""
    if status not in (ACTIVE, COMPLETED):
        return []
    answer = dt.timedelta(days=ANSWER_DAYS)
    final_on = final_opens(starts_on, ends_on)
    if status == COMPLETED or today >= final_on:
        return [Due(FINAL, max(final_on, today) + answer)]
    mid_on = mid_opens(starts_on, ends_on)
    if today >= mid_on:
        return [Due(MID, max(mid_on, today) + answer)]
    return []
