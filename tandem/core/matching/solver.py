"""The solver: a maximum-weight b-matching of the candidate graph, with a certificate.

Phases (docs/matching.md, «Решатель», has the reasoning), for each chunk of scope groups
of about ``CHUNK_PEOPLE`` people on its own (groups share no pair; ``_chunks``):

1. *Locked pairs* are taken first; they use up capacity and leave the free problem.
2. *Relaxation with pricing.* An assignment on node copies is solved on a sparse set of
   edges (``_initial_edges``; ``_warm_edges`` when a previous run's duals are given as a
   hint, docs/matching.md 3.8), its dual ``y`` is checked against every
   candidate pair; the pairs with ``y_a + y_b < w_ab`` join the set and the assignment is
   solved again, until none is left (then ``Σ c_p·y_p`` bounds the whole instance) or time
   runs out (then ``y`` is raised until it is feasible: still a bound, a looser one).
2a. *b-matching LP* (chunks with capacities above 1 and a gap left, ``_capacity_lp``):
   HiGHS's dual of the LP with ``x ≤ 1`` becomes an integer ``Y`` whose bound, slack of
   violated pairs included, is recomputed exactly over all pairs; a MILP on its tight
   pairs replaces the rounding when heavier.
3. *Rounding.* The assignment's 2-cycles are pairs; even cycles split into alternate
   edges; odd cycles lose their cheapest vertex; people with capacity left are matched
   exactly among themselves.
4. *Proof.* With reduced costs ``r_ab = y_a + y_b − w_ab ≥ 0`` the gap of any matching ``M``
   is ``Σ_p (c_p − deg_M p)·y_p + Σ_{ab∈M} r_ab``. A matching better than ours has a smaller
   gap, so all its edges have ``r < gap``: an exact blossom solve on those few edges
   either improves ours or proves it optimal.

Everything runs on canonical indices (participants sorted by id), with ties broken by
the lowest index, so the same instance gives the same pairs whatever its input order.
"""

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tandem.core.matching.exact import gadget_size, max_weight_b_matching
from tandem.core.matching.graph import (
    Block,
    Features,
    Progress,
    excluded_pairs,
    features,
    scope_groups,
    weight_blocks,
)
from tandem.core.matching.instance import Instance, max_pair_weight
from tandem.core.matching.milp import max_weight_b_matching_milp
from tandem.core.matching.relaxation import Copies, IntArray, solve_relaxation
from tandem.core.matching.scoring import benefit, pair_weight

logger = logging.getLogger(__name__)

INITIAL_K = 24
DENSE_GROUP = 700
ADDED_PER_ROW = 16
MAX_PRICING_ROUNDS = 30
CACHE_ELEMENTS = 300_000_000
NEAR_EDGE_LIMIT = 2_000_000
EXACT_WORK = 100_000_000  # nodes × edges of one blossom solve: about a second here
MILP_SECONDS = 10.0  # the whole run's budget for the MILP stage (less if --time-limit is)
MILP_MAX_EDGES = 400_000  # larger near-tight sets are left to the honest gap
CHUNK_PEOPLE = 2_000  # scope groups are solved in chunks of about this many people
WARM_K = 8  # edges per person in a warm start's first assignment (``_warm_edges``)
WARM_ROUNDS = 3  # pricing rounds after which a warm start also takes the cold edges
# The odd-set stage (oddsets.py) for capacity-1 chunks with a gap left: off by default, as
# on the single pool of 10,000 its cut loop does not converge in time (docs/performance.md,
# issue #18); ODD_SECONDS is its budget per chunk.
ODD_SETS = False
ODD_SECONDS = 10.0
# The warm blossom stage (blossom.py) for capacity-1 groups the exact stage left with a
# gap: its budget per group and the most pairs it takes (beyond, the gap stays honest).
WARM_BLOSSOM = True
WARM_SECONDS = 60.0  # CPU seconds of the engine's thread for the whole run
WARM_MAX_EDGES = 600_000
# Rows of a weight block handled at once by a pricing pass: about a megabyte, so that its
# few passes over the slice stay in the processor's cache.
_SLICE_ELEMENTS = 1 << 19


@dataclass(frozen=True, slots=True)
class Solution:
    """Pairs as canonical index pairs ``(a, b)``, ``a < b``, sorted; weights are integers."""

    pairs: tuple[tuple[int, int], ...]
    weights: tuple[int, ...]
    locked: frozenset[tuple[int, int]]
    total_weight: int
    upper_bound: int
    bound: str
    proved_by: str = "none"
    stats: dict[str, float | int | str] = field(default_factory=dict)
    # Y = 2y per canonical index behind ``upper_bound`` (0 where no free capacity is left):
    # the next run's warm start (``warm.py``).
    duals: tuple[int, ...] = ()

    @property
    def gap(self) -> int:
        return self.upper_bound - self.total_weight

    @property
    def optimal(self) -> bool:
        return self.gap == 0


class _Clock:
    def __init__(self, limit: float | None) -> None:
        self.started = time.perf_counter()
        self.limit = limit
        self.marks: dict[str, float] = {}
        self.milp_seconds = 0.0  # the whole run's MILP stage, against MILP_SECONDS
        self.warm_seconds = 0.0  # the whole run's warm blossom stage, against WARM_SECONDS

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def left(self) -> float:
        return float("inf") if self.limit is None else self.limit - self.elapsed()

    def mark(self, name: str) -> None:
        self.marks[f"time_{name}"] = round(self.elapsed(), 4)


@dataclass(slots=True)
class _EdgeSet:
    """Edges ``a < b`` kept sorted by ``a·n + b``, with weights."""

    n: int
    keys: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    w: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def add(self, a: IntArray, b: IntArray, w: IntArray) -> int:
        """Adds edges (either orientation); returns how many were new. O((E + K) log).

        Callers collect a whole pass and add it once: adding per scope group made
        region-wide runs quadratic in the number of groups (issue #18, finding 4)."""
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keys = np.concatenate([self.keys, lo * self.n + hi])
        weights = np.concatenate([self.w, w.astype(np.int64)])
        keys, first = np.unique(keys, return_index=True)
        before = self.keys.size
        self.keys, self.w = keys, weights[first]
        return int(keys.size - before)

    @property
    def u(self) -> IntArray:
        return self.keys // self.n

    @property
    def v(self) -> IntArray:
        return self.keys % self.n

    def weight_of(self, a: IntArray, b: IntArray) -> IntArray:
        at = np.searchsorted(self.keys, np.minimum(a, b) * self.n + np.maximum(a, b))
        return self.w[at]


class _Blocks:
    """The candidate weights of the free problem, row block by row block.

    The first pass computes them (``graph.weight_blocks``); later passes reuse a compact
    copy when it fits in ``CACHE_ELEMENTS`` (2 bytes per pair for ordinary weights).
    """

    def __init__(self, instance: Instance, f: Features, active: npt.NDArray[np.bool_],
                 excluded: set[tuple[int, int]], progress: Progress | None,
                 groups: list[IntArray]) -> None:
        self.instance, self.f, self.active, self.excluded = instance, f, active, excluded
        self.progress, self.groups = progress, groups
        sizes = [int(active[g].sum()) for g in groups]
        self.cacheable = sum(s * s for s in sizes) <= CACHE_ELEMENTS
        self.cache: list[Block] | None = None
        # Any candidate weight is at most this (instance.max_pair_weight): the integer
        # type of every pass below is chosen from it, never assumed (finding 2).
        self.top = max_pair_weight(len(instance.competencies), instance.weights)
        self.work: type[np.signedinteger] = _int_type(4 * self.top)

    def __iter__(self) -> Iterator[Block]:
        if self.cache is not None:
            yield from self.cache
            return
        cache: list[Block] = []
        for block in weight_blocks(self.instance, self.f, active=self.active,
                                   excluded=self.excluded, progress=self.progress,
                                   label="candidates", groups=self.groups):
            if self.cacheable:
                # The first pass sees the compact copy too: the same types on every pass,
                # and integer work on 2 bytes per pair rather than on floats.
                top = float(block.weight.max(initial=0))
                dtype = (np.uint16 if top < 2**16 else np.uint32 if top < 2**32
                         else np.int64)
                block = Block(block.rows, block.cols, block.weight.astype(dtype))
                cache.append(block)
            yield block
        if self.cacheable:
            self.cache = cache


