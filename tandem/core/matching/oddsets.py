"""The odd-set stage: a matching LP with blossom inequalities, priced over every pair.

For a chunk where every capacity is 1 and a gap is left after the relaxation and the exact
stages (docs/matching.md, 3.5b). The relaxation is the fractional matching LP
``x(δ(p)) ≤ 1``; its optimum keeps odd cycles of half edges, which no matching repeats. Here
the LP ``max Σ w_e x_e``, ``x(δ(p)) ≤ 1``, ``x(E(S)) ≤ (|S| − 1)/2`` for a growing family of
odd sets ``S``, ``x ≥ 0`` is solved by HiGHS on a restricted edge set (the near-tight pairs
of the relaxation plus ours); violated odd sets are separated from its fractional solution
(odd components of the fractional support, also at a few value thresholds) and added as
cuts; then the dual ``(y, z)`` is priced over **all** candidate pairs and violated pairs join
the edge set (column generation), until neither cuts nor pairs are left or time is up.

Nothing of HiGHS is trusted. For *any* ``y, z ≥ 0`` and every matching ``M``

    w(M) ≤ U(y, z) = Σ_p y_p + Σ_S z_S·⌊|S|/2⌋ + Σ_e max(0, w_e − y_a − y_b − Σ_{S∋a,b} z_S),

(each edge of ``M`` is paid by its ends, the sets it lies in, or its own slack; a matching
has at most ``⌊|S|/2⌋`` edges inside ``S`` and meets each ``p`` once). The duals are
rounded to multiples of ``1/SCALE``, clamped at 0, and ``SCALE·U`` is summed in integers by
one pass over every candidate pair; ``⌊U⌋`` bounds the chunk. The same pass keeps the pairs
with reduced cost ``r_e = max(0, y_a + y_b + Σ z_S − w_e) < limit``: since
``U − w(M) = Σ_p y_p(1 − deg_M p) + Σ_S z_S(⌊|S|/2⌋ − |M ∩ E(S)|) + Σ_{e∈M} r_e +
Σ_{e∉M} slack_e`` with every term nonnegative, a matching better than ours uses only pairs
with ``r < ⌊U⌋ − w(ours)``, and the exact stage may solve on them.
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tandem.core.matching.graph import Block
from tandem.core.matching.relaxation import IntArray

SCALE_BITS = 20  # duals are rounded to multiples of 2**-20 (fewer bits for huge weights)
MAX_ROUNDS = 60  # LP solves of one stage
MAX_PRICING = 8  # passes over every pair of one stage
ADDED_PER_ROW = 16
EPS = 1e-6
THRESHOLDS = (0.5 - EPS, 0.3, 0.2)  # extra separation: odd components of edges with x ≥ t

FloatArray = npt.NDArray[np.float64]
Near = tuple[IntArray, IntArray, IntArray, IntArray]  # u, v, w, ⌊2r⌋ of near-tight pairs


@dataclass(slots=True)
class OddSetsAnswer:
    matching: dict[tuple[int, int], int]
    upper: int  # ⌊U(y, z)⌋ over every candidate pair, in exact integers
    near: Near  # every pair with r < near_limit under (y, z)
    near_limit: int
    stats: dict[str, float | int | str] = field(default_factory=dict)


@dataclass(slots=True)
class _Pass:
    scaled_upper: int = 0  # SCALE·U
    added_u: list[IntArray] = field(default_factory=list)
    added_v: list[IntArray] = field(default_factory=list)
    added_w: list[IntArray] = field(default_factory=list)
    near: list[tuple[IntArray, IntArray, IntArray, IntArray]] = field(default_factory=list)


def scale_for(top: int) -> int:
    """``SCALE`` for weights up to ``top``: ``2**20`` unless ``8·SCALE·top`` would leave
    int64 (then fewer bits; 0 means the stage cannot run)."""
    bits = SCALE_BITS
    while bits > 0 and 8 * (2**bits) * max(top, 1) >= 2**62:
        bits -= 1
    return 2**bits if bits > 0 else 0


def scaled_bound(n: int, edges: Iterable[tuple[int, int, int]], y: IntArray,
                 sets: list[IntArray], z: IntArray, scale: int) -> int:
    """``SCALE·U`` for integer ``Y = SCALE·y ≥ 0``, ``Z = SCALE·z ≥ 0`` (reference form,
    pair by pair; ``_price`` computes the same over weight blocks)."""
    inside = np.zeros((n, n), dtype=np.int64)
    for members, value in zip(sets, z.tolist(), strict=True):
        inside[np.ix_(members, members)] += value
    total = int(y.sum()) + sum(int(value) * (members.size // 2)
                               for members, value in zip(sets, z.tolist(), strict=True))
    for a, b, w in edges:
        total += max(0, scale * w - int(y[a]) - int(y[b]) - int(inside[a, b]))
    return total


def odd_set_stage(blocks: Iterable[Block], n: int, top: int, start: tuple[IntArray, IntArray,
                  IntArray], matching: dict[tuple[int, int], int],
                  seconds_left: Callable[[], float],
                  stats: dict[str, float | int | str] | None = None) -> OddSetsAnswer | None:
    """Runs the stage on the chunk whose candidate pairs ``blocks`` yields (capacity 1
    everywhere); ``start`` is the first edge set ``(u, v, w)``, ``u < v``. Returns the
    best matching seen (ours or an integral LP optimum, checked) and the exact bound of
    the last priced dual; None if it could not run (scipy's HiGHS failed, or weights too
    large for the integer pass, or out of time before a dual was priced). Its counters
    (LP solves, cuts, passes, seconds) go to ``stats`` either way."""
    scale = scale_for(top)
    if scale == 0:
        return None
    u, v, w = (np.asarray(a, dtype=np.int64) for a in start)
    if matching:
        mu, mv = (np.array(x, dtype=np.int64) for x in zip(*matching, strict=True))
        u, v, w = (np.concatenate([u, mu]), np.concatenate([v, mv]),
                   np.concatenate([w, np.array(list(matching.values()), dtype=np.int64)]))
    u, v, w = _unique_edges(u, v, w, n)
    sets: list[IntArray] = []
    stats = stats if stats is not None else {}
    stats.update(odd_lp_solves=0, odd_cuts=0, odd_pricing_passes=0, odd_lp_seconds=0.0,
                 odd_pricing_seconds=0.0)
    best = dict(matching)
    answer: OddSetsAnswer | None = None
    passes = 0
    while passes < MAX_PRICING and seconds_left() > 0:
        # Cut loop on the current edge set.
        lp_value = float("inf")
        y = z = None
        for _ in range(MAX_ROUNDS):
            if seconds_left() <= 0:
                break
            started = time.process_time()
            solved = _solve_lp(n, u, v, w, sets, seconds_left())
            stats["odd_lp_seconds"] = float(stats["odd_lp_seconds"]) + (
                time.process_time() - started)
            stats["odd_lp_solves"] = int(stats["odd_lp_solves"]) + 1
            if solved is None:
                break  # HiGHS failed or ran out of time: the last solve's dual is priced
            x, y, z, lp_value = solved
            found = _integral_matching(x, u, v, w, n)
            if found is not None and sum(found.values()) > sum(best.values()):
                best = found
            if lp_value < sum(best.values()) + 1 - 1e-3:
                break  # this LP cannot beat ours by a whole unit; go and price it
            cuts = _separate(x, u, v, n)
            if not cuts:
                break
            sets.extend(cuts)
            stats["odd_cuts"] = int(stats["odd_cuts"]) + len(cuts)
        if y is None or z is None:
            break
        stats["odd_lp_value"] = round(lp_value, 4)

        big_y = np.maximum(np.rint(y * scale), 0).astype(np.int64)
        big_z = np.maximum(np.rint(z * scale), 0).astype(np.int64)
        # ``z`` belongs to the sets of the last solve (cuts found after it are not in it).
        used = [s for s, value in zip(sets[:z.size], big_z.tolist(), strict=True)
                if value > 0]
        used_z = big_z[big_z > 0]
        limit = max(int(np.floor(lp_value)) - sum(best.values()) + 1, 1)
        started = time.process_time()
        priced = _price(blocks, big_y, used, used_z, scale, limit)
        stats["odd_pricing_seconds"] = float(stats["odd_pricing_seconds"]) + (
            time.process_time() - started)
        passes += 1
        stats["odd_pricing_passes"] = passes
        upper = priced.scaled_upper // scale
        near = _near(priced)
        if answer is None or upper <= answer.upper:
            answer = OddSetsAnswer(best, upper, near, limit, stats)
        answer.matching = best
        stats["odd_bound"] = answer.upper
        stats["odd_sets_used"] = len(used)
        if not priced.added_u or answer.upper <= sum(best.values()):
            break
        u, v, w = _unique_edges(np.concatenate([u, *priced.added_u]),
                                np.concatenate([v, *priced.added_v]),
                                np.concatenate([w, *priced.added_w]), n)
    stats["odd_lp_seconds"] = round(float(stats["odd_lp_seconds"]), 4)
    stats["odd_pricing_seconds"] = round(float(stats["odd_pricing_seconds"]), 4)
    stats["odd_lp_edges"] = int(u.size)
    return answer


def _unique_edges(u: IntArray, v: IntArray, w: IntArray, n: int
                  ) -> tuple[IntArray, IntArray, IntArray]:
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    keys, first = np.unique(lo * n + hi, return_index=True)
    return keys // n, keys % n, w[first]


def _solve_lp(n: int, u: IntArray, v: IntArray, w: IntArray, sets: list[IntArray],
              seconds: float) -> tuple[FloatArray, FloatArray, FloatArray, float] | None:
    """HiGHS on the LP (interior point with crossover: a basic solution; on the pool of
    10,000 it took 1 s a solve where the dual simplex took 5); ``(x, y, z, value)`` or None."""
    # Imported here: scipy.optimize takes 1.6 s to import, and most runs never need it.
    import scipy.optimize as so
    import scipy.sparse as sp

    m = u.size
    rows = [u, v]
    cols = [np.arange(m), np.arange(m)]
    member = np.zeros(n, dtype=bool)
    for k, members in enumerate(sets):
        member[:] = False
        member[members] = True
        inside = np.flatnonzero(member[u] & member[v])
        rows.append(np.full(inside.size, n + k, dtype=np.int64))
        cols.append(inside)
    matrix = sp.csr_array((np.ones(sum(r.size for r in rows)),
                           (np.concatenate(rows), np.concatenate(cols))),
                          shape=(n + len(sets), m))
    limits = np.concatenate([np.ones(n), [(s.size - 1) / 2 for s in sets]])
    # scipy-stubs do not list sparse matrices for A_ub, which HiGHS takes as they are.
    lp = so.linprog(-w.astype(np.float64), A_ub=matrix,  # type: ignore[call-overload]
                    b_ub=limits, bounds=(0, None),
                    method="highs-ipm", options={"time_limit": max(min(seconds, 1e6), 0.01)})
    if lp.status != 0 or lp.ineqlin is None or lp.x is None:
        return None
    duals = -np.asarray(lp.ineqlin.marginals, dtype=np.float64)
    return np.asarray(lp.x), duals[:n], duals[n:], -float(lp.fun)


def _integral_matching(x: FloatArray, u: IntArray, v: IntArray, w: IntArray, n: int
                       ) -> dict[tuple[int, int], int] | None:
    """The LP solution as a matching if it is integral (checked: each person once)."""
    if not np.all((x < EPS) | (x > 1 - EPS)):
        return None
    chosen = np.flatnonzero(x > 1 - EPS)
    ends = np.concatenate([u[chosen], v[chosen]])
    if np.bincount(ends, minlength=n).max(initial=0) > 1:
        return None
    return {(int(u[k]), int(v[k])): int(w[k]) for k in chosen.tolist()}


def _separate(x: FloatArray, u: IntArray, v: IntArray, n: int) -> list[IntArray]:
    """Violated odd sets: odd connected components of the fractional support, and of the
    edges with ``x ≥ t`` for a few thresholds ``t``, with ``x(E(S)) > (|S| − 1)/2``."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    found: dict[bytes, IntArray] = {}
    fractional = (x > EPS) & (x < 1 - EPS)
    for keep in [fractional, *((x >= t) & fractional for t in THRESHOLDS)]:
        if not keep.any():
            continue
        graph = sp.coo_array((np.ones(int(keep.sum())), (u[keep], v[keep])), shape=(n, n))
        count, label = connected_components(graph, directed=False)
        size = np.bincount(label, minlength=count)
        same = label[u] == label[v]
        inside = np.bincount(label[u[same]], weights=x[same], minlength=count)
        bad = np.flatnonzero((size % 2 == 1) & (size >= 3)
                             & (inside > (size - 1) / 2 + 1e-4))
        if bad.size == 0:
            continue
        order = np.argsort(label, kind="stable")
        bounds = np.searchsorted(label[order], np.arange(count + 1))
        for k in bad.tolist():
            members = np.sort(order[bounds[k]:bounds[k + 1]])
            found.setdefault(members.tobytes(), members)
    return list(found.values())


