"""The warm-started blossom (blossom.py) and its stage in the solver (docs/matching.md, 3.5c)."""

from typing import Any
from unittest import mock

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.matching import check_validity, instance_from_dict, match, solver
from tandem.core.matching.blossom import (
    Certificate,
    WarmStartError,
    _Blossom,
    warm_max_weight_matching,
    warm_solve,
)
from tandem.core.matching.generator import instance_document
from tandem.core.matching.tests.strategies import documents
from tandem.core.matching.tests.test_solver import assert_certified, networkx_optimum, pairs_of

Edges = dict[tuple[int, int], int]

graphs = st.integers(2, 12).flatmap(lambda n: st.dictionaries(
    st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    .filter(lambda p: p[0] < p[1]).map(tuple), st.integers(1, 60), min_size=1, max_size=40))


def optimum_of(edges: Edges) -> int:
    g = nx.Graph()
    g.add_weighted_edges_from((a, b, w) for (a, b), w in edges.items())
    return sum(g[a][b]["weight"] for a, b in nx.max_weight_matching(g))


def a_warm_start(edges: Edges, data: st.DataObject) -> tuple[dict[int, int], list[tuple[int, int]]]:
    """Any feasible ``Y`` (random, raised edge by edge until ``Y_a + Y_b ≥ 2w``) and a
    random set of disjoint tight edges under it."""
    nodes = sorted({x for pair in edges for x in pair})
    top = 2 * max(edges.values())
    doubled = {v: data.draw(st.integers(0, top)) for v in nodes}
    for (a, b), w in sorted(edges.items()):
        short = 2 * w - doubled[a] - doubled[b]
        if short > 0:
            part = data.draw(st.integers(0, short))
            doubled[a] += part
            doubled[b] += short - part
    used: set[int] = set()
    start = []
    for (a, b), w in sorted(edges.items()):
        if (doubled[a] + doubled[b] == 2 * w and a not in used and b not in used
                and data.draw(st.booleans())):
            start.append((a, b))
            used |= {a, b}
    return doubled, start


@given(graphs, st.data())
@settings(max_examples=400, deadline=None)
def test_from_any_feasible_dual_and_tight_matching_it_finds_the_optimum(
        edges: Edges, data: st.DataObject) -> None:
    doubled, start = a_warm_start(edges, data)
    found, _ = warm_max_weight_matching([(a, b, w) for (a, b), w in edges.items()],
                                        doubled, start)
    ends = [x for pair in found for x in pair]
    assert len(ends) == len(set(ends))
    assert all(pair in edges for pair in found)
    assert sum(edges[pair] for pair in found) == optimum_of(edges)


def test_a_start_that_is_not_tight_or_a_dual_that_is_not_feasible_is_refused() -> None:
    edges = [(0, 1, 5), (1, 2, 4)]
    with pytest.raises(WarmStartError):
        warm_max_weight_matching(edges, {0: 4, 1: 4, 2: 4}, [])  # 4 + 4 < 2·5
    with pytest.raises(WarmStartError):
        warm_max_weight_matching(edges, {0: 6, 1: 6, 2: 6}, [(0, 1)])  # 6 + 6 ≠ 10


def test_a_triangle_with_a_tail_needs_a_blossom() -> None:
    # Worked example. Triangle 0-1-2 (weights 6) and a tail 2-3 (weight 2). Y = 6 on the
    # triangle, 0 on 3, is feasible; its bound ΣY/2 = 9 is the fractional triangle (x = ½).
    # From the tight pair (0, 1), 2 is exposed with y = 3 > 0: its tree meets the S-S edge
    # 1-2, the blossom {0, 1, 2} forms, the dual step makes 2-3 tight, and 3 (dual 0)
    # ends the augmenting path: (0, 1) + (2, 3) = 8, the optimum.
    edges = {(0, 1): 6, (1, 2): 6, (0, 2): 6, (2, 3): 2}
    found, _ = warm_max_weight_matching([(a, b, w) for (a, b), w in edges.items()],
                                        {0: 6, 1: 6, 2: 6, 3: 0}, [(0, 1)])
    assert found == [(0, 1), (2, 3)]
    assert sum(edges[p] for p in found) == 8 == optimum_of(edges)


