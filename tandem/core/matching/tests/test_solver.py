"""The solver against independent references, on random instances (Hypothesis)."""

from typing import Any
from unittest import mock

import networkx as nx
import numpy as np
import rustworkx as rx
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.matching import check_validity, instance_from_dict, match, solver
from tandem.core.matching.generator import instance_document
from tandem.core.matching.graph import candidate_graph, scope_groups
from tandem.core.matching.instance import Instance, pair_obstacle
from tandem.core.matching.relaxation import Copies, solve_relaxation
from tandem.core.matching.tests.oracle import oracle_optimum
from tandem.core.matching.tests.strategies import documents
from tandem.core.matching.tests.test_exact import brute_force


def networkx_optimum(instance: Instance) -> int:
    """Maximum weight by networkx on the candidate graph (capacity 1, no locked pairs)."""
    graph = candidate_graph(instance)
    g = nx.Graph()
    g.add_weighted_edges_from(zip(graph.u.tolist(), graph.v.tolist(), graph.w.tolist(),
                                  strict=True))
    return sum(g[a][b]["weight"] for a, b in nx.max_weight_matching(g, maxcardinality=False))


def pairs_of(result: Any) -> list[tuple[Any, Any]]:
    return [(p.a, p.b) for p in result.pairs]


def assert_certified(result: Any, optimum: int) -> None:
    assert result.total_weight <= optimum <= result.upper_bound
    assert result.optimal == (result.gap == 0)


@given(documents(max_people=60))
@settings(max_examples=60, deadline=None)
def test_it_equals_networkx_and_is_valid(doc: dict[str, Any]) -> None:
    instance = instance_from_dict(doc)
    result = match(instance)
    assert check_validity(instance, pairs_of(result)) == []
    assert result.total_weight == networkx_optimum(instance)
    assert_certified(result, result.total_weight)


@given(documents(max_people=40), st.integers(1, 4), st.integers(1, 3))
@settings(max_examples=40, deadline=None)
def test_pricing_from_a_sparse_start_reaches_the_same_optimum(doc: dict[str, Any], k: int,
                                                               added: int) -> None:
    instance = instance_from_dict(doc)
    with mock.patch.multiple(solver, DENSE_GROUP=2, INITIAL_K=k, ADDED_PER_ROW=added):
        result = match(instance)
    assert check_validity(instance, pairs_of(result)) == []
    assert result.total_weight == networkx_optimum(instance)
    assert_certified(result, result.total_weight)


@given(documents(max_people=30, capacities=True), st.randoms(use_true_random=False))
@settings(max_examples=30, deadline=None)
def test_a_relaxation_started_from_the_last_round_is_the_cold_one(doc: dict[str, Any],
                                                                   rng: Any) -> None:
    # A pricing round re-solves with the previous round's potentials as reduced costs: the
    # same optimum as from nothing, and its dual certifies it, whatever edges were added.
    instance = instance_from_dict(doc)
    graph = candidate_graph(instance)
    capacity = np.array([p.capacity for p in instance.participants], dtype=np.int64)
    copies = Copies.of(capacity)
    first = np.array([rng.random() < 0.5 for _ in range(graph.size)], dtype=bool)
    earlier = solve_relaxation(copies, graph.u[first], graph.v[first], graph.w[first],
                               capacity.size)
    warm = solve_relaxation(copies, graph.u, graph.v, graph.w, capacity.size, start=earlier)
    cold = solve_relaxation(copies, graph.u, graph.v, graph.w, capacity.size)
    assert warm.value == cold.value
    doubled = warm.doubled_dual
    assert (doubled >= 0).all()
    assert (doubled[graph.u] + doubled[graph.v] >= 2 * graph.w).all()
    assert int(capacity @ doubled) == warm.value


