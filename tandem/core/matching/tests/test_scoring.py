from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.diagnostics import MAX_LEVEL, MIN_LEVEL, Mark, is_deficit, is_strength
from tandem.core.matching.graph import candidate_graph, features
from tandem.core.matching.instance import (
    FORMAT,
    Participant,
    Weights,
    instance_from_dict,
    pair_obstacle,
)
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
    # "e" is unassessed: «могу научить» on it used to count as level 2 here, while the
    # diagnostics profile showed no strength; now both say none.
    assert [strength_level(p, c) for c in "abcde"] == [3, None, 2, None, None]


def test_a_deficit_is_a_low_level_or_a_wish_below_the_top() -> None:
    p = someone(levels={"a": 0, "b": 1, "c": 2, "d": 3}, wants_to_learn=("c", "d", "e"))
    # "d" (an expert who wants to learn) and the unassessed "e" used to be deficits here
    # (levels 3 and 1) and were none in diagnostics; now neither is.
    assert [deficit_level(p, c) for c in "abcdef"] == [0, 1, 2, None, None, None]


LEVELS = st.one_of(st.none(), st.integers(MIN_LEVEL, MAX_LEVEL))


@given(level=LEVELS, can=st.booleans(), want=st.booleans())
def test_matching_and_diagnostics_read_one_rule(level: int | None, can: bool,
                                                 want: bool) -> None:
    """For any level and marks, matching (scalar and vectorised) and the diagnostics
    profile call the same competency a strength and a deficit, at the same level."""
    p = someone(levels={} if level is None else {"c": level},
                can_teach=("c",) if can else (), wants_to_learn=("c",) if want else ())
    mark = Mark(level, can, want)
    assert (strength_level(p, "c") is not None) == mark.strength == is_strength(level, can)
    assert (deficit_level(p, "c") is not None) == mark.deficit == is_deficit(level, want)
    assert strength_level(p, "c") in (None, level)
    assert deficit_level(p, "c") in (None, level)
    doc = {"format": FORMAT, "competencies": [{"code": "c", "area": "a"}],
           "participants": [{"id": "x", "organization": "o", "municipality": "m",
                             "levels": p.levels, "can_teach": list(p.can_teach),
                             "wants_to_learn": list(p.wants_to_learn)}]}
    f = features(instance_from_dict(doc))
    assert (bool(f.has_strength[0]), bool(f.has_deficit[0])) == (mark.strength, mark.deficit)


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
