"""Benchmark of the matching engine against networkx and rustworkx on the same graphs.

    python -m tandem.core.matching.bench [--sizes 300 2000 10000] [--seed 1] [--limit 120]
    tandem bench matching                      # the same, as rows for docs/performance.md

Each run is a subprocess (``--child``), so that a solver over its time limit can be
stopped and the peak memory (``VmHWM`` of that process: interpreter, numpy and the
instance included) belongs to that solver alone. The reference solvers get the candidate
graph our engine computes (its construction is not timed for them); they are exact, so
any of them that finishes gives the optimum. Sizes follow docs/performance.md: 300 is a
large organization, 2,000 a large municipality, 10,000 a region-wide pool.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tandem.core.matching.generator import instance_document
from tandem.core.matching.instance import Instance, Scope, instance_from_dict

STANDARD_SIZES = (300, 2000, 10_000)
SOLVERS = ("tandem", "rustworkx", "networkx")
LABELS = {"tandem": "Тандем", "rustworkx": "rustworkx", "networkx": "networkx"}
# Beyond these sizes a reference solver is not started: measured, it does not finish
# within minutes (networkx: 9 s at 300, > 180 s at 1,000; rustworkx: 61 s at 2,000).
LARGEST = {"tandem": 1_000_000, "rustworkx": 2_000, "networkx": 300}
DEFAULT_LIMIT = 120.0

Row = tuple[str, float, str]


def layout(n: int) -> tuple[int, int, Scope]:
    """(organizations, municipalities, scope) so that everyone is in one scope group."""
    if n <= 500:
        return 1, 1, "organization"
    if n <= 3000:
        return max(1, n // 100), 1, "municipality"
    return max(1, n // 70), max(1, n // 1000), "region"


def bench_instance(n: int, seed: int) -> Instance:
    organizations, municipalities, scope = layout(n)
    return instance_from_dict(instance_document(n, seed, organizations=organizations,
                                                municipalities=municipalities, scope=scope))


def child(solver: str, n: int, seed: int) -> dict[str, Any]:
    """Runs one solver in this process and reports time, weight and peak memory."""
    from tandem.core.matching.engine import match
    from tandem.core.matching.graph import candidate_graph

    instance = bench_instance(n, seed)
    report: dict[str, Any] = {}
    if solver == "tandem":
        # A worker process is warm: the median of five runs, and the first one apart.
        times = []
        for _ in range(5 if len(instance.participants) <= 3000 else 1):
            started = time.perf_counter()
            result = match(instance)
            times.append(time.perf_counter() - started)
        report.update(time=sorted(times)[len(times) // 2], first_time=times[0],
                      weight=result.total_weight, upper_bound=result.upper_bound,
                      candidates=result.stats["candidates"])
    else:
        graph = candidate_graph(instance)
        edges = list(zip(graph.u.tolist(), graph.v.tolist(), graph.w.tolist(), strict=True))
        started = time.perf_counter()
        report["weight"] = _reference(solver, graph.n, edges)
        report["time"] = time.perf_counter() - started
    report["peak_mb"] = _peak_mb()
    return report


def _peak_mb() -> float:
    """Peak resident memory of this process. ``VmHWM`` rather than ``ru_maxrss``: Linux
    carries ``ru_maxrss`` over ``exec`` from the parent, which here is a Django process."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reference(solver: str, n: int, edges: list[tuple[int, int, int]]) -> int:
    if solver == "networkx":
        import networkx as nx

        g = nx.Graph()
        g.add_weighted_edges_from(edges)
        return int(sum(g[a][b]["weight"] for a, b in nx.max_weight_matching(g)))
    import rustworkx as rx

    r: rx.PyGraph = rx.PyGraph()
    r.add_nodes_from(range(n))
    r.add_edges_from(edges)
    return int(sum(r.get_edge_data(a, b)
                   for a, b in rx.max_weight_matching(r, weight_fn=lambda w: w)))


def run(solver: str, n: int, seed: int, limit: float) -> dict[str, Any] | None:
    """One child process; None if it ran out of time."""
    root = str(Path(__file__).resolve().parents[3])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [root, *filter(None, [os.environ.get("PYTHONPATH")])])}
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "tandem.core.matching.bench", "--child", solver, str(n),
             "--seed", str(seed)], capture_output=True, text=True, timeout=limit, env=env,
            check=True)
    except subprocess.TimeoutExpired:
        return None
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def benchmark(sizes: Sequence[int], seed: int = 1, limit: float = DEFAULT_LIMIT,
              progress: bool = True) -> list[Row]:
    """Rows (measure, value, unit) for each size and solver; see the module docstring."""
    rows: list[Row] = []
    for n in sizes:
        reports: dict[str, dict[str, Any] | None] = {}
        for solver in SOLVERS:
            if n > LARGEST[solver]:
                continue
            if progress:
                sys.stderr.write(f"  подбор пар: N = {n}, {solver}…\n")
            reports[solver] = run(solver, n, seed, limit)
        finished = [r for r in reports.values() if r is not None]
        best = max(int(r["weight"]) for r in finished) if finished else 0
        ours = reports.get("tandem")
        scope = layout(n)[2]
        if ours is not None:
            rows.append((f"N = {n} ({scope}): кандидатов-рёбер", ours["candidates"], "шт."))
            rows.append((f"N = {n}: Тандем, верхняя граница", ours["upper_bound"], ""))
            gap = ours["upper_bound"] - ours["weight"]
            rows.append((f"N = {n}: Тандем, доказанный разрыв", 100 * gap
                         / max(ours["upper_bound"], 1), "%"))
        for solver, report in reports.items():
            name = f"N = {n}: {LABELS[solver]}"
            if report is None:
                rows.append((f"{name}, не уложился в лимит", limit, "с"))
                continue
            rows.append((f"{name}, время", report["time"], "с"))
            if "first_time" in report and report["first_time"] != report["time"]:
                rows.append((f"{name}, время первого запуска в процессе",
                             report["first_time"], "с"))
            rows.append((f"{name}, пик памяти процесса", report["peak_mb"], "МБ"))
            rows.append((f"{name}, суммарный вес", report["weight"], ""))
            rows.append((f"{name}, доля от лучшего известного", 100 * report["weight"]
                         / max(best, 1), "%"))
    return rows


def bench_matching(participants: int) -> list[Row]:
    """``tandem bench matching``: the standard sizes 300, 2,000 and 10,000 unless
    ``--participants`` is below 10,000, in which case that one size is run."""
    sizes = STANDARD_SIZES if participants >= STANDARD_SIZES[-1] else (participants,)
    return benchmark(sizes)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(STANDARD_SIZES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=float, default=DEFAULT_LIMIT,
                        help="секунд на один запуск решателя")
    parser.add_argument("--child", nargs=2, metavar=("SOLVER", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        solver, n = args.child
        print(json.dumps(child(solver, int(n), args.seed)))
        return
    print("| замер | значение |\n|---|---|")
    for measure, value, unit in benchmark(args.sizes, args.seed, args.limit):
        print(f"| {measure} | {value:.{0 if float(value).is_integer() else 3}f} {unit} |")


if __name__ == "__main__":
    main()