@given(documents(max_people=20, capacities=True))
@settings(max_examples=15, deadline=None)
def test_warm_costs_past_exact_floats_start_the_round_cold(doc: dict[str, Any]) -> None:
    # Warm costs grow with the duals: where their sum over an assignment could leave the
    # integers a float64 holds, the round takes the cold costs — the very assignment.
    from tandem.core.matching import relaxation

    instance = instance_from_dict(doc)
    graph = candidate_graph(instance)
    capacity = np.array([p.capacity for p in instance.participants], dtype=np.int64)
    copies = Copies.of(capacity)
    earlier = solve_relaxation(copies, graph.u, graph.v, graph.w, capacity.size)
    cold = solve_relaxation(copies, graph.u, graph.v, graph.w, capacity.size)
    with mock.patch.object(relaxation, "EXACT_FLOAT", 1):
        guarded = solve_relaxation(copies, graph.u, graph.v, graph.w, capacity.size,
                                   start=earlier)
    assert guarded.value == cold.value
    assert (guarded.sigma == cold.sigma).all()


@given(documents(max_people=40))
@settings(max_examples=30, deadline=None)
def test_out_of_time_it_still_gives_a_valid_result_and_an_honest_bound(
        doc: dict[str, Any]) -> None:
    instance = instance_from_dict(doc)
    with mock.patch.multiple(solver, DENSE_GROUP=2, INITIAL_K=1, ADDED_PER_ROW=1):
        result = match(instance, time_limit=1e-9)
    assert check_validity(instance, pairs_of(result)) == []
    assert_certified(result, networkx_optimum(instance))


@given(documents(max_people=30), st.randoms(use_true_random=False))
@settings(max_examples=40, deadline=None)
def test_the_same_instance_gives_the_same_pairs_in_any_order(doc: dict[str, Any],
                                                             rnd: Any) -> None:
    first = match(instance_from_dict(doc))
    rnd.shuffle(doc["participants"])
    for p in doc["participants"]:
        rnd.shuffle(p["can_teach"])
        rnd.shuffle(p["wants_to_learn"])
    rnd.shuffle(doc["constraints"]["forbidden"])
    second = match(instance_from_dict(doc))
    assert pairs_of(second) == pairs_of(first)
    assert [(u.id, u.reason, u.suggestions) for u in second.unmatched] == \
        [(u.id, u.reason, u.suggestions) for u in first.unmatched]


@st.composite
def with_locked_pairs(draw: st.DrawFn) -> dict[str, Any]:
    doc = draw(documents(max_people=25, capacities=True))
    instance = instance_from_dict(doc)
    people = instance.participants
    left = {p.id: p.capacity for p in people}
    forbidden = set(instance.constraints.forbidden)
    allowed = [(a.id, b.id) for i, a in enumerate(people) for b in people[i + 1:]
               if pair_obstacle(a, b, instance.constraints) is None
               and (a.id, b.id) not in forbidden]
    locked = []
    for a, b in draw(st.lists(st.sampled_from(allowed), unique=True, max_size=4)
                     if allowed else st.just([])):
        if left[a] and left[b]:
            left[a] -= 1
            left[b] -= 1
            locked.append([a, b])
    doc["constraints"]["locked"] = locked
    return doc


@given(with_locked_pairs())
@settings(max_examples=50, deadline=None)
def test_locked_pairs_stay_and_capacities_hold(doc: dict[str, Any]) -> None:
    instance = instance_from_dict(doc)
    result = match(instance)
    assert check_validity(instance, pairs_of(result)) == []
    locked = {(p.a, p.b) for p in result.pairs if p.locked}
    assert locked == set(instance.constraints.locked)
    assert result.total_weight <= result.upper_bound
    assert result.optimal == (result.gap == 0)


@given(documents(max_people=6, capacities=True))
@settings(max_examples=60, deadline=None)
def test_with_capacities_it_equals_brute_force_on_tiny_instances(doc: dict[str, Any]) -> None:
    instance = instance_from_dict(doc)
    graph = candidate_graph(instance)
    edges = list(zip(graph.u.tolist(), graph.v.tolist(), graph.w.tolist(), strict=True))
    capacity = {k: p.capacity for k, p in enumerate(instance.participants)}
    result = match(instance)
    assert check_validity(instance, pairs_of(result)) == []
    optimum = brute_force(edges, capacity)
    assert_certified(result, optimum)
    assert result.total_weight == optimum


