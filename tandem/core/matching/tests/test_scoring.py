from typing import Any

import numpy as np
from hypothesis import given, settings

from tandem.core.matching.graph import candidate_graph
from tandem.core.matching.instance import Participant, Weights, instance_from_dict, pair_obstacle
from tandem.core.matching.scoring import (
    benefit,
    deficit_level,
    is_candidate_by_skills,
    pair_weight,
    points,
    strength_level,
)
from tandem.core.matching.tests.strategies import documents


def someone(**fields: Any) -> Participant:
    return Participant(id="x", organization="o", municipality="m", **fields)


def test_strength_needs_level_three_or_level_two_with_can_teach() -> None:
    p = someone(levels={"a": 3, "b": 2, "c": 2, "d": 1}, can_teach=("c", "d", "e"))
    assert [strength_level(p, c) for c in "abcde"] == [3, None, 2, None, 2]


def test_a_deficit_is_a_low_level_or_a_wish() -> None:
    p = someone(levels={"a": 0, "b": 1, "c": 2, "d": 3}, wants_to_learn=("c", "e"))
    assert [deficit_level(p, c) for c in "abcdef"] == [0, 1, 2, None, 1, None]


def test_points_grow_with_the_level_difference_and_the_priority() -> None:
    w = Weights()
    assert [points(3, x, None, False, w) for x in (0, 1, 2, 3)] == [6, 4, 2, 0]
    assert [points(3, 0, r, False, w) for r in (1, 2, 3)] == [12, 10, 8]
    assert points(2, 1, 1, True, w) == 2 + 6 + 1


def test_the_pair_weight_rewards_balance() -> None:
    w = Weights(balance=2)
    assert pair_weight(10, 10, w) == 40
    assert pair_weight(19, 1, w) == 22


@given(documents(max_people=25))
@settings(max_examples=60, deadline=None)
def test_the_vectorised_graph_agrees_with_the_scalar_rules(doc: dict[str, Any]) -> None:
    instance = instance_from_dict(doc)
    graph = candidate_graph(instance)
    edges = {(a, b): w for a, b, w in zip(graph.u.tolist(), graph.v.tolist(),
                                           graph.w.tolist(), strict=True)}
    people = instance.participants
    forbidden = set(instance.constraints.forbidden)
    for a, pa in enumerate(people):
        for b in range(a + 1, len(people)):
            pb = people[b]
            forward, backward = benefit(pa, pb, instance), benefit(pb, pa, instance)
            expected = (pair_obstacle(pa, pb, instance.constraints) is None
                        and (pa.id, pb.id) not in forbidden
                        and is_candidate_by_skills(forward, backward,
                                                   instance.constraints.reciprocity_required))
            assert ((a, b) in edges) == expected
            if expected:
                assert edges[(a, b)] == pair_weight(forward, backward, instance.weights)
    assert graph.w.dtype == np.int64 and (graph.u < graph.v).all()
