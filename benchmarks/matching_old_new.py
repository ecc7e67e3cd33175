"""Old and new matching engine side by side, in one run (docs/performance.md, «Подбор пар»).

    python benchmarks/matching_old_new.py OLD_TREE NEW_TREE CASE [CASE …] [--seed 1]

Each ``CASE`` is a ``tandem bench matching`` case (``size:10000``, ``cap:2000``, …). For
every case the two source trees (two checkouts of the repository) run ``solver.solve`` on
the same generated instance, each in its own process, one after the other (so that they do
not share the two cores); every row carries the wall time, the process's CPU time, the load
average before and after, the weight, the bound and which stage proved it. BLAS is pinned
to one thread in both (``OPENBLAS_NUM_THREADS=1``), as in the earlier tables.
"""

import argparse
import json

from side_by_side import run_in

CHILD = """
import json, os, sys, time
from tandem.core.matching import solver
from tandem.core.matching.bench import bench_instance
instance = bench_instance(sys.argv[1], int(sys.argv[2]))
load = os.getloadavg()[0]
started, cpu = time.perf_counter(), time.process_time()
result = solver.solve(instance)
print(json.dumps({"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                  "load_before": load, "load_after": os.getloadavg()[0],
                  "weight": result.total_weight, "bound": result.upper_bound,
                  "proved_by": result.proved_by,
                  "stats": {k: v for k, v in result.stats.items()
                            if k.startswith(("time_", "warm", "milp", "exact"))}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("cases", nargs="+")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print("| случай | код | стена | CPU | load average (до → после) | вес / граница | доказал |")
    print("|---|---|---|---|---|---|---|")
    for case in args.cases:
        for name, tree in (("было", args.old), ("стало", args.new)):
            r = run_in(tree, CHILD, case, str(args.seed), OPENBLAS_NUM_THREADS="1")
            print(f"| {case} | {name} | {r['wall']:.1f} с | {r['cpu']:.1f} с | "
                  f"{r['load_before']:.1f} → {r['load_after']:.1f} | "
                  f"{r['weight']} / {r['bound']} | `{r['proved_by']}` |", flush=True)
            print(f"<!-- {case} {name}: {json.dumps(r['stats'])} -->", flush=True)


if __name__ == "__main__":
    main()