@given(documents(max_people=30, capacities=True))
@settings(max_examples=30, deadline=None)
def test_the_dual_certifies_the_bound_on_every_candidate_pair(doc: dict[str, Any]) -> None:
    instance = instance_from_dict(doc)
    graph = candidate_graph(instance)
    capacity = np.array([p.capacity for p in instance.participants], dtype=np.int64)
    relaxation = solve_relaxation(Copies.of(capacity), graph.u, graph.v, graph.w,
                                  capacity.size)
    doubled = relaxation.doubled_dual
    assert (doubled >= 0).all()
    assert (doubled[graph.u] + doubled[graph.v] >= 2 * graph.w).all()
    # Strong duality: the folded dual is worth exactly the assignment.
    assert int(capacity @ doubled) == relaxation.value


def test_a_large_organization_is_proven_optimal_like_rustworkx_finds() -> None:
    # Seed 4 is an instance where the relaxation alone is 1 above the optimum.
    instance = instance_from_dict(instance_document(300, 4, scope="organization"))
    result = match(instance)
    graph = candidate_graph(instance)
    g = rx.PyGraph()
    g.add_nodes_from(range(graph.n))
    g.add_edges_from(list(zip(graph.u.tolist(), graph.v.tolist(), graph.w.tolist(),
                              strict=True)))
    best = sum(g.get_edge_data(a, b) for a, b in rx.max_weight_matching(
        g, weight_fn=lambda w: w))
    assert result.optimal and result.total_weight == best
    assert result.bound == "relaxation + exact"
    assert result.stats["solver"]["relaxation_bound"] == best + 1


@given(documents(max_people=40, capacities=True))
@settings(max_examples=40, deadline=None)
def test_scope_groups_solved_chunk_by_chunk_keep_the_certificate(doc: dict[str, Any]) -> None:
    # One chunk per scope group: chunks are solved apart and
    # their weights and bounds add up; the bound must still hold and `optimal` be true.
    instance = instance_from_dict(doc)
    with mock.patch.object(solver, "CHUNK_PEOPLE", 1):
        result = match(instance)
    whole = match(instance)
    assert check_validity(instance, pairs_of(result)) == []
    optimum = oracle_optimum(instance)
    assert_certified(result, optimum)
    if result.optimal:
        assert result.total_weight == optimum
    assert result.stats["solver"]["chunks"] == max(1, len(scope_groups(instance)))
    assert whole.total_weight <= optimum <= whole.upper_bound


@given(documents(max_people=30, capacities=True))
@settings(max_examples=40, deadline=None)
def test_the_b_matching_lp_stage_bounds_the_optimum_and_optimal_means_optimal(
        doc: dict[str, Any]) -> None:
    instance = instance_from_dict(doc)
    result = match(instance)
    optimum = oracle_optimum(instance)
    assert check_validity(instance, pairs_of(result)) == []
    assert_certified(result, optimum)
    if result.optimal:
        assert result.total_weight == optimum
    if "lp_bound" in result.stats["solver"]:  # the stage ran in some chunk
        assert result.bound.startswith("b-matching lp")


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(1, 30)),
                max_size=12), st.lists(st.integers(0, 40), min_size=6, max_size=6),
       st.lists(st.integers(1, 3), min_size=6, max_size=6))
@settings(max_examples=200, deadline=None)
def test_any_dual_with_its_slack_bounds_every_b_matching(
        raw: list[tuple[int, int, int]], doubled: list[int], capacity: list[int]) -> None:
    # The b-matching stage's bound: for any integer Y ≥ 0,
    # (Σ c_p·Y_p + Σ_e max(0, 2w_e − Y_a − Y_b)) / 2 ≥ every b-matching.
    edges = {(min(a, b), max(a, b)): w for a, b, w in raw if a != b}
    triples = [(a, b, w) for (a, b), w in sorted(edges.items())]
    best = brute_force(triples, dict(enumerate(capacity)))
    slack = sum(max(0, 2 * w - doubled[a] - doubled[b]) for a, b, w in triples)
    assert (sum(c * y for c, y in zip(capacity, doubled, strict=True)) + slack) // 2 >= best
