"""Scoring: what one participant can teach another, and the weight of a pair.

The rules (docs/matching.md, «Оценка пары»):

* ``i`` is *strong* in competency ``c`` and ``j`` has a *deficit* in it by the one rule
  of diagnostics (``tandem.core.diagnostics.is_strength`` / ``is_deficit``): strong at
  level 3, or at level 2 with «могу научить»; a deficit at level 0 or 1, or below 3 with
  «хочу научиться»; an unassessed competency is neither, whatever is marked on it.
* ``i`` teaches ``j`` competency ``c`` when ``i`` is strong, ``j`` has a deficit and the
  teacher's level is above the learner's. Points: ``level_gain[d-1]`` for the level
  difference ``d``, plus ``priority_bonus[r-1]`` if ``c`` is ``j``'s priority number ``r``,
  plus ``wants_to_learn_bonus`` if ``j`` marked it.
* ``b(i→j)`` is the sum of points; the pair weight is
  ``b(i→j) + b(j→i) + balance·min(b(i→j), b(j→i))``.

This module is the scalar reference (one pair at a time, with explanations); ``graph``
computes the same numbers for all pairs at once with numpy, and the tests hold the two
to each other.
"""

from dataclasses import dataclass

from tandem.core.diagnostics import MAX_LEVEL, STRENGTH_MIN, learning_level, teaching_level
from tandem.core.matching.instance import Instance, Participant, Weights

STRONG_LEVELS = tuple(range(STRENGTH_MIN, MAX_LEVEL + 1))


@dataclass(frozen=True, slots=True)
class Lesson:
    """One competency that the teacher can give the learner, with its points."""

    competency: str
    teacher_level: int
    learner_level: int
    priority: int | None
    wants_to_learn: bool
    points: int


def strength_level(p: Participant, code: str) -> int | None:
    """The level at which ``p`` can teach ``code``, or None. O(1)."""
    return teaching_level(p.levels.get(code), code in p.can_teach)


def deficit_level(p: Participant, code: str) -> int | None:
    """The level ``p`` starts from when learning ``code``, or None if it is no deficit."""
    return learning_level(p.levels.get(code), code in p.wants_to_learn)


def points(teacher_level: int, learner_level: int, priority: int | None, wants: bool,
           weights: Weights) -> int:
    """Points for one lesson; zero unless the teacher is above the learner."""
    difference = teacher_level - learner_level
    if difference <= 0:
        return 0
    total = weights.level_gain[difference - 1]
    if priority is not None:
        total += weights.priority_bonus[priority - 1]
    if wants:
        total += weights.wants_to_learn_bonus
    return total


def lessons(teacher: Participant, learner: Participant, instance: Instance) -> list[Lesson]:
    """What ``teacher`` can teach ``learner``, competency by competency. O(C)."""
    result = []
    for competency in instance.competencies:
        code = competency.code
        strong = strength_level(teacher, code)
        if strong is None:
            continue  # most competencies stop here: the learner's side is not needed
        weak = deficit_level(learner, code)
        if weak is None or strong <= weak:
            continue
        rank = learner.priorities.index(code) + 1 if code in learner.priorities else None
        wants = code in learner.wants_to_learn
        result.append(Lesson(code, strong, weak, rank, wants,
                             points(strong, weak, rank, wants, instance.weights)))
    return result


def benefit(teacher: Participant, learner: Participant, instance: Instance) -> int:
    """b(teacher→learner): the sum of the points of the lessons. O(C)."""
    return sum(lesson.points for lesson in lessons(teacher, learner, instance))


def pair_weight(forward: int, backward: int, weights: Weights) -> int:
    """Weight of a pair from its two benefits: both count, and balance is rewarded."""
    return forward + backward + weights.balance * min(forward, backward)


def is_candidate_by_skills(forward: int, backward: int, reciprocity_required: bool) -> bool:
    """Whether the benefits alone allow the pair (before scope and the other constraints)."""
    if reciprocity_required:
        return forward > 0 and backward > 0
    return forward + backward > 0