@given(documents(max_people=40))
@settings(max_examples=60, deadline=None)
def test_in_the_solver_the_stage_is_certified_against_networkx(doc: dict[str, Any]) -> None:
    # The rustworkx stage and the MILP are off, so every gap the relaxation leaves goes to
    # the warm blossom stage; optimal ⇒ equal to networkx, and the bound always holds.
    instance = instance_from_dict(doc)
    with mock.patch.multiple(solver, EXACT_WORK=0, MILP_SECONDS=0.0, DENSE_GROUP=2,
                             INITIAL_K=2):
        result = match(instance)
    assert check_validity(instance, pairs_of(result)) == []
    optimum = networkx_optimum(instance)
    assert_certified(result, optimum)
    if result.optimal:
        assert result.total_weight == optimum


def test_in_the_solver_a_gap_left_by_the_relaxation_is_closed_by_the_warm_blossom() -> None:
    # Generated pools where the relaxation leaves a gap: with rustworkx and the MILP off
    # only the warm blossom stage can close it, and it does, to networkx's optimum.
    proved = 0
    for seed in range(12):
        instance = instance_from_dict(instance_document(60, seed))
        with mock.patch.multiple(solver, EXACT_WORK=0, MILP_SECONDS=0.0):
            result = match(instance)
        optimum = networkx_optimum(instance)
        assert_certified(result, optimum)
        if result.proved_by == "warm blossom":
            assert result.optimal and result.total_weight == optimum
            proved += 1
        else:
            assert result.proved_by == "relaxation"
    assert proved > 0


def test_a_failure_inside_the_stage_leaves_the_gap_open_and_says_so() -> None:
    # A bug in the stage (here: a certificate that does not check) must never end the run
    # nor give an answer: the same pools as above keep their matching and their honest gap.
    def broken(*args: object, **kwargs: object) -> None:
        raise ArithmeticError("warm blossom certificate: a test's failure")

    failed = 0
    for seed in range(12):
        instance = instance_from_dict(instance_document(60, seed))
        with mock.patch.multiple(solver, EXACT_WORK=0, MILP_SECONDS=0.0), \
                mock.patch("tandem.core.matching.blossom.warm_solve", broken):
            result = match(instance)
        assert check_validity(instance, pairs_of(result)) == []
        assert_certified(result, networkx_optimum(instance))
        assert result.proved_by != "warm blossom"
        if result.stats["solver"].get("warm_failures"):
            assert not result.optimal
            failed += 1
    assert failed > 0


@given(graphs, st.data())
@settings(max_examples=200, deadline=None)
def test_the_certificate_prices_any_pair_as_the_blossom_forest_says(
        edges: Edges, data: st.DataObject) -> None:
    # The numpy lowest-common-ancestor pass (Certificate.slacks) against the definition:
    # d_a + d_b − factor·w + 2·Σ z_B over every blossom B holding both ends, for every pair
    # of vertices (edges or not, and one vertex outside the solved graph: dual 0).
    doubled, start = a_warm_start(edges, data)
    answer = warm_solve([(a, b, w) for (a, b), w in edges.items()], doubled, start)
    cert = answer.certificate
    nodes = sorted({x for pair in edges for x in pair})
    outside = max(nodes) + 1
    holding = [(set(bl.leaves()), z) for bl, z in cert.blossomdual.items()]
    pairs = [(a, b) for a in [*nodes, outside] for b in [*nodes, outside] if a < b]
    u = np.array([a for a, _ in pairs], dtype=np.int64)
    v = np.array([b for _, b in pairs], dtype=np.int64)
    w = np.array([edges.get(p, data.draw(st.integers(1, 60))) for p in pairs], dtype=np.int64)
    expected = [cert.dualvar.get(a, 0) + cert.dualvar.get(b, 0) - cert.factor * int(x)
                + 2 * sum(z for leaves, z in holding if a in leaves and b in leaves)
                for a, b, x in zip(u.tolist(), v.tolist(), w.tolist(), strict=True)]
    assert cert.slacks(u, v, w).tolist() == expected
    # Feasible on the solved edges, tight on the answer's pairs.
    on_edges = {p: s for p, s in zip(pairs, expected, strict=True) if p in edges}
    assert all(s >= 0 for s in on_edges.values())
    assert all(on_edges[p] == 0 for p in answer.pairs)