def solve(instance: Instance, *, time_limit: float | None = None,
          progress: Progress | None = None, f: Features | None = None,
          hint: IntArray | None = None) -> Solution:
    """A maximum-weight valid set of pairs, with an upper bound (see the module docstring).

    ``hint``: a guess of ``Y = 2y`` per canonical index (a previous run's duals,
    ``warm.py``); it only chooses the first edge set (``_warm_edges``), the proof is the
    cold run's.

    Time: O(Σ_g |g|²·C + R·Σ_g |g|²) for R pricing rounds (1–6 in practice) over scope
    groups g, plus the sparse assignments and the exact solves on the near-tight edges.
    Memory: O(N·k) for the relaxation plus the weight cache, 2 bytes per candidate pair
    while Σ_g |g|² ≤ ``CACHE_ELEMENTS`` (weights are recomputed each round beyond it).
    """
    clock = _Clock(time_limit)
    f = f if f is not None else features(instance)
    n = len(instance.participants)
    index = instance.index()
    locked = frozenset((min(index[a], index[b]), max(index[a], index[b]))
                       for a, b in instance.constraints.locked)
    locked_weights = {pair: _weight(instance, *pair) for pair in locked}
    capacity = np.array([p.capacity for p in instance.participants], dtype=np.int64)
    for a, b in locked:
        capacity[a] -= 1
        capacity[b] -= 1
    free = _solve_free(instance, f, capacity, excluded_pairs(instance) | set(locked),
                       clock, progress, hint)
    pairs = sorted(set(free.pairs) | locked)
    weights = tuple(locked_weights[p] if p in locked else free.weights[p] for p in pairs)
    locked_total = sum(locked_weights.values())
    clock.mark("total")
    return Solution(pairs=tuple(pairs), weights=weights, locked=locked,
                    total_weight=free.total + locked_total,
                    upper_bound=free.upper_bound + locked_total, bound=free.bound,
                    proved_by=free.proved_by,
                    stats={**free.stats, **clock.marks, "participants": n},
                    duals=tuple(free.duals.tolist()))


def _weight(instance: Instance, a: int, b: int) -> int:
    pa, pb = instance.participants[a], instance.participants[b]
    return pair_weight(benefit(pa, pb, instance), benefit(pb, pa, instance), instance.weights)


Near = tuple[IntArray, IntArray, IntArray, IntArray]  # u, v, w, 2·r of near-tight pairs


@dataclass(slots=True)
class _Free:
    pairs: list[tuple[int, int]]
    weights: dict[tuple[int, int], int]
    total: int
    upper_bound: int
    bound: str
    proved_by: str
    stats: dict[str, float | int | str]
    duals: IntArray


@dataclass(slots=True)
class _Pricing:
    violated: int = 0
    added: int = 0
    raise_by: IntArray | None = None
    near_u: list[IntArray] = field(default_factory=list)
    near_v: list[IntArray] = field(default_factory=list)
    near_w: list[IntArray] = field(default_factory=list)
    near_r: list[IntArray] = field(default_factory=list)
    near_count: int = 0
    near_limit: int = 0  # every pair with r < near_limit is kept (0: none)


def _chunks(groups: list[IntArray]) -> list[list[IntArray]]:
    """Consecutive scope groups gathered until a chunk holds ``CHUNK_PEOPLE`` people.

    Scope groups share no candidate pair, so each chunk is a problem of its own, with its
    own relaxation, pricing rounds and proof. Solved all at once, every pass went over all
    groups as many times as the slowest group needed and the dual's Bellman–Ford rounds
    over all copies: 40,000 people in 800 organizations took 5.5 times as long as 10,000
    in 200 (issue #18, item 6). In chunks the work is linear in the number of groups.
    """
    chunks: list[list[IntArray]] = []
    size = 0
    for group in groups:
        if not chunks or size >= CHUNK_PEOPLE:
            chunks.append([])
            size = 0
        chunks[-1].append(group)
        size += int(group.size)
    return chunks


_BOUND_ORDER = ("relaxation", "relaxation + exact", "relaxation + milp", "odd sets",
                "b-matching lp", "b-matching lp + exact", "b-matching lp + milp",
                "relaxation, dual lifted")
_PROOF_ORDER = ("relaxation", "exact", "warm blossom", "milp", "odd sets", "none")


def _solve_free(instance: Instance, f: Features, capacity: IntArray,
                excluded: set[tuple[int, int]], clock: _Clock,
                progress: Progress | None, hint: IntArray | None = None) -> _Free:
    """The free problem chunk by chunk (``_chunks``); the chunks' answers add up: pairs,
    weights and bounds are sums, the weakest chunk names the bound and the proof."""
    active = capacity > 0
    groups = [g[active[g]] for g in scope_groups(instance) if active[g].any()]
    parts = [_solve_chunk(instance, f, capacity, excluded, clock, progress, chunk, hint)
             for chunk in _chunks(groups)]
    if not parts:
        parts = [_solve_chunk(instance, f, capacity, excluded, clock, progress, [])]
    weights: dict[tuple[int, int], int] = {}
    numbers: dict[str, float] = {}
    for part in parts:
        weights.update(part.weights)
        for key, value in part.stats.items():
            if isinstance(value, str):
                continue
            if key in ("pricing_rounds", "dual_rounds"):
                numbers[key] = max(numbers.get(key, 0), value)
            elif key == "near_limit":
                numbers[key] = min(numbers.get(key, value), value)
            else:
                numbers[key] = numbers.get(key, 0) + value
    stats: dict[str, float | int | str] = dict(numbers)
    stats["chunks"] = len(parts)
    for key in ("milp_seconds", "time_initial_edges", "time_relaxation", "time_proof"):
        if key in stats:
            stats[key] = round(float(stats[key]), 4)
    return _Free(pairs=sorted(weights), weights=weights, total=sum(p.total for p in parts),
                 upper_bound=sum(p.upper_bound for p in parts),
                 bound=max((p.bound for p in parts), key=_BOUND_ORDER.index),
                 proved_by=max((p.proved_by for p in parts), key=_PROOF_ORDER.index),
                 stats=stats, duals=sum((p.duals for p in parts),
                                        np.zeros(capacity.size, dtype=np.int64)))


