"""The first view of ``/monitoring/`` (no cache) for some users of a seeded database, read
only, with every query's time: what the dashboard's computation costs and which queries
cost it (docs/performance.md, «Первый просмотр мониторинга…»).

    DATABASE_URL=postgres://… python benchmarks/monitoring_first_view.py OLD_TREE [NEW_TREE] \
        [--users federal,region] [--views 3] [--new-database-url postgres://…]

Each tree runs in its own process, one after the other (``side_by_side.run_in``). The
views run in one ``READ ONLY`` transaction (rolled back) with the dummy cache, sessions in
signed cookies and no receivers of ``user_logged_in`` (``last_login``, the access log):
nothing is written to the database. Printed: per user and tree the wall time, the
process's CPU time, the time of its SQL, the number of queries and the load average of
each view, and the slowest queries of the last view.
"""

import argparse

from side_by_side import run_in

CHILD = """
import json, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()
from django.contrib.auth import get_user_model, user_logged_in
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings, setup_test_environment

setup_test_environment()
user_logged_in.receivers = []  # no last_login, no access log: nothing written
username, views = sys.argv[1], int(sys.argv[2])
result = {"views": [], "top": []}
with override_settings(
        CACHES={alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
                for alias in ("default", "personal")},
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"), \\
        transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION READ ONLY")
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    for view in range(views):
        queries = []
        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append((time.perf_counter() - started, sql))
        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(timed):
            response = client.get("/monitoring/")
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert response.status_code == 200, response.status_code
        result["views"].append({"wall": wall, "cpu": cpu, "queries": len(queries),
                                "sql": sum(t for t, _ in queries), "load": load})
    result["top"] = [(t, " ".join(sql.split())[:300])
                     for t, sql in sorted(queries, reverse=True)[:8]]
    transaction.set_rollback(True)
print(json.dumps(result))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="+")
    parser.add_argument("--users", default="federal,region")
    parser.add_argument("--views", type=int, default=3)
    parser.add_argument("--new-database-url", default="",
                        help="the second tree's database (its migrations applied)")
    args = parser.parse_args()
    names = ["было", "стало"] if len(args.trees) == 2 else ["код"]
    tops = []
    print("| кто | код | просмотр | стена | CPU процесса | SQL | запросов | load average |")
    print("|---|---|---|---|---|---|---|---|")
    for user in args.users.split(","):
        for i, (name, tree) in enumerate(zip(names, args.trees, strict=True)):
            env = ({"DATABASE_URL": args.new_database_url}
                   if i == 1 and args.new_database_url else {})
            r = run_in(tree, CHILD, user, str(args.views), **env)
            for n, v in enumerate(r["views"], start=1):  # type: ignore[attr-defined]
                print(f"| {user} | {name} | {n} | {v['wall'] * 1000:.0f} мс | "
                      f"{v['cpu'] * 1000:.0f} мс | {v['sql'] * 1000:.0f} мс | {v['queries']} | "
                      f"{v['load']:.2f} |", flush=True)
            tops.append((user, name, r["top"]))
    for user, name, top in tops:
        print(f"\n{user}, {name}: самые долгие запросы последнего просмотра")
        for t, sql in top:
            print(f"- {t * 1000:.0f} мс: `{sql}`")


if __name__ == "__main__":
    main()
