"""The candidate graph: every pair that may be formed, with its weight, computed with numpy.

A participant is a row of feature matrices (one column per competency), and the benefit
of every teacher to every learner is a sum of two matrix products, one per teacher
level (2 and 3). Only pairs inside one scope group (an organization, a municipality or
the whole region) are computed, in row blocks, so memory stays at O(block + edges).
``scoring`` is the scalar reference for the same numbers.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tandem.core.diagnostics import DEFICIT_MAX, MAX_LEVEL, MIN_LEVEL, STRENGTH_MIN
from tandem.core.matching.instance import Instance

IntArray = npt.NDArray[np.int64]
Matrix = npt.NDArray[np.floating]
Progress = Callable[[str, int, int], None]

# About 4 MB of float32 weights per block: the dozen elementwise passes over a block then run
# in the processor's cache (10,000 people: 1.8 s instead of 2.6 s for all weights).
_BLOCK_ELEMENTS = 1 << 20
_FLOAT32_EXACT = 2**24


@dataclass(frozen=True, slots=True)
class Features:
    """Per teacher level t ∈ {2, 3}: who teaches at t, and the points a learner gets from t."""

    teach: tuple[Matrix, Matrix]
    learn: tuple[Matrix, Matrix]
    offline: npt.NDArray[np.bool_]
    online: npt.NDArray[np.bool_]
    municipality: IntArray
    has_strength: npt.NDArray[np.bool_]
    has_deficit: npt.NDArray[np.bool_]
    # [teach at 2 | teach at 3] and [learn from 2 | learn from 3]: one matrix product per
    # direction instead of two and a sum.
    teach_both: Matrix
    learn_both: Matrix


@dataclass(frozen=True, slots=True)
class CandidateGraph:
    """Candidate edges ``u[k] < v[k]`` (canonical indices), sorted, with integer weights."""

    n: int
    u: IntArray
    v: IntArray
    w: IntArray

    @property
    def size(self) -> int:
        return int(self.u.size)


def features(instance: Instance) -> Features:
    """Feature matrices of all participants. O(N·C)."""
    codes = {c.code: k for k, c in enumerate(instance.competencies)}
    n, c = len(instance.participants), len(codes)
    level = np.full((n, c), -1, dtype=np.int64)
    can_teach = np.zeros((n, c), dtype=bool)
    wants = np.zeros((n, c), dtype=bool)
    priority = np.zeros((n, c), dtype=np.int64)
    for i, p in enumerate(instance.participants):
        for code, value in p.levels.items():
            level[i, codes[code]] = value
        can_teach[i, [codes[x] for x in p.can_teach]] = True
        wants[i, [codes[x] for x in p.wants_to_learn]] = True
        for rank, code in enumerate(p.priorities, start=1):
            priority[i, codes[code]] = rank
    weights = instance.weights
    # The rule of core.diagnostics.is_strength / is_deficit over whole matrices (-1: no
    # level, neither); test_scoring holds it to the scalar rule on random instances.
    strength = np.where((level == MAX_LEVEL) | ((level == STRENGTH_MIN) & can_teach),
                        level, -1)
    deficit = np.where((level >= MIN_LEVEL)
                       & ((level <= DEFICIT_MAX) | (wants & (level < MAX_LEVEL))), level, -1)
    bonus = (np.asarray((0, *weights.priority_bonus))[priority]
             + weights.wants_to_learn_bonus * wants)
    gain = np.asarray((0, *weights.level_gain, 0))
    # Weights are integers held in floats for BLAS; float32 is exact below 2**24.
    top = ((max(weights.level_gain) + max(weights.priority_bonus)
            + weights.wants_to_learn_bonus) * max(c, 1) * (2 + weights.balance))
    dtype = np.float32 if top < _FLOAT32_EXACT else np.float64
    teach: list[Matrix] = []
    learn: list[Matrix] = []
    for t in (2, 3):
        teach.append((strength == t).astype(dtype))
        below = (deficit >= 0) & (deficit < t)
        points = np.where(below, gain[np.clip(t - deficit, 0, 4)] + bonus, 0)
        learn.append(points.astype(dtype))
    municipalities = {m: k for k, m in enumerate(sorted({p.municipality
                                                         for p in instance.participants}))}
    return Features(
        teach=(teach[0], teach[1]), learn=(learn[0], learn[1]),
        offline=np.array([p.meeting_format == "offline" for p in instance.participants]),
        online=np.array([p.meeting_format == "online" for p in instance.participants]),
        municipality=np.array([municipalities[p.municipality] for p in instance.participants],
                              dtype=np.int64),
        has_strength=(strength >= 0).any(axis=1),
        has_deficit=(deficit >= 0).any(axis=1),
        teach_both=np.hstack(teach), learn_both=np.hstack(learn),
    )


def benefits(f: Features, rows: IntArray, cols: IntArray) -> tuple[Matrix, Matrix]:
    """``(b(rows→cols), b(cols→rows))`` as |rows|×|cols| matrices. O(|rows|·|cols|·C)."""
    return _benefits(f, rows, f.learn_both[cols].T, f.teach_both[cols].T)


def _benefits(f: Features, rows: IntArray, learn_cols: Matrix, teach_cols: Matrix
              ) -> tuple[Matrix, Matrix]:
    """``benefits`` with the columns' feature matrices already taken (and transposed).
    Sums of integers below 2**24 (``features``), so float32 is exact in any order."""
    return f.teach_both[rows] @ learn_cols, f.learn_both[rows] @ teach_cols


def formats_meet(f: Features, rows: IntArray, cols: IntArray) -> npt.NDArray[np.bool_]:
    """Whether meeting formats allow each pair (see ``instance.pair_obstacle``)."""
    off_r, off_c = f.offline[rows], f.offline[cols]
    on_r, on_c = f.online[rows], f.online[cols]
    meet = np.ones((rows.size, cols.size), dtype=bool)
    if on_r.any():
        meet[on_r] = ~off_c
    if off_r.any():
        # Only rows that meet offline compare municipalities.
        apart = f.municipality[rows[off_r]][:, None] != f.municipality[cols][None, :]
        meet[off_r] = ~on_c & ~(off_c & apart)
    return meet


def weights_of(forward: Matrix, backward: Matrix, balance: int,
               reciprocity_required: bool) -> Matrix:
    """Pair weights, zero where the benefits do not allow a pair (``scoring.pair_weight``).

    Works in place on ``forward`` to keep one N-wide block in memory, not four.
    """
    low = np.minimum(forward, backward)
    weight = forward
    weight += backward
    if balance:
        weight += balance * low
    if reciprocity_required:
        weight *= low > 0
    return weight


def scope_groups(instance: Instance) -> list[IntArray]:
    """Canonical indices of each scope group, groups ordered by their first member. O(N)."""
    scope = instance.constraints.scope
    if scope == "region":
        return [np.arange(len(instance.participants), dtype=np.int64)]
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(instance.participants):
        key = p.organization if scope == "organization" else p.municipality
        groups.setdefault(key, []).append(i)
    return [np.asarray(g, dtype=np.int64) for g in groups.values()]


def excluded_pairs(instance: Instance) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, barred by a reporting line or a forbid. O(N + F)."""
    index = instance.index()
    result: set[tuple[int, int]] = set()

    def add(a: int, b: int) -> None:
        result.add((min(a, b), max(a, b)))

    if instance.constraints.no_reporting_line:
        for i, p in enumerate(instance.participants):
            if p.line_manager is not None and p.line_manager in index:
                add(i, index[p.line_manager])
    for a, b in instance.constraints.forbidden:
        add(index[a], index[b])
    return result