def _solve_chunk(instance: Instance, f: Features, capacity: IntArray,
                 excluded: set[tuple[int, int]], clock: _Clock,
                 progress: Progress | None, groups: list[IntArray],
                 hint: IntArray | None = None) -> _Free:
    n = capacity.size
    active = np.zeros(n, dtype=bool)
    for group in groups:
        active[group] = True
    copies = Copies.of(np.where(active, capacity, 0))
    blocks = _Blocks(instance, f, active, excluded, progress, groups)
    edges = _EdgeSet(n)
    started = clock.elapsed()
    if hint is None:
        candidates = _initial_edges(blocks, edges)
    else:
        candidates = _warm_edges(blocks, edges, hint)
    stats: dict[str, float | int | str] = {"candidates": candidates}
    stats["time_initial_edges"] = after_edges = clock.elapsed() - started
    rounds = 0
    relaxation = None
    while True:
        rounds += 1
        relaxation = solve_relaxation(copies, edges.u, edges.v, edges.w, n, start=relaxation)
        doubled = relaxation.doubled_dual
        matching = _round(copies, relaxation.sigma, edges)
        sparse_bound = int(capacity[active] @ doubled[active]) // 2
        threshold = max(sparse_bound - _total(matching), 0)
        if progress is not None:
            progress("relaxation", rounds, rounds)
        pricing = _price(blocks, doubled, edges, threshold,
                         add=rounds < MAX_PRICING_ROUNDS and clock.left() > 0)
        if hint is not None and rounds == WARM_ROUNDS and pricing.violated and clock.left() > 0:
            # The hint is far off (a changed pool, a forged file): the cold start's edges
            # too, so a warm start never needs more rounds than about a cold one.
            before = edges.keys.size
            _initial_edges(blocks, edges)
            pricing.added += int(edges.keys.size - before)
            stats["warm_fallback"] = 1
        if pricing.violated == 0 or pricing.added == 0 or clock.left() <= 0:
            break
    stats["time_relaxation"] = after_relaxation = clock.elapsed() - started - after_edges
    stats.update(relaxation_edges=int(edges.keys.size), pricing_rounds=rounds,
                 dual_rounds=relaxation.rounds)
    if pricing.violated:
        # Out of time or rounds: lift y until it is feasible for every candidate pair.
        assert pricing.raise_by is not None
        doubled = doubled + (pricing.raise_by + 1) // 2
        bound_kind = "relaxation, dual lifted"
    else:
        bound_kind = "relaxation"
    slack = np.zeros(n, dtype=np.int64)
    if (not pricing.violated and threshold > 0 and clock.left() > 0
            and bool((capacity[active] > 1).any())):
        tighter = _capacity_lp(blocks, capacity, edges, matching, threshold, clock, stats)
        if tighter is not None:
            doubled, slack, pricing, matching = tighter
            bound_kind = "b-matching lp"
    near = _near_edges(pricing)
    closed = _close_gaps(groups, matching, capacity, doubled, edges, near,
                         near_limit=0 if pricing.violated else pricing.near_limit, clock=clock,
                         stats=stats, slack=slack)
    odd_proven = False
    if (ODD_SETS and closed.upper > closed.total and clock.left() > 0
            and bool((capacity[active] == 1).all())):
        odd_proven = _odd_sets_close(blocks, capacity, doubled, edges, near, closed, clock,
                                     stats)
    stats["time_proof"] = clock.elapsed() - started - after_edges - after_relaxation
    if odd_proven:
        bound_kind = "odd sets" if bound_kind == "relaxation" else bound_kind
    elif bound_kind != "relaxation, dual lifted":
        if closed.milp_used:
            bound_kind += " + milp"
        elif closed.exact_used and closed.upper == closed.total:
            bound_kind += " + exact"
    if closed.upper != closed.total:
        proved_by = "none"
    elif odd_proven:
        proved_by = "odd sets"
    elif closed.proven_by_milp:
        proved_by = "milp"
    elif closed.proven_by_warm or closed.proven_by_warm_gadget:
        proved_by = "warm blossom"
    elif closed.proven_groups:
        proved_by = "exact"
    else:
        proved_by = "relaxation"
    stats.update(near_edges=int(near[0].size), near_limit=pricing.near_limit,
                 relaxation_bound=closed.relaxation_bound, rounded_weight=closed.rounded,
                 groups=len(groups), groups_proven_by_exact=closed.proven_groups,
                 groups_proven_by_milp=closed.proven_by_milp,
                 groups_proven_by_warm_blossom=closed.proven_by_warm,
                 groups_proven_by_warm_gadget=closed.proven_by_warm_gadget,
                 milp_seconds=round(closed.milp_seconds, 4))
    return _Free(pairs=sorted(closed.matching), weights=closed.matching, total=closed.total,
                 upper_bound=closed.upper, bound=bound_kind, proved_by=proved_by, stats=stats,
                 duals=np.where(active, doubled, 0).astype(np.int64))


def _odd_sets_close(blocks: _Blocks, capacity: IntArray, doubled: IntArray, edges: _EdgeSet,
                    near: Near, closed: "_Closed", clock: _Clock,
                    stats: dict[str, float | int | str]) -> bool:
    """The odd-set stage (oddsets.py, docs/matching.md 3.5b) on a capacity-1 chunk whose gap
    is left: its exact bound ``⌊U(y, z)⌋`` (the smaller of the two bounds is kept), a
    heavier matching if its LP found one, then the exact stage on the pairs with reduced
    cost below the new gap. Updates ``closed``; returns whether the chunk is now proven."""
    from tandem.core.matching.oddsets import odd_set_stage

    reduced = doubled[edges.u] + doubled[edges.v] - 2 * edges.w
    tight = reduced < 2
    near_tight = near[3] < 2
    start = (np.concatenate([edges.u[tight], near[0][near_tight]]),
             np.concatenate([edges.v[tight], near[1][near_tight]]),
             np.concatenate([edges.w[tight], near[2][near_tight]]))
    deadline = clock.elapsed() + min(ODD_SECONDS, clock.left())
    answer = odd_set_stage(blocks, capacity.size, blocks.top, start, closed.matching,
                           lambda: deadline - clock.elapsed(), stats)
    if answer is None:
        return False
    matching = closed.matching
    if _total(answer.matching) > _total(matching):
        matching = answer.matching
    upper = min(closed.upper, answer.upper)
    gap = upper - _total(matching)
    if gap > 0 and answer.near_limit > 0 and clock.left() > 0:
        matching, proven, _exhausted = _prove(matching, capacity, answer.near, gap,
                                              answer.near_limit, clock, stats)
        if proven:
            upper = _total(matching)
    closed.matching, closed.total = matching, _total(matching)
    closed.upper = max(upper, closed.total)
    return closed.upper == closed.total


@dataclass(slots=True)
class _Closed:
    matching: dict[tuple[int, int], int]
    total: int
    upper: int
    relaxation_bound: int
    rounded: int
    proven_groups: int
    exact_used: bool
    milp_used: bool = False
    proven_by_milp: int = 0
    milp_seconds: float = 0.0
    proven_by_warm: int = 0
    proven_by_warm_gadget: int = 0