def test_the_certificate_refuses_a_matching_of_pairs_that_are_not_edges() -> None:
    """Tight, feasible duals on the listed edges prove nothing about pairs the graph does
    not have: 0–2 and 1–3 are no edges here (review probe)."""
    nodes = [0, 1, 2, 3]
    edges = [(0, 1, 1), (2, 3, 1)]
    duals: dict[Any, int] = {0: 1, 1: 1, 2: 1, 3: 1}
    parents: dict[Any, Any] = {v: None for v in nodes}
    Certificate({0: 1, 1: 0, 2: 3, 3: 2}, duals, {}, parents, 2, nodes).verify(edges)
    with pytest.raises(ArithmeticError, match="not an edge"):
        Certificate({0: 2, 2: 0, 1: 3, 3: 1}, duals, {}, parents, 2, nodes).verify(edges)


larger_graphs = st.integers(8, 24).flatmap(lambda n: st.dictionaries(
    st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    .filter(lambda p: p[0] < p[1]).map(tuple), st.integers(1, 12), min_size=8, max_size=80))


@given(st.one_of(graphs, larger_graphs), st.data())
@settings(max_examples=100, deadline=None)
def test_trees_kept_across_augmentations_find_what_a_fresh_search_each_stage_finds(
        edges: Edges, data: st.DataObject) -> None:
    # Only the trees on an augmenting path dissolve (docs/matching.md, 3.5c); the other
    # trees keep their labels, blossoms and candidate edges. Against the networkx-style
    # search that labels every tree again from the roots after each augmentation: the same
    # weight, the networkx optimum, and both certified (``warm_solve`` checks its own).
    doubled, start = a_warm_start(edges, data)
    triples = [(a, b, w) for (a, b), w in edges.items()]
    kept = warm_solve(triples, doubled, start)
    fresh = warm_solve(triples, doubled, start, keep_trees=False)
    weight_kept = sum(edges[pair] for pair in kept.pairs)
    assert weight_kept == sum(edges[pair] for pair in fresh.pairs) == optimum_of(edges)
    kept.certificate.verify(triples)
    fresh.certificate.verify(triples)


dense_graphs = st.integers(20, 40).flatmap(lambda n: st.dictionaries(
    st.integers(0, n - 2).flatmap(lambda a: st.tuples(st.just(a), st.integers(a + 1, n - 1))),
    st.integers(1, 8), min_size=40, max_size=160))


@given(st.one_of(larger_graphs, dense_graphs), st.data(), st.booleans())
@settings(max_examples=150, deadline=None)
def test_top_after_expansions_is_the_climb_of_the_parents(
        edges: Edges, data: st.DataObject, keep_trees: bool) -> None:
    # An expanding blossom points what its smaller children hold at those children and
    # leaves the rest to ``moved`` (its largest child): ``top`` must still name the
    # top-level blossom the parents lead to, at every call (``audit``), from a warm start
    # and from the cold one (``Y_v = 2·max w``, no matching: the deep nesting of networkx's
    # start, where T-blossoms expand level by level); the answer is the optimum, certified.
    triples = [(a, b, w) for (a, b), w in edges.items()]
    cold = dict.fromkeys({x for pair in edges for x in pair}, 2 * max(edges.values()))
    for doubled, start in (a_warm_start(edges, data), (cold, [])):
        answer = warm_solve(triples, doubled, start, keep_trees=keep_trees, audit=True)
        assert sum(edges[pair] for pair in answer.pairs) == optimum_of(edges)
        answer.certificate.verify(triples)


