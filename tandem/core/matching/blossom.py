# This module is a modified copy of networkx's max_weight_matching (networkx/algorithms/
# matching.py, after Joris van Rantwijk's implementation), redistributed under networkx's
# license:
#
# Copyright (c) 2004-2026, NetworkX Developers
# Aric Hagberg <hagberg@lanl.gov>
# Dan Schult <dschult@colgate.edu>
# Pieter Swart <swart@lanl.gov>
# All rights reserved.
#
# Redistribution and use in source and binary forms, with or without
# modification, are permitted provided that the following conditions are
# met:
#
#   * Redistributions of source code must retain the above copyright
#     notice, this list of conditions and the following disclaimer.
#
#   * Redistributions in binary form must reproduce the above
#     copyright notice, this list of conditions and the following
#     disclaimer in the documentation and/or other materials provided
#     with the distribution.
#
#   * Neither the name of the NetworkX Developers nor the names of its
#     contributors may be used to endorse or promote products derived
#     from this software without specific prior written permission.
#
# THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
# "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
# LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR
# A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT
# OWNER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,
# SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT
# LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
# DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY
# THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
# (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
# OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.

"""Edmonds' weighted blossom algorithm started from a feasible dual and a tight matching.

The proof stage for large capacity-1 groups (docs/matching.md, 3.5c). rustworkx and
networkx start from ``y_v = max w`` and no matching, so on a graph of 10,000 people they
run 5,000 stages; the relaxation already gives an almost optimal dual ``Y = 2y`` and a
matching whose pairs are tight, and only the few exposed people with ``Y_v > 0`` are the
gap (``U − w(M) = Σ_{exposed} y_v`` for a tight ``M``). Started there, the algorithm needs
one stage per such person.

The code is networkx's ``max_weight_matching`` (Joris van Rantwijk's implementation,
networkx is BSD-3-licensed), changed where a warm start breaks its assumptions:

* exposed vertices no longer share one dual value, so only exposed vertices with a positive
  dual are roots; an unlabelled exposed vertex (dual 0) reached by a tight edge ends an
  augmenting path;
* the dual step of type 1 is the least dual of an *S*-vertex ``u`` (not of all vertices);
  when it reaches 0 the alternating path from ``u``'s root to ``u`` is flipped: the root
  is matched and ``u`` left exposed with dual 0 (complementary slackness holds for it);
* duals are integers scaled by ``scale`` (slack ``= d_a + d_b − 2·scale·w + 2·Σ z``); when a
  type-3 step would halve an odd slack, every dual is doubled first.

* the alternating trees live across augmentations (Gabow's and Kolmogorov's "many trees"
  scheme): an augmenting path or a type-1 flip dissolves only the trees it went through;
  the other trees keep their labels, blossoms, heap entries and queue (networkx labels every
  tree again from the roots after each augmentation, O(E) a stage).

The answer's certificate (vertex and blossom duals) is checked in integers before it is
returned: nothing here is trusted without it. Time: a stage costs the regrowth of the
trees it dissolved plus O(log) per heap candidate; stages ≤ the number of exposed vertices
with a positive dual at the start.
"""

import heapq
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


class WarmStartError(ValueError):
    """The given dual is not feasible, or the given matching is not tight under it."""


class OutOfTime(RuntimeError):
    pass


class _Blossom:
    __slots__ = ["cached", "childs", "count", "edges"]

    def __init__(self) -> None:
        self.childs: list[int | _Blossom] = []
        self.edges: list[tuple[int, int]] = []
        self.cached: list[int] | None = None  # ``leaves()``, until the children turn
        self.count = -1  # how many leaves (−1: not counted yet; it never changes)

    def size(self) -> int:
        """How many vertices are inside (counted once: the children turn, the set stays)."""
        if self.count < 0:
            self.count = len(self.cached if self.cached is not None else self.leaves())
        return self.count

    def leaves(self) -> list[int]:
        """The vertices inside, kept as a list (do not change it): a blossom's leaves do not
        change while it lives, only their order when ``augment_blossom`` turns its children
        (it drops the list then). Blossoms nest thousands deep and are unfolded level by
        level; walking every leaf again at every level cost most of a solve (docs/matching.md,
        3.6d). The order is that of a depth-first walk from the last child: the children's
        lists joined in reverse."""
        cached = self.cached
        if cached is not None:
            return cached
        stack: list[_Blossom] = [self]  # built bottom-up without recursion
        while stack:
            b = stack[-1]
            missing = [c for c in b.childs if isinstance(c, _Blossom) and c.cached is None]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            out: list[int] = []
            for c in reversed(b.childs):
                if isinstance(c, _Blossom):
                    assert c.cached is not None
                    out.extend(c.cached)
                else:
                    out.append(c)
            b.cached = out
        assert self.cached is not None
        return self.cached


def warm_max_weight_matching(edges: Sequence[tuple[int, int, int]], doubled: dict[int, int],
                             matching: Sequence[tuple[int, int]],
                             out_of_time: Callable[[], bool] | None = None
                             ) -> tuple[list[tuple[int, int]], int]:
    """A maximum-weight matching of ``edges`` ``(a, b, w)`` (integer ``w > 0``, one per pair).

    ``doubled[v] = Y_v ≥ 0`` with ``Y_a + Y_b ≥ 2w`` on every edge, and ``matching`` a set of
    edges with ``Y_a + Y_b = 2w``; raises ``WarmStartError`` otherwise, ``OutOfTime`` once
    ``out_of_time()`` says so (asked before every dual step). Returns the pairs ``(a < b)``,
    sorted, and the number of stages.
    """
    answer = warm_solve(edges, doubled, matching, out_of_time)
    return answer.pairs, answer.stages


@dataclass(frozen=True, slots=True)
class Answer:
    """The pairs ``(a < b)``, sorted; the number of stages; the answer's dual, checked."""

    pairs: list[tuple[int, int]]
    stages: int
    certificate: "Certificate"


