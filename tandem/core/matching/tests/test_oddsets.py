"""The odd-set stage (oddsets.py): its bound for any dual, its block pass, its answers."""

from itertools import combinations
from typing import Any
from unittest import mock

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.matching import check_validity, instance_from_dict, match, oddsets, solver
from tandem.core.matching.generator import instance_document
from tandem.core.matching.graph import Block
from tandem.core.matching.tests.oracle import oracle_edges
from tandem.core.matching.tests.strategies import documents
from tandem.core.matching.tests.test_solver import assert_certified, networkx_optimum, pairs_of

SCALE = 2**20


def optimum_of(n: int, edges: dict[tuple[int, int], int]) -> int:
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from((a, b, w) for (a, b), w in edges.items())
    return sum(g[a][b]["weight"] for a, b in nx.max_weight_matching(g))


def one_block(n: int, edges: dict[tuple[int, int], int]) -> list[Block]:
    """Every pair of ``n`` people as weight blocks of two row halves (0: not a candidate)."""
    weight = np.zeros((n, n), dtype=np.float64)  # as weight_blocks gives them
    for (a, b), w in edges.items():
        weight[a, b] = weight[b, a] = w
    cut = n // 2
    everyone = np.arange(n)
    return [Block(everyone[:cut], everyone, weight[:cut]),
            Block(everyone[cut:], everyone, weight[cut:])]


graphs = st.integers(2, 8).flatmap(lambda n: st.tuples(
    st.just(n),
    st.dictionaries(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
                    .filter(lambda p: p[0] < p[1]).map(tuple), st.integers(1, 40),
                    max_size=20)))


@given(graphs, st.data())
@settings(max_examples=200, deadline=None)
def test_any_nonnegative_dual_with_odd_sets_bounds_every_matching(
        graph: tuple[int, dict[tuple[int, int], int]], data: st.DataObject) -> None:
    # U(y, z) = Σ y_p + Σ z_S·⌊|S|/2⌋ + Σ_e max(0, w_e − y_a − y_b − Σ_{S∋a,b} z_S) bounds
    # the optimum for ANY y, z ≥ 0 (here scaled by SCALE, any sets, odd or not).
    n, edges = graph
    y = np.array(data.draw(st.lists(st.integers(0, 40 * SCALE), min_size=n, max_size=n)),
                 dtype=np.int64)
    sets = [np.array(sorted(s), dtype=np.int64) for s in data.draw(st.lists(
        st.sets(st.integers(0, n - 1), min_size=1), max_size=4))]
    z = np.array(data.draw(st.lists(st.integers(0, 40 * SCALE), min_size=len(sets),
                                    max_size=len(sets))), dtype=np.int64)
    triples = [(a, b, w) for (a, b), w in edges.items()]
    scaled = oddsets.scaled_bound(n, triples, y, sets, z, SCALE)
    assert scaled // SCALE >= optimum_of(n, edges)
    # The pass over weight blocks sums the same bound in the same integers.
    priced = oddsets._price(one_block(n, edges), y, sets, z, SCALE, limit=1)
    assert priced.scaled_upper == scaled


def test_two_five_cycles_need_their_odd_sets() -> None:
    # Two 5-cycles of weight 2: the degree LP gives 5 per cycle (x = ½ everywhere), a
    # matching only 4. The odd-set cuts on each cycle close the gap: bound 8 = optimum.
    edges = {}
    for base in (0, 5):
        for k in range(5):
            a, b = base + k, base + (k + 1) % 5
            edges[(min(a, b), max(a, b))] = 2
    u, v, w = (np.array(x, dtype=np.int64) for x in zip(*((a, b, x) for (a, b), x in
                                                           edges.items()), strict=True))
    ours = {(0, 1): 2, (5, 6): 2}
    answer = oddsets.odd_set_stage(one_block(10, edges), 10, 2, (u, v, w), ours, lambda: 60.0)
    assert answer is not None
    assert int(answer.stats["odd_cuts"]) == 2
    assert answer.upper == 8 == optimum_of(10, edges)
    assert sum(answer.matching.values()) == 8  # the LP optimum is integral: a matching


