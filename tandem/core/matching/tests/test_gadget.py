"""The warm blossom on the b-matching gadget (gadget.py, docs/matching.md 3.6d) and the
reduced-cost fixing both warm stages rely on (3.5, 3.6c)."""

from typing import Any
from unittest import mock

import numpy as np
import numpy.typing as npt
import scipy.optimize as so
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.matching import check_validity, instance_from_dict, match, solver
from tandem.core.matching.gadget import warm_b_close
from tandem.core.matching.tests.oracle import oracle_optimum
from tandem.core.matching.tests.strategies import documents
from tandem.core.matching.tests.test_solver import assert_certified, pairs_of

Edges = dict[tuple[int, int], int]


def b_optimum(edges: Edges, capacity: list[int]) -> int:
    """Maximum-weight b-matching by a MILP written here (each pair at most once)."""
    if not edges:
        return 0
    keys = sorted(edges)
    rows = [a for a, _ in keys] + [b for _, b in keys]
    incidence = sp.csr_array((np.ones(len(rows)), (rows, list(range(len(keys))) * 2)),
                             shape=(len(capacity), len(keys)))
    w = np.array([edges[k] for k in keys], dtype=float)
    found = so.milp(-w, constraints=so.LinearConstraint(incidence, 0, np.array(capacity, float)),
                    integrality=np.ones(len(keys), dtype=np.int64), bounds=so.Bounds(0, 1))
    assert found.status == 0
    return round(float(w @ np.round(found.x)))


Near = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64],
             npt.NDArray[np.int64]]


def near_arrays(edges: Edges, doubled: list[int]) -> Near:
    keys = sorted(edges)
    u = np.array([a for a, _ in keys], dtype=np.int64)
    v = np.array([b for _, b in keys], dtype=np.int64)
    w = np.array([edges[k] for k in keys], dtype=np.int64)
    y = np.array(doubled, dtype=np.int64)
    return u, v, w, y[u] + y[v] - 2 * w


def lp_bound(edges: Edges, capacity: list[int], doubled: list[int]) -> int:
    """``⌊(Σ c_p Y_p + Σ_e max(0, 2w_e − Y_a − Y_b)) / 2⌋`` (3.6c): a bound for any Y ≥ 0."""
    total = sum(c * y for c, y in zip(capacity, doubled, strict=True))
    total += sum(max(0, 2 * w - doubled[a] - doubled[b]) for (a, b), w in edges.items())
    return total // 2


graphs = st.integers(2, 9).flatmap(lambda n: st.tuples(
    st.dictionaries(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
                    .filter(lambda p: p[0] < p[1]).map(tuple), st.integers(1, 40),
                    min_size=1, max_size=24),
    st.lists(st.integers(1, 3), min_size=n, max_size=n),
    st.lists(st.integers(0, 80), min_size=n, max_size=n)))


def a_b_matching(edges: Edges, capacity: list[int], data: st.DataObject) -> Edges:
    left = list(capacity)
    chosen: Edges = {}
    for pair in sorted(edges):
        a, b = pair
        if left[a] and left[b] and data.draw(st.booleans()):
            chosen[pair] = edges[pair]
            left[a] -= 1
            left[b] -= 1
    return chosen


@given(graphs, st.data())
@settings(max_examples=150, deadline=None)
def test_reduced_cost_fixing_never_removes_an_edge_of_every_optimum(
        graph: tuple[Edges, list[int], list[int]], data: st.DataObject) -> None:
    # For any Y ≥ 0 (violations paid by their slack) and any b-matching M with gap
    # g = U(Y) − w(M): the pairs with r = max(0, Y_a + Y_b − 2w)/2 < g, with M's own pairs,
    # hold an optimum of the whole graph — so solving on them proves optimality once the
    # gap left is within the threshold (the argument of solver._prove, _warm_close and
    # gadget.warm_b_close). Checked against a MILP over all pairs.
    edges, capacity, doubled = graph
    ours = a_b_matching(edges, capacity, data)
    bound = lp_bound(edges, capacity, doubled)
    optimum = b_optimum(edges, capacity)
    assert optimum <= bound
    gap = bound - sum(ours.values())
    kept = {pair: w for pair, w in edges.items()
            if max(0, doubled[pair[0]] + doubled[pair[1]] - 2 * w) < 2 * gap or pair in ours}
    assert b_optimum(kept, capacity) == optimum


