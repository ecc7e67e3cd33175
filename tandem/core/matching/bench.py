"""Benchmark of the matching engine against networkx and rustworkx on the same graphs.

    python -m tandem.core.matching.bench [--sizes 300 2000 10000] [--families …] [--seed 1]
    tandem bench matching [--families sizes groups capacity]   # rows for docs/performance.md

Three families of cases: ``sizes`` (one pool of N: 300, 2,000, 10,000), ``groups`` (a
region of N people in G organizations, each organization its own pool: 10,000/200 …
95,000/1,900 — the time must grow linearly in G) and ``capacity`` (pools with capacities
up to 3: 150 and 200 all with capacity 3, 2,000 with capacities 1–3). Our engine and
rustworkx (for capacities, through the b-matching reduction of ``exact``) run side by side
in one pool of worker processes; every row of time carries the process's CPU time and the
load average, since the machine is shared.

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
import random
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
FAMILIES: dict[str, tuple[str, ...]] = {
    "sizes": tuple(f"size:{n}" for n in STANDARD_SIZES),
    "groups": ("groups:10000:200", "groups:20000:400", "groups:40000:800",
               "groups:95000:1900"),
    "capacity": ("cap3:150", "cap3:200", "cap:2000"),
}
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


def bench_instance(n: int | str, seed: int) -> Instance:
    """The instance of a case: ``N`` or ``size:N``, ``groups:N:G``, ``cap3:N``, ``cap:N``."""
    kind, *numbers = (f"size:{n}" if isinstance(n, int) else n).split(":")
    people = int(numbers[0])
    if kind == "size":
        organizations, municipalities, scope = layout(people)
        return instance_from_dict(instance_document(
            people, seed, organizations=organizations, municipalities=municipalities,
            scope=scope))
    if kind == "groups":
        groups = int(numbers[1])
        return instance_from_dict(instance_document(
            people, seed, organizations=groups, municipalities=max(1, groups // 20),
            scope="organization"))
    organizations, municipalities, scope = layout(people)
    document = instance_document(people, seed, organizations=organizations,
                                 municipalities=municipalities, scope=scope, capacities=True)
    rng = random.Random(seed)
    for p in document["participants"]:
        p["capacity"] = 3 if kind == "cap3" else rng.randint(1, 3)
    return instance_from_dict(document)


def child(solver: str, n: int | str, seed: int) -> dict[str, Any]:
    """Runs one solver in this process; reports wall and CPU time, weight, peak memory
    and the load average at the end."""
    from tandem.core.matching.engine import match
    from tandem.core.matching.exact import max_weight_b_matching
    from tandem.core.matching.graph import candidate_graph

    instance = bench_instance(n, seed)
    report: dict[str, Any] = {}
    if solver == "tandem":
        # A worker process is warm: the median of five runs, and the first one apart.
        times, cpu = [], []
        for _ in range(5 if len(instance.participants) <= 3000 else 1):
            started, cpu_started = time.perf_counter(), time.process_time()
            result = match(instance)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        middle = sorted(range(len(times)), key=times.__getitem__)[len(times) // 2]
        report.update(time=times[middle], cpu=cpu[middle], first_time=times[0],
                      weight=result.total_weight, upper_bound=result.upper_bound,
                      candidates=result.stats["candidates"], proved_by=result.proved_by)
    else:
        graph = candidate_graph(instance)
        edges = list(zip(graph.u.tolist(), graph.v.tolist(), graph.w.tolist(), strict=True))
        started, cpu_started = time.perf_counter(), time.process_time()
        if any(p.capacity > 1 for p in instance.participants):
            caps = {k: p.capacity for k, p in enumerate(instance.participants)}
            weights = {(a, b): w for a, b, w in edges}
            report["weight"] = sum(weights[pair] for pair in max_weight_b_matching(edges, caps))
        else:
            report["weight"] = _reference(solver, graph.n, edges)
        report["time"] = time.perf_counter() - started
        report["cpu"] = time.process_time() - cpu_started
    report["peak_mb"] = _peak_mb()
    report["load"] = os.getloadavg()[0]
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


def run(solver: str, n: int | str, seed: int, limit: float) -> dict[str, Any] | None:
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
    except subprocess.CalledProcessError as error:
        # One failed solver must not lose the rows of the others (a long run prints at the
        # end); the row says it failed, with the last line of its stderr.
        lines = (error.stderr or "").strip().splitlines()
        return {"failed": lines[-1] if lines else f"код {error.returncode}"}
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def _people(case: str) -> int:
    return int(case.split(":")[1])


def _title(case: str) -> str:
    kind, *numbers = case.split(":")
    if kind == "size":
        return f"N = {numbers[0]} ({layout(int(numbers[0]))[2]})"
    if kind == "groups":
        return f"N = {numbers[0]} в {numbers[1]} организациях"
    return f"N = {numbers[0]}, ёмкость {'3 у всех' if kind == 'cap3' else '1–3'}"


def benchmark(cases: Sequence[int | str], seed: int = 1, limit: float = DEFAULT_LIMIT,
              progress: bool = True) -> list[Row]:
    """Rows (measure, value, unit) for each case and solver; see the module docstring."""
    from concurrent.futures import ThreadPoolExecutor

    rows: list[Row] = []
    # One pool of two workers: the two solvers of a case run side by side, each in its own
    # process (so that one over its limit can be stopped).
    with ThreadPoolExecutor(max_workers=2) as pool:
        for raw in cases:
            case = f"size:{raw}" if isinstance(raw, int) else raw
            n = _people(case)
            largest = LARGEST if case.startswith("size:") else {"tandem": 10**7,
                                                                "rustworkx": 2_000}
            if progress:
                sys.stderr.write(f"  подбор пар: {_title(case)}…\n")
            futures = {solver: pool.submit(run, solver, case, seed, limit)
                       for solver in SOLVERS if n <= largest.get(solver, 0)}
            rows += _rows(case, {s: f.result() for s, f in futures.items()}, limit)
    return rows


def _rows(case: str, reports: dict[str, dict[str, Any] | None], limit: float) -> list[Row]:
    rows: list[Row] = []
    title = _title(case)
    finished = [r for r in reports.values() if r is not None and "failed" not in r]
    best = max(int(r["weight"]) for r in finished) if finished else 0
    ours = reports.get("tandem")
    if ours is not None and "failed" not in ours:
        rows.append((f"{title}: кандидатов-рёбер", ours["candidates"], "шт."))
        rows.append((f"{title}: Тандем, верхняя граница", ours["upper_bound"], ""))
        gap = ours["upper_bound"] - ours["weight"]
        rows.append((f"{title}: Тандем, доказанный разрыв ({ours['proved_by']})",
                     100 * gap / max(ours["upper_bound"], 1), "%"))
    for solver, report in reports.items():
        name = f"{title}: {LABELS[solver]}"
        if report is None:
            rows.append((f"{name}, не уложился в лимит", limit, "с"))
            continue
        if "failed" in report:
            rows.append((f"{name}, завершился с ошибкой: {report['failed']}", 0, ""))
            continue
        rows.append((f"{name}, время (CPU {report['cpu']:.2f} с, load average "
                     f"{report['load']:.2f})", report["time"], "с"))
        if "first_time" in report and report["first_time"] != report["time"]:
            rows.append((f"{name}, время первого запуска в процессе",
                         report["first_time"], "с"))
        rows.append((f"{name}, пик памяти процесса", report["peak_mb"], "МБ"))
        rows.append((f"{name}, суммарный вес", report["weight"], ""))
        rows.append((f"{name}, доля от лучшего известного", 100 * report["weight"]
                     / max(best, 1), "%"))
    return rows


def bench_matching(participants: int) -> list[Row]:
    """``tandem bench matching`` through Django: the three families, or the one size
    ``--participants`` if it is below 10,000."""
    if participants < STANDARD_SIZES[-1]:
        return benchmark((participants,))
    return benchmark([case for family in FAMILIES.values() for case in family])


def command_line(argv: Sequence[str]) -> int:
    """``tandem bench matching [--participants N] [--families …]`` without Django."""
    parser = argparse.ArgumentParser(prog="tandem bench matching")
    parser.add_argument("--participants", type=int, default=None)
    parser.add_argument("--families", nargs="+", choices=sorted(FAMILIES),
                        default=list(FAMILIES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=float, default=DEFAULT_LIMIT)
    args = parser.parse_args(argv)
    cases: list[int | str] = ([args.participants] if args.participants else
                              [c for f in args.families for c in FAMILIES[f]])
    _print(benchmark(cases, args.seed, args.limit))
    return 0


def _print(rows: list[Row]) -> None:
    load = os.getloadavg()
    print(f"load average в конце: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"ядер: {os.cpu_count()}")
    print("| замер | значение |\n|---|---|")
    for measure, value, unit in rows:
        print(f"| {measure} | {value:.{0 if float(value).is_integer() else 3}f} {unit} |")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--families", nargs="+", choices=sorted(FAMILIES), default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=float, default=DEFAULT_LIMIT,
                        help="секунд на один запуск решателя")
    parser.add_argument("--child", nargs=2, metavar=("SOLVER", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        solver, case = args.child
        print(json.dumps(child(solver, int(case) if case.isdigit() else case, args.seed)))
        return
    cases: list[int | str] = list(args.sizes or [])
    for family in args.families or ([] if args.sizes else ["sizes"]):
        cases += FAMILIES[family]
    _print(benchmark(cases, args.seed, args.limit))


if __name__ == "__main__":
    main()