@given(st.integers(6, 40), st.integers(0, 10_000))
@settings(max_examples=40, deadline=None)
def test_the_stage_on_generated_instances_bounds_and_finds_matchings(people: int,
                                                                     seed: int) -> None:
    instance = instance_from_dict(instance_document(people, seed))
    edges = {(a, b): w for a, b, w in oracle_edges(instance)}
    optimum = optimum_of(people, edges)
    if not edges:
        return
    # A deliberately sparse start (each person's first pair) and an empty matching: pricing
    # must bring in the rest.
    first: dict[int, tuple[int, int]] = {}
    for a, b in sorted(edges):
        first.setdefault(a, (a, b))
    start = sorted(set(first.values()))
    u, v, w = (np.array(x, dtype=np.int64) for x in zip(*((a, b, edges[(a, b)])
                                                           for a, b in start), strict=True))
    top = max(edges.values())
    answer = oddsets.odd_set_stage(one_block(people, edges), people, top, (u, v, w), {},
                                   lambda: 60.0)
    assert answer is not None
    found = answer.matching
    assert all(pair in edges and edges[pair] == x for pair, x in found.items())
    ends = [p for pair in found for p in pair]
    assert len(ends) == len(set(ends))
    assert sum(found.values()) <= optimum <= answer.upper
    # The kept pairs are every pair with r < near_limit (the exact stage relies on it).
    assert set(zip(answer.near[0].tolist(), answer.near[1].tolist(), strict=True)) <= set(edges)


@given(documents(max_people=40))
@settings(max_examples=60, deadline=None)
def test_in_the_solver_the_stage_keeps_the_certificate(doc: dict[str, Any]) -> None:
    # Exact and MILP stages switched off and a sparse start, so gaps are left for the
    # odd-set stage; whatever it says must hold against networkx.
    instance = instance_from_dict(doc)
    with mock.patch.multiple(solver, ODD_SETS=True, EXACT_WORK=0, MILP_SECONDS=0.0,
                             WARM_BLOSSOM=False, DENSE_GROUP=2, INITIAL_K=2):
        result = match(instance)
    optimum = networkx_optimum(instance)
    assert check_validity(instance, pairs_of(result)) == []
    assert_certified(result, optimum)
    if result.optimal:
        assert result.total_weight == optimum
    if result.proved_by == "odd sets":
        assert result.total_weight == optimum


def test_in_the_solver_a_gap_left_by_the_relaxation_is_closed_by_odd_sets() -> None:
    # Generated pools where the relaxation leaves a gap that, with the exact stages off,
    # only the odd-set stage can close.
    proved = 0
    for seed in range(12):
        instance = instance_from_dict(instance_document(60, seed))
        with mock.patch.multiple(solver, ODD_SETS=True, EXACT_WORK=0, MILP_SECONDS=0.0,
                                 WARM_BLOSSOM=False):
            result = match(instance)
        optimum = networkx_optimum(instance)
        assert_certified(result, optimum)
        if result.proved_by == "odd sets":
            assert result.optimal and result.total_weight == optimum
            proved += 1
    assert proved > 0


def test_pairs_inside_a_set_are_counted_once_per_set() -> None:
    # Z of two overlapping sets adds up on the pair they share.
    n = 4
    edges = {pair: 5 for pair in combinations(range(n), 2)}
    y = np.zeros(n, dtype=np.int64)
    sets = [np.array([0, 1, 2]), np.array([0, 1, 3])]
    z = np.array([2 * SCALE, 3 * SCALE], dtype=np.int64)
    triples = [(a, b, w) for (a, b), w in edges.items()]
    # Σ z·⌊3/2⌋ = 5; pair (0,1) is covered by 5, the other five pairs have slack 5 − 2 or
    # 5 − 3 or 5: (0,2) 3, (1,2) 3, (0,3) 2, (1,3) 2, (2,3) 5.
    assert oddsets.scaled_bound(n, triples, y, sets, z, SCALE) == (5 + 3 + 3 + 2 + 2 + 5) * SCALE
    assert oddsets._price(one_block(n, edges), y, sets, z, SCALE, 1).scaled_upper == (
        20 * SCALE)
