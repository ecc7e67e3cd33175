"""The warm blossom stage for capacities above 1: Edmonds' algorithm on a matching gadget.

A b-matching (person ``p`` in at most ``c_p`` pairs, each pair at most once) is an ordinary
matching of a larger graph (the reduction of ``exact.py``): ``p`` becomes ``c_p`` *copies*;
a pair with an end of capacity 1 joins that end to every copy of the other (the single copy
takes it at most once); any other pair ``e = ab`` becomes two nodes ``e_a``, ``e_b`` with
edges ``e_a e_b``, ``a_i e_a`` (every copy ``a_i``) and ``b_j e_b``, all of weight ``w_e``.
A matching of the gadget uses ``e`` iff ``e_a`` and ``e_b`` both go to copies, and else can
take ``e_a e_b``; so the gadget's maximum weighs ``Σ w_e`` (over gadget pairs) plus the
maximum b-matching.

The start (docs/matching.md, 3.6d). The b-matching LP stage gives an integer ``Y = 2y ≥ 0``
whose bound ``(Σ c_p Y_p + Σ_e max(0, 2w_e − Y_a − Y_b)) / 2`` holds. On the gadget, every
copy of ``p`` gets ``Y_p``; a gadget pair gets

* ``r_e ≥ 0`` (``Y_a + Y_b ≥ 2w``): ``D_a = max(0, 2w − Y_a)``, ``D_b = 2w − D_a``, so
  ``D_a + D_b = 2w`` (``e_a e_b`` tight) and ``Y_a + D_a ≥ 2w``, ``Y_b + D_b ≥ 2w``
  (``D_b = min(2w, Y_a) ≥ 2w − Y_b``);
* ``r_e < 0`` (a pair the LP dual violates; always a gadget pair, whatever the capacities):
  ``D_a = 2w − Y_a``, ``D_b = 2w − Y_b``, both positive, ``D_a + D_b = 2w + (2w − Y_a −
  Y_b)``.

That dual is feasible on the gadget, and its value minus ``Σ 2w_e`` is twice the LP stage's
bound restricted to these pairs; the warm blossom (``blossom.warm_solve``) starts from it
and from our pairs that are tight on the gadget, and proves its answer with a certificate.

Column generation over the pairs with ``r < t``, as for capacity 1 (``solver._warm_close``):
a pair not yet in the gadget extends the answer's certificate iff

* gadget kind: new nodes ``e_a``, ``e_b`` can take ``D_a + D_b = f·w − 2Z`` (``e_a e_b``
  joins the matching, tight) with ``d(a_i) + D_a + 2Z ≥ f·w`` for every copy, where ``Z``
  is the ``Σ z`` of answer blossoms that hold every copy of ``a`` and of ``b`` and that the
  two new nodes join (the matching LP's dual needs odd sets, not a blossom structure: the
  set stays odd, and full with ``e_a e_b`` inside, so complementary slackness holds);
  possible iff ``2Z ≤ f·w`` and ``min_i d(a_i) + min_j d(b_j) + 2Z ≥ f·w`` (``f`` the
  certificate's scale). ``Z`` is taken from the smallest blossom holding both people's
  copies upwards, as large as ``2Z ≤ f·w`` allows; ``Z = 0`` (no blossom) is the plain
  rule. On ``cap:2000`` (seed 1) the answer's vertex duals fall far below ``Y`` inside 17
  big blossoms of positive ``z`` (3,626 of 4,061 copies): the plain rule refused 143,969
  pairs, this one 32,225;
* direct kind: every copy pair ``a_i b_j`` has slack ≥ 0 under the certificate (blossom
  duals included).

Pairs that fail join the gadget, at most ``ADD_PER_ROUND`` a round, those of least ``r``
first (the check stops once it has found that many), and it is solved again; when none
fails, our answer is a maximum b-matching of all pairs with ``r < t``, and optimal for the
whole group once the gap left is at most ``t``: a heavier b-matching uses only pairs with
``r < gap`` (3.6c).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tandem.core.matching.blossom import Answer, Certificate, OutOfTime, warm_solve

IntArray = npt.NDArray[np.int64]
Pair = tuple[int, int]
CHECK_BATCH = 200_000  # pairs checked against a certificate at a time (``warm_b_close``)
ADD_PER_ROUND = 1_000  # violated pairs (least r first) joining the gadget per solve


@dataclass(slots=True)
class Gadget:
    """The gadget of a set of pairs: its edges, warm-start dual and start matching, and how
    to read a gadget matching back as pairs."""

    edges: list[tuple[int, int, int]]
    duals: dict[int, int]
    start: list[Pair]
    copies: dict[int, list[int]]  # person → copy nodes
    owner: dict[int, int]  # copy node → person
    sides: dict[int, Pair]  # e_a node → the pair (e_b is e_a + 1)

    def pairs(self, matched: list[Pair]) -> set[Pair]:
        used: set[Pair] = set()
        on_copy: set[int] = set()
        for x, y in matched:
            if x in self.owner and y in self.owner:
                a, b = self.owner[x], self.owner[y]
                used.add((min(a, b), max(a, b)))
            elif x in self.owner:
                on_copy.add(y)
            elif y in self.owner:
                on_copy.add(x)
        used |= {self.sides[s] for s in self.sides if s in on_copy and s + 1 in on_copy}
        return used


def is_gadget_pair(capacity: IntArray, doubled: IntArray, a: int, b: int, w: int) -> bool:
    return bool((capacity[a] > 1 and capacity[b] > 1) or doubled[a] + doubled[b] < 2 * w)


def build(pairs: dict[Pair, int], capacity: IntArray, doubled: IntArray,
          matching: dict[Pair, int]) -> Gadget:
    """The gadget of ``pairs`` (our ``matching`` among them) started from ``Y = doubled``."""
    people = sorted({x for pair in pairs for x in pair})
    copies: dict[int, list[int]] = {}
    size = 0
    for p in people:
        copies[p] = list(range(size, size + int(capacity[p])))
        size += int(capacity[p])
    owner = {c: p for p, cs in copies.items() for c in cs}
    duals = {c: int(doubled[p]) for p, cs in copies.items() for c in cs}
    edges: list[tuple[int, int, int]] = []
    start: list[Pair] = []
    sides: dict[int, Pair] = {}
    free = {p: list(reversed(cs)) for p, cs in copies.items()}  # copies not yet in the start
    for (a, b), w in sorted(pairs.items()):
        ya, yb = int(doubled[a]), int(doubled[b])
        ours = (a, b) in matching
        if not is_gadget_pair(capacity, doubled, a, b, w):
            edges.extend((x, y, w) for x in copies[a] for y in copies[b])
            if ours and ya + yb == 2 * w and free[a] and free[b]:
                start.append((free[a].pop(), free[b].pop()))
            continue
        side_a, side_b = size, size + 1
        size += 2
        sides[side_a] = (a, b)
        if ya + yb >= 2 * w:
            d_a = max(0, 2 * w - ya)
            d_b = 2 * w - d_a
        else:
            d_a, d_b = 2 * w - ya, 2 * w - yb
        duals[side_a], duals[side_b] = d_a, d_b
        edges.append((side_a, side_b, w))
        edges.extend((c, side_a, w) for c in copies[a])
        edges.extend((c, side_b, w) for c in copies[b])
        if ours:
            if ya + d_a == 2 * w and yb + d_b == 2 * w and free[a] and free[b]:
                start += [(free[a].pop(), side_a), (free[b].pop(), side_b)]
        elif d_a + d_b == 2 * w:
            start.append((side_a, side_b))
    return Gadget(edges, duals, start, copies, owner, sides)


@dataclass(slots=True)
class _Prepared:
    """What ``extends`` reads of one answer, per person: the same for every batch of pairs
    checked against that answer, so computed once a round."""

    fresh: int  # above every gadget node
    node_duals: IntArray
    least: IntArray  # min copy dual; 0 outside the gadget
    holding: IntArray  # ``_holding``
    first: IntArray  # first copy node; −1 outside the gadget


def prepare(certificate: Certificate, gadget: Gadget, people: int) -> _Prepared:
    fresh = max(gadget.duals, default=-1) + 1
    node_duals = certificate.vertex_duals(fresh + 1)
    least = np.zeros(people, dtype=np.int64)
    first = np.full(people, -1, dtype=np.int64)
    if gadget.copies:
        persons = np.array(list(gadget.copies), dtype=np.int64)
        # A person's copies are consecutive nodes.
        starts = np.array([cs[0] for cs in gadget.copies.values()], dtype=np.int64)
        count = np.array([len(cs) for cs in gadget.copies.values()], dtype=np.int64)
        smallest = node_duals[starts]
        for j in range(1, int(count.max())):
            has = count > j
            smallest[has] = np.minimum(smallest[has], node_duals[starts[has] + j])
        least[persons] = smallest
        first[persons] = starts
    return _Prepared(fresh, node_duals, least, _holding(certificate, gadget, people), first)


def extend(gadget: Gadget, answer: Answer, capacity: IntArray,
           pairs: list[tuple[int, int, int]]) -> tuple[Gadget, dict[int, int], list[Pair]]:
    """The gadget with ``pairs`` added, and the start that continues ``answer`` on it: its
    matching and vertex duals (scale ``answer.certificate.factor``), its blossoms kept by
    ``warm_solve(resume=…)``. Every added pair goes through the gadget (``e_a``, ``e_b``,
    in no blossom; a person new to the gadget gets copies of dual 0, in no blossom):
    ``D_a = max(0, f·w − min_i d(a_i))`` keeps every ``a_i e_a`` feasible,
    ``D_b = max(0, f·w − min_j d(b_j), f·w − D_a)`` every ``b_j e_b`` and ``e_a e_b``; when
    ``D_a + D_b = f·w`` the pair ``e_a e_b`` joins the start, otherwise the new nodes of
    positive dual are roots — one or two per pair the answer's certificate refused."""
    certificate = answer.certificate
    factor = certificate.factor
    duals = dict(certificate.dualvar)
    copies = {p: list(cs) for p, cs in gadget.copies.items()}
    owner = dict(gadget.owner)
    sides = dict(gadget.sides)
    edges = list(gadget.edges)
    start = list(answer.pairs)
    size = max(gadget.duals, default=-1) + 1
    for a, b, w in pairs:
        for p in (a, b):
            if p not in copies:
                copies[p] = list(range(size, size + int(capacity[p])))
                for c in copies[p]:
                    owner[c] = p
                    duals[c] = 0
                size += int(capacity[p])
        fw = factor * w
        d_a = max(0, fw - min(duals[c] for c in copies[a]))
        d_b = max(0, fw - min(duals[c] for c in copies[b]), fw - d_a)
        side_a, side_b = size, size + 1
        size += 2
        sides[side_a] = (a, b)
        duals[side_a], duals[side_b] = d_a, d_b
        edges.append((side_a, side_b, w))
        edges.extend((c, side_a, w) for c in copies[a])
        edges.extend((c, side_b, w) for c in copies[b])
        if d_a + d_b == fw:
            start.append((side_a, side_b))
    return Gadget(edges, duals, [], copies, owner, sides), duals, start