def _close_gaps(groups: list[IntArray], matching: dict[tuple[int, int], int],
                capacity: IntArray, doubled: IntArray, edges: _EdgeSet, near: Near, *,
                near_limit: int, clock: _Clock, stats: dict[str, float | int | str],
                slack: IntArray) -> _Closed:
    """Fills and proves group by group: scope groups share no edge, so each has its own
    bound ``⌊(Σ_g c_p·Y_p + Σ_g Z_p) / 2⌋`` and its own gap, and the exact solves stay
    small. ``slack`` (``Z``) is zero unless the b-matching LP stage gave the dual."""
    n = capacity.size
    group_of = np.full(n, -1, dtype=np.int64)
    for k, group in enumerate(groups):
        group_of[group] = k
    by_group_edges = _slices(group_of, edges.u, (edges.u, edges.v, edges.w), len(groups))
    by_group_near = _slices(group_of, near[0], near, len(groups))
    by_group_pairs: list[dict[tuple[int, int], int]] = [{} for _ in groups]
    for pair, weight in matching.items():
        by_group_pairs[group_of[pair[0]]][pair] = weight
    result = _Closed({}, 0, 0, 0, 0, 0, False)
    for k, group in enumerate(groups):
        u, v, w = by_group_edges[k]
        g_near = by_group_near[k]
        part = _fill(by_group_pairs[k], capacity, (u, v, w), (g_near[0], g_near[1], g_near[2]),
                     clock)
        bound = (int(capacity[group] @ doubled[group]) + int(slack[group].sum())) // 2
        result.relaxation_bound += bound
        result.rounded += _total(part)
        gap = bound - _total(part)
        if gap > 0 and near_limit > 0:
            part, proven, exhausted = _prove(
                part, capacity, (g_near[0], g_near[1], g_near[2], g_near[3]), gap, near_limit,
                clock, stats)
            result.exact_used = True
            if proven:
                bound = _total(part)
                result.proven_groups += 1
            elif (WARM_BLOSSOM and not exhausted and bool((capacity[group] == 1).all())
                  and int(slack[group].sum()) == 0):
                part, proven = _warm_close(part, doubled, (g_near[0], g_near[1], g_near[2],
                                                           g_near[3]), bound, near_limit,
                                           clock, stats)
                if proven:
                    bound = _total(part)
                    result.proven_by_warm += 1
            elif WARM_BLOSSOM and not exhausted:
                part, proven = _warm_gadget_close(part, capacity, doubled, (
                    g_near[0], g_near[1], g_near[2], g_near[3]), bound, near_limit, clock,
                    stats)
                if proven:
                    bound = _total(part)
                    result.proven_by_warm_gadget += 1
            if not proven and bound - _total(part) <= near_limit and bound > _total(part):
                near_k = (g_near[0], g_near[1], g_near[2], g_near[3])
                part, bound = _milp_close(part, capacity, near_k, bound, clock, result)
        result.matching.update(part)
        result.total += _total(part)
        result.upper += max(bound, _total(part))
    return result


def _warm_close(matching: dict[tuple[int, int], int], doubled: IntArray, near: Near,
                bound: int, near_limit: int, clock: _Clock,
                stats: dict[str, float | int | str]) -> tuple[dict[tuple[int, int], int], bool]:
    """The warm blossom stage on one capacity-1 group (docs/matching.md, 3.5c).

    Edmonds' algorithm started from the relaxation's dual ``Y`` and our tight pairs solves
    on a set ``E`` of pairs: our own and the tight ones (``r < 1``) first. Its answer comes
    with a dual (``blossom.Certificate``) feasible on ``E``; every pair with ``r < t``
    (``t`` = the gap left, at most ``near_limit``: ``near`` holds every pair below it) is
    checked against that dual, and the violated ones join ``E`` for the next solve (column
    generation). Once none is violated the answer is optimal on all pairs with ``r < t``
    — the dual is feasible there, the answer tight — and then optimal for the whole group
    as soon as the gap left is at most ``t``: a better matching would use only pairs with
    ``r < gap`` (reduced-cost fixing, the argument of ``_prove``). This replaces solving
    once more on all the pairs below ``t`` (10,000 people: 176,362 pairs, 16 s of CPU).

    Stops once the run's stage has used ``WARM_SECONDS`` of CPU or past the time limit, or
    when ``E`` would exceed ``WARM_MAX_EDGES``. A failure inside the stage (a start it
    refuses, a certificate that does not check) is a bug, never an answer: the group keeps
    its matching and its honest gap, ``stats["warm_failures"]`` counts it and the log
    names it."""
    from tandem.core.matching.blossom import OutOfTime, WarmStartError, warm_solve

    u, v, w, doubled_r = near
    # CPU seconds of the engine's own thread (the stage's answer should not depend on other
    # processes' or threads' load), for the whole run; the run's time limit in wall seconds
    # as everywhere else.
    cpu_started = time.thread_time()
    cpu_deadline = cpu_started + WARM_SECONDS - clock.warm_seconds

    def out_of_time() -> bool:
        return time.thread_time() > cpu_deadline or clock.left() <= 0

    chosen = doubled_r < 2  # the tight pairs (r < 1) first
    solves = 0
    proven = False
    while not out_of_time():
        if int(chosen.sum()) + len(matching) > WARM_MAX_EDGES:
            break
        lookup = dict(zip(zip(u[chosen].tolist(), v[chosen].tolist(), strict=True),
                          w[chosen].tolist(), strict=True))
        lookup.update(matching)
        triples = [(a, b, x) for (a, b), x in sorted(lookup.items())]
        ends = {x for pair in lookup for x in pair}
        duals = {x: int(doubled[x]) for x in ends}
        start = [pair for pair, x in sorted(matching.items())
                 if duals[pair[0]] + duals[pair[1]] == 2 * x]
        try:
            answer = warm_solve(triples, duals, start, out_of_time)
        except OutOfTime:
            break
        except (WarmStartError, ArithmeticError, AssertionError) as error:
            stats["warm_failures"] = int(stats.get("warm_failures", 0)) + 1
            logger.error("warm blossom stage failed, the gap stays open: %r", error)
            break
        solves += 1
        stats["warm_stages"] = int(stats.get("warm_stages", 0)) + answer.stages
        candidate = {pair: lookup[pair] for pair in answer.pairs}
        if _total(candidate) > _total(matching):
            matching = candidate
        gap = bound - _total(matching)
        if gap <= 0:
            proven = True
            break
        limit = min(gap, near_limit)
        below = doubled_r < 2 * limit
        bad = np.zeros(u.size, dtype=bool)
        bad[below] = answer.certificate.violated(u[below], v[below], w[below],
                                                 answer.certificate.vertex_duals(
                                                     doubled.size))
        bad &= ~chosen
        stats["warm_added_pairs"] = int(stats.get("warm_added_pairs", 0)) + int(bad.sum())
        if not bad.any():
            # Optimal on every pair with r < limit: proven if the gap is within the limit.
            proven = gap <= limit
            break
        chosen |= bad
    stats["warm_solves"] = int(stats.get("warm_solves", 0)) + solves
    clock.warm_seconds += time.thread_time() - cpu_started
    return matching, proven


def _warm_gadget_close(matching: dict[tuple[int, int], int], capacity: IntArray,
                       doubled: IntArray, near: Near, bound: int, near_limit: int,
                       clock: _Clock, stats: dict[str, float | int | str]
                       ) -> tuple[dict[tuple[int, int], int], bool]:
    """The warm blossom stage for a group with capacities above 1 (docs/matching.md, 3.6d;
    ``gadget.py``): the same algorithm on the b-matching gadget, started from the LP
    stage's ``Y`` (slack included), with the same column generation over the pairs below
    the gap. Shares ``WARM_SECONDS`` with ``_warm_close``; stops when the gadget would
    exceed ``WARM_MAX_EDGES`` edges. A failure inside is a bug, never an answer, as there."""
    from tandem.core.matching.blossom import OutOfTime, WarmStartError
    from tandem.core.matching.gadget import warm_b_close

    cpu_started = time.thread_time()
    cpu_deadline = cpu_started + WARM_SECONDS - clock.warm_seconds

    def out_of_time() -> bool:
        return time.thread_time() > cpu_deadline or clock.left() <= 0

    proven = False
    try:
        matching, proven = warm_b_close(matching, capacity, doubled, near, bound, near_limit,
                                        out_of_time, WARM_MAX_EDGES, stats)
    except OutOfTime:
        pass
    except (WarmStartError, ArithmeticError, AssertionError) as error:
        stats["warm_failures"] = int(stats.get("warm_failures", 0)) + 1
        logger.error("warm blossom stage (gadget) failed, the gap stays open: %r", error)
    clock.warm_seconds += time.thread_time() - cpu_started
    return matching, proven