def _price(blocks: Iterable[Block], y: IntArray, sets: list[IntArray], z: IntArray,
           scale: int, limit: int) -> _Pass:
    """One pass over every candidate pair for integer ``Y, Z`` (``SCALE`` times the dual):
    ``SCALE·U`` in exact integers, the most violated pairs of each row (to add), and the
    pairs with ``r < limit``. O(Σ_g |g|² + Σ_S |S|²)."""
    result = _Pass()
    result.scaled_upper = int(y.sum()) + sum(int(value) * (members.size // 2)
                                             for members, value in zip(sets, z.tolist(),
                                                                       strict=True))
    # Every ordered pair inside a set, with the set's Z: added to the reduced costs.
    pa: list[IntArray] = []
    pb: list[IntArray] = []
    pz: list[IntArray] = []
    for members, value in zip(sets, z.tolist(), strict=True):
        pa.append(np.repeat(members, members.size))
        pb.append(np.tile(members, members.size))
        pz.append(np.full(members.size ** 2, value, dtype=np.int64))
    if pa:
        a, b, zz = np.concatenate(pa), np.concatenate(pb), np.concatenate(pz)
        off = a != b
        a, b, zz = a[off], b[off], zz[off]
    else:
        a = b = zz = np.zeros(0, dtype=np.int64)
    n = y.size
    row_at = np.full(n, -1, dtype=np.int64)
    col_at = np.full(n, -1, dtype=np.int64)
    for block in blocks:
        weight = block.weight.astype(np.int64)
        reduced = y[block.rows][:, None] + y[block.cols][None, :] - scale * weight
        if a.size:
            row_at[block.rows] = np.arange(block.rows.size)
            col_at[block.cols] = np.arange(block.cols.size)
            here = (row_at[a] >= 0) & (col_at[b] >= 0)
            np.add.at(reduced, (row_at[a[here]], col_at[b[here]]), zz[here])
            row_at[block.rows] = -1
            col_at[block.cols] = -1
        reduced[weight == 0] = 2**62
        upper = block.rows[:, None] < block.cols[None, :]
        result.scaled_upper += int(np.where(upper & (reduced < 0), -reduced, 0).sum())
        # Pairs to add: clearly violated ones (not rounding noise), the worst of each row.
        worst = reduced.min(axis=1)
        bad = worst < -scale // 1000
        if bad.any():
            k = min(ADDED_PER_ROW, block.cols.size)
            top = np.argpartition(reduced[bad], k - 1, axis=1)[:, :k]
            r = np.take_along_axis(reduced[bad], top, axis=1)
            keep = r < -scale // 1000
            rows = np.broadcast_to(block.rows[bad][:, None], top.shape)
            result.added_u.append(rows[keep])
            result.added_v.append(block.cols[top[keep]])
            result.added_w.append(np.take_along_axis(weight[bad], top, axis=1)[keep])
        r_idx, c_idx = np.nonzero(upper & (reduced < scale * limit))
        r = np.maximum(reduced[r_idx, c_idx], 0)
        result.near.append((block.rows[r_idx], block.cols[c_idx],
                            weight[r_idx, c_idx], (2 * r) // scale))
    return result


def _near(priced: _Pass) -> Near:
    """The kept pairs ``(u, v, w, ⌊2r⌋)`` sorted by ``(u, v)``."""
    if not priced.near:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    u, v, w, r2 = (np.concatenate([p[k] for p in priced.near]) for k in range(4))
    order = np.lexsort((v, u))
    return u[order], v[order], w[order], r2[order]
