"""Exact maximum-weight b-matching as an integer program, through scipy's HiGHS (``milp``).

The solver's last stage (docs/matching.md, «Доказательство»): on the pairs whose reduced
cost is below the gap (every pair a better matching could use) it maximises
``Σ w_e·x_e`` subject to ``Σ_{e∋p} x_e ≤ c_p``, ``x ∈ {0, 1}``. Unlike the blossom
reduction in ``exact`` it needs no gadget for capacities above 1, and HiGHS's
branch-and-cut closes the small integrality gaps of these instances quickly.

HiGHS works in floating point. What is taken from it is therefore checked or kept on the
safe side: its solution is rounded and re-checked here (capacities, each pair once) and
weighed with the integer weights; its dual bound ``d`` is used as ``⌊d + ½⌋``, which bounds
the integer optimum as long as HiGHS's error stays below ½ — ``tolerance`` estimates that
error from its documented tolerances, and no bound is taken beyond it.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

IntArray = npt.NDArray[np.int64]
# HiGHS's dual feasibility tolerance (1e-7) per variable in [0, 1], with a margin ×10, and
# float64's relative precision on the objective, with a wide margin.
_PER_VARIABLE = 1e-6
_RELATIVE = 1e-12


@dataclass(frozen=True, slots=True)
class MilpAnswer:
    """``pairs`` (indices into the edge arrays) of the best matching found, its integer
    weight, and an integer upper bound on the optimum (None if HiGHS gave none)."""

    chosen: IntArray
    total: int
    upper: int | None
    optimal: bool
    seconds: float


def tolerance(variables: int, objective: float) -> float:
    """An estimate of how far HiGHS's dual bound may be off (see the module docstring)."""
    return _PER_VARIABLE * variables + _RELATIVE * abs(objective)


def max_weight_b_matching_milp(u: IntArray, v: IntArray, w: IntArray, capacity: IntArray,
                               time_limit: float) -> MilpAnswer | None:
    """Solves the b-matching on the edges ``(u, v, w)`` (capacities indexed by node), or
    None when HiGHS found nothing usable within ``time_limit`` seconds."""
    import time

    # Imported here: scipy.optimize takes 1.6 s to import on this machine, and most runs
    # (every capacity-1 pool the blossom stage proves) never reach this stage.
    import scipy.optimize as so

    started = time.perf_counter()
    nodes, inverse = np.unique(np.concatenate([u, v]), return_inverse=True)
    m = u.size
    rows = inverse  # first m entries: u ends, next m: v ends
    cols = np.concatenate([np.arange(m), np.arange(m)])
    incidence = sp.csr_array((np.ones(2 * m), (rows, cols)), shape=(nodes.size, m))
    weight = w.astype(np.float64)
    result = so.milp(-weight, integrality=np.ones(m, dtype=np.int64),
                     bounds=so.Bounds(np.zeros(m), np.ones(m)),
                     constraints=so.LinearConstraint(incidence, -np.inf,
                                                     capacity[nodes].astype(np.float64)),
                     options={"time_limit": max(time_limit, 0.01), "mip_rel_gap": 0.0,
                              "presolve": True})
    seconds = time.perf_counter() - started
    if result.x is None:
        return None
    chosen = np.nonzero(np.round(result.x) == 1)[0].astype(np.int64)
    degree = np.bincount(inverse[np.concatenate([chosen, chosen + m])],
                         minlength=nodes.size)
    if (degree > capacity[nodes]).any():
        return None  # HiGHS's tolerance let a capacity be exceeded: nothing is taken
    total = int(w[chosen].sum())
    upper = None
    dual = getattr(result, "mip_dual_bound", None)
    if dual is not None and np.isfinite(dual):
        bound = -float(dual)
        if tolerance(m, bound) < 0.5:
            upper = max(int(np.floor(bound + 0.5)), total)
    return MilpAnswer(chosen=chosen, total=total, upper=upper,
                      optimal=upper is not None and upper == total, seconds=seconds)