def _milp_close(matching: dict[tuple[int, int], int], capacity: IntArray, near: Near,
                bound: int, clock: _Clock, closed: _Closed
                ) -> tuple[dict[tuple[int, int], int], int]:
    """The MILP stage on one group: our pairs and every pair with ``r < gap`` (all that a
    better matching can use; ``near`` holds them all since ``gap ≤ near_limit``). Returns
    the best matching and the group's bound: HiGHS's integer bound where it gave one (a
    bound on that subproblem bounds the group, by the same argument as ``_prove``)."""
    budget = min(MILP_SECONDS - clock.milp_seconds, clock.left())
    gap = bound - _total(matching)
    # Counted in numpy first: the dictionary of 1.4 million pairs below the gap (2,000 people
    # with capacities 1–3) cost 1.4 s of CPU only to be found too large.
    if budget <= 0 or int(np.count_nonzero(near[3] < 2 * gap)) > MILP_MAX_EDGES:
        return matching, bound
    lookup, _ = _below(matching, capacity, near, gap)
    if not lookup or len(lookup) > MILP_MAX_EDGES:
        return matching, bound
    keys = sorted(lookup)
    u = np.array([a for a, _ in keys], dtype=np.int64)
    v = np.array([b for _, b in keys], dtype=np.int64)
    w = np.array([lookup[k] for k in keys], dtype=np.int64)
    answer = max_weight_b_matching_milp(u, v, w, capacity, budget)
    closed.milp_used = True
    if answer is None:
        return matching, bound
    closed.milp_seconds += answer.seconds
    clock.milp_seconds += answer.seconds
    if answer.total > _total(matching):
        matching = {(int(u[k]), int(v[k])): int(w[k]) for k in answer.chosen.tolist()}
    if answer.upper is not None:
        bound = min(bound, max(answer.upper, _total(matching)))
    if bound == _total(matching):
        closed.proven_by_milp += 1
    return matching, bound


def _capacity_lp(blocks: _Blocks, capacity: IntArray, edges: _EdgeSet,
                 matching: dict[tuple[int, int], int], threshold: int, clock: _Clock,
                 stats: dict[str, float | int | str]
                 ) -> tuple[IntArray, IntArray, "_Pricing", dict[tuple[int, int], int]] | None:
    """The b-matching stage for chunks with capacities above 1 (docs/matching.md, 3.6c).

    The copies relaxation lets two people of capacity ≥ 2 meet twice; its bound and its
    rounding are then weak (2,000 people with capacities 1–3: bound 206,206, rounding
    150,989). Here the LP ``max Σ w_e x_e, Σ_{e∋p} x_e ≤ c_p, 0 ≤ x ≤ 1`` on the
    relaxation's edges gives a new dual ``Y`` (``2y`` rounded; taken only if HiGHS's ``y``
    is half-integral to 10⁻⁶, as a basic solution of this LP is). For *any* integer
    ``Y ≥ 0``, ``(Σ c_p Y_p + Σ_e max(0, 2w_e − Y_a − Y_b)) / 2`` bounds every b-matching
    (each edge is used at most once), so one pass over all pairs, in integers, makes it a
    bound of the chunk, with no trust in HiGHS; the same pass keeps the near-tight pairs.
    The pairs the LP takes whole (``x_e = 1``; on 2,000 people with capacities 1–3 all
    but 55 of its edges are integral) replace the rounding if they are heavier; then a
    time-boxed MILP on the tight pairs (``r < 1``) does the same — unless the gadget stage
    (3.6d) will solve those pairs exactly anyway. Returns ``(Y, Z per person, pricing,
    matching)`` or None.
    """
    import scipy.optimize as so
    import scipy.sparse as sp

    u, v, w = edges.u, edges.v, edges.w
    live = (capacity[u] > 0) & (capacity[v] > 0)
    u, v, w = u[live], v[live], w[live]
    if u.size == 0:
        return None
    nodes, inverse = np.unique(np.concatenate([u, v]), return_inverse=True)
    m = u.size
    incidence = sp.csr_array((np.ones(2 * m), (inverse, np.concatenate([np.arange(m)] * 2))),
                             shape=(nodes.size, m))
    # scipy-stubs do not list sparse matrices for A_ub, which HiGHS takes as they are.
    lp = so.linprog(-w.astype(np.float64), A_ub=incidence,  # type: ignore[call-overload]
                    b_ub=capacity[nodes].astype(np.float64), bounds=(0, 1),
                    method="highs-ds",
                    options={"time_limit": max(min(clock.left(), 1e6), 0.01)})
    if lp.status != 0 or lp.ineqlin is None:
        return None
    y2 = -2 * np.asarray(lp.ineqlin.marginals, dtype=np.float64)
    rounded = np.rint(y2)
    if not np.all(np.abs(y2 - rounded) <= 1e-6):
        return None
    doubled = np.zeros(capacity.size, dtype=np.int64)
    doubled[nodes] = np.maximum(rounded, 0).astype(np.int64)
    pricing = _price_with_slack(blocks, doubled, threshold)
    assert pricing.raise_by is not None
    slack = pricing.raise_by
    stats["lp_bound"] = int(stats.get("lp_bound", 0)) + (
        int(capacity @ doubled) + int(slack.sum())) // 2
    near = _near_edges(pricing)
    found = _lp_integral_part(lp.x, u, v, w, capacity)
    if _total(found) > _total(matching):
        matching = found
    tight = near[3] < 2
    budget = min(MILP_SECONDS - clock.milp_seconds, clock.left())
    if (WARM_BLOSSOM and (int(tight.sum()) + len(matching)) * 4 <= WARM_MAX_EDGES
            and clock.limit is None
            and WARM_SECONDS - clock.warm_seconds >= max(WARM_SECONDS / 2, 1e-9)):
        # The gadget stage's first solve is a maximum b-matching of the tight pairs and
        # ours (3.6d): never lighter than this MILP's answer, and no wall-clock limit makes
        # it depend on the machine's load. The MILP would only spend its budget (10 s of
        # wall on 2,000 people with capacities 1–3) to be overtaken. Only when that solve
        # will come: no time limit, and at least half the run's warm budget left (earlier
        # groups of a region run may have spent it) — else a lighter answer than the
        # MILP's (review finding).
        budget = 0.0
        stats["milp_primal_skipped"] = int(stats.get("milp_primal_skipped", 0)) + 1
    if tight.any() and budget > 0:
        answer = max_weight_b_matching_milp(near[0][tight], near[1][tight], near[2][tight],
                                            capacity, budget)
        if answer is not None:
            clock.milp_seconds += answer.seconds
            stats["milp_seconds_primal"] = round(answer.seconds, 4)
            chosen = answer.chosen.tolist()
            found = {(int(near[0][tight][k]), int(near[1][tight][k])):
                     int(near[2][tight][k]) for k in chosen}
            if _total(found) > _total(matching):
                matching = found
    return doubled, slack, pricing, matching


def _lp_integral_part(x: npt.NDArray[np.float64] | None, u: IntArray, v: IntArray,
                      w: IntArray, capacity: IntArray) -> dict[tuple[int, int], int]:
    """The pairs HiGHS's LP takes whole (``x_e = 1`` to 10⁻⁶): a b-matching, since
    ``Σ_{e∋p} x_e ≤ c_p`` — checked again here in integers (nothing from HiGHS is trusted);
    empty when the check fails."""
    if x is None:
        return {}
    whole = np.nonzero(np.asarray(x, dtype=np.float64) >= 1 - 1e-6)[0]
    degree = np.bincount(np.concatenate([u[whole], v[whole]]), minlength=capacity.size)
    if (degree > capacity).any():
        return {}
    return dict(zip(zip(u[whole].tolist(), v[whole].tolist(), strict=True),
                    w[whole].tolist(), strict=True))


