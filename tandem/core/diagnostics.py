"""Diagnostics arithmetic: one level per competency, strengths and deficits, change.

Levels run from 0 «не владею» to 3 «эксперт, могу научить других». The rules are written
down in docs/diagnostics.md; the matching engine reads the same thresholds.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import fmean

MIN_LEVEL = 0
MAX_LEVEL = 3
MAX_PRIORITIES = 3
LEVELS = range(MIN_LEVEL, MAX_LEVEL + 1)
# A deficit is closed in the final round when the level reaches this (or the target).
CLOSED_AT = 2


def combine_levels(self_level: int | None, expert_level: int | None) -> int | None:
    """One level from a self-assessment and an optional expert (curator) assessment.

    The expert counts twice: ``round((self + 2·expert) / 3)``, halves rounded up. So the
    expert decides where the two differ by one level, and a self-assessment two or three
    levels away from the expert's moves the result one level towards it. With only one
    of the two, that one is the level; with neither, there is none.
    """
    for value in (self_level, expert_level):
        if value is not None and value not in LEVELS:
            raise ValueError(f"level {value} is outside {MIN_LEVEL}..{MAX_LEVEL}")
    if expert_level is None:
        return self_level
    if self_level is None:
        return expert_level
    return (self_level + 2 * expert_level + 1) // 3


# Strength and deficit: the one rule (docs/diagnostics.md, «Сильная сторона и дефицит»).
# The profile page, the deficit map and the reports read it here (in SQL as STRENGTH_Q and
# DEFICIT_Q, tandem/diagnostics/models.py), matching through ``teaching_level`` and
# ``learning_level`` (core/matching/scoring.py; graph.py is its vectorised copy, held to
# it by a test). A competency without a level is neither: «могу научить» or «хочу
# научиться» on an unassessed competency adds nothing until it has a level.
STRENGTH_MIN = MAX_LEVEL - 1   # the lowest level that can be a strength (with «могу научить»)
DEFICIT_MAX = MIN_LEVEL + 1    # the highest level that is a deficit by itself


def is_strength(level: int | None, can_teach: bool) -> bool:
    """Top level, or the level below it with «могу научить». No level — no strength."""
    if level is None:
        return False
    return level == MAX_LEVEL or (level == STRENGTH_MIN and can_teach)


def is_deficit(level: int | None, wants_to_learn: bool) -> bool:
    """The two bottom levels, or «хочу научиться» below the top. No level — no deficit."""
    if level is None:
        return False
    return level <= DEFICIT_MAX or (wants_to_learn and level < MAX_LEVEL)


def teaching_level(level: int | None, can_teach: bool) -> int | None:
    """The level at which one teaches a competency: its level if it is a strength, else None."""
    return level if is_strength(level, can_teach) else None


def learning_level(level: int | None, wants_to_learn: bool) -> int | None:
    """The level one learns a competency from: its level if it is a deficit, else None."""
    return level if is_deficit(level, wants_to_learn) else None


@dataclass(frozen=True)
class Mark:
    """One competency of one person after combination."""

    level: int | None
    can_teach: bool = False
    wants_to_learn: bool = False
    priority: int | None = None

    @property
    def strength(self) -> bool:
        return is_strength(self.level, self.can_teach)

    @property
    def deficit(self) -> bool:
        return is_deficit(self.level, self.wants_to_learn)


@dataclass
class AreaSummary:
    area: str
    mean_level: float | None
    strengths: list[str] = field(default_factory=list)
    deficits: list[str] = field(default_factory=list)


def area_summaries(marks: Mapping[str, Mark], area_of: Mapping[str, str],
                   areas: Iterable[str]) -> list[AreaSummary]:
    """Mean level, strengths and deficits per area, in the order of ``areas``."""
    result = []
    for area in areas:
        codes = [c for c in area_of if area_of[c] == area]
        levels = [marks[c].level for c in codes if c in marks and marks[c].level is not None]
        result.append(AreaSummary(
            area=area,
            mean_level=fmean(levels) if levels else None,  # type: ignore[arg-type]
            strengths=[c for c in codes if c in marks and marks[c].strength],
            deficits=[c for c in codes if c in marks and marks[c].deficit],
        ))
    return result


@dataclass(frozen=True)
class Change:
    code: str
    before: int | None
    after: int | None

    @property
    def delta(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def changes(before: Mapping[str, Mark], after: Mapping[str, Mark]) -> list[Change]:
    """Per competency, the level in the initial and in the final round."""
    codes = sorted(set(before) | set(after))
    return [Change(c, before[c].level if c in before else None,
                   after[c].level if c in after else None) for c in codes]


def closed_deficits(before: Mapping[str, Mark], after: Mapping[str, Mark],
                    targets: Mapping[str, int] | None = None) -> tuple[list[str], list[str]]:
    """(closed, still open) among the deficits of the initial round.

    A deficit is closed when the final level reaches its target, by default
    :data:`CLOSED_AT` («владею уверенно»).
    """
    targets = targets or {}
    closed, still_open = [], []
    for code, mark in sorted(before.items()):
        if not mark.deficit:
            continue
        final = after.get(code)
        target = targets.get(code, CLOSED_AT)
        if final is not None and final.level is not None and final.level >= target:
            closed.append(code)
        else:
            still_open.append(code)
    return closed, still_open


class QuestionnaireError(ValueError):
    """A questionnaire that cannot be submitted; ``problems`` name the competencies."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


UNANSWERED = "unanswered"
PRIORITY_NOT_A_DEFICIT = "priority_not_a_deficit"
TOO_MANY_PRIORITIES = "too_many_priorities"
DUPLICATE_PRIORITY = "duplicate_priority"


def check_questionnaire(marks: Mapping[str, Mark], codes: Iterable[str]) -> None:
    """Raises :class:`QuestionnaireError` unless every competency has a level and the
    priorities (at most three, each used once) are on things the person wants to learn."""
    problems: dict[str, str] = {}
    for code in codes:
        mark = marks.get(code)
        if mark is None or mark.level is None:
            problems[code] = UNANSWERED
    seen: dict[int, str] = {}
    for code, mark in sorted(marks.items()):
        if mark.priority is None:
            continue
        if mark.priority not in range(1, MAX_PRIORITIES + 1):
            problems[code] = TOO_MANY_PRIORITIES
        elif mark.priority in seen:
            problems[code] = DUPLICATE_PRIORITY
        elif not mark.deficit:
            problems[code] = PRIORITY_NOT_A_DEFICIT
        seen.setdefault(mark.priority, code)
    if problems:
        raise QuestionnaireError(problems)