def extends(certificate: Certificate, gadget: Gadget, capacity: IntArray, doubled: IntArray,
            u: IntArray, v: IntArray, w: IntArray, prepared: _Prepared | None = None
            ) -> npt.NDArray[np.bool_]:
    """Which pairs ``(u, v, w)`` outside the gadget keep its answer's certificate feasible
    (module docstring); the others must join the gadget. ``prepared``: ``prepare`` of this
    certificate and gadget (computed here when not given)."""
    if prepared is None:
        prepared = prepare(certificate, gadget, capacity.size)
    fresh, node_duals, least = prepared.fresh, prepared.node_duals, prepared.least
    ok = np.ones(u.size, dtype=bool)
    kind = ((capacity[u] > 1) & (capacity[v] > 1)) | (doubled[u] + doubled[v] < 2 * w)
    if kind.any():
        holding = prepared.holding
        ku, kv, fw = u[kind], v[kind], certificate.factor * w[kind]
        shared = certificate.within(certificate.common(holding[ku], holding[kv]), fw // 2)
        ok[kind] = least[ku] + least[kv] + 2 * shared >= fw
    direct = np.nonzero(~kind)[0]
    if direct.size:
        # Every copy pair (one end has capacity 1: at most three pairs), in numpy; a person
        # outside the gadget gets fresh nodes (dual 0, in no blossom).
        first = prepared.first
        one = np.where(capacity[u[direct]] == 1, u[direct], v[direct])
        many = np.where(capacity[u[direct]] == 1, v[direct], u[direct])
        serial = np.arange(direct.size, dtype=np.int64)
        x = np.where(first[one] >= 0, first[one], fresh + 2 * serial)
        worst = np.full(direct.size, np.iinfo(np.int64).max, dtype=np.int64)
        top = int(fresh + 2 * direct.size + 1)
        duals = np.zeros(max(top, node_duals.size), dtype=np.int64)
        duals[: node_duals.size] = node_duals
        for j in range(int(capacity[many].max(initial=1))):
            has = capacity[many] > j
            y = np.where(first[many] >= 0, first[many] + j, fresh + 2 * serial + 1)
            slack = certificate.slacks(x[has], y[has], w[direct][has], duals)
            worst[has] = np.minimum(worst[has], slack)
        ok[direct] = worst >= 0
    return ok


def _holding(certificate: Certificate, gadget: Gadget, people: int) -> IntArray:
    """Per person, the forest index (``Certificate``) of the smallest blossom holding all
    its copies (its copy itself for capacity 1); −1 when none does or it is not in the
    gadget."""
    holding = np.full(people, -1, dtype=np.int64)
    if not gadget.copies:
        return holding
    persons = np.array(list(gadget.copies), dtype=np.int64)
    first = np.array([cs[0] for cs in gadget.copies.values()], dtype=np.int64)
    count = np.array([len(cs) for cs in gadget.copies.values()], dtype=np.int64)
    lowest = certificate.index(first)
    for j in range(1, int(count.max())):
        has = count > j
        # A person's copies are consecutive nodes.
        lowest[has] = certificate.common(lowest[has], certificate.index(first[has] + j))
    holding[persons] = lowest
    return holding


def warm_b_close(matching: dict[Pair, int], capacity: IntArray, doubled: IntArray,
                 near: tuple[IntArray, IntArray, IntArray, IntArray], bound: int,
                 near_limit: int, out_of_time: Callable[[], bool], max_edges: int,
                 stats: dict[str, float | int | str], resume_roots: int | None = None
                 ) -> tuple[dict[Pair, int], bool]:
    """The stage on one group (module docstring): the best b-matching found and whether it
    is proven optimal for the group. ``resume_roots``: the most roots with which a round
    may continue the last answer instead of solving from ``Y`` again (None: as many as the
    last solve from ``Y`` took stages; −1: never). ``near`` holds every pair with ``r < near_limit``
    (``2r = Y_a + Y_b − 2w``, negative on pairs the dual violates). Raises what
    ``warm_solve`` raises but ``OutOfTime`` (``WarmStartError``, ``ArithmeticError``: bugs)."""
    u, v, w, doubled_r = near
    cold_stages = 0  # stages of the last solve from the LP's Y
    chosen = doubled_r < 2
    total = sum(matching.values())
    order: IntArray | None = None
    resume: tuple[Gadget, dict[int, int], list[Pair]] | None = None
    answer: Answer | None = None
    while not out_of_time():
        # About four gadget edges a pair: a set that cannot fit is not even built. Measured:
        # 1,000 people with capacities 1–3 need 61 added pairs (of 366,000 below the gap);
        # on 2,000 (seed 1) the first solve's dual violates 32,225 (143,969 before pairs
        # could share the answer's blossoms), and two rounds of 1,000 prove the optimum
        # (docs/matching.md, 3.6d).
        if (int(chosen.sum()) + len(matching)) * 4 > max_edges:
            stats["warm_gadget_too_large"] = int(stats.get("warm_gadget_too_large", 0)) + 1
            break
        if resume is None:
            lookup = dict(zip(zip(u[chosen].tolist(), v[chosen].tolist(), strict=True),
                              w[chosen].tolist(), strict=True))
            lookup.update(matching)
            gadget = build(lookup, capacity, doubled, matching)
            duals, start, previous = gadget.duals, gadget.start, None
        else:
            gadget, duals, start = resume
            assert answer is not None  # a resume continues the last answer
            previous = answer.certificate
        if len(gadget.edges) > max_edges:
            break
        try:
            answer = warm_solve(gadget.edges, duals, start, out_of_time, resume=previous)
        except OutOfTime:
            break  # the best b-matching so far (each was certified on its gadget) stands
        if previous is not None:
            stats["warm_resumed"] = int(stats.get("warm_resumed", 0)) + 1
        else:
            cold_stages = answer.stages
        stats["warm_stages"] = int(stats.get("warm_stages", 0)) + answer.stages
        stats["warm_solves"] = int(stats.get("warm_solves", 0)) + 1
        found = {pair: lookup[pair] for pair in gadget.pairs(answer.pairs)}
        if sum(found.values()) > total:
            matching, total = found, sum(found.values())
        gap = bound - total
        if gap <= 0:
            return matching, True
        limit = min(gap, near_limit)
        if order is None:  # every pair by r, least first (ties by index), sorted once
            order = np.argsort(doubled_r, kind="stable")
        check = order[(doubled_r[order] < 2 * limit) & ~chosen[order]]
        prepared = prepare(answer.certificate, gadget, capacity.size)
        # Checked batch by batch, least r first, until ``ADD_PER_ROUND`` violated pairs are
        # found: only those join the next gadget (docs/matching.md, 3.6d: adding every
        # violated pair makes a gadget eight times larger, whose solve costs more than
        # two rounds of a thousand), and the rest need no check this round.
        found_bad: list[IntArray] = []
        count = 0
        checked = 0
        while checked < check.size and count < ADD_PER_ROUND:
            if out_of_time():
                return matching, False  # not every pair was checked: nothing is proven
            part = check[checked:checked + CHECK_BATCH]
            bad = part[~extends(answer.certificate, gadget, capacity, doubled, u[part],
                                v[part], w[part], prepared)]
            found_bad.append(bad)
            count += bad.size
            checked += part.size
        if count == 0:
            return matching, gap <= limit
        added = np.concatenate(found_bad)[:ADD_PER_ROUND]
        if added.size > max_edges // 4 - int(chosen.sum()) - len(matching):
            # The next gadget would not fit: the best answer found stands (each certified
            # on its gadget). At least this many violated pairs.
            stats["warm_gadget_too_large"] = int(stats.get("warm_gadget_too_large", 0)) + 1
            stats["warm_gadget_violated"] = count
            break
        stats["warm_added_pairs"] = int(stats.get("warm_added_pairs", 0)) + int(added.size)
        chosen[added] = True
        # Continue the answer (its matching, duals and blossoms) when it starts with fewer
        # roots than the last solve from Y took stages: each root costs about a stage, and
        # a stage of the continued solve is no dearer (2,000 people, capacities 1–3, seed 2:
        # 64 and 38 stages instead of 111 and 127 — docs/matching.md, 3.6d; seed 1 adds
        # 1,000 pairs a round, and continuing took 1,002 stages, 16 s, instead of 91, 3 s).
        # Continued, the gadget keeps every pair it had (the pairs of an answer since
        # replaced too, and those a check refused though they are in it: the refusal is only
        # ``extends``' sufficient rule; they are not added twice).
        fresh_pairs = [(a, b, x) for a, b, x in zip(u[added].tolist(), v[added].tolist(),
                                                    w[added].tolist(), strict=True)
                       if (a, b) not in lookup]
        resume = extend(gadget, answer, capacity, fresh_pairs)
        matched = {x for pair in resume[2] for x in pair}
        roots = sum(1 for x, d in resume[1].items()
                    if d > 0 and x not in gadget.duals and x not in matched)
        if roots > (cold_stages if resume_roots is None else resume_roots):
            resume = None
        else:
            lookup.update({(a, b): x for a, b, x in fresh_pairs})
    return matching, False