def _price_with_slack(blocks: _Blocks, doubled: IntArray, threshold: int) -> "_Pricing":
    """One pass over every candidate pair for a dual ``Y`` that may be violated: per
    person ``Z_p``, the sum of ``max(0, 2w_pq − Y_p − Y_q)`` over pairs ``q > p`` (in
    ``raise_by``), and the pairs with ``Y_a + Y_b − 2w < 2·near_limit`` (violated ones
    included: their reduced cost is 0). O(Σ_g |g|²)."""
    result = _Pricing(raise_by=np.zeros(doubled.size, dtype=np.int64), near_limit=threshold)
    assert result.raise_by is not None
    work = _int_type(2 * int(doubled.max(initial=0)) + 2 * blocks.top + 2 * threshold)
    dual = doubled.astype(work)
    for block in blocks:
        weight = block.weight.astype(work)
        reduced = dual[block.rows][:, None] + dual[block.cols][None, :]
        reduced -= 2 * weight
        reduced[weight == 0] = _never(work)
        upper = block.rows[:, None] < block.cols[None, :]
        over = np.where(upper & (reduced < 0), -reduced, 0).astype(np.int64)
        result.raise_by[block.rows] += over.sum(axis=1)
        # Not counted in ``violated``: these pairs are covered by their slack, the dual
        # with slack is feasible, and the proof stages may use the near-tight pairs.
        if result.near_limit > 0:
            _keep_near(result, block, weight, reduced)
    return result


def _slices(group_of: IntArray, key: IntArray, arrays: tuple[IntArray, ...],
            count: int) -> list[tuple[IntArray, ...]]:
    """``arrays`` cut by the group of ``key``, keeping their order inside each group."""
    groups = group_of[key]
    order = np.argsort(groups, kind="stable")
    bounds = np.searchsorted(groups[order], np.arange(count + 1))
    ordered = [a[order] for a in arrays]
    return [tuple(a[bounds[k]:bounds[k + 1]] for a in ordered) for k in range(count)]


def _total(matching: dict[tuple[int, int], int]) -> int:
    return int(sum(matching.values()))


def _initial_edges(blocks: _Blocks, edges: _EdgeSet) -> int:
    """The first edge set; returns the number of candidate pairs of the free problem.

    In a group of up to ``DENSE_GROUP`` people it is every candidate pair. In a larger
    one each person keeps ``INITIAL_K`` pairs, chosen by ``w_ij − y0_j`` with
    ``y0_j`` half the weight of ``j``'s ``INITIAL_K``-th best pair: a first guess of
    ``j``'s dual value. By weight alone everyone would pick the same few strong people,
    and pricing would need more rounds to find the edges the optimum uses.
    O(Σ_g |g|²·C), two passes over the weights in large groups.
    """
    count = 0
    guess = np.zeros(edges.n, dtype=np.int64)
    sparse = False
    work = blocks.work
    pending: list[tuple[IntArray, IntArray, IntArray]] = []
    for block in blocks:
        count += int(np.count_nonzero(block.weight))
        width = block.cols.size
        if width <= DENSE_GROUP:
            pending.append(_best(block, block.weight.astype(work), width))
            continue
        sparse = True
        k = min(INITIAL_K, width)
        kth = np.partition(block.weight, width - k, axis=1)[:, width - k]
        guess[block.rows] = kth.astype(np.int64) // 2
    if sparse:
        for block in blocks:
            if block.cols.size > DENSE_GROUP:
                pending.append(_best_by_guess(block, guess, min(INITIAL_K, block.cols.size),
                                              blocks.top))
    if pending:
        edges.add(*(np.concatenate([p[k] for p in pending]) for k in range(3)))
    return count // 2


def _best_by_guess(block: Block, guess: IntArray, k: int, top: int
                   ) -> tuple[IntArray, IntArray, IntArray]:
    """``_best`` with the score ``w_ij − guess_j`` (non-candidates last), in slices of rows
    that stay in the processor's cache. The sort key ``(guess_j − w_ij)·width + j`` is the
    one ``_smallest`` makes of ``−score``; a non-candidate's ``(top + 1)·width + j`` is above
    every candidate's (``guess_j ≤ top / 2``, ``w ≥ 1``), as its «never» mark was."""
    width = block.cols.size
    wide = (top + 2) * width >= 2**31
    key_type: type[np.signedinteger] = np.int64 if wide else np.int32
    column = np.arange(width, dtype=np.int64)
    base = (guess[block.cols] * width + column).astype(key_type)
    never = ((top + 1) * width + column).astype(key_type)
    step = max(1, _SLICE_ELEMENTS // max(width, 1))
    parts: list[tuple[IntArray, IntArray, IntArray]] = []
    for start in range(0, block.rows.size, step):
        weight = block.weight[start:start + step]
        keys = weight.astype(key_type)
        keys *= -width
        keys += base[None, :]
        np.copyto(keys, never[None, :], where=weight == 0)
        chosen = np.argpartition(keys, k - 1, axis=1)[:, :k]
        values = np.take_along_axis(weight, chosen, axis=1).astype(np.int64)
        keep = values > 0
        rows = np.broadcast_to(block.rows[start:start + step][:, None], chosen.shape)
        parts.append((rows[keep], block.cols[chosen[keep]], values[keep]))
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]))


def _warm_edges(blocks: _Blocks, edges: _EdgeSet, hint: IntArray) -> int:
    """A warm start's first edge set: each person's ``WARM_K`` pairs of smallest reduced
    cost ``Y_a + Y_b − 2w`` under the hinted ``Y`` (ties to the lower index), whatever the
    group's size. Under the previous run's duals these are its tight pairs, its own pairs
    among them; the few a lock or a ban changes are found by pricing, as on a cold start.
    Returns the number of candidate pairs, as ``_initial_edges``. O(Σ_g |g|²), one pass.
    """
    work = blocks.work  # holds 4·top: |Y_a + Y_b − 2w| ≤ 4·top once Y ≤ 2·top
    guess = np.clip(hint, 0, 2 * blocks.top).astype(work)
    count = 0
    pending: list[tuple[IntArray, IntArray, IntArray]] = []
    for block in blocks:
        count += int(np.count_nonzero(block.weight))
        weight = block.weight.astype(work)
        reduced = guess[block.rows][:, None] + guess[block.cols][None, :] - 2 * weight
        score = np.where(weight > 0, -reduced, -_never(work))
        pending.append(_best(block, score, min(WARM_K, block.cols.size)))
    if pending:
        edges.add(*(np.concatenate([p[k] for p in pending]) for k in range(3)))
    return count // 2


def _best(block: Block, score: npt.NDArray[np.signedinteger], k: int
          ) -> tuple[IntArray, IntArray, IntArray]:
    """Each row's ``k`` best-scored candidate pairs ``(rows, cols, weights)``."""
    top = _smallest(-score, k)
    values = np.take_along_axis(block.weight, top, axis=1).astype(np.int64)
    keep = values > 0
    rows = np.broadcast_to(block.rows[:, None], top.shape)
    return rows[keep], block.cols[top[keep]], values[keep]


def _smallest(score: npt.NDArray[np.integer], k: int) -> IntArray:
    """Columns of the ``k`` smallest integer scores of each row, ties to the lower column.

    ``score·width + column`` makes every key distinct, so the chosen set is unique
    (``argpartition`` alone is not stable). O(rows·width).
    """
    width = score.shape[1]
    if k >= width:
        return np.broadcast_to(np.arange(width), score.shape).copy()
    top = max(abs(int(score.max(initial=0))), abs(int(score.min(initial=0))))
    if (top + 1) * width < 2**31:
        keys = score.astype(np.int32) * width + np.arange(width, dtype=np.int32)
    else:
        # Clipping keeps the order of every real score (they are far below the cap); only
        # «not a candidate» markers meet it, and callers drop those.
        cap = 2**62 // width - 1
        keys = (np.clip(score.astype(np.int64), -cap, cap) * width
                + np.arange(width, dtype=np.int64))
    return np.argpartition(keys, k - 1, axis=1)[:, :k].astype(np.int64)


