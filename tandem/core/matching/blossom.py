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

The answer's certificate (vertex and blossom duals) is checked in integers before it is
returned: nothing here is trusted without it. Time: a stage is O(E) plus O(V) per dual
step; stages ≤ the number of exposed vertices with a positive dual at the start.
"""

from collections.abc import Callable, Iterator, Sequence


class WarmStartError(ValueError):
    """The given dual is not feasible, or the given matching is not tight under it."""


class OutOfTime(RuntimeError):
    pass


class _Blossom:
    __slots__ = ["childs", "edges", "mybestedges"]

    def __init__(self) -> None:
        self.childs: list[int | _Blossom] = []
        self.edges: list[tuple[int, int]] = []
        self.mybestedges: list[tuple[int, int]] | None = None

    def leaves(self) -> Iterator[int]:
        stack = [*self.childs]
        while stack:
            t = stack.pop()
            if isinstance(t, _Blossom):
                stack.extend(t.childs)
            else:
                yield t


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
    dualvar: dict[int | _Blossom, int] = {}
    for v in nodes:
        value = int(doubled.get(v, 0))
        if value < 0:
            raise WarmStartError("a negative dual")
        dualvar[v] = value
    factor = [2]  # weights enter slack as factor·w; duals are scaled along with it

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

    def settle(v: int) -> None:
        """Writes back the lazy dual of ``v`` (its S or T label ends)."""
        dualvar[v] = dual(v)
        s_join.pop(v, None)
        t_join.pop(v, None)

    for end_a, end_b, _ in edges:
        if slack(end_a, end_b) < 0:
            raise WarmStartError("the dual is not feasible")
    mate: dict[int, int] = {}
    for end_a, end_b in matching:
        if ((end_a, end_b) not in weight or end_a in mate or end_b in mate
                or slack(end_a, end_b) != 0):
            raise WarmStartError("the start matching is not a set of tight edges")
        mate[end_a], mate[end_b] = end_b, end_a

    label: dict[int | _Blossom, int | None] = {}
    labeledge: dict[int | _Blossom, tuple[int, int] | None] = {}
    inblossom: dict[int, int | _Blossom] = {v: v for v in nodes}
    blossomparent: dict[int | _Blossom, _Blossom | None] = {v: None for v in nodes}
    blossombase: dict[int | _Blossom, int] = {v: v for v in nodes}
    bestedge: dict[int | _Blossom, tuple[int, int] | None] = {}
    blossomdual: dict[_Blossom, int] = {}
    allowedge: dict[tuple[int, int], bool] = {}
    queue: list[int] = []
    s_best = [0]  # the least ``dualvar + joined`` of an S-vertex, and that vertex
    s_lowest: list[int | None] = [None]

    def top(v: int) -> int | _Blossom:
        """The top-level blossom of vertex ``v`` (``v`` itself when in none)."""
        b = inblossom[v]
        parent = blossomparent[b]
        if parent is None:
            return b
        while (up := blossomparent[parent]) is not None:
            parent = up
        inblossom[v] = parent
        return parent

    def becomes_s(leaves: list[int]) -> None:
        for leaf in leaves:
            if leaf not in s_join:
                settle(leaf)
                s_join[leaf] = cum[0]
                key = dualvar[leaf] + cum[0]  # its dual is key − cum while S
                if s_lowest[0] is None or key < s_best[0]:
                    s_best[0], s_lowest[0] = key, leaf

    def becomes_t(leaves: list[int]) -> None:
        for leaf in leaves:
            settle(leaf)
            t_join[leaf] = cum[0]

    def rescale() -> None:
        for key in dualvar:
            dualvar[key] *= 2
        for joins in (s_join, t_join):
            for key in joins:
                joins[key] *= 2
        cum[0] *= 2
        s_best[0] *= 2
        for b in blossomdual:
            blossomdual[b] *= 2
        factor[0] *= 2

    def assign_label(w: int, t: int, v: int | None) -> None:
        b = top(w)
        label[w] = label[b] = t
        labeledge[w] = labeledge[b] = (v, w) if v is not None else None
        bestedge[w] = bestedge[b] = None
        if isinstance(b, _Blossom):
            leaves = list(b.leaves())
        else:
            leaves = [b]
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
        label[b] = 1
        labeledge[b] = labeledge[bb]
        blossomdual[b] = 0
        # Leaves keep pointing at their old blossom; ``top`` follows the parents (with path
        # compression). Only the leaves of T-children become S-vertices to scan.
        for child in path:
            if label.get(child) == 2:
                leaves = list(child.leaves()) if isinstance(child, _Blossom) else [child]
                queue.extend(leaves)
                becomes_s(leaves)
        bestedgeto: dict[int | _Blossom, tuple[int, int]] = {}
        for child in path:
            if isinstance(child, _Blossom):
                if child.mybestedges is not None:
                    nblist = child.mybestedges
                    child.mybestedges = None
                else:
                    nblist = [(x, y) for x in child.leaves() for y in adjacency[x]]
            else:
                nblist = [(child, y) for y in adjacency[child]]
            for i, j in nblist:
                if top(j) == b:
                    i, j = j, i
                bj = top(j)
                if (bj != b and label.get(bj) == 1
                        and (bj not in bestedgeto or slack(i, j) < slack(*bestedgeto[bj]))):
                    bestedgeto[bj] = (i, j)
            bestedge[child] = None
        b.mybestedges = list(bestedgeto.values())
        best = None
        best_slack = 0
        for k in b.mybestedges:
            s = slack(*k)
            if best is None or s < best_slack:
                best, best_slack = k, s
        bestedge[b] = best

    def expand_blossom(b: _Blossom, endstage: bool) -> None:
        def recurse(b: _Blossom, endstage: bool) -> Iterator[_Blossom]:
            if not endstage and label.get(b) == 2:
                for leaf in b.leaves():
                    settle(leaf)  # T ends here; some children get T or S again below
            for s in b.childs:
                blossomparent[s] = None
                if isinstance(s, _Blossom):
                    if endstage and blossomdual[s] == 0:
                        yield s
                    else:
                        for leaf in s.leaves():
                            inblossom[leaf] = s
                else:
                    inblossom[s] = s
            if (not endstage) and label.get(b) == 2:
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
                    if jstep == 1:
                        p, q = b.edges[j]
                    else:
                        q, p = b.edges[j - 1]
                    label[w] = None
                    label[q] = None
                    assign_label(w, 2, v)
                    allowedge[(p, q)] = allowedge[(q, p)] = True
                    j += jstep
                    if jstep == 1:
                        v, w = b.edges[j]
                    else:
                        w, v = b.edges[j - 1]
                    allowedge[(v, w)] = allowedge[(w, v)] = True
                    j += jstep
                bw = b.childs[j]
                label[w] = label[bw] = 2
                becomes_t(list(bw.leaves()) if isinstance(bw, _Blossom) else [bw])
                labeledge[w] = labeledge[bw] = (v, w)
                bestedge[bw] = None
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
            label.pop(b, None)
            labeledge.pop(b, None)
            bestedge.pop(b, None)
            del blossomparent[b]
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
        def recurse(b: _Blossom, v: int) -> Iterator[tuple[_Blossom, int]]:
            t: int | _Blossom = v
            while blossomparent[t] != b:
                parent = blossomparent[t]
                assert parent is not None
                t = parent
            if isinstance(t, _Blossom):
                yield (t, v)
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
                    yield (t, w)
                j += jstep
                t = b.childs[j]
                if isinstance(t, _Blossom):
                    yield (t, x)
                mate[w] = x
                mate[x] = w
            b.childs = b.childs[i:] + b.childs[:i]
            b.edges = b.edges[i:] + b.edges[:i]
            blossombase[b] = blossombase[b.childs[0]]

        stack = [recurse(b, v)]
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

    stages = 0
    while True:
        stages += 1
        label.clear()
        labeledge.clear()
        bestedge.clear()
        for b in blossomdual:
            b.mybestedges = None
        allowedge.clear()
        queue.clear()
        s_lowest[0] = None
        cum[0] = 0
        for v in nodes:
            if v not in mate and dualvar[v] > 0 and label.get(top(v)) is None:
                assign_label(v, 1, None)
        if not queue:
            break
        finished = False
        while True:
            if out_of_time is not None and out_of_time():
                raise OutOfTime
            while queue and not finished:
                v = queue.pop()
                for w in adjacency[v]:
                    bv = top(v)
                    bw = top(w)
                    if bv == bw:
                        continue
                    kslack = 0
                    if (v, w) not in allowedge:
                        kslack = slack(v, w)
                        if kslack <= 0:
                            allowedge[(v, w)] = allowedge[(w, v)] = True
                    if (v, w) in allowedge:
                        if label.get(bw) is None:
                            if blossombase[bw] not in mate:
                                # An exposed vertex of dual 0: the path ends here.
                                assign_label(w, 1, None)
                                flip_to_root(v, w)
                                flip_to_root(w, v)
                                finished = True
                                break
                            assign_label(w, 2, v)
                        elif label.get(bw) == 1:
                            base = scan_blossom(v, w)
                            if base is not None:
                                add_blossom(base, v, w)
                            else:
                                flip_to_root(v, w)
                                flip_to_root(w, v)
                                finished = True
                                break
                        elif label.get(w) is None:
                            label[w] = 2
                            labeledge[w] = (v, w)
                    elif label.get(bw) == 1:
                        old = bestedge.get(bv)
                        if old is None or kslack < slack(*old):
                            bestedge[bv] = (v, w)
                    elif label.get(w) is None:
                        old = bestedge.get(w)
                        if old is None or kslack < slack(*old):
                            bestedge[w] = (v, w)
            if finished:
                break
            lowest = s_lowest[0]
            assert lowest is not None
            delta = dual(lowest)
            deltatype = 1
            deltaedge: tuple[int, int] | None = None
            deltablossom: _Blossom | None = None
            for key, edge in bestedge.items():
                if edge is None:
                    continue
                if isinstance(key, int) and label.get(top(key)) is None:
                    d = slack(*edge)
                    if d < delta:
                        delta, deltatype, deltaedge = d, 2, edge
                elif blossomparent[key] is None and label.get(key) == 1:
                    k = slack(*edge)
                    if k % 2:
                        # Type 3 halves slacks of S–S edges: keep every dual an integer.
                        rescale()
                        k *= 2
                        delta *= 2
                    d = k // 2
                    if d < delta:
                        delta, deltatype, deltaedge = d, 3, edge
            for b, z in blossomdual.items():
                if blossomparent[b] is None and label.get(b) == 2 and z < delta:
                    delta, deltatype, deltablossom = z, 4, b
            cum[0] += delta
            for b in blossomdual:
                if blossomparent[b] is None:
                    if label.get(b) == 1:
                        blossomdual[b] += delta
                    elif label.get(b) == 2:
                        blossomdual[b] -= delta
            if deltatype == 1:
                assert dual(lowest) == 0
                flip_to_root(lowest, None)
                break
            if deltatype in (2, 3):
                assert deltaedge is not None
                v, w = deltaedge
                allowedge[(v, w)] = allowedge[(w, v)] = True
                queue.append(v)
            else:
                assert deltablossom is not None
                expand_blossom(deltablossom, False)
        for v in [*s_join, *t_join]:
            settle(v)
        for b in list(blossomdual):
            if b in blossomdual and blossomparent[b] is None and label.get(b) == 1 \
                    and blossomdual[b] == 0:
                expand_blossom(b, True)
    _verify(edges, mate, dualvar, blossomdual, blossomparent, factor[0], nodes)
    return sorted((v, w) for v, w in mate.items() if v < w), stages


def _verify(edges: Sequence[tuple[int, int, int]], mate: dict[int, int],
            dualvar: dict[int | _Blossom, int], blossomdual: dict[_Blossom, int],
            blossomparent: dict[int | _Blossom, _Blossom | None], factor: int,
            nodes: list[int]) -> None:
    """The optimality certificate of the answer on these edges, in integers: duals ≥ 0,
    slack ≥ 0 on every edge and 0 on matched ones, exposed vertices of dual 0, blossoms of
    positive dual full. Raises ArithmeticError if any fails (a bug, never a wrong answer)."""
    def fail(why: str) -> None:
        raise ArithmeticError(f"warm blossom certificate: {why}")

    if any(dualvar[v] < 0 for v in nodes) or any(z < 0 for z in blossomdual.values()):
        fail("negative dual")
    # Σ z_B over the blossoms holding both ends = the accumulated z of their lowest common
    # ancestor in the blossom forest (binary lifting: blossoms nest thousands deep).
    depth: dict[int | _Blossom, int] = {}
    above: dict[int | _Blossom, int] = {}  # Σ z of the node and its ancestors
    parent_of: dict[int | _Blossom, int | _Blossom] = {}
    roots: list[int | _Blossom] = [x for x in nodes if blossomparent[x] is None]
    roots += [bl for bl in blossomdual if blossomparent[bl] is None]
    stack: list[int | _Blossom] = list(roots)
    for x in roots:
        depth[x] = 0
        above[x] = blossomdual[x] if isinstance(x, _Blossom) else 0
        parent_of[x] = x
    while stack:
        x = stack.pop()
        if isinstance(x, _Blossom):
            for child in x.childs:
                depth[child] = depth[x] + 1
                above[child] = above[x] + (blossomdual[child] if isinstance(child, _Blossom)
                                           else 0)
                parent_of[child] = x
                stack.append(child)
    jumps = [parent_of]
    for _ in range(max(depth.values(), default=0).bit_length()):
        last = jumps[-1]
        jumps.append({x: last[last[x]] for x in last})

    def common(a: int | _Blossom, b: int | _Blossom) -> int | _Blossom | None:
        """The lowest common ancestor, None when ``a`` and ``b`` are in different trees."""
        if depth[a] < depth[b]:
            a, b = b, a
        diff, k = depth[a] - depth[b], 0
        while diff:
            if diff & 1:
                a = jumps[k][a]
            diff >>= 1
            k += 1
        if a is b:
            return a
        for k in range(len(jumps) - 1, -1, -1):
            if jumps[k][a] is not jumps[k][b]:
                a, b = jumps[k][a], jumps[k][b]
        if parent_of[a] is parent_of[b] and parent_of[a] is not a:
            return parent_of[a]
        return None

    for a, b, w in edges:
        s = dualvar[a] + dualvar[b] - factor * w
        lca = common(a, b)
        if isinstance(lca, _Blossom):
            s += 2 * above[lca]
        if s < 0:
            fail("an edge with negative slack")
        if mate.get(a) == b and s != 0:
            fail("a matched edge that is not tight")
    for v in nodes:
        if v not in mate and dualvar[v] != 0:
            fail("an exposed vertex with a positive dual")
        if v in mate and mate[mate[v]] != v:
            fail("not a matching")
    for bl, z in blossomdual.items():
        if z > 0:
            inside = set(bl.leaves())
            matched = sum(1 for v in inside if mate.get(v) in inside)
            if matched != len(inside) - 1:
                fail("a blossom of positive dual that is not full")
