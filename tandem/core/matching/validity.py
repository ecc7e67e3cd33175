"""``check_validity``: an independent check of a set of pairs against an instance.

It shares nothing with the solver but the scalar scoring rules, so that tests (and a
curator's hand-made pairs) can be checked without trusting the solver.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tandem.core.matching.codes import PROBLEMS, describe
from tandem.core.matching.instance import (
    Instance,
    Participant,
    ParticipantId,
    id_key,
    id_sort_key,
    pair_key,
    pair_obstacle,
)
from tandem.core.matching.scoring import benefit, is_candidate_by_skills


@dataclass(frozen=True, slots=True)
class Problem:
    """A code of ``codes.PROBLEMS`` and its parameters (ids, counts)."""

    code: str
    params: dict[str, Any]

    @property
    def text(self) -> str:
        """The Russian default wording (the command line's; the application uses gettext)."""
        return describe(PROBLEMS, self.code, self.params)


def _problem(code: str, **params: Any) -> Problem:
    return Problem(code, params)


def check_validity(instance: Instance,
                   pairs: Iterable[tuple[ParticipantId, ParticipantId]]) -> list[Problem]:
    """Every way in which ``pairs`` break the instance's rules; an empty list means valid.

    Ids follow the id rule: ``7`` and ``"7"`` name the same participant.

    Checks ids, self-pairs, repeats, capacities, locked pairs present, forbidden pairs
    absent, scope, reporting lines, meeting formats and, for pairs that are not locked,
    the skill rule (both gain when reciprocity is required, someone gains otherwise).
    O(P·C + N + L) for P pairs, C competencies, L locked and forbidden pairs.
    """
    by_id = {p.id: p for p in instance.participants}
    ids = instance.ids()
    constraints = instance.constraints
    problems: list[Problem] = []
    keys = [pair_key(ids.get(id_key(a), a), ids.get(id_key(b), b)) for a, b in pairs]
    counts = Counter(keys)
    degree: Counter[ParticipantId] = Counter()
    for key in sorted(counts, key=lambda k: (id_sort_key(k[0]), id_sort_key(k[1]))):
        a, b = key
        unknown = [x for x in key if x not in by_id]
        if unknown:
            problems.append(_problem("unknown_member", a=a, b=b, id=unknown[0]))
            continue
        if a == b:
            problems.append(_problem("self_pair", a=a, b=b))
            continue
        if counts[key] > 1:
            problems.append(_problem("repeated_pair", a=a, b=b, count=counts[key]))
        degree.update({a: counts[key], b: counts[key]})
        problems.extend(_pair_problems(instance, by_id[a], by_id[b]))
    for pid in sorted(degree, key=id_sort_key):
        if degree[pid] > by_id[pid].capacity:
            problems.append(_problem("over_capacity", id=pid, count=degree[pid],
                                             capacity=by_id[pid].capacity))
    present = set(counts)
    problems.extend(_problem("locked_missing", a=a, b=b) for a, b in constraints.locked
                    if (a, b) not in present)
    problems.extend(_problem("forbidden_present", a=a, b=b) for a, b in constraints.forbidden
                    if (a, b) in present)
    return problems


def _pair_problems(instance: Instance, pa: Participant, pb: Participant) -> list[Problem]:
    a, b = pa.id, pb.id
    constraints = instance.constraints
    obstacle = pair_obstacle(pa, pb, constraints)
    if obstacle is not None:
        params: dict[str, Any] = {"a": a, "b": b}
        if obstacle == "scope":
            params["scope"] = constraints.scope
        return [Problem(obstacle, params)]
    if (a, b) in constraints.locked:
        return []  # a curator's decision; the result marks it one-sided if it is
    forward, backward = benefit(pa, pb, instance), benefit(pb, pa, instance)
    if is_candidate_by_skills(forward, backward, constraints.reciprocity_required):
        return []
    if constraints.reciprocity_required and forward + backward > 0:
        return [_problem("not_reciprocal", a=a, b=b, forward=forward, backward=backward)]
    return [_problem("no_benefit", a=a, b=b)]
