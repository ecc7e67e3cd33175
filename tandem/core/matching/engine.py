"""``match``: an instance in, explained pairs out; and the result's JSON document.

The one entry point for the command line and, later, the application's background task.
"""

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tandem.core.matching.graph import IntArray, Progress, candidate_graph, features
from tandem.core.matching.instance import Instance, ParticipantId, max_pair_weight
from tandem.core.matching.reasons import Unmatched, explain_unmatched
from tandem.core.matching.scoring import Lesson, lessons
from tandem.core.matching.solver import solve
from tandem.core.matching.threads import one_blas_thread
from tandem.core.matching.warm import hint_from_result

RESULT_FORMAT = "tandem-matching-result/1"


@dataclass(frozen=True, slots=True)
class Pair:
    """Members in canonical order; what each teaches the other, competency by competency."""

    a: ParticipantId
    b: ParticipantId
    weight: int
    a_teaches_b: tuple[Lesson, ...]
    b_teaches_a: tuple[Lesson, ...]
    locked: bool

    @property
    def one_sided(self) -> bool:
        """Only a locked pair (or one formed without the reciprocity rule) can be."""
        return not self.a_teaches_b or not self.b_teaches_a


@dataclass(frozen=True, slots=True)
class MatchingResult:
    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    total_weight: int
    upper_bound: int
    bound: str
    proved_by: str = "none"  # a code of codes.PROVED_BY: the stage that closed the gap
    stats: dict[str, Any] = field(default_factory=dict)
    edges: tuple[tuple[ParticipantId, ParticipantId, int], ...] | None = None
    # (id, Y = 2y) in canonical order, when asked: the next run's warm start (warm.py)
    duals: tuple[tuple[ParticipantId, int], ...] | None = None

    @property
    def gap(self) -> int:
        return self.upper_bound - self.total_weight

    @property
    def optimal(self) -> bool:
        return self.gap == 0

    @property
    def relative_gap(self) -> float:
        return self.gap / self.upper_bound if self.upper_bound else 0.0


def match(instance: Instance, *, time_limit: float | None = None, with_edges: bool = False,
          progress: Progress | None = None, warm: object | None = None,
          with_duals: bool = False) -> MatchingResult:
    """Solves the instance and explains the answer. See ``solver.solve`` for complexity;
    explanations add O(P·C) for P pairs and O(U·N·C) for U unmatched.

    ``warm``: a previous result document of (nearly) this instance, a hint only
    (``warm.py``; ``InstanceError`` if it is not a result at all). ``with_duals``: the
    result carries its duals, the hint for the next run."""
    hint = None
    if warm is not None:
        limit = 2 * max_pair_weight(len(instance.competencies), instance.weights)
        hint = hint_from_result(instance, warm, limit)
    with one_blas_thread():
        return _match(instance, time_limit=time_limit, with_edges=with_edges,
                      progress=progress, hint=hint, with_duals=with_duals)


def _match(instance: Instance, *, time_limit: float | None, with_edges: bool,
           progress: Progress | None, hint: IntArray | None = None,
           with_duals: bool = False) -> MatchingResult:
    started = time.perf_counter()
    f = features(instance)
    solution = solve(instance, time_limit=time_limit, progress=progress, f=f, hint=hint)
    people = instance.participants
    pairs = tuple(
        Pair(a=people[a].id, b=people[b].id, weight=weight,
             a_teaches_b=tuple(lessons(people[a], people[b], instance)),
             b_teaches_a=tuple(lessons(people[b], people[a], instance)),
             locked=(a, b) in solution.locked)
        for (a, b), weight in zip(solution.pairs, solution.weights, strict=True))
    degree = np.zeros(len(people), dtype=np.int64)
    for a, b in solution.pairs:
        degree[a] += 1
        degree[b] += 1
    unmatched = explain_unmatched(instance, f, degree, np.nonzero(degree == 0)[0])
    edges = None
    if with_edges:
        graph = candidate_graph(instance, f, progress=progress)
        edges = tuple((people[a].id, people[b].id, w) for a, b, w in
                      zip(graph.u.tolist(), graph.v.tolist(), graph.w.tolist(), strict=True))
    duals = (tuple((p.id, y) for p, y in zip(people, solution.duals, strict=True))
             if with_duals else None)
    stats = {"participants": len(people), "candidates": solution.stats.get("candidates", 0),
             "time": round(time.perf_counter() - started, 3), "solver": solution.stats}
    if hint is not None:
        stats["warm"] = True
    return MatchingResult(pairs=pairs, unmatched=tuple(unmatched),
                          total_weight=solution.total_weight, upper_bound=solution.upper_bound,
                          bound=solution.bound, proved_by=solution.proved_by, stats=stats,
                          edges=edges, duals=duals)


def _lesson(lesson: Lesson) -> dict[str, Any]:
    return {"competency": lesson.competency, "teacher_level": lesson.teacher_level,
            "learner_level": lesson.learner_level, "priority": lesson.priority,
            "wants_to_learn": lesson.wants_to_learn, "points": lesson.points}


def result_to_dict(result: MatchingResult) -> dict[str, Any]:
    """The JSON document of a result (format ``tandem-matching-result/1``)."""
    document: dict[str, Any] = {
        "format": RESULT_FORMAT,
        "pairs": [{"a": p.a, "b": p.b, "weight": p.weight, "locked": p.locked,
                   "one_sided": p.one_sided,
                   "a_teaches_b": [_lesson(x) for x in p.a_teaches_b],
                   "b_teaches_a": [_lesson(x) for x in p.b_teaches_a]}
                  for p in result.pairs],
        "unmatched": [{"id": u.id, "reason": u.reason, "reason_params": dict(u.params),
                       "reason_text": u.text,
                       "suggestions": [{"id": s.id, "weight": s.weight, "where": s.where,
                                        "available": s.available} for s in u.suggestions]}
                      for u in result.unmatched],
        "total_weight": result.total_weight,
        "upper_bound": result.upper_bound,
        "gap": result.gap,
        "relative_gap": round(result.relative_gap, 6),
        "optimal": result.optimal,
        "bound": result.bound,
        "proved_by": result.proved_by,
        "stats": result.stats,
    }
    if result.duals is not None:
        document["duals"] = [[pid, y] for pid, y in result.duals]
    if result.edges is not None:
        document["edges"] = [[a, b, w] for a, b, w in result.edges]
    return document