def warm_solve(edges: Sequence[tuple[int, int, int]], doubled: dict[int, int],
               matching: Sequence[tuple[int, int]],
               out_of_time: Callable[[], bool] | None = None,
               resume: "Certificate | None" = None, keep_trees: bool = True,
               audit: bool = False) -> Answer:
    """``warm_max_weight_matching`` with the answer's dual (``Answer.certificate``): the
    solver checks further edges against it (``Certificate.violated``).

    ``resume``: the certificate of an earlier answer on a subgraph of ``edges`` (same node
    numbers): its blossoms, with their duals and structure, are taken as they are (and
    changed in place — that certificate is used up), its ``factor`` is the scale of
    ``doubled`` (``d_v``, not ``2y``), and slack counts their ``z``. Nodes new since are in
    no blossom. The start must then be dual feasible and tight with the blossoms' ``z``
    included; the stage continues from it (docs/matching.md, 3.6d).

    ``keep_trees=False``: after every augmentation all trees end and the search starts
    again from the roots, as in networkx (the same optimum and certificate checks; kept for
    the property that compares the two, docs/matching.md, 3.5c).

    ``audit=True`` (tests): every ``top(v)`` is checked against the plain climb of the
    parents (``AssertionError`` if they differ)."""
    # Every vertex is an int; blossoms are _Blossom objects (hashable by identity).
    adjacency: dict[int, list[int]] = {}
    weight: dict[tuple[int, int], int] = {}
    for end_a, end_b, w in edges:
        if end_a == end_b or w <= 0:
            raise WarmStartError("edges need distinct ends and a positive weight")
        adjacency.setdefault(end_a, []).append(end_b)
        adjacency.setdefault(end_b, []).append(end_a)
        weight[(end_a, end_b)] = weight[(end_b, end_a)] = int(w)
    nodes = sorted(adjacency)
    for v in nodes:
        adjacency[v].sort()
    # The scan's view: each neighbour with the pair's weight (one dict lookup fewer per
    # edge scanned; the scan is most of a solve).
    neighbours = {v: [(x, weight[(v, x)]) for x in adjacency[v]] for v in nodes}
    dualvar: dict[int | _Blossom, int] = {}
    for v in nodes:
        value = int(doubled.get(v, 0))
        if value < 0:
            raise WarmStartError("a negative dual")
        dualvar[v] = value
    factor = [2 if resume is None else resume.factor]  # weights enter slack as factor·w;
    # duals are scaled along with it

    # Within a stage the duals of S- and T-vertices move by the same step: they are kept
    # lazily, ``dualvar[v] ∓ (cum − joined[v])``, and written back when the label ends.
    cum = [0]
    s_join: dict[int, int] = {}
    t_join: dict[int, int] = {}

    def dual(v: int) -> int:
        joined = s_join.get(v)
        if joined is not None:
            return dualvar[v] - cum[0] + joined
        joined = t_join.get(v)
        if joined is not None:
            return dualvar[v] + cum[0] - joined
        return dualvar[v]

    def slack(v: int, w: int) -> int:
        return dual(v) + dual(w) - factor[0] * weight[(v, w)]

    def zval(b: _Blossom) -> int:
        joined = z_join.get(b)
        if joined is None:
            return blossomdual[b]
        return blossomdual[b] + joined[0] * (cum[0] - joined[1])

    def zsettle(b: _Blossom) -> None:
        blossomdual[b] = zval(b)
        z_join.pop(b, None)

    def zstart(b: _Blossom, sign: int) -> None:
        zsettle(b)
        z_join[b] = (sign, cum[0])
        if sign < 0:
            heapq.heappush(t_blossoms, (blossomdual[b] + cum[0], next(ticket), b))

    def settle(v: int) -> None:
        """Writes back the lazy dual of ``v`` (its S or T label ends)."""
        joined = s_join.pop(v, None)
        if joined is not None:
            dualvar[v] += joined - cum[0]
            return
        joined = t_join.pop(v, None)
        if joined is not None:
            dualvar[v] += cum[0] - joined

    label: dict[int | _Blossom, int | None] = {}
    labeledge: dict[int | _Blossom, tuple[int, int] | None] = {}
    inblossom: dict[int, int | _Blossom] = {v: v for v in nodes}
    blossomparent: dict[int | _Blossom, _Blossom | None] = {v: None for v in nodes}
    blossombase: dict[int | _Blossom, int] = {v: v for v in nodes}
    blossomdual: dict[_Blossom, int] = {}
    mate: dict[int, int] = {}
    for end_a, end_b in matching:
        if (end_a, end_b) not in weight or end_a in mate or end_b in mate:
            raise WarmStartError("the start matching is not a set of tight edges")
        mate[end_a], mate[end_b] = end_b, end_a
    if resume is None:
        for end_a, end_b, _ in edges:
            if slack(end_a, end_b) < 0:
                raise WarmStartError("the dual is not feasible")
        for end_a, end_b in matching:
            if slack(end_a, end_b) != 0:
                raise WarmStartError("the start matching is not a set of tight edges")
    else:
        blossomdual.update(resume.blossomdual)
        blossomparent.update(dict.fromkeys(blossomdual))
        for bl in blossomdual:
            for child in bl.childs:
                if child not in blossomparent:
                    raise WarmStartError("a blossom of a node outside the graph")
                blossomparent[child] = bl
                if not isinstance(child, _Blossom):
                    inblossom[child] = bl  # ``top`` climbs from here
        for bl in blossomdual:  # a blossom's base is its first child's, down to a vertex
            path: list[_Blossom] = []
            x: int | _Blossom = bl
            while isinstance(x, _Blossom) and x not in blossombase:
                path.append(x)
                x = x.childs[0]
            bottom = x if not isinstance(x, _Blossom) else blossombase[x]
            for y in path:
                blossombase[y] = bottom
        # Slack with the blossoms' z, in numpy (blossoms nest thousands deep).
        start = Certificate(mate, dualvar, blossomdual, blossomparent, factor[0], nodes)
        ends_a = np.array([a for a, _, _ in edges], dtype=np.int64)
        ends_b = np.array([b for _, b, _ in edges], dtype=np.int64)
        slacks = start.slacks(ends_a, ends_b,
                              np.array([x for _, _, x in edges], dtype=np.int64))
        if (slacks < 0).any():
            raise WarmStartError("the dual is not feasible")
        matched = np.array([mate.get(a) == b for a, b, _ in edges], dtype=bool)
        if (slacks[matched] != 0).any():
            raise WarmStartError("the start matching is not a set of tight edges")
    # The dual step's candidates, in heaps keyed so that a key stays valid while labels
    # do not change (networkx scans every vertex's best edge and every blossom per step,
    # O(V) a step): S-vertex to a free vertex, slack = key − cum (``to_free``); S to S in
    # another top blossom, slack = key − 2·cum (``to_s``); top T-blossoms, z = key − cum
    # (``t_blossoms``). An entry is checked when it reaches the top: one that is no longer
    # of its kind is dropped, one whose key is stale (a vertex was T for a while, or the
    # duals were doubled) is pushed again with its real key. Stale keys only ever
    # underestimate, so the top of each heap is its least candidate.
    to_free: list[tuple[int, int, int]] = []
    to_s: list[tuple[int, int, int]] = []
    t_blossoms: list[tuple[int, int, _Blossom]] = []
    ticket = itertools.count()
    # Top-level S- and T-blossoms' duals move by ±delta each step: kept lazily, as the
    # vertices', ``blossomdual[b] + sign·(cum − joined)``.
    z_join: dict[_Blossom, tuple[int, int]] = {}
    queue: list[int] = []
    # S-vertices by ``dualvar + joined`` (their dual is that − cum while S): the dual step
    # of type 1 reads the least. An entry whose vertex left S since is dropped at the top.
    s_heap: list[tuple[int, int]] = []
    # The alternating trees live across augmentations (docs/matching.md, 3.5c): only the
    # trees on an augmenting path dissolve. ``owner``: the tree (its root's id) of every
    # labelled vertex; ``members``: the vertices each live tree labelled (some may have
    # left it since: checked against ``owner``); ``marks``: vertices inside T-blossoms that
    # an S-vertex of the tree reached by a tight edge (``label[w] = 2`` below), which must
    # be forgotten when that tree dissolves.
    owner: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    grown: dict[int, list[_Blossom]] = {}  # the blossoms each live tree labelled or formed
    marks: dict[int, list[int]] = {}

    # ``top`` climbs the blossom forest, which nests thousands deep, along shortcuts: some
    # ancestor of each blossom passed (path compression, as in union–find). A shortcut stays
    # an ancestor while it lives (blossoms only form above, and only top-level ones are
    # expanded); one to an expanded blossom is replaced by the parent.
    # ``inblossom[v]``: some blossom holding ``v`` — or one expanded since (expanding does
    # not rewrite the leaves of every child, thousands each): then the climb starts at ``v``.
    shortcut: dict[_Blossom, _Blossom] = {}
    expanded = _Blossom()  # what ``blossomparent.get`` says of an expanded blossom
    # ``moved[b]``: the largest child of an expanded blossom ``b`` (a blossom). When ``b``
    # expands, the vertices and blossoms inside its *other* children get that child as
    # ``inblossom`` / shortcut (at most half of ``b`` each time: smaller half); a pointer
    # still at ``b`` is then from inside the largest child, and follows ``moved``. Without
    # it a stale pointer fell back to the parents one level at a time, and T-blossoms nested
    # thousands deep and expanded level by level (type 4) climbed the chain again at every
    # level — quadratic in the depth (docs/matching.md, 3.5c).
    moved: dict[_Blossom, _Blossom] = {}

    def live(b: _Blossom) -> _Blossom | None:
        """The live blossom that ``moved`` leads to from expanded ``b`` (None: none)."""
        x: _Blossom | None = b
        passed: list[_Blossom] = []
        while x is not None and x not in blossomparent:
            passed.append(x)
            x = moved.get(x)
        if x is not None:
            for p in passed:  # path compression, as in ``top``
                moved[p] = x
        return x

    def top(v: int) -> int | _Blossom:
        """The top-level blossom of vertex ``v`` (``v`` itself when in none)."""
        b = inblossom[v]
        parent = blossomparent.get(b, expanded)
        if parent is expanded:
            assert isinstance(b, _Blossom)
            found = live(b)
            if found is None:
                b = v
                parent = blossomparent[v]
            else:
                b = found
                parent = blossomparent[found]
        if parent is None:
            inblossom[v] = b
            return b
        if blossomparent[parent] is None:  # one level up (a blossom formed since)
            inblossom[v] = parent
            return parent
        passed: list[_Blossom] = []
        x = parent
        while True:
            y = shortcut.get(x)
            if y is not None and y not in blossomparent:  # expanded since
                y = live(y)
                if y is x:
                    y = None
            if y is None:
                y = blossomparent[x]
                if y is None:
                    break
            passed.append(x)
            x = y
        for p in passed:
            shortcut[p] = x
        inblossom[v] = x
        return x

    def redirect(b: _Blossom) -> None:
        """``b`` is expanding: everything inside its children but the largest now points at
        its child (``inblossom`` of the leaves, shortcuts of the blossoms inside), and
        ``moved[b]`` is the largest child, when a blossom (see ``moved``)."""
        largest: int | _Blossom | None = None
        most = 0
        for child in b.childs:
            if isinstance(child, _Blossom) and child.size() > most:
                largest, most = child, child.size()
        if isinstance(largest, _Blossom):
            moved[b] = largest
            shortcut.pop(largest, None)
        for child in b.childs:
            if child is largest or not isinstance(child, _Blossom):
                continue
            shortcut.pop(child, None)
            for leaf in child.leaves():
                inblossom[leaf] = child
            stack = [c for c in child.childs if isinstance(c, _Blossom)]
            while stack:
                inner = stack.pop()
                shortcut[inner] = child
                stack.extend(c for c in inner.childs if isinstance(c, _Blossom))

    if audit:
        fast_top = top

        def top(v: int) -> int | _Blossom:  # the audited ``top``
            x: int | _Blossom = v
            while (up := blossomparent[x]) is not None:
                x = up
            found = fast_top(v)
            if found is not x:
                raise AssertionError("top() differs from the climb of the parents")
            return found

    def audit_snapshot() -> tuple[dict[int, int], dict[_Blossom, int],
                                  dict[int | _Blossom, int | None]]:
        """Duals and the labels of the top-level blossoms before a dual step (``audit``)."""
        moving: dict[int | _Blossom, int | None] = {}
        for v in nodes:
            b = top(v)
            moving[v] = moving[b] = label.get(b)
        return ({v: dual(v) for v in nodes}, {b: zval(b) for b in blossomdual}, moving)

    def audit_step(before: tuple[dict[int, int], dict[_Blossom, int],
                                 dict[int | _Blossom, int | None]], delta: int) -> None:
        """After a dual step (``audit``): the lazy duals are the eager ones — every vertex
        of a top-level S-blossom down by ``delta``, of a T-blossom up, every other one as it
        was; top-level S-blossoms' ``z`` up, T-blossoms' down —, every edge's slack (blossom
        ``z`` included, by the climb of the parents) is ≥ 0 and every matched edge's is 0."""
        duals, zs, moving = before
        step = {1: -delta, 2: delta}
        for v in nodes:
            if dual(v) != duals[v] + step.get(moving[v] or 0, 0):
                raise AssertionError("a lazy vertex dual is not the eager one")
            if dual(v) < 0:
                raise AssertionError("a negative vertex dual")
        for b, z in zs.items():
            change = -step.get(moving[b] or 0, 0) if b in moving else 0
            if zval(b) != z + change or zval(b) < 0:
                raise AssertionError("a lazy blossom dual is not the eager one")

        def chain(v: int) -> list[_Blossom]:
            out: list[_Blossom] = []
            x = blossomparent[v]
            while x is not None:
                out.append(x)
                x = blossomparent[x]
            return out

        for v in nodes:
            above_v = chain(v)
            for w in adjacency[v]:
                if w < v:
                    continue
                common = set(above_v).intersection(chain(w))
                k = slack(v, w) + 2 * sum(zval(b) for b in common)
                if k < 0 or (mate.get(v) == w and k != 0):
                    raise AssertionError("a lazy dual step broke feasibility or tightness")

    def becomes_s(leaves: list[int]) -> None:
        now = cum[0]
        for leaf in leaves:
            if leaf not in s_join:
                joined = t_join.pop(leaf, None)  # ``settle`` inlined (not S here)
                if joined is not None:
                    dualvar[leaf] += now - joined
                s_join[leaf] = now
                heapq.heappush(s_heap, (dualvar[leaf] + now, leaf))  # dual: key − cum

    def becomes_t(leaves: list[int]) -> None:
        now = cum[0]
        for leaf in leaves:
            if leaf in t_join:
                continue  # T already (inside a T-blossom being unfolded): the same dual
            joined = s_join.pop(leaf, None)
            if joined is not None:
                dualvar[leaf] += joined - now
            t_join[leaf] = now

    def rescale() -> None:
        for key in dualvar:
            dualvar[key] *= 2
        for joins in (s_join, t_join):
            for key in joins:
                joins[key] *= 2
        cum[0] *= 2
        for b in blossomdual:
            blossomdual[b] *= 2
        for b, (sign, joined) in z_join.items():
            z_join[b] = (sign, 2 * joined)
        factor[0] *= 2
        # Every key is a sum of duals, weights and cum: doubling keeps each heap's order.
        to_free[:] = [(2 * k, v, w) for k, v, w in to_free]
        to_s[:] = [(2 * k, v, w) for k, v, w in to_s]
        t_blossoms[:] = [(2 * k, t, b) for k, t, b in t_blossoms]
        s_heap[:] = [(2 * k, v) for k, v in s_heap]

    def assign_label(w: int, t: int, v: int | None) -> None:
        b = inblossom[w]  # ``top(w)``'s first step inlined: most labels go to single vertices
        if audit or blossomparent.get(b, expanded) is not None:
            b = top(w)
        label[w] = label[b] = t
        labeledge[w] = labeledge[b] = (v, w) if v is not None else None
        if v is None:
            root = w
            members[root] = []
            grown[root] = []
        else:
            root = owner[v]
        leaves: list[int]
        if isinstance(b, _Blossom):
            zstart(b, 1 if t == 1 else -1)
            leaves = b.leaves()
            members[root].extend(leaves)
            owner.update(dict.fromkeys(leaves, root))
            grown[root].append(b)
        else:
            leaves = [b]
            members[root].append(b)
            owner[b] = root
        if t == 1:
            queue.extend(leaves)
            becomes_s(leaves)
        else:
            becomes_t(leaves)
            base = blossombase[b]
            assign_label(mate[base], 1, base)

    def scan_blossom(v: int, w: int) -> int | None:
        path: list[int | _Blossom] = []
        base = None
        cur: int | None = v
        other: int | None = w
        while cur is not None:
            b = top(cur)
            if (label[b] or 0) & 4:
                base = blossombase[b]
                break
            path.append(b)
            label[b] = 5
            edge = labeledge[b]
            if edge is None:
                cur = None
            else:
                cur = edge[0]
                bt = top(cur)
                edge_t = labeledge[bt]
                assert edge_t is not None
                cur = edge_t[0]
            if other is not None:
                cur, other = other, cur
        for b in path:
            label[b] = 1
        return base

    def add_blossom(base: int, v: int, w: int) -> None:
        bb = top(base)
        bv = top(v)
        bw = top(w)
        b = _Blossom()
        blossombase[b] = base
        blossomparent[b] = None
        path = b.childs
        edgs = b.edges
        edgs.append((v, w))
        while bv != bb:
            path.append(bv)
            edge = labeledge[bv]
            assert edge is not None
            edgs.append(edge)
            v = edge[0]
            bv = top(v)
        path.append(bb)
        path.reverse()
        edgs.reverse()
        while bw != bb:
            path.append(bw)
            edge = labeledge[bw]
            assert edge is not None
            edgs.append((edge[1], edge[0]))
            w = edge[0]
            bw = top(w)
        for child in path:  # only now: ``top`` above must still stop at the children
            blossomparent[child] = b
            if isinstance(child, _Blossom):
                zsettle(child)  # no longer top-level: its dual stops moving
        b.count = sum(c.size() if isinstance(c, _Blossom) else 1 for c in path)
        label[b] = 1
        labeledge[b] = labeledge[bb]
        blossomdual[b] = 0
        grown[owner[base]].append(b)
        zstart(b, 1)
        # Leaves keep pointing at their old blossom; ``top`` follows the parents (with path
        # compression). Only the leaves of T-children become S-vertices to scan.
        for child in path:
            if label.get(child) == 2:
                leaves = child.leaves() if isinstance(child, _Blossom) else [child]
                queue.extend(leaves)
                becomes_s(leaves)
        # No best-edge bookkeeping here: the S-children's edges are in the heaps already
        # (those now inside ``b`` are dropped when they reach the top), the T-children's
        # leaves are scanned from the queue.

    def expand_blossom(b: _Blossom, endstage: bool) -> None:
        def recurse(b: _Blossom, endstage: bool) -> Iterator[_Blossom]:
            unfolds_t = not endstage and label.get(b) == 2
            if unfolds_t:
                # T ends here. The leaves keep their lazy T dual: the children that get T
                # again below keep it as it is; the others settle at the end.
                zsettle(b)
            redirect(b)
            for s in b.childs:
                blossomparent[s] = None
                if isinstance(s, _Blossom):
                    if endstage and blossomdual[s] == 0:
                        yield s
                else:
                    inblossom[s] = s
            del blossomparent[b]  # expanded: ``top`` climbs from a leaf pointing here
            if unfolds_t:
                edge = labeledge[b]
                assert edge is not None
                entrychild = top(edge[1])
                j = b.childs.index(entrychild)
                if j & 1:
                    j -= len(b.childs)
                    jstep = 1
                else:
                    jstep = -1
                v, w = edge
                while j != 0:
                    q = b.edges[j][1] if jstep == 1 else b.edges[j - 1][0]
                    label[w] = None
                    label[q] = None
                    assign_label(w, 2, v)
                    j += jstep
                    if jstep == 1:
                        v, w = b.edges[j]
                    else:
                        w, v = b.edges[j - 1]
                    j += jstep
                bw = b.childs[j]
                label[w] = label[bw] = 2
                # Its leaves are T already (they were ``b``'s): the same lazy T dual, the
                # same tree. Walking them here cost a pass over the whole child at every
                # level of a T-blossom nested thousands deep and unfolded level by level
                # (5.7 M no-op visits on cap:2000; docs/performance.md).
                if audit and any(leaf not in t_join
                                 for leaf in (bw.leaves() if isinstance(bw, _Blossom)
                                              else [bw])):
                    raise AssertionError("a leaf of an unfolded T-blossom was not T")
                if isinstance(bw, _Blossom):
                    zstart(bw, -1)
                    grown[owner[w]].append(bw)
                labeledge[w] = labeledge[bw] = (v, w)
                j += jstep
                while b.childs[j] != entrychild:
                    bv = b.childs[j]
                    if label.get(bv) == 1:
                        j += jstep
                        continue
                    found: int | None = None
                    if isinstance(bv, _Blossom):
                        for leaf in bv.leaves():
                            if label.get(leaf):
                                found = leaf
                                break
                    else:
                        found = bv
                    if found is not None and label.get(found):
                        label[found] = None
                        label[mate[blossombase[bv]]] = None
                        le = labeledge[found]
                        assert le is not None
                        assign_label(found, 2, le[0])
                    j += jstep
                for child in b.childs:
                    if label.get(child) is None:  # left unlabelled: its leaves stop moving
                        for leaf in child.leaves() if isinstance(child, _Blossom) else [child]:
                            if leaf in t_join:
                                settle(leaf)
            label.pop(b, None)
            labeledge.pop(b, None)
            z_join.pop(b, None)
            del blossombase[b]
            del blossomdual[b]

        stack = [recurse(b, endstage)]
        while stack:
            current = stack[-1]
            for s in current:
                stack.append(recurse(s, endstage))
                break
            else:
                stack.pop()

    def augment_blossom(b: _Blossom, v: int) -> None:
        def recurse(b: _Blossom, v: int, chain: list[int | _Blossom] | None
                    ) -> Iterator[tuple[_Blossom, int, list[int | _Blossom] | None]]:
            """``chain``: ``v`` and the blossoms above it up to the child of ``b`` holding
            it (walked once for ``v``: going down level by level, each level walked it
            again from ``v``, quadratic in the depth)."""
            b.cached = None  # its children turn below (so do those of every blossom above it)
            if chain is None:
                chain = [v]
                while (parent := blossomparent[chain[-1]]) != b:
                    assert parent is not None
                    chain.append(parent)
            t = chain.pop()
            if isinstance(t, _Blossom):
                yield (t, v, chain)  # done with before this level goes on
            i = j = b.childs.index(t)
            if i & 1:
                j -= len(b.childs)
                jstep = 1
            else:
                jstep = -1
            while j != 0:
                j += jstep
                t = b.childs[j]
                if jstep == 1:
                    w, x = b.edges[j]
                else:
                    x, w = b.edges[j - 1]
                if isinstance(t, _Blossom):
                    yield (t, w, None)
                j += jstep
                t = b.childs[j]
                if isinstance(t, _Blossom):
                    yield (t, x, None)
                mate[w] = x
                mate[x] = w
            b.childs = b.childs[i:] + b.childs[:i]
            b.edges = b.edges[i:] + b.edges[:i]
            blossombase[b] = blossombase[b.childs[0]]

        stack = [recurse(b, v, None)]
        while stack:
            current = stack[-1]
            for args in current:
                stack.append(recurse(*args))
                break
            else:
                stack.pop()

    def flip_to_root(s: int, j: int | None) -> None:
        """Flips the alternating path from S-vertex ``s`` to its root; ``s`` is then matched
        to ``j``, or left exposed when ``j`` is None."""
        while True:
            bs = top(s)
            if isinstance(bs, _Blossom):
                augment_blossom(bs, s)
            if j is None:
                mate.pop(s, None)
            else:
                mate[s] = j
            edge = labeledge[bs]
            if edge is None:
                break
            t = edge[0]
            bt = top(t)
            edge_t = labeledge[bt]
            assert edge_t is not None
            s, jj = edge_t
            if isinstance(bt, _Blossom):
                augment_blossom(bt, jj)
            mate[jj] = s
            j = jj

    def dissolve(root: int) -> None:
        """Ends the tree of ``root`` after an augmentation (or a type-1 flip) through it:
        its vertices and blossoms lose their labels and settle their duals, its S-blossoms
        of dual 0 are expanded (as networkx does at a stage's end), and the edges from the
        other trees' S-vertices to its vertices become candidates again. The other trees
        keep their labels, blossoms and heap entries."""
        for w in marks.pop(root, ()):
            edge = labeledge.get(w)
            if (edge is not None and edge[1] == w and owner.get(edge[0]) == root
                    and owner.get(w) != root):
                label.pop(w, None)
                labeledge.pop(w, None)
        # Its top-level blossoms: those it labelled or formed that are still top-level,
        # alive and its own (a child of an expanded T-blossom may have gone to another).
        tops = {b: label.get(b) for b in grown.pop(root)
                if b in blossomdual and blossomparent[b] is None
                and owner.get(blossombase[b]) == root}
        leaves: list[int] = []
        now = cum[0]
        for leaf in members.pop(root):
            if owner.get(leaf) != root:
                continue  # another tree's since, or listed twice
            del owner[leaf]
            leaves.append(leaf)
            joined = s_join.pop(leaf, None)  # ``settle`` inlined
            if joined is not None:
                dualvar[leaf] += joined - now
            else:
                joined = t_join.pop(leaf, None)
                if joined is not None:
                    dualvar[leaf] += now - joined
            label.pop(leaf, None)
            labeledge.pop(leaf, None)
        for b, was in tops.items():
            zsettle(b)
            stack: list[_Blossom] = [b]
            while stack:  # the labels of the blossoms inside (children keep theirs)
                inner = stack.pop()
                label.pop(inner, None)
                labeledge.pop(inner, None)
                stack.extend(c for c in inner.childs if isinstance(c, _Blossom))
            if was == 1 and blossomdual[b] == 0:
                expand_blossom(b, True)
        for leaf in leaves:
            for x in adjacency[leaf]:
                if x in s_join:  # an S-vertex of another tree
                    heapq.heappush(to_free, (slack(x, leaf) + now, x, leaf))

    def plant() -> None:
        """Roots the trees, in vertex order: every exposed vertex with a positive dual."""
        roots[:] = [v for v in roots if v not in mate and dualvar[v] > 0]
        for v in roots:
            if label.get(top(v)) is None:
                assign_label(v, 1, None)

    def uproot() -> None:
        """Ends every tree (``keep_trees=False``: each stage starts from the roots again)."""
        for v in [*s_join, *t_join]:
            settle(v)
        for b in list(z_join):
            zsettle(b)
        for b in list(blossomdual):
            if b in blossomdual and blossomparent[b] is None and label.get(b) == 1 \
                    and blossomdual[b] == 0:
                expand_blossom(b, True)
        for state in (label, labeledge, owner, members, marks, grown):
            state.clear()
        for heap in (to_free, to_s, t_blossoms, s_heap, queue):
            heap.clear()
        cum[0] = 0

    def augmented(*ends: int) -> None:
        """The trees of ``ends`` were flipped: they dissolve (all trees, if not kept)."""
        if keep_trees:
            for root in dict.fromkeys(owner[x] for x in ends):
                dissolve(root)
        else:
            uproot()
            plant()

    # A stage: the search between two augmentations (or type-1 flips). The set of roots
    # only shrinks (an augmenting path matches its ends; a type-1 step leaves its vertex
    # exposed with dual 0, and an exposed vertex is never T, so a dual of 0 stays 0).
    roots = list(nodes)
    plant()
    stages = 1
    while members:
        if out_of_time is not None and out_of_time():
            raise OutOfTime
        # ``slack`` and ``top`` inlined below (same values): no dual step happens while
        # the queue is scanned, so ``cum``, ``factor`` and the S-vertex ``v``'s dual stay
        # put through its scan.
        now, scale = cum[0], factor[0]
        finished = False
        while queue and not finished:
            v = queue.pop()
            if v not in s_join:
                continue  # its tree dissolved since it was queued
            bv = top(v)  # changes only when a blossom forms below
            dv = dual(v)
            for w, wt in neighbours[v]:
                bw = inblossom[w]
                if blossomparent.get(bw, expanded) is not None:
                    bw = top(w)
                if bv == bw:
                    continue
                # The exact slack (no blossom holds both ends): tight edges are not
                # cached, so a tree that dissolves leaves no stale ``allowed`` behind.
                joined = s_join.get(w)
                if joined is not None:
                    kslack = dv + dualvar[w] - now + joined - scale * wt
                else:
                    joined = t_join.get(w)
                    if joined is None:
                        kslack = dv + dualvar[w] - scale * wt
                    else:
                        kslack = dv + dualvar[w] + now - joined - scale * wt
                if kslack <= 0:
                    if label.get(bw) is None:
                        if blossombase[bw] not in mate:
                            # An exposed vertex of dual 0: the path ends here.
                            assign_label(w, 1, None)
                            flip_to_root(v, w)
                            flip_to_root(w, v)
                            augmented(v, w)
                            finished = True
                            break
                        assign_label(w, 2, v)
                    elif label.get(bw) == 1:
                        base = scan_blossom(v, w)
                        if base is not None:
                            add_blossom(base, v, w)
                            bv = top(v)
                        else:
                            flip_to_root(v, w)
                            flip_to_root(w, v)
                            augmented(v, w)
                            finished = True
                            break
                    elif label.get(w) is None:
                        label[w] = 2
                        labeledge[w] = (v, w)
                        marks.setdefault(owner[v], []).append(w)
                elif label.get(bw) == 1:
                    heapq.heappush(to_s, (kslack + 2 * cum[0], v, w))
                elif label.get(w) is None:
                    heapq.heappush(to_free, (kslack + cum[0], v, w))
        if finished:
            stages += 1
            continue  # the other trees' queued vertices are scanned on
        if not members:
            break
        while True:
            key, lowest = s_heap[0]
            joined = s_join.get(lowest)
            if joined is None or dualvar[lowest] + joined != key:
                heapq.heappop(s_heap)  # not S since (a fresh entry if S again)
                continue
            break
        delta = dual(lowest)
        deltatype = 1
        deltaedge: tuple[int, int] | None = None
        deltablossom: _Blossom | None = None
        while to_free:
            key, v, w = to_free[0]
            if v not in s_join or w in s_join or w in t_join:
                heapq.heappop(to_free)  # not S to free since; pushed again if so again
                continue
            k = slack(v, w)
            if k != key - cum[0]:
                heapq.heapreplace(to_free, (k + cum[0], v, w))
                continue
            if k < delta:
                delta, deltatype, deltaedge = k, 2, (v, w)
            break
        while to_s:
            key, v, w = to_s[0]
            if v not in s_join or w not in s_join or top(v) == top(w):
                heapq.heappop(to_s)  # inside one blossom, or not S to S, since
                continue
            k = slack(v, w)
            if k != key - 2 * cum[0]:
                heapq.heapreplace(to_s, (k + 2 * cum[0], v, w))
                continue
            if k < 2 * delta:
                if k % 2:
                    # Type 3 halves slacks of S–S edges: keep every dual an integer.
                    rescale()
                    k *= 2
                    delta *= 2
                delta, deltatype, deltaedge = k // 2, 3, (v, w)
            break
        while t_blossoms:
            key, _, b = t_blossoms[0]
            if (b not in blossomdual or blossomparent[b] is not None
                    or label.get(b) != 2):
                heapq.heappop(t_blossoms)
                continue
            z = zval(b)
            if z != key - cum[0]:
                heapq.heapreplace(t_blossoms, (z + cum[0], next(ticket), b))
                continue
            if z < delta:
                delta, deltatype, deltablossom = z, 4, b
            break
        if audit:
            before = audit_snapshot()
        cum[0] += delta
        if audit:
            audit_step(before, delta)
        if deltatype == 1:
            assert dual(lowest) == 0
            flip_to_root(lowest, None)
            augmented(lowest)
            stages += 1
        elif deltatype in (2, 3):
            assert deltaedge is not None
            queue.append(deltaedge[0])  # its edge is tight now: scanned again
        else:
            assert deltablossom is not None
            children = list(deltablossom.childs)
            expand_blossom(deltablossom, False)
            # Leaves left unlabelled are free again: their edges to S-vertices are
            # candidates of type 2 (their heap entries were dropped while T). The
            # children are top-level now: one label each.
            for child in children:
                if label.get(child) is not None:
                    continue
                for leaf in child.leaves() if isinstance(child, _Blossom) else [child]:
                    for x in adjacency[leaf]:
                        if label.get(top(x)) == 1:
                            heapq.heappush(to_free, (slack(x, leaf) + cum[0], x, leaf))
    uproot()  # nothing is labelled by now; the lazy duals are all written back
    certificate = Certificate(mate, dualvar, blossomdual, blossomparent, factor[0], nodes)
    certificate.verify(edges)
    return Answer(sorted((v, w) for v, w in mate.items() if v < w), stages, certificate)


