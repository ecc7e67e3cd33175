"""The curator's stuck pairs (``monitoring.selectors.stuck_pairs``) of two source trees side
by side, in one run (docs/performance.md, «застрявшие пары», h/curatorfirst).

    DATABASE_URL=postgres://… python benchmarks/stuck_old_new.py OLD_TREE NEW_TREE \
        [--users curator-orbita,curator-school-5] [--rounds 3] [--calls 30]

Read only. Each round, for each user and tree, in its own process and one after the other
(``side_by_side.run_in``): one call to warm the process, then ``--calls`` calls; printed
per call the wall time, the process's CPU time, the server's CPU time (the PostgreSQL
process behind the connection), the number of queries and the load average before and
after — and a digest of the list, which the two trees must give alike.
"""

import argparse

from side_by_side import run_in

CHILD = """
import hashlib, json, os, resource, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from side_by_side import backend_cpu
from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.monitoring import selectors

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

scope = scope_for(get_user_model().objects.get(username=sys.argv[1]))
calls = int(sys.argv[2])
first = selectors.stuck_pairs(scope=scope, filters=Filters())
with connection.cursor() as cursor:
    load, server = os.getloadavg()[0], backend_cpu(cursor)
    started, own = time.perf_counter(), cpu()
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(calls):
            stuck = selectors.stuck_pairs(scope=scope, filters=Filters())
    wall, own = time.perf_counter() - started, cpu() - own
    server = backend_cpu(cursor) - server
print(json.dumps({"wall": wall / calls, "cpu": own / calls, "server": server / calls,
                  "queries": len(ctx.captured_queries) // calls, "stuck": len(stuck),
                  "load": [load, os.getloadavg()[0]],
                  "digest": hashlib.sha256(repr(stuck).encode()).hexdigest()[:12]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs=2)
    parser.add_argument("--users", default="curator-orbita,curator-school-5")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    print("| кто | код | круг | стена, мс | CPU процесса, мс | CPU сервера, мс | запросов "
          "| застрявших | load до → после | отпечаток |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in range(1, args.rounds + 1):
        for user in args.users.split(","):
            for name, tree in zip(("было", "стало"), args.trees, strict=True):
                r = run_in(tree, CHILD, user, str(args.calls),
                           PYTHONPATH=f"{tree}:{tree}/benchmarks")
                load = r["load"]  # type: ignore[index]
                print(f"| {user} | {name} | {n} | {r['wall'] * 1000:.1f} | "  # type: ignore[operator]
                      f"{r['cpu'] * 1000:.1f} | {r['server'] * 1000:.1f} | "  # type: ignore[operator]
                      f"{r['queries']} | {r['stuck']} | {load[0]:.2f} → {load[1]:.2f} | "
                      f"{r['digest']} |", flush=True)


if __name__ == "__main__":
    main()
