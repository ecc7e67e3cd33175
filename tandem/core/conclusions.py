"""The conclusions under a report's key figures, generated from the figures: what
improved, what is stuck, where to look. Pure: plain numbers in, CODES with parameters out
(docs/architecture.md: the core returns codes; the application words them through gettext
— tandem/monitoring/wording.py), so the summary PDF says nothing the dashboard's figures do
not show and every word of it can be translated."""

from dataclasses import dataclass, field
from typing import Any

LOW_COMPLETION = 50  # % of initial questionnaires sent: below it a unit is named

# What a conclusion says (one sentence each).
GROWN = "grown"  # areas: [(name, gain)], count
TASKS_WITHOUT_GAIN = "tasks_without_gain"  # percent, done, planned
ATTENTION = "attention"  # items: [(one of the codes below, number)]
LOOK_FIRST = "look_first"  # units: [(name, percent)], threshold
NO_PAIRS_YET = "no_pairs_yet"
TOO_LITTLE_DATA = "too_little_data"
# The parts of an ATTENTION sentence.
TASKS_OVERDUE = "tasks_overdue"
PAIRS_STUCK = "pairs_stuck"
PAIRS_ENDED_EARLY = "pairs_ended_early"
MEETINGS_SHARE = "meetings_share"  # percent of planned meetings held


@dataclass(frozen=True)
class Finding:
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportFigures:
    questionnaires_invited: int = 0
    questionnaires_sent: int = 0
    low_units: list[tuple[str, int]] = field(default_factory=list)  # (unit, % sent)
    pairs_total: int = 0
    pairs_active: int = 0
    pairs_ended_early: int = 0
    tasks_planned: int = 0
    tasks_done: int = 0
    tasks_overdue: int = 0
    meetings_held: int = 0
    meetings_planned: int = 0
    gains: list[tuple[str, float]] = field(default_factory=list)  # (area, after − before)
    stuck_pairs: int = 0


def conclusions(f: ReportFigures) -> list[Finding]:
    """At most three findings: what improved, what is stuck, where to look."""
    out: list[Finding] = []
    grown = sorted((g for g in f.gains if g[1] > 0), key=lambda g: -g[1])
    if grown:
        out.append(Finding(GROWN, {"count": len(grown), "areas": grown[:2]}))
    elif f.tasks_done and f.tasks_planned:
        out.append(Finding(TASKS_WITHOUT_GAIN, {
            "percent": round(100 * f.tasks_done / f.tasks_planned), "done": f.tasks_done,
            "planned": f.tasks_planned}))
    items: list[tuple[str, int]] = []
    if f.tasks_overdue:
        items.append((TASKS_OVERDUE, f.tasks_overdue))
    if f.stuck_pairs:
        items.append((PAIRS_STUCK, f.stuck_pairs))
    if f.pairs_ended_early:
        items.append((PAIRS_ENDED_EARLY, f.pairs_ended_early))
    if f.meetings_planned and f.meetings_held < f.meetings_planned:
        items.append((MEETINGS_SHARE, round(100 * f.meetings_held / f.meetings_planned)))
    if items:
        out.append(Finding(ATTENTION, {"items": items}))
    if f.low_units:
        out.append(Finding(LOOK_FIRST, {
            "units": sorted(f.low_units, key=lambda u: u[1])[:3],
            "threshold": LOW_COMPLETION}))
    elif f.questionnaires_invited and not f.pairs_total:
        out.append(Finding(NO_PAIRS_YET))
    if not out:
        out.append(Finding(TOO_LITTLE_DATA))
    return out
