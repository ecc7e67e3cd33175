"""The first computation (nothing cached) of the monitoring dashboard and of the staff
overview ``/`` of two source trees side by side, in one run (docs/performance.md,
«Первый расчёт панели и обзора», h/firstcalc).

    DATABASE_URL=postgres://… python benchmarks/first_computation_old_new.py OLD_TREE NEW_TREE \
        [--cases curator-orbita:dash,coord-prirechensk:dash,curator-orbita:home] \
        [--rounds 2] [--calls 12]

Read only (nothing is put in a cache: the functions that compute are called, not the
pages). ``dash``: ``monitoring.selectors.compute_dashboard`` and the technologies table
(``maps.selectors.technologies_used``) — what ``_compute_once`` computes; ``home``: the
overview's staff part (``home.selectors.staff_overview``), its people without consent
and the user's own part as a teacher where she has one — what the first ``/`` computes.
Each round, for each case and tree, in its own process and one after the other
(``side_by_side.run_in``), the trees' order turned each round: one call to warm the
process, then ``--calls`` calls, each timed alone; printed per case the medians of the
wall and of the process's CPU time per call, the queries per call, the load average
before and after, and a digest of the result (``repr``), which the two trees must give
alike.
"""

import argparse

from side_by_side import run_in

CHILD = """
import hashlib, json, os, statistics, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.home import selectors as home
from tandem.maps.selectors import technologies_used
from tandem.monitoring import selectors

user, what, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
scope = scope_for(get_user_model().objects.get(username=user))

def dash():
    data = selectors.compute_dashboard(scope=scope, filters=Filters())
    data.technologies = technologies_used(scope, Filters())
    data.computed_at = None  # the moment differs from call to call
    return data

def overview():
    today = timezone.localdate()
    staff = home.staff_overview(scope, today)
    shown = [staff.context, staff.panels, home.missing_consent(scope=scope)]
    if scope.own_participant_id is not None:
        shown.append(home.own_context(scope=scope, today=today))
    return shown

compute = dash if what == "dash" else overview
first = compute()
walls, cpus, queries = [], [], []
load = os.getloadavg()[0]
for _ in range(calls):
    started, own = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as ctx:
        result = compute()
    walls.append(time.perf_counter() - started)
    cpus.append(time.process_time() - own)
    queries.append(len(ctx.captured_queries))
digest = repr(result)
print(json.dumps({"wall": statistics.median(walls), "cpu": statistics.median(cpus),
                  "queries": max(queries), "load": [load, os.getloadavg()[0]],
                  "digest": hashlib.sha256(digest.encode()).hexdigest()[:12]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs=2)
    parser.add_argument("--cases",
                        default="curator-orbita:dash,coord-prirechensk:dash,curator-orbita:home")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--calls", type=int, default=12)
    args = parser.parse_args()
    print("| кто | что | код | круг | стена, мс (медиана) | CPU процесса, мс (медиана) "
          "| запросов | load до → после | отпечаток |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in range(1, args.rounds + 1):
        for case in args.cases.split(","):
            user, what = case.split(":")
            pairs = list(zip(("было", "стало"), args.trees, strict=True))
            for name, tree in (pairs if n % 2 else pairs[::-1]):
                r = run_in(tree, CHILD, user, what, str(args.calls),
                           PYTHONPATH=f"{tree}:{tree}/benchmarks")
                load = r["load"]  # type: ignore[index]
                print(f"| {user} | {what} | {name} | {n} | {r['wall'] * 1000:.1f} | "  # type: ignore[operator]
                      f"{r['cpu'] * 1000:.1f} | {r['queries']} | "  # type: ignore[operator]
                      f"{load[0]:.2f} → {load[1]:.2f} | {r['digest']} |", flush=True)


if __name__ == "__main__":
    main()
