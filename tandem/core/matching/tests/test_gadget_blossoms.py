"""A pair outside the gadget may share the answer's blossoms (gadget.extends,
docs/matching.md 3.6d), and the blossom forest's queries behind it (blossom.Certificate)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.matching import gadget as gadget_module
from tandem.core.matching.blossom import Certificate, warm_solve
from tandem.core.matching.tests.test_blossom import a_warm_start
from tandem.core.matching.tests.test_blossom import graphs as plain_graphs
from tandem.core.matching.tests.test_gadget import Edges, a_b_matching, b_optimum, graphs


def ancestors(cert: Certificate, k: int) -> list[int]:
    chain = [k]
    while int(cert.parent[chain[-1]]) != chain[-1]:
        chain.append(int(cert.parent[chain[-1]]))
    return chain


@given(plain_graphs, st.data())
@settings(max_examples=200, deadline=None)
def test_common_blossom_and_its_dual_agree_with_walking_the_forest(
        edges: Edges, data: st.DataObject) -> None:
    # Any answer's blossom forest: ``common`` is the lowest blossom holding both nodes (by
    # walking parents), ``within`` the largest Σ z of a blossom and all above it that stays
    # within the limit (0 when none does).
    doubled, start = a_warm_start(edges, data)
    cert = warm_solve([(a, b, w) for (a, b), w in edges.items()], doubled, start).certificate
    size = len(cert.number)
    a = np.array(data.draw(st.lists(st.integers(-1, size - 1), min_size=1, max_size=20)),
                 dtype=np.int64)
    b = np.array(data.draw(st.lists(st.integers(-1, size - 1), min_size=a.size,
                                    max_size=a.size)), dtype=np.int64)
    found = cert.common(a, b)
    is_leaf = np.arange(size) < len(cert.nodes)
    for x, y, got in zip(a.tolist(), b.tolist(), found.tolist(), strict=True):
        if x < 0 or y < 0:
            assert got == -1
            continue
        holding_y = set(ancestors(cert, y))
        shared = [k for k in ancestors(cert, x) if k in holding_y and not is_leaf[k]]
        if x == y:
            assert got == x
        else:
            assert got == (shared[0] if shared else -1)
    most = np.array(data.draw(st.lists(st.integers(0, 400), min_size=a.size,
                                       max_size=a.size)), dtype=np.int64)
    sums = cert.within(found, most)
    for node, limit, got in zip(found.tolist(), most.tolist(), sums.tolist(), strict=True):
        options = [int(cert.above[k]) for k in ancestors(cert, node)] if node >= 0 else []
        assert got == max([s for s in options if s <= limit], default=0)


@given(graphs, st.data())
@settings(max_examples=300, deadline=None)
def test_pairs_the_certificate_accepts_never_improve_the_answer(
        graph: tuple[Edges, list[int], list[int]], data: st.DataObject) -> None:
    # The claim behind column generation: solve the gadget of some pairs (any Y ≥ 0, any
    # start), then add every outside pair that ``extends`` accepts — through the answer's
    # blossoms or not: the answer stays a maximum b-matching of them all (MILP oracle).
    edges, capacity, doubled = graph
    inside = {pair: w for pair, w in edges.items() if data.draw(st.booleans())}
    if not inside:
        return
    ours = a_b_matching(inside, capacity, data)
    cap = np.array(capacity, dtype=np.int64)
    y = np.array(doubled, dtype=np.int64)
    built = gadget_module.build(inside, cap, y, ours)
    answer = warm_solve(built.edges, built.duals, built.start)
    weight = sum(inside[p] for p in built.pairs(answer.pairs))
    assert weight == b_optimum(inside, capacity)
    outside = sorted(set(edges) - set(inside))
    if not outside:
        return
    u = np.array([a for a, _ in outside], dtype=np.int64)
    v = np.array([b for _, b in outside], dtype=np.int64)
    w = np.array([edges[p] for p in outside], dtype=np.int64)
    ok = gadget_module.extends(answer.certificate, built, cap, y, u, v, w)
    accepted = {p: edges[p] for p, keep in zip(outside, ok.tolist(), strict=True) if keep}
    assert b_optimum({**inside, **accepted}, capacity) == weight


def test_a_pair_is_accepted_through_a_blossom_it_shares() -> None:
    # Worked example (found by a search over small pools). Six people, capacities 1, 1, 3,
    # 1, 2, 1; Y = (0, 14, 8, 6, 10, 9); the gadget of seven pairs, no start. Its answer is
    # 02 + 23 + 25 = 17 (the optimum of those pairs), and its dual leaves the copies of 0
    # and 3 at d = 6 each, both inside a blossom of z = 1. The outside pair 03 (w = 7) goes
    # through the gadget (Y_0 + Y_3 = 6 < 14): by the least copy duals alone 6 + 6 < 2·7
    # and it would have to join the next gadget; its new nodes e_0, e_3 may join that
    # blossom (the set stays odd and full, e_0 e_3 matched inside), which gives the pairs
    # 0–e_0 and 3–e_3 the blossom's 2z: 6 + 6 + 2·1 = 14, accepted. And indeed 03 does
    # not improve the answer.
    edges = {(0, 1): 3, (0, 2): 5, (0, 3): 7, (0, 4): 3, (0, 5): 9, (1, 2): 5, (1, 3): 4,
             (1, 5): 3, (2, 3): 5, (2, 4): 2, (2, 5): 7, (4, 5): 4}
    inside = {pair: edges[pair] for pair in [(0, 1), (0, 2), (0, 5), (1, 5), (2, 3), (2, 4),
                                             (2, 5)]}
    capacity = np.array([1, 1, 3, 1, 2, 1], dtype=np.int64)
    y = np.array([0, 14, 8, 6, 10, 9], dtype=np.int64)
    built = gadget_module.build(inside, capacity, y, {})
    answer = warm_solve(built.edges, built.duals, built.start)
    assert built.pairs(answer.pairs) == {(0, 2), (2, 3), (2, 5)}
    assert b_optimum(inside, capacity.tolist()) == 17
    cert = answer.certificate
    first, third = built.copies[0][0], built.copies[3][0]
    assert cert.dualvar[first] + cert.dualvar[third] < cert.factor * 7
    ok = gadget_module.extends(cert, built, capacity, y, np.array([0]), np.array([3]),
                               np.array([7]))
    assert ok.tolist() == [True]
    assert b_optimum({**inside, (0, 3): 7}, capacity.tolist()) == 17
