"""Exact oracles written apart from the engine: the candidate graph from the scalar scoring
rules (``scoring``, not the BLAS code of ``graph``), then networkx's blossom algorithm for
capacity 1 and a MILP (scipy's HiGHS, formulated here, not the engine's ``milp`` module)
for capacities."""

import networkx as nx
import numpy as np
import scipy.optimize as so
import scipy.sparse as sp

from tandem.core.matching.instance import Instance, pair_obstacle
from tandem.core.matching.scoring import benefit, is_candidate_by_skills, pair_weight


def oracle_edges(instance: Instance) -> list[tuple[int, int, int]]:
    """Every candidate pair ``(i, j, w)`` by the scalar rules; locked pairs are not left out."""
    people = instance.participants
    forbidden = {frozenset(p) for p in instance.constraints.forbidden}
    result = []
    for i, a in enumerate(people):
        for j in range(i + 1, len(people)):
            b = people[j]
            if pair_obstacle(a, b, instance.constraints) is not None:
                continue
            if frozenset((a.id, b.id)) in forbidden:
                continue
            forward, backward = benefit(a, b, instance), benefit(b, a, instance)
            if not is_candidate_by_skills(forward, backward,
                                          instance.constraints.reciprocity_required):
                continue
            result.append((i, j, pair_weight(forward, backward, instance.weights)))
    return result


def oracle_optimum(instance: Instance) -> int:
    """The optimum with locked pairs fixed: networkx when every capacity is 1, else a MILP."""
    index = instance.index()
    locked = {(min(index[a], index[b]), max(index[a], index[b]))
              for a, b in instance.constraints.locked}
    people = instance.participants
    fixed = 0
    capacity = [p.capacity for p in people]
    for a, b in locked:
        capacity[a] -= 1
        capacity[b] -= 1
        pa, pb = people[a], people[b]
        fixed += pair_weight(benefit(pa, pb, instance), benefit(pb, pa, instance),
                             instance.weights)
    edges = [(i, j, w) for i, j, w in oracle_edges(instance)
             if (i, j) not in locked and capacity[i] > 0 and capacity[j] > 0]
    if not edges:
        return fixed
    if all(capacity[i] == 1 and capacity[j] == 1 for i, j, _ in edges):
        g = nx.Graph()
        g.add_weighted_edges_from(edges)
        return fixed + sum(g[a][b]["weight"] for a, b in nx.max_weight_matching(g))
    rows = [i for i, _, _ in edges] + [j for _, j, _ in edges]
    cols = list(range(len(edges))) * 2
    incidence = sp.csr_array((np.ones(len(rows)), (rows, cols)),
                             shape=(len(people), len(edges)))
    w = np.array([x for _, _, x in edges], dtype=float)
    limits = np.array(capacity, dtype=float)
    found = so.milp(-w, constraints=so.LinearConstraint(incidence, 0, limits),
                    integrality=np.ones(len(edges), dtype=np.int64), bounds=so.Bounds(0, 1))
    assert found.status == 0
    return fixed + round(float(w @ np.round(found.x)))
