"""The first view of ``/monitoring/`` after the hourly run, and the views after it, for some
users of a seeded database, read only: what the hourly warm-up saves a visitor
(docs/performance.md, «Первый просмотр координатора, прогретый»).

    DATABASE_URL=postgres://… python benchmarks/monitoring_warmed_view.py OLD_TREE [NEW_TREE] \
        [--users coord-prirechensk,region] [--views 3]

Each tree runs in its own process, one after the other (``side_by_side.run_in``), in one
``READ ONLY`` transaction (rolled back) with a local-memory cache of its own, sessions in
signed cookies and no receivers of ``user_logged_in``: nothing is written to the database.
Per user: a view (it marks the dashboard viewed), its cache entry deleted (as if it had
expired), the warm-up of the hourly run (``tasks.warm_dashboards(again=True)``), then
``--views`` views — the first is the one the recipe of docs/performance.md measures.
Printed: per user, tree and view the wall time, the process's CPU time, the time of its
SQL, the number of queries and the load average; and the warm-up's own times.
"""

import argparse

from side_by_side import run_in

CHILD = """
import json, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()
from django.contrib.auth import get_user_model, user_logged_in
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone
from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.monitoring import selectors, tasks

user_logged_in.receivers = []  # no last_login, no access log: nothing written
username, views = sys.argv[1], int(sys.argv[2])
result = {"views": []}
with override_settings(
        CACHES={alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                        "LOCATION": f"warmed-{alias}"} for alias in ("default", "personal")},
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"), \\
        transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION READ ONLY")
    user = get_user_model().objects.get(username=username)
    client = Client()
    client.force_login(user)
    client.get("/")  # the process's first request: imports, URLconf
    assert client.get("/monitoring/").status_code == 200  # viewed: marked
    scope = scope_for(user)
    with timezone.override(scope.zone):  # the entry gone, as after CACHE_SECONDS
        cache.delete(selectors.cache_key(selectors.DATA_KIND, scope, Filters(),
                                         selectors.data_version(scope, Filters())))
    started, cpu = time.perf_counter(), time.process_time()
    result["warmed"] = tasks.warm_dashboards.call(again=True)
    result["warm_wall"] = time.perf_counter() - started
    result["warm_cpu"] = time.process_time() - cpu
    for view in range(views):
        queries = []
        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append(time.perf_counter() - started)
        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(timed):
            response = client.get("/monitoring/")
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert response.status_code == 200, response.status_code
        result["views"].append({"wall": wall, "cpu": cpu, "queries": len(queries),
                                "sql": sum(queries), "load": load})
    transaction.set_rollback(True)
print(json.dumps(result))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="+")
    parser.add_argument("--users", default="coord-prirechensk")
    parser.add_argument("--views", type=int, default=3)
    args = parser.parse_args()
    names = ["было", "стало"] if len(args.trees) == 2 else ["код"]
    warm = []
    print("| кто | код | просмотр после прогрева | стена | CPU процесса | SQL | запросов "
          "| load average |")
    print("|---|---|---|---|---|---|---|---|")
    for user in args.users.split(","):
        for name, tree in zip(names, args.trees, strict=True):
            r = run_in(tree, CHILD, user, str(args.views))
            for n, v in enumerate(r["views"], start=1):  # type: ignore[attr-defined]
                print(f"| {user} | {name} | {n} | {v['wall'] * 1000:.0f} мс | "
                      f"{v['cpu'] * 1000:.0f} мс | {v['sql'] * 1000:.0f} мс | {v['queries']} | "
                      f"{v['load']:.2f} |", flush=True)
            warm.append((user, name, r["warmed"], r["warm_wall"], r["warm_cpu"]))
    print("\nпрогрев (tasks.warm_dashboards(again=True)) в том же процессе:")
    for user, name, warmed, wall, cpu in warm:
        print(f"- {user}, {name}: посчитано панелей {warmed}, {wall * 1000:.0f} мс стены, "
              f"{cpu * 1000:.0f} мс CPU")


if __name__ == "__main__":
    main()