def _int_type(limit: int) -> type[np.signedinteger]:
    """int32 where every value of a pass stays below 2**30 in magnitude, else int64."""
    return np.int32 if limit < 2**30 else np.int64


def _never(dtype: type[np.signedinteger]) -> int:
    """«Not a candidate» in reduced costs: above any real one (all are below 2**52 by
    instance.ARITHMETIC_LIMIT when int64 is used, below 2**30 when int32 is)."""
    return 2**30 if dtype is np.int32 else 2**60


def _price(blocks: _Blocks, doubled: IntArray, edges: _EdgeSet, threshold: int,
           add: bool) -> _Pricing:
    """Checks ``Y_a + Y_b ≥ 2·w_ab`` on every candidate pair; adds the worst violations,
    remembers how far each ``Y`` must rise, and keeps the pairs with ``r < threshold``
    (only while no violation has been met: a pass with violations is not the last one).
    O(Σ_g |g|²).

    Per row ``a`` it computes ``Y_b − 2w_ab`` once (``Y_a`` is added only to the row's
    minimum and to the rows that have a violation), in slices of rows that stay in the
    processor's cache, in the narrowest integer type that holds every value of the pass.
    A pair that is not a candidate (``w = 0``) needs no mask: its ``Y_a + Y_b ≥ 0`` is never
    a violation, and the near-tight pairs drop it by its weight."""
    result = _Pricing(raise_by=np.zeros(doubled.size, dtype=np.int64), near_limit=threshold)
    assert result.raise_by is not None
    # Narrow types only when Y_a + Y_b and 2·w provably fit; 64-bit otherwise (finding 2:
    # weights near 2**31 wrapped around in int32 and gave a false certificate).
    work = _narrow_type(2 * int(doubled.max(initial=0)) + 2 * blocks.top + 2 * threshold)
    if int(doubled.min(initial=0)) < 0:
        raise ArithmeticError("a relaxation dual below zero")  # Y ≥ 0 is what makes w = 0 safe
    pending: list[tuple[IntArray, IntArray, IntArray]] = []
    for block in blocks:
        col_dual = doubled[block.cols].astype(work)
        step = max(1, _SLICE_ELEMENTS // max(block.cols.size, 1))
        for start in range(0, block.rows.size, step):
            rows = block.rows[start:start + step]
            raw = block.weight[start:start + step]
            row_dual = doubled[rows]
            other = raw.astype(work)  # becomes Y_b − 2·w_ab
            other *= -2
            other += col_dual[None, :]
            worst = other.min(axis=1).astype(np.int64) + row_dual
            bad = worst < 0
            if bad.any():
                reduced = other[bad] + row_dual[bad].astype(work)[:, None]
                result.violated += int(np.count_nonzero(reduced < 0))
                np.maximum.at(result.raise_by, rows[bad], -worst[bad])
                if add:
                    k = min(ADDED_PER_ROW, block.cols.size)
                    top = _smallest(reduced, k)
                    r = np.take_along_axis(reduced, top, axis=1)
                    keep = r < 0
                    bad_rows = np.broadcast_to(rows[bad][:, None], top.shape)
                    pending.append((bad_rows[keep], block.cols[top[keep]],
                                    np.take_along_axis(raw[bad], top, axis=1)[keep]
                                    .astype(np.int64)))
            if result.violated == 0 and result.near_limit > 0:
                # Pairs u < v only: columns below the slice's first row cannot hold one
                # (rows and columns are sorted), so they are not looked at.
                skip = int(np.searchsorted(block.cols, rows[0]))
                below = (2 * result.near_limit - row_dual).astype(work)
                r_idx, c_idx = np.nonzero(other[:, skip:] < below[:, None])
                c_idx += skip
                u, v = rows[r_idx], block.cols[c_idx]
                w = raw[r_idx, c_idx].astype(np.int64)
                keep = (u < v) & (w > 0)
                _keep_pairs(result, u[keep], v[keep], w[keep],
                            other[r_idx[keep], c_idx[keep]].astype(np.int64)
                            + row_dual[r_idx[keep]])
    if pending:
        result.added = edges.add(*(np.concatenate([p[k] for p in pending]) for k in range(3)))
    return result


def _narrow_type(limit: int) -> type[np.signedinteger]:
    """int16 where every value of a pass stays below 2**14 in magnitude, else as
    ``_int_type``: a pass over 35 million pairs reads and writes half as much memory."""
    return np.int16 if limit < 2**14 else _int_type(limit)


def _keep_near(result: _Pricing, block: Block, weight: npt.NDArray[np.signedinteger],
               reduced: npt.NDArray[np.signedinteger]) -> None:
    """Keeps this block's pairs with ``r < near_limit`` (``reduced`` = 2r, non-candidates
    marked far above any limit), as ``_keep_pairs``."""
    r_idx, c_idx = np.nonzero(reduced < 2 * result.near_limit)
    upper = block.rows[r_idx] < block.cols[c_idx]
    r_idx, c_idx = r_idx[upper], c_idx[upper]
    _keep_pairs(result, block.rows[r_idx], block.cols[c_idx],
                weight[r_idx, c_idx].astype(np.int64), reduced[r_idx, c_idx].astype(np.int64))


def _keep_pairs(result: _Pricing, u: IntArray, v: IntArray, w: IntArray,
                doubled_r: IntArray) -> None:
    """Keeps pairs ``u < v`` with ``2r < 2·near_limit``; past ``NEAR_EDGE_LIMIT`` pairs the
    limit is halved (and what was kept is cut to it), so the set stays complete below it."""
    result.near_u.append(u)
    result.near_v.append(v)
    result.near_w.append(w)
    result.near_r.append(doubled_r)
    result.near_count += u.size
    while result.near_count > NEAR_EDGE_LIMIT and result.near_limit > 0:
        result.near_limit //= 2
        parts = [np.concatenate(x) for x in (result.near_u, result.near_v, result.near_w,
                                             result.near_r)]
        keep = parts[3] < 2 * result.near_limit
        result.near_u, result.near_v, result.near_w, result.near_r = (
            [p[keep]] for p in parts)
        result.near_count = int(keep.sum())


def _near_edges(pricing: _Pricing) -> Near:
    """Pairs with small reduced cost ``(u, v, w, 2r)``, sorted by ``(u, v)``."""
    if not pricing.near_u:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    u = np.concatenate(pricing.near_u)
    v = np.concatenate(pricing.near_v)
    w = np.concatenate(pricing.near_w)
    r = np.concatenate(pricing.near_r)
    if u.size > 1 and bool(np.all((u[1:] > u[:-1]) | ((u[1:] == u[:-1]) & (v[1:] > v[:-1])))):
        return u, v, w, r  # one scope group's blocks come in order already (10,000: 0.2 s)
    order = np.lexsort((v, u))
    return u[order], v[order], w[order], r[order]


def _round(copies: Copies, sigma: IntArray, edges: _EdgeSet) -> dict[tuple[int, int], int]:
    """Pairs from the assignment's cycles on copies. O(copies).

    2-cycles are pairs. An even cycle's two alternations weigh the same in an optimal
    assignment; we take the heavier, the one through the cycle's first copy on a tie. An
    odd cycle drops the vertex whose loss costs least (the first such on a tie).

    The 2-cycles (nearly all of them) are found in numpy; only longer cycles are walked.
    Pairs are taken in the order of their cycle's first copy, each pair once.
    """
    owner = copies.owner
    index = np.arange(sigma.size, dtype=np.int64)
    two = (sigma[sigma] == index) & (sigma != index)
    first_x = index[two & (index < sigma)]
    xs: list[IntArray] = [first_x]
    ys: list[IntArray] = [sigma[first_x]]
    starts: list[IntArray] = [first_x]
    seen = (sigma == index) | two
    sigma_list = sigma.tolist()
    seen_list = seen.tolist()
    for start in np.flatnonzero(~seen).tolist():
        if seen_list[start]:
            continue
        cycle = [start]
        seen_list[start] = True
        nxt = sigma_list[start]
        while nxt != start:
            cycle.append(nxt)
            seen_list[nxt] = True
            nxt = sigma_list[nxt]
        chosen = _split_cycle(cycle, owner, edges)
        xs.append(np.array([x for x, _ in chosen], dtype=np.int64))
        ys.append(np.array([y for _, y in chosen], dtype=np.int64))
        starts.append(np.full(len(chosen), start, dtype=np.int64))
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    order = np.argsort(np.concatenate(starts), kind="stable")
    a, b = owner[x[order]], owner[y[order]]
    distinct = a != b
    lo, hi = np.minimum(a, b)[distinct], np.maximum(a, b)[distinct]
    weights = edges.weight_of(lo, hi)
    matching: dict[tuple[int, int], int] = {}
    for pair, weight in zip(zip(lo.tolist(), hi.tolist(), strict=True), weights.tolist(),
                            strict=True):
        if pair not in matching:
            matching[pair] = weight
    return matching


def _split_cycle(cycle: list[int], owner: IntArray,
                 edges: _EdgeSet) -> list[tuple[int, int]]:
    k = len(cycle)
    a = owner[np.array(cycle)]
    b = owner[np.array(cycle[1:] + cycle[:1])]
    w = edges.weight_of(a, b)  # w[t] is the edge cycle[t] → cycle[t+1]
    if k == 2:
        return [(cycle[0], cycle[1])]
    if k % 2 == 0:
        first, second = int(w[0::2].sum()), int(w[1::2].sum())
        offset = 0 if first >= second else 1
        return [(cycle[t], cycle[(t + 1) % k]) for t in range(offset, k, 2)]
    # Dropping vertex d keeps edges d+1→d+2, d+3→d+4, … (k−1)/2 of them.
    best_value, best_drop = -1, 0
    for drop in range(k):
        value = int(sum(w[(drop + 1 + 2 * t) % k] for t in range((k - 1) // 2)))
        if value > best_value:
            best_value, best_drop = value, drop
    return [(cycle[(best_drop + 1 + 2 * t) % k], cycle[(best_drop + 2 + 2 * t) % k])
            for t in range((k - 1) // 2)]


def _fill(matching: dict[tuple[int, int], int], capacity: IntArray,
          edges: tuple[IntArray, IntArray, IntArray],
          near: tuple[IntArray, IntArray, IntArray], clock: _Clock
          ) -> dict[tuple[int, int], int]:
    """Matches exactly, among themselves, the people who still have capacity left."""
    left = capacity.copy()
    for a, b in matching:
        left[a] -= 1
        left[b] -= 1
    u = np.concatenate([edges[0], near[0]])
    v = np.concatenate([edges[1], near[1]])
    w = np.concatenate([edges[2], near[2]])
    keep = (left[u] > 0) & (left[v] > 0)
    pool = {}
    for a, b, x in zip(u[keep].tolist(), v[keep].tolist(), w[keep].tolist(), strict=True):
        if (a, b) not in matching:
            pool[(a, b)] = x
    triples = [(a, b, x) for (a, b), x in sorted(pool.items())]
    # Only the pool's own ends: all people with capacity left, once per scope group, made
    # region-wide runs quadratic in the number of groups (finding 4).
    caps = {p: int(left[p]) for p in {x for pair in pool for x in pair}}
    if not pool or not _affordable(triples, caps) or clock.left() <= 0:
        return matching
    found = max_weight_b_matching(triples, caps)
    return {**matching, **{pair: pool[pair] for pair in found}}


def _prove(matching: dict[tuple[int, int], int], capacity: IntArray, near: Near, gap: int,
           near_limit: int, clock: _Clock, stats: dict[str, float | int | str]
           ) -> tuple[dict[tuple[int, int], int], bool, bool]:
    """Closes the gap by exact solves on the edges with ``r < t`` (plus our own pairs), for
    ``t = 1, 4, 16, …`` up to the gap. A solve at ``t`` proves optimality as soon as the
    gap left is at most ``t``: every better matching would use only edges with
    ``r < gap ≤ t``, and the solve saw them all. Returns the best matching found,
    whether it is proven optimal, and whether it solved exactly at ``near_limit`` (then no
    other stage on the same pairs can prove more); stops when the next solve would exceed
    ``EXACT_WORK`` or the time limit. ``near`` holds every pair with ``r < near_limit``, so
    no step goes above that.
    """
    threshold = 1
    solves = 0
    proven = exhausted = False
    while gap > 0:
        # Tight edges first (cheap, and a smaller gap means fewer edges below it); then
        # the proof at the gap itself if affordable, else the next power of 4.
        if solves and gap <= near_limit and _near_affordable(matching, capacity, near, gap):
            limit = gap
        else:
            limit = min(threshold, gap, near_limit)
        improved = _exact_below(matching, capacity, near, limit, clock)
        if improved is None:
            break
        solves += 1
        gap -= _total(improved) - _total(matching)
        matching = improved
        if gap <= limit:
            proven = True
            break
        if limit == near_limit:
            exhausted = True
            break
        threshold *= 4
    stats["exact_solves"] = int(stats.get("exact_solves", 0)) + solves
    return matching, proven, exhausted


def _below(matching: dict[tuple[int, int], int], capacity: IntArray, near: Near,
           limit: int) -> tuple[dict[tuple[int, int], int], dict[int, int]]:
    """Our pairs and the edges with ``r < limit``, with the capacities of their ends."""
    u, v, w, doubled_r = near
    keep = doubled_r < 2 * limit
    lookup = dict(zip(zip(u[keep].tolist(), v[keep].tolist(), strict=True), w[keep].tolist(),
                      strict=True))
    lookup.update(matching)
    ends = {x for pair in lookup for x in pair}
    return lookup, {x: int(capacity[x]) for x in ends}


def _near_affordable(matching: dict[tuple[int, int], int], capacity: IntArray, near: Near,
                     limit: int) -> bool:
    lookup, caps = _below(matching, capacity, near, limit)
    return _affordable([(a, b, x) for (a, b), x in lookup.items()], caps)


def _exact_below(matching: dict[tuple[int, int], int], capacity: IntArray, near: Near,
                 limit: int, clock: _Clock) -> dict[tuple[int, int], int] | None:
    """The exact optimum on our pairs and the edges with ``r < limit``; None if too big."""
    lookup, caps = _below(matching, capacity, near, limit)
    triples = [(a, b, x) for (a, b), x in sorted(lookup.items())]
    if clock.left() <= 0 or not _affordable(triples, caps):
        return None
    found = max_weight_b_matching(triples, caps)
    candidate = {pair: lookup[pair] for pair in found}
    return candidate if _total(candidate) > _total(matching) else matching


def _affordable(triples: list[tuple[int, int, int]], caps: dict[int, int]) -> bool:
    """Whether one blossom solve fits ``EXACT_WORK``: it behaves like O(V·E) on these
    sparse graphs (O(V³) at worst), measured at about 2·10⁸ per second here."""
    nodes, edges = gadget_size(triples, caps)
    return nodes * edges <= EXACT_WORK