@given(graphs, st.data())
@settings(max_examples=150, deadline=None)
def test_from_any_dual_the_gadget_stage_is_exact_when_it_says_so(
        graph: tuple[Edges, list[int], list[int]], data: st.DataObject) -> None:
    # Any Y ≥ 0 (violated pairs become gadget pairs whose e_a, e_b start exposed), any
    # b-matching as the start: the answer is a valid b-matching, never heavier than the
    # optimum, and «proven» only when it is the optimum.
    edges, capacity, doubled = graph
    ours = a_b_matching(edges, capacity, data)
    bound = lp_bound(edges, capacity, doubled)
    near = near_arrays(edges, doubled)
    found, proven = warm_b_close(ours, np.array(capacity, dtype=np.int64),
                                 np.array(doubled, dtype=np.int64), near, bound,
                                 near_limit=bound + 1, out_of_time=lambda: False,
                                 max_edges=10**6, stats={})
    degree = [0] * len(capacity)
    for a, b in found:
        assert found[(a, b)] == edges[(a, b)]
        degree[a] += 1
        degree[b] += 1
    assert all(d <= c for d, c in zip(degree, capacity, strict=True))
    optimum = b_optimum(edges, capacity)
    assert sum(ours.values()) <= sum(found.values()) <= optimum
    # Every pair is below near_limit here, so the stage must prove the optimum.
    assert proven and sum(found.values()) == optimum


def test_two_people_of_capacity_two_meet_once() -> None:
    # Worked example. a, b of capacity 2, c of capacity 1; w(ab) = 10, w(ac) = w(bc) = 3.
    # Y = (10, 10, 0) is feasible, U = (2·10 + 2·10)/2 = 20: the copies' bound, where a and
    # b meet twice. On the gadget a and b meet once (e_a, e_b); from the start {ab} the
    # exposed copies a₁, b₁ (Y = 10) are roots, the pair ac joins by column generation and
    # the answer is ab + ac = 13, proven: every pair was checked against its certificate.
    edges = {(0, 1): 10, (0, 2): 3, (1, 2): 3}
    found, proven = warm_b_close({(0, 1): 10}, np.array([2, 2, 1]), np.array([10, 10, 0]),
                                 near_arrays(edges, [10, 10, 0]), 20, near_limit=20,
                                 out_of_time=lambda: False, max_edges=10**6, stats={})
    assert sum(found.values()) == 13 == b_optimum(edges, [2, 2, 1])
    assert (0, 1) in found and proven


@given(documents(max_people=30, capacities=True))
@settings(max_examples=60, deadline=None)
def test_in_the_solver_the_gadget_stage_is_certified_against_the_milp(doc: dict[str, Any]) -> None:
    # rustworkx's exact stage and the MILP off: every gap with capacities goes to the
    # gadget stage; optimal ⇒ equal to the oracle's MILP, and the bound always holds.
    instance = instance_from_dict(doc)
    with mock.patch.multiple(solver, EXACT_WORK=0, MILP_SECONDS=0.0, DENSE_GROUP=2,
                             INITIAL_K=2):
        result = match(instance)
    assert check_validity(instance, pairs_of(result)) == []
    optimum = oracle_optimum(instance)
    assert_certified(result, optimum)
    if result.optimal:
        assert result.total_weight == optimum


def _capacity_pool(size: int, seed: int) -> Any:
    """A generated pool of ``size`` people with capacities 1–3 drawn from ``seed``."""
    import random

    from tandem.core.matching.generator import instance_document

    doc = instance_document(size, seed, capacities=True)
    rng = random.Random(seed)
    for p in doc["participants"]:
        p["capacity"] = rng.randint(1, 3)
    return instance_from_dict(doc)


def test_generated_pools_with_capacities_are_proven_by_the_gadget_stage() -> None:
    # 40 people with capacities 1–3 (random): with rustworkx and the MILP off, the gadget
    # stage proves each optimum, equal to the oracle's MILP, and the stats say so.
    for seed in range(6):
        instance = _capacity_pool(40, seed)
        # The LP's whole pairs off too: on these pools they are often already optimal
        # (proved by the LP stage's bound, «relaxation»), and the gadget stage is the
        # subject here.
        with mock.patch.multiple(solver, EXACT_WORK=0, MILP_SECONDS=0.0), \
                mock.patch.object(solver, "_lp_integral_part", return_value={}):
            result = match(instance)
        assert result.optimal and result.total_weight == oracle_optimum(instance)
        assert result.proved_by == "warm blossom"
        assert result.stats["solver"]["groups_proven_by_warm_gadget"] == 1