@dataclass(frozen=True, slots=True)
class Block:
    """Weights from ``rows`` to ``cols`` (canonical indices); zero means «not a candidate»."""

    rows: IntArray
    cols: IntArray
    weight: Matrix


def weight_blocks(instance: Instance, f: Features, *, active: npt.NDArray[np.bool_],
                  excluded: set[tuple[int, int]],
                  progress: Progress | None = None, label: str = "",
                  groups: list[IntArray] | None = None) -> Iterator[Block]:
    """Every active participant's row of candidate weights to the active members of their
    scope group, in blocks of rows. Each pair appears twice (as i→j and j→i rows).
    ``groups`` (scope groups, by default all of them) limits it to those groups.

    O(Σ_g |g|²·C) time, O(block) memory beyond the output.
    """
    rows_ex, cols_ex = _both_ways(excluded)
    groups = [g[active[g]] for g in (scope_groups(instance) if groups is None else groups)]
    total = sum(int(g.size) for g in groups)
    done = 0
    for group in groups:
        step = max(1, _BLOCK_ELEMENTS // max(group.size, 1))
        learn_cols = np.ascontiguousarray(f.learn_both[group].T)
        teach_cols = np.ascontiguousarray(f.teach_both[group].T)
        for start in range(0, group.size, step):
            rows = group[start:start + step]
            forward, backward = _benefits(f, rows, learn_cols, teach_cols)
            weight = weights_of(forward, backward, instance.weights.balance,
                                instance.constraints.reciprocity_required)
            weight *= formats_meet(f, rows, group)
            weight[np.arange(rows.size), start + np.arange(rows.size)] = 0
            _clear(weight, rows, group, rows_ex, cols_ex)
            yield Block(rows, group, weight)
            done += rows.size
            if progress is not None:
                progress(label, done, total)


def _both_ways(pairs: set[tuple[int, int]]) -> tuple[IntArray, IntArray]:
    if not pairs:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    a, b = np.array(sorted(pairs), dtype=np.int64).T
    return np.concatenate([a, b]), np.concatenate([b, a])


def _clear(weight: Matrix, rows: IntArray, cols: IntArray, rows_ex: IntArray,
           cols_ex: IntArray) -> None:
    """Zeroes the excluded pairs that fall inside this block (rows and cols are sorted)."""
    if rows_ex.size == 0:
        return
    r = np.searchsorted(rows, rows_ex).clip(max=rows.size - 1)
    c = np.searchsorted(cols, cols_ex).clip(max=cols.size - 1)
    inside = (rows[r] == rows_ex) & (cols[c] == cols_ex)
    weight[r[inside], c[inside]] = 0


def candidate_graph(instance: Instance, f: Features | None = None,
                    progress: Progress | None = None) -> CandidateGraph:
    """All candidate edges (forbidden and reporting-line pairs left out; locked pairs kept
    if they are candidates by skill). O(Σ_g |g|²·C) time, O(E + block) memory."""
    f = f if f is not None else features(instance)
    n = len(instance.participants)
    parts: list[tuple[IntArray, IntArray, IntArray]] = []
    for block in weight_blocks(instance, f, active=np.ones(n, dtype=bool),
                               excluded=excluded_pairs(instance), progress=progress,
                               label="candidate_graph"):
        r, c = np.nonzero(block.weight)
        u, v = block.rows[r], block.cols[c]
        upper = u < v
        parts.append((u[upper], v[upper], block.weight[r[upper], c[upper]].astype(np.int64)))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return CandidateGraph(n=n, u=empty, v=empty, w=empty)
    u = np.concatenate([p[0] for p in parts])
    v = np.concatenate([p[1] for p in parts])
    w = np.concatenate([p[2] for p in parts])
    order = np.lexsort((v, u))
    return CandidateGraph(n=n, u=u[order], v=v[order], w=w[order])