@given(st.one_of(graphs, larger_graphs, dense_graphs), st.data(), st.booleans())
@settings(max_examples=120, deadline=None)
def test_every_dual_step_moves_the_lazy_duals_as_eager_duals_would(
        edges: Edges, data: st.DataObject, keep_trees: bool) -> None:
    # Duals are kept lazily (one shared shift; a vertex or top-level blossom records the
    # shift it joined its label at), and an unfolding T-blossom does not relabel the child
    # its T-edge enters (its leaves are T already). After every dual step the audit
    # compares them with duals moved eagerly by the labels before the step, and checks
    # feasibility with the blossoms' z and tightness of the matching (``audit``); the
    # answer is the networkx optimum, certified — from a warm start and from the cold one,
    # where T-blossoms nest deep and unfold level by level.
    triples = [(a, b, w) for (a, b), w in edges.items()]
    cold = dict.fromkeys({x for pair in edges for x in pair}, 2 * max(edges.values()))
    for doubled, start in (a_warm_start(edges, data), (cold, [])):
        answer = warm_solve(triples, doubled, start, keep_trees=keep_trees, audit=True)
        assert sum(edges[pair] for pair in answer.pairs) == optimum_of(edges)
        answer.certificate.verify(triples)


def test_a_blossom_of_positive_dual_must_be_full_at_every_level() -> None:
    # Worked example for the certificate's fullness check (counted per smallest common
    # blossom of each matched pair, summed over preorder intervals). Blossom B1 = triangle
    # 0-1-2 (weights 2) inside B2 = {B1, 3, 4} (edges 2-3, 3-4, 4-0, weight 1); z = 1 each,
    # vertex duals 0: every edge is tight (inside B1: −4 + 2 + 2; B2 only: −2 + 2).
    b1, b2 = _Blossom(), _Blossom()
    b1.childs, b1.edges = [0, 1, 2], [(0, 1), (1, 2), (2, 0)]
    b2.childs, b2.edges = [b1, 3, 4], [(2, 3), (3, 4), (4, 0)]
    nodes = [0, 1, 2, 3, 4]
    edges = [(0, 1, 2), (1, 2, 2), (0, 2, 2), (2, 3, 1), (3, 4, 1), (0, 4, 1)]
    parents: dict[Any, Any] = {0: b1, 1: b1, 2: b1, 3: b2, 4: b2, b1: b2, b2: None}
    duals: dict[Any, int] = dict.fromkeys(nodes, 0)

    def certificate(mate: dict[int, int]) -> Certificate:
        return Certificate(mate, duals, {b1: 1, b2: 1}, parents, 2, nodes)

    certificate({0: 1, 1: 0, 3: 4, 4: 3}).verify(edges)  # B1: 0-1 inside; B2: 2 exposed
    certificate({0: 1, 1: 0, 2: 3, 3: 2}).verify(edges)  # 2-3 is inside B2, not B1
    with pytest.raises(ArithmeticError, match="not full"):
        # 0-4 and 2-3 leave B1 with no pair inside (full would need one), B2 is full.
        certificate({0: 4, 4: 0, 2: 3, 3: 2}).verify(edges)
    with pytest.raises(ArithmeticError, match="not full"):
        certificate({0: 1, 1: 0}).verify(edges)  # B2: 3 and 4 both exposed inside


def test_a_blossom_forest_that_is_not_well_formed_proves_nothing() -> None:
    # The certificate walks the forest from the blossoms' children; a vertex in two
    # blossoms, a vertex left out of the walk, or a child whose recorded parent is another
    # blossom is refused — the proof rests on a well-formed forest, not on the solver's
    # bookkeeping (review hardening).
    nodes = [0, 1, 2, 3]
    duals: dict[Any, int] = dict.fromkeys(nodes, 0)

    def blossom(*childs: Any) -> _Blossom:
        bl = _Blossom()
        bl.childs, bl.edges = list(childs), []
        return bl

    b1, b2 = blossom(0, 1, 2), blossom(2, 3, 0)  # 0 and 2 in both
    with pytest.raises(ArithmeticError, match="not well formed"):
        Certificate({}, duals, {b1: 0, b2: 0}, {0: b1, 1: b1, 2: b1, 3: b2, b1: None,
                                                b2: None}, 2, nodes)
    lone = blossom(0, 1, 2)  # 3 has a parent that is not in the forest: never walked
    with pytest.raises(ArithmeticError, match="not well formed"):
        Certificate({}, duals, {lone: 0}, {0: lone, 1: lone, 2: lone, 3: lone, lone: None},
                    2, nodes)
    Certificate({}, duals, {b1: 0}, {0: b1, 1: b1, 2: b1, 3: None, b1: None}, 2, nodes)