def test_the_gadget_stage_keeps_to_the_run_wide_warm_budget() -> None:
    # The same pools as above: with the run's warm budget already spent (WARM_SECONDS of
    # thread CPU, shared with the capacity-1 stage) the gadget stage solves nothing, and
    # the answer is valid with an honest gap or another stage's proof.
    for seed in range(3):
        instance = _capacity_pool(40, seed)
        with mock.patch.multiple(solver, EXACT_WORK=0, MILP_SECONDS=0.0, WARM_SECONDS=0.0):
            result = match(instance)
        stats = result.stats["solver"]
        assert stats.get("warm_solves", 0) == 0
        assert stats["groups_proven_by_warm_gadget"] == 0
        assert check_validity(instance, pairs_of(result)) == []
        assert_certified(result, oracle_optimum(instance))


def test_a_gadget_that_cannot_fit_is_not_solved_again() -> None:
    # Worked example for the stop after a solve: a, b of capacity 2, c of capacity 1 as in
    # test_two_people_of_capacity_two_meet_once, but at most 10 gadget edges (the stage
    # reckons 4 a pair, our own counted again). The first solve (ab, 5 edges) keeps ab;
    # the pair ac violates its certificate, and {ab, ac} would be reckoned at 12 edges: the
    # stage stops with ab, unproven, and counts the stop.
    edges = {(0, 1): 10, (0, 2): 3, (1, 2): 3}
    stats: dict[str, float | int | str] = {}
    found, proven = warm_b_close({(0, 1): 10}, np.array([2, 2, 1]), np.array([10, 10, 0]),
                                 near_arrays(edges, [10, 10, 0]), 20, near_limit=20,
                                 out_of_time=lambda: False, max_edges=10, stats=stats)
    assert found == {(0, 1): 10} and not proven
    assert stats["warm_solves"] == 1 and stats["warm_gadget_too_large"] == 1


@given(graphs, st.data(), st.integers(0, 48), st.integers(1, 3), st.integers(0, 40))
@settings(max_examples=150, deadline=None)
def test_any_edge_limit_batch_or_budget_stops_honestly(
        graph: tuple[Edges, list[int], list[int]], data: st.DataObject, max_edges: int,
        batch: int, budget: int) -> None:
    # The stops (a gadget that would not fit, before a solve or while counting its violated
    # pairs batch by batch; the budget running out after ``budget`` questions, inside a
    # solve or between batches) keep a valid answer, never lighter than ours, and «proven»
    # still means the optimum.
    edges, capacity, doubled = graph
    ours = a_b_matching(edges, capacity, data)
    asked = [0]

    def out_of_time() -> bool:
        asked[0] += 1
        return asked[0] > budget

    with mock.patch("tandem.core.matching.gadget.CHECK_BATCH", batch):
        found, proven = warm_b_close(ours, np.array(capacity, dtype=np.int64),
                                     np.array(doubled, dtype=np.int64),
                                     near_arrays(edges, doubled),
                                     lp_bound(edges, capacity, doubled),
                                     near_limit=lp_bound(edges, capacity, doubled) + 1,
                                     out_of_time=out_of_time, max_edges=max_edges, stats={})
    degree = [0] * len(capacity)
    for a, b in found:
        assert found[(a, b)] == edges[(a, b)]
        degree[a] += 1
        degree[b] += 1
    assert all(d <= c for d, c in zip(degree, capacity, strict=True))
    optimum = b_optimum(edges, capacity)
    assert sum(ours.values()) <= sum(found.values()) <= optimum
    if proven:
        assert sum(found.values()) == optimum


