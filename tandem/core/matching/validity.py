"""``check_validity``: an independent check of a set of pairs against an instance.

It shares nothing with the solver but the scalar scoring rules, so that tests (and a
curator's hand-made pairs) can be checked without trusting the solver.
"""

from collections import Counter
from collections.abc import Iterable

from tandem.core.matching.instance import (
    Instance,
    Participant,
    ParticipantId,
    id_sort_key,
    pair_key,
    pair_obstacle,
)
from tandem.core.matching.scoring import benefit, is_candidate_by_skills

UNKNOWN_MEMBER = "Пара {a} — {b}: участника {id} нет в экземпляре."
SELF_PAIR = "Пара {a} — {b}: участник в паре сам с собой."
REPEATED_PAIR = "Пара {a} — {b} встречается {count} раза."
OVER_CAPACITY = "Участник {id} в {count} парах при «capacity» {capacity}."
LOCKED_MISSING = "Закреплённой пары {a} — {b} нет в результате."
FORBIDDEN_PRESENT = "Запрещённая пара {a} — {b} есть в результате."
OBSTACLE = {
    "scope": "Пара {a} — {b} выходит за границы подбора ({scope}).",
    "reporting_line": "Пара {a} — {b} внутри линии подчинения.",
    "meeting_format": "Пара {a} — {b}: форматы встреч несовместимы.",
}
NOT_RECIPROCAL = "Пара {a} — {b} не взаимна: b(a→b) = {forward}, b(b→a) = {backward}."
NO_BENEFIT = "Пара {a} — {b}: никто ничему не учится."


def check_validity(instance: Instance,
                   pairs: Iterable[tuple[ParticipantId, ParticipantId]]) -> list[str]:
    """Every way in which ``pairs`` break the instance's rules; an empty list means valid.

    Checks ids, self-pairs, repeats, capacities, locked pairs present, forbidden pairs
    absent, scope, reporting lines, meeting formats and, for pairs that are not locked,
    the skill rule (both gain when reciprocity is required, someone gains otherwise).
    O(P·C + N + L) for P pairs, C competencies, L locked and forbidden pairs.
    """
    by_id = {p.id: p for p in instance.participants}
    constraints = instance.constraints
    problems: list[str] = []
    keys = [pair_key(a, b) for a, b in pairs]
    counts = Counter(keys)
    degree: Counter[ParticipantId] = Counter()
    for key in sorted(counts, key=lambda k: (id_sort_key(k[0]), id_sort_key(k[1]))):
        a, b = key
        unknown = [x for x in key if x not in by_id]
        if unknown:
            problems.append(UNKNOWN_MEMBER.format(a=a, b=b, id=unknown[0]))
            continue
        if a == b:
            problems.append(SELF_PAIR.format(a=a, b=b))
            continue
        if counts[key] > 1:
            problems.append(REPEATED_PAIR.format(a=a, b=b, count=counts[key]))
        degree.update({a: counts[key], b: counts[key]})
        problems.extend(_pair_problems(instance, by_id[a], by_id[b]))
    for pid in sorted(degree, key=id_sort_key):
        if degree[pid] > by_id[pid].capacity:
            problems.append(OVER_CAPACITY.format(id=pid, count=degree[pid],
                                                 capacity=by_id[pid].capacity))
    present = set(counts)
    problems.extend(LOCKED_MISSING.format(a=a, b=b) for a, b in constraints.locked
                    if (a, b) not in present)
    problems.extend(FORBIDDEN_PRESENT.format(a=a, b=b) for a, b in constraints.forbidden
                    if (a, b) in present)
    return problems


def _pair_problems(instance: Instance, pa: Participant, pb: Participant) -> list[str]:
    a, b = pa.id, pb.id
    constraints = instance.constraints
    obstacle = pair_obstacle(pa, pb, constraints)
    if obstacle is not None:
        return [OBSTACLE[obstacle].format(a=a, b=b, scope=constraints.scope)]
    if (a, b) in constraints.locked:
        return []  # a curator's decision; the result marks it one-sided if it is
    forward, backward = benefit(pa, pb, instance), benefit(pb, pa, instance)
    if is_candidate_by_skills(forward, backward, constraints.reciprocity_required):
        return []
    if constraints.reciprocity_required and forward + backward > 0:
        return [NOT_RECIPROCAL.format(a=a, b=b, forward=forward, backward=backward)]
    return [NO_BENEFIT.format(a=a, b=b)]
