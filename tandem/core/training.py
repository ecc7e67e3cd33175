"""Hints for scoring a team's map against the rubric of a training case.

Pure Python. The trainer scores each criterion 0 (not met), 1 (partly) or 2 (met); these
functions suggest a score and name what falls short, so the trainer reads the map with the
gaps already found. The rules are written down in docs/training.md; tests in
tandem/core/tests/test_training.py. Every function is O(n log n) in the rows of the map.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BOTH_DIRECTIONS = "both_directions"
DEFICITS_ADDRESSED = "deficits_addressed"
CASE_RESOURCES = "case_resources"
REALISTIC_DEADLINES = "realistic_deadlines"
MEASURABLE_RESULTS = "measurable_results"
CRITERIA = (BOTH_DIRECTIONS, DEFICITS_ADDRESSED, CASE_RESOURCES, REALISTIC_DEADLINES,
            MEASURABLE_RESULTS)
MAX_SCORE = 2

A_TO_B, B_TO_A = "ab", "ba"  # A mentors B, B mentors A (as tandem.maps.models.Row)
DIRECTIONS = (A_TO_B, B_TO_A)
# A task needs time: nothing due in the first two weeks of the pair's term ...
MIN_LEAD_DAYS = 14
# ... and a learner who has three tasks due within one month is overloaded.
CROWD_COUNT, CROWD_DAYS = 3, 30


@dataclass(frozen=True)
class CaseSpec:
    deficits_a: frozenset[str]  # what participant A wants to learn (B teaches: "ba")
    deficits_b: frozenset[str]  # what participant B wants to learn (A teaches: "ab")
    resource_ids: frozenset[int]
    starts_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True)
class RowSpec:
    direction: str
    competency: str
    title: str
    deadline: dt.date
    current_level: int
    target_level: int
    product: str
    evidence: str
    resource_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Hint:
    criterion: str
    score: int  # suggested, 0..MAX_SCORE
    met: int
    total: int
    # What falls short: row titles, or competency codes / directions (see each function).
    items: tuple[str, ...] = ()


def suggest(met: int, total: int) -> int:
    """All met: 2; at least half: 1; less: 0. An empty criterion (nothing to do) is met."""
    if met >= total:
        return MAX_SCORE
    return 1 if 2 * met >= total else 0


def both_directions(rows: Sequence[RowSpec]) -> Hint:
    """Items: the directions without a single row."""
    missing = tuple(d for d in DIRECTIONS if not any(r.direction == d for r in rows))
    met = len(DIRECTIONS) - len(missing)
    # One direction only is not a reverse map at all.
    return Hint(BOTH_DIRECTIONS, MAX_SCORE if not missing else 0, met, len(DIRECTIONS),
                missing)


def deficits_addressed(case: CaseSpec, rows: Sequence[RowSpec]) -> Hint:
    """A deficit of B is addressed by a row in which A mentors B on that competency, and
    the other way round. Items: the codes of deficits left open (B's first, sorted)."""
    taught = {(r.direction, r.competency) for r in rows}
    missing = ([c for c in sorted(case.deficits_b) if (A_TO_B, c) not in taught]
               + [c for c in sorted(case.deficits_a) if (B_TO_A, c) not in taught])
    total = len(case.deficits_a) + len(case.deficits_b)
    met = total - len(missing)
    return Hint(DEFICITS_ADDRESSED, suggest(met, total), met, total, tuple(missing))


def case_resources(case: CaseSpec, rows: Sequence[RowSpec]) -> Hint:
    """A row is met if it draws on at least one resource and all of them are the case's.
    A resource from outside the case breaks the rule of the exercise: the score is 0.
    Items: titles of the rows that fall short."""
    outside = [r for r in rows if not r.resource_ids <= case.resource_ids]
    short = [r for r in rows if not r.resource_ids or r in outside]
    met = len(rows) - len(short)
    if not rows:
        return Hint(CASE_RESOURCES, 0, 0, 0)
    score = 0 if outside else suggest(met, len(rows))
    return Hint(CASE_RESOURCES, score, met, len(rows), tuple(r.title for r in short))


def _sort_key(r: RowSpec) -> tuple[object, ...]:
    return (r.deadline, r.title, r.competency, r.current_level, r.target_level, r.product,
            r.evidence, tuple(sorted(r.resource_ids)))


def unrealistic_rows(case: CaseSpec, rows: Sequence[RowSpec]) -> list[RowSpec]:
    """Rows due outside the term, in its first MIN_LEAD_DAYS days, or as the CROWD_COUNT-th
    task of one learner within CROWD_DAYS days."""
    earliest = case.starts_on + dt.timedelta(days=MIN_LEAD_DAYS)
    bad = {id(r) for r in rows if not earliest <= r.deadline <= case.ends_on}
    for direction in DIRECTIONS:
        # Ties in the deadline are broken by the row's content, so which row counts as
        # "the third" does not depend on the order the rows come in.
        mine = sorted((r for r in rows if r.direction == direction), key=_sort_key)
        for i in range(CROWD_COUNT - 1, len(mine)):
            if (mine[i].deadline - mine[i - CROWD_COUNT + 1].deadline).days < CROWD_DAYS:
                bad.add(id(mine[i]))
    return [r for r in rows if id(r) in bad]


def realistic_deadlines(case: CaseSpec, rows: Sequence[RowSpec]) -> Hint:
    """Items: titles of rows with unrealistic deadlines. No rows: nothing planned, 0."""
    if not rows:
        return Hint(REALISTIC_DEADLINES, 0, 0, 0)
    bad = unrealistic_rows(case, rows)
    met = len(rows) - len(bad)
    return Hint(REALISTIC_DEADLINES, suggest(met, len(rows)), met, len(rows),
                tuple(r.title for r in bad))


def is_measurable(row: RowSpec) -> bool:
    """A target level above the current one, a named product and a way to show it."""
    return (row.target_level > row.current_level and bool(row.product.strip())
            and bool(row.evidence.strip()))


def measurable_results(rows: Sequence[RowSpec]) -> Hint:
    """Items: titles of rows whose result cannot be checked. No rows: 0."""
    if not rows:
        return Hint(MEASURABLE_RESULTS, 0, 0, 0)
    vague = [r for r in rows if not is_measurable(r)]
    met = len(rows) - len(vague)
    return Hint(MEASURABLE_RESULTS, suggest(met, len(rows)), met, len(rows),
                tuple(r.title for r in vague))


def review(case: CaseSpec, rows: Iterable[RowSpec]) -> list[Hint]:
    """The hints for every criterion, in the order of CRITERIA."""
    rows = list(rows)
    return [both_directions(rows), deficits_addressed(case, rows), case_resources(case, rows),
            realistic_deadlines(case, rows), measurable_results(rows)]


def split_teams(people: Sequence[tuple[int, int]], teams: int) -> list[list[int]]:
    """Deals people (id, organization id) into ``teams`` teams of sizes differing by at
    most one, mixing organizations: the largest organization is dealt first, round robin,
    so colleagues land in different teams whenever there are enough teams.

    Deterministic for the same input order; O(n log n)."""
    if teams < 1:
        raise ValueError("teams must be positive")
    by_org: dict[int, list[int]] = {}
    for person, org in people:
        by_org.setdefault(org, []).append(person)
    ordered = [p for _org, members in sorted(by_org.items(), key=lambda kv: (-len(kv[1]), kv[0]))
               for p in members]
    result: list[list[int]] = [[] for _ in range(teams)]
    for i, person in enumerate(ordered):
        result[i % teams].append(person)
    return result