@given(graphs, st.data(), st.integers(1, 3))
@settings(max_examples=150, deadline=None)
def test_continuing_the_last_answer_proves_what_solving_again_proves(
        graph: tuple[Edges, list[int], list[int]], data: st.DataObject, per_round: int) -> None:
    # Rounds of one to three added pairs (many rounds), each continued from the last answer
    # (its matching, duals and blossoms; ``resume_roots`` without limit) or solved again
    # from Y (``resume_roots=-1``; 0 still continues a round that adds no root, such as
    # one whose refused pairs are all in the gadget already): the same weight, the
    # optimum, proven, and valid.
    edges, capacity, doubled = graph
    ours = a_b_matching(edges, capacity, data)
    bound = lp_bound(edges, capacity, doubled)
    optimum = b_optimum(edges, capacity)
    results = []
    for limit in (-1, 10**9):
        stats: dict[str, float | int | str] = {}
        with mock.patch("tandem.core.matching.gadget.ADD_PER_ROUND", per_round):
            found, proven = warm_b_close(dict(ours), np.array(capacity, dtype=np.int64),
                                         np.array(doubled, dtype=np.int64),
                                         near_arrays(edges, doubled), bound,
                                         near_limit=bound + 1, out_of_time=lambda: False,
                                         max_edges=10**6, stats=stats, resume_roots=limit)
        degree = [0] * len(capacity)
        for a, b in found:
            assert found[(a, b)] == edges[(a, b)]
            degree[a] += 1
            degree[b] += 1
        assert all(d <= c for d, c in zip(degree, capacity, strict=True))
        if limit < 0:
            assert "warm_resumed" not in stats
        results.append((sum(found.values()), proven))
    assert results[0] == results[1] == (optimum, True)


def test_a_round_of_one_pair_continues_the_answer() -> None:
    # test_two_people_of_capacity_two_meet_once, continued: the first solve keeps ab; ac
    # violates its certificate and joins as e_a, e_b beside the answer's matching and duals
    # (one or two roots), and the continued solve finds ab + ac = 13, proven.
    edges = {(0, 1): 10, (0, 2): 3, (1, 2): 3}
    stats: dict[str, float | int | str] = {}
    found, proven = warm_b_close({(0, 1): 10}, np.array([2, 2, 1]), np.array([10, 10, 0]),
                                 near_arrays(edges, [10, 10, 0]), 20, near_limit=20,
                                 out_of_time=lambda: False, max_edges=10**6, stats=stats,
                                 resume_roots=10**9)
    assert sum(found.values()) == 13 and (0, 1) in found and proven
    assert stats["warm_resumed"] == 1 and stats["warm_solves"] == 2


@given(st.integers(1, 8).flatmap(lambda n: st.tuples(
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(1, 9))
             .filter(lambda e: e[0] < e[1]), min_size=1, max_size=15, unique_by=lambda e: e[:2]),
    st.lists(st.integers(0, 3), min_size=n, max_size=n))), st.data())
@settings(max_examples=100, deadline=None)
def test_the_lp_whole_pairs_are_a_b_matching_or_nothing(
        graph: tuple[list[tuple[int, int, int]], list[int]], data: st.DataObject) -> None:
    # Whatever HiGHS's x (here drawn at random around 0 and 1), the pairs taken whole
    # respect every capacity — or none is taken.
    edges, capacity = graph
    x = np.array([data.draw(st.sampled_from([0.0, 0.5, 1.0 - 1e-7, 1.0, 1.0 + 1e-7]))
                  for _ in edges])
    u = np.array([a for a, _, _ in edges], dtype=np.int64)
    v = np.array([b for _, b, _ in edges], dtype=np.int64)
    w = np.array([c for _, _, c in edges], dtype=np.int64)
    found = solver._lp_integral_part(x, u, v, w, np.array(capacity, dtype=np.int64))
    degree = [0] * len(capacity)
    for (a, b), weight in found.items():
        assert (a, b, weight) in edges
        degree[a] += 1
        degree[b] += 1
    assert all(d <= c for d, c in zip(degree, capacity, strict=True))
    whole = {(a, b) for (a, b, _), value in zip(edges, x, strict=True) if value >= 1 - 1e-6}
    assert set(found) in (whole, set())


def test_the_primal_milp_is_skipped_only_when_the_gadget_stage_will_solve() -> None:
    # Review finding: with the run's warm budget spent (earlier groups of a region run) or
    # under a time limit, the gadget stage may never finish its first solve; skipping the
    # MILP then left a lighter answer than before. It runs in those cases.
    instance = _capacity_pool(60, 3)
    with mock.patch.multiple(solver, EXACT_WORK=0):
        free = match(instance).stats["solver"]
    with mock.patch.multiple(solver, EXACT_WORK=0, WARM_SECONDS=0.0):
        spent = match(instance).stats["solver"]
    with mock.patch.multiple(solver, EXACT_WORK=0):
        limited = match(instance, time_limit=1e6).stats["solver"]
    assert "lp_bound" in free  # the pool reaches the capacity LP stage (seed 3: it does)
    assert free.get("milp_primal_skipped", 0) >= 1
    assert spent.get("milp_primal_skipped", 0) == 0
    assert limited.get("milp_primal_skipped", 0) == 0
