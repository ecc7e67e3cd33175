"""The fractional relaxation: a linear assignment over node copies, and its dual.

Every participant ``p`` with free capacity ``c_p`` becomes ``c_p`` *copies*. The
assignment problem on copies (rows and columns both the copies, entry ``(x, y)`` of
weight ``w`` for each candidate edge between their participants, and a zero diagonal
meaning «unused») has an optimum ``A`` with ``A / 2 ≥`` the best b-matching: a b-matching
``M`` gives an assignment of value ``2·w(M)`` by sending the k-th copy of each end of an
edge to the other (2-cycles). The dual of that assignment, folded onto participants,
``y_p = min over copies of (u + v) / 2``, satisfies ``y_a + y_b ≥ w_ab`` on the edges of the
relaxation and ``y ≥ 0``; so ``Σ c_p·y_p`` bounds every b-matching that uses those edges.
Checking ``y_a + y_b ≥ w_ab`` on *all* candidate pairs («pricing») makes it a bound for the
whole instance. All arithmetic is on integers: ``Y = 2y``.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Copies:
    """Copy ``x`` belongs to participant ``owner[x]``; participant ``p`` owns
    ``first[p] .. first[p] + count[p] − 1``."""

    owner: IntArray
    first: IntArray
    count: IntArray

    @classmethod
    def of(cls, capacity: IntArray) -> "Copies":
        count = np.asarray(capacity, dtype=np.int64)
        first = np.concatenate(([0], np.cumsum(count)[:-1])).astype(np.int64)
        owner = np.repeat(np.arange(count.size, dtype=np.int64), count)
        return cls(owner=owner, first=first, count=count)

    @property
    def size(self) -> int:
        return int(self.owner.size)


@dataclass(frozen=True, slots=True)
class Relaxation:
    """An optimal assignment on copies: ``sigma[x]`` is the column of row ``x``."""

    sigma: IntArray
    value: int
    doubled_dual: IntArray  # Y_p = 2·y_p per participant (0 for those without copies)
    rounds: int
    # The potentials of copies (u_x + v_y ≥ W_xy, equality on sigma): the next round's
    # warm start (``solve_relaxation(start=…)``).
    row_dual: IntArray | None = None
    col_dual: IntArray | None = None


def copy_matrix(copies: Copies, u: IntArray, v: IntArray, w: IntArray) -> sp.csr_array:
    """Symmetric copy-level weight matrix with an explicit zero diagonal. O(Σ c_a·c_b)."""
    rows: list[IntArray] = [np.arange(copies.size, dtype=np.int64)]
    cols: list[IntArray] = [np.arange(copies.size, dtype=np.int64)]
    data: list[IntArray] = [np.zeros(copies.size, dtype=np.int64)]
    keep = (copies.count[u] > 0) & (copies.count[v] > 0)
    u, v, w = u[keep], v[keep], w[keep]
    for k in range(int(copies.count.max(initial=0))):
        for m in range(int(copies.count.max(initial=0))):
            sel = (copies.count[u] > k) & (copies.count[v] > m)
            a = copies.first[u[sel]] + k
            b = copies.first[v[sel]] + m
            rows += [a, b]
            cols += [b, a]
            data += [w[sel], w[sel]]
    matrix = sp.csr_array((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(copies.size, copies.size))
    matrix.sort_indices()
    return matrix


EXACT_FLOAT = 2 ** 52  # integers a float64 sum keeps exactly


def solve_relaxation(copies: Copies, u: IntArray, v: IntArray, w: IntArray,
                     people: int, start: "Relaxation | None" = None) -> Relaxation:
    """Optimal assignment on copies and its dual, folded onto ``people`` participants.

    LAPJVsp (``min_weight_full_bipartite_matching``) on costs ``w_max + 1 − w`` (all
    positive, as it wants), then the dual by Bellman–Ford-style relaxation started from
    the optimal assignment. O(E'·R) for E' copy entries and R relaxation rounds (tens in
    practice) on top of the assignment itself.

    ``start``: the previous round's relaxation on (mostly) the same copies and edges. Its
    potentials turn the costs into reduced costs ``u_x + v_y − W_xy + K`` (``K`` makes them
    all positive). On a full assignment these differ from ``−W`` by a constant, so the
    optimal assignments are the same; but the previous optimum is already tight, and
    LAPJVsp only repairs around the new edges (10,000 people: 0.12 s instead of 0.9 s).
    The dual is computed from the assignment as without a start.
    """
    weights = copy_matrix(copies, u, v, w)
    if copies.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Relaxation(empty, 0, np.zeros(people, dtype=np.int64), 0)
    data = weights.data.astype(np.int64)
    if (start is not None and start.row_dual is not None and start.col_dual is not None
            and start.row_dual.size == copies.size):
        rows = np.repeat(np.arange(copies.size, dtype=np.int64), np.diff(weights.indptr))
        reduced = start.row_dual[rows] + start.col_dual[weights.indices] - data
        cost_data = reduced + (1 + max(0, -int(reduced.min(initial=0))))
        # The assignment sums costs in float64: a warm cost is not bounded by the
        # documented weight limit (it grows with the duals), so past what float64 holds
        # exactly over a full assignment the round starts cold.
        if int(cost_data.max(initial=0)) * copies.size >= EXACT_FLOAT:
            cost_data = int(data.max(initial=0)) + 1 - data
    else:
        cost_data = int(data.max(initial=0)) + 1 - data
    cost = sp.csr_array((cost_data, weights.indices, weights.indptr), shape=weights.shape)
    _, columns = min_weight_full_bipartite_matching(cost)
    sigma: IntArray = np.asarray(columns, dtype=np.int64)
    u_dual, v_dual, rounds = _duals(weights, sigma)
    copy_dual = u_dual + v_dual
    folded = np.full(people, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(folded, copies.owner, copy_dual)
    folded[copies.count == 0] = 0
    value = int(_entries(weights, np.arange(copies.size), sigma).sum())
    return Relaxation(sigma=sigma, value=value, doubled_dual=folded, rounds=rounds,
                      row_dual=u_dual, col_dual=v_dual)


def _entries(matrix: sp.csr_array, rows: IntArray, cols: IntArray) -> IntArray:
    """``matrix[rows[k], cols[k]]`` of stored entries of a sorted-index CSR. O(K log nnz)."""
    n = matrix.shape[1]
    row_of = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    keys = row_of * n + matrix.indices
    at = np.searchsorted(keys, rows.astype(np.int64) * n + cols)
    return matrix.data[at].astype(np.int64)


def _duals(weights: sp.csr_array, sigma: IntArray) -> tuple[IntArray, IntArray, int]:
    """Row and column potentials ``u, v`` with ``u_x + v_y ≥ W_xy`` on every entry and
    equality on the assignment; exist because the assignment is optimal.

    Difference constraints ``v_σ(x) ≤ v_y + W_xσ(x) − W_xy`` solved by synchronous
    Bellman–Ford rounds from ``v = 0``; each round is O(entries), vectorised.
    """
    n = weights.shape[0]
    data = weights.data.astype(np.int64)
    indices = weights.indices.astype(np.int64)
    starts = weights.indptr[:-1]
    assigned = _entries(weights, np.arange(n), sigma)
    v = np.zeros(n, dtype=np.int64)
    rounds = 0
    while True:
        rounds += 1
        best = np.maximum.reduceat(data - v[indices], starts)
        limit = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        limit[sigma] = assigned - best
        updated = np.minimum(v, limit)
        if np.array_equal(updated, v):
            break
        if rounds > n + 1:
            raise ArithmeticError("the assignment is not optimal: the dual does not settle")
        v = updated
    u = assigned - v[sigma]
    return u, v, rounds