class Certificate:
    """The dual of an answer: vertex duals ``d_v`` and blossom duals ``z_B``, scaled so that
    the slack of an edge is ``d_a + d_b − factor·w + 2·Σ_{B∋a,b} z_B`` (``factor`` = 2 at
    the start, doubled with every rescaling). A vertex outside the solved graph has dual 0:
    added as an isolated vertex it would stay exposed, so its dual would end at 0.

    ``Σ_{B∋a,b} z_B`` is the accumulated ``z`` of the lowest common ancestor of ``a`` and
    ``b`` in the blossom forest (blossoms nest thousands deep). All edges are done at once
    in numpy: the leaves are numbered in depth-first order, so a blossom holds the leaves
    of one interval ``[lo, hi]``; from the end ``a`` with the smaller number, binary
    lifting climbs to the highest ancestor whose interval ends before the other end's
    number; its parent, if it holds both, is the common ancestor. O(E·log depth)."""

    def __init__(self, mate: dict[int, int], dualvar: dict[int | _Blossom, int],
                 blossomdual: dict[_Blossom, int],
                 blossomparent: dict[int | _Blossom, _Blossom | None], factor: int,
                 nodes: list[int]) -> None:
        self.mate, self.blossomdual, self.factor, self.nodes = mate, blossomdual, factor, nodes
        self.dualvar = {v: dualvar[v] for v in nodes}
        blossoms = list(blossomdual)
        number: dict[int | _Blossom, int] = {v: k for k, v in enumerate(nodes)}
        for k, bl in enumerate(blossoms):
            number[bl] = len(nodes) + k
        size = len(number)
        # Filled as lists (a numpy element write costs several list writes), then arrays.
        parent = list(range(size))
        above = [0] * size  # Σ z of the node and its ancestors
        lo = [0] * size
        hi = [0] * size
        depth = [0] * size
        # Preorder of the whole forest: a blossom's subtree is ``[pre, last]`` (``verify``).
        pre = [0] * size
        last = [0] * size
        visited = 0
        roots: list[int | _Blossom] = [x for x in nodes if blossomparent[x] is None]
        roots += [bl for bl in blossoms if blossomparent[bl] is None]
        position = 0
        for root in roots:
            if isinstance(root, _Blossom):
                above[number[root]] = blossomdual[root]
            # Iterative depth-first walk; a blossom's interval closes after its children.
            stack: list[tuple[int | _Blossom, bool]] = [(root, False)]
            while stack:
                x, closing = stack.pop()
                k = number[x]
                if closing:
                    hi[k] = position - 1
                    last[k] = visited - 1
                    continue
                pre[k] = visited
                visited += 1
                if not isinstance(x, _Blossom):
                    lo[k] = hi[k] = position
                    last[k] = pre[k]
                    position += 1
                    continue
                lo[k] = position
                stack.append((x, True))
                for child in reversed(x.childs):
                    c = number.get(child, -1)
                    if c < 0 or blossomparent.get(child) is not x:
                        raise ArithmeticError("the blossom forest is not well formed")
                    parent[c] = k
                    depth[c] = depth[k] + 1
                    above[c] = above[k] + (blossomdual[child]
                                           if isinstance(child, _Blossom) else 0)
                    stack.append((child, False))
        # Every vertex and blossom once, every vertex a leaf of the walk: the proof then
        # rests on the forest alone, not on the solver's bookkeeping (review hardening).
        if visited != size or position != len(nodes):
            raise ArithmeticError("the blossom forest is not well formed")
        jumps = [np.array(parent, dtype=np.int64)]
        for _ in range(max(depth, default=0).bit_length()):
            jumps.append(jumps[-1][jumps[-1]])
        self.number, self.parent = number, jumps[0]
        self.above, self.lo, self.hi, self.pre, self.last = (
            np.array(x, dtype=np.int64) for x in (above, lo, hi, pre, last))
        self.jumps = jumps

    def vertex_duals(self, size: int) -> npt.NDArray[np.int64]:
        """``d_v`` for ``v < size`` (0 outside the solved graph), for numpy passes."""
        values = np.zeros(size, dtype=np.int64)
        if self.nodes:
            values[np.array(self.nodes, dtype=np.int64)] = np.array(
                [self.dualvar[v] for v in self.nodes], dtype=np.int64)
        return values

    def slacks(self, u: npt.NDArray[np.int64], v: npt.NDArray[np.int64],
               w: npt.NDArray[np.int64], duals: npt.NDArray[np.int64] | None = None
               ) -> npt.NDArray[np.int64]:
        """The exact slack of every edge ``(u, v, w)``, blossom duals included."""
        if duals is None:
            duals = self.vertex_duals(int(max(u.max(initial=0), v.max(initial=0))) + 1)
        result = duals[u] + duals[v] - self.factor * w
        common = self.common(self.index(u), self.index(v))
        inside = common >= 0
        result[inside] += 2 * self.above[common[inside]]
        return result

    def index(self, x: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The forest index of every vertex in ``x`` (−1 for a vertex outside the graph)."""
        size = len(self.nodes)
        lookup = np.full(int(x.max(initial=0)) + 1, -1, dtype=np.int64)
        if size:
            known = np.array(self.nodes, dtype=np.int64)
            inside = known < lookup.size
            lookup[known[inside]] = np.arange(size, dtype=np.int64)[inside]
        return lookup[x]

    def common(self, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
               ) -> npt.NDArray[np.int64]:
        """The smallest blossom holding forest nodes ``a`` and ``b`` (indices, vertices or
        blossoms; −1 = none or outside the graph), by binary lifting (see the class);
        ``slacks`` adds the ``z`` above it."""
        result = np.full(a.size, -1, dtype=np.int64)
        both = (a >= 0) & (b >= 0)
        a, b = a[both], b[both]
        # One holds the other: intervals of a laminar family nest or are disjoint.
        a_holds = (self.lo[a] <= self.lo[b]) & (self.hi[b] <= self.hi[a])
        b_holds = (self.lo[b] <= self.lo[a]) & (self.hi[a] <= self.hi[b])
        first = np.where(self.lo[a] <= self.lo[b], a, b)
        target = np.maximum(self.lo[a], self.lo[b])
        x = first
        for jump in reversed(self.jumps):
            y = jump[x]
            x = np.where(self.hi[y] < target, y, x)
        p = self.parent[x]
        found = np.where((p != x) & (self.hi[p] >= target), p, -1)
        found = np.where(a_holds, a, np.where(b_holds, b, found))
        result[both] = found
        return result

    def within(self, node: npt.NDArray[np.int64], most: npt.NDArray[np.int64]
               ) -> npt.NDArray[np.int64]:
        """``Σ z`` of the blossoms holding ``node`` (a forest index; −1 = none) from the
        lowest one on whose sum stays ``≤ most``: the largest such sum along the chain
        upwards (it falls going up, ``z ≥ 0``), 0 when none does."""
        result = np.zeros(node.size, dtype=np.int64)
        has = node >= 0
        x, cap = node[has], most[has]
        over = self.above[x] > cap
        # Climb while over: to the highest ancestor still over, then one more step.
        for jump in reversed(self.jumps):
            y = jump[x]
            x = np.where(over & (self.above[y] > cap), y, x)
        p = self.parent[x]
        step = over & (p != x)
        x = np.where(step, p, x)
        fits = self.above[x] <= cap
        result[has] = np.where(fits, self.above[x], 0)
        return result

    def violated(self, u: npt.NDArray[np.int64], v: npt.NDArray[np.int64],
                 w: npt.NDArray[np.int64], duals: npt.NDArray[np.int64] | None = None
                 ) -> npt.NDArray[np.bool_]:
        """Which edges ``(u, v, w)`` have a negative slack under this dual."""
        return self.slacks(u, v, w, duals) < 0

    def verify(self, edges: Sequence[tuple[int, int, int]]) -> None:
        """The optimality certificate of the answer on these edges, in integers: duals ≥ 0,
        slack ≥ 0 on every edge and 0 on matched ones, exposed vertices of dual 0, blossoms
        of positive dual full. Raises ArithmeticError if any fails (a bug, never a wrong
        answer)."""
        def fail(why: str) -> None:
            raise ArithmeticError(f"warm blossom certificate: {why}")

        mate, dualvar, nodes = self.mate, self.dualvar, self.nodes
        if (any(dualvar[v] < 0 for v in nodes)
                or any(z < 0 for z in self.blossomdual.values())):
            fail("negative dual")
        if edges:
            slack = self.slacks(np.array([a for a, _, _ in edges], dtype=np.int64),
                                np.array([b for _, b, _ in edges], dtype=np.int64),
                                np.array([x for _, _, x in edges], dtype=np.int64))
            if (slack < 0).any():
                fail("an edge with negative slack")
            matched = np.array([mate.get(a) == b for a, b, _ in edges], dtype=bool)
            if (slack[matched] != 0).any():
                fail("a matched edge that is not tight")
        # Every pair of the matching is an edge of the graph (listed once per pair; a
        # parallel listing is counted once): a "matching" of non-edges would pass the
        # slack checks above, which only read listed edges.
        listed = {(min(a, b), max(a, b)) for a, b, _ in edges}
        if any((min(v, u), max(v, u)) not in listed for v, u in mate.items()):
            fail("a matched pair that is not an edge")
        for v in nodes:
            if v not in mate and dualvar[v] != 0:
                fail("an exposed vertex with a positive dual")
            if v in mate and mate[mate[v]] != v:
                fail("not a matching")
        # A blossom of positive dual is full: all its vertices but one are matched inside.
        # A matched vertex is matched inside exactly the blossoms holding the smallest
        # blossom that holds it and its mate: counted there, and summed over each
        # blossom's subtree (a preorder interval) — not a walk over every blossom's leaves,
        # which nest thousands deep.
        positive = [self.number[bl] for bl, z in self.blossomdual.items() if z > 0]
        if positive:
            ends = [v for v in nodes if v in mate]
            common = self.common(self.index(np.array(ends, dtype=np.int64)),
                                 self.index(np.array([mate[v] for v in ends], dtype=np.int64)))
            hits = np.zeros(self.pre.size + 1, dtype=np.int64)
            np.add.at(hits, self.pre[common[common >= 0]] + 1, 1)
            before = np.cumsum(hits)  # before[i]: matched vertices counted at preorder < i
            at = np.array(positive, dtype=np.int64)
            matched_inside = before[self.last[at] + 1] - before[self.pre[at]]
            if (matched_inside != self.hi[at] - self.lo[at]).any():
                fail("a blossom of positive dual that is not full")
