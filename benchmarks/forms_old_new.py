"""The region operator's forms that chose among every organization of the region (issue
#16), old tree and new side by side on a read-only database (``t300k``): wall time, process
CPU, queries and HTML size of each page, in one process per tree, one tree after the
other (``side_by_side.run_in``), the load average beside them.

    python benchmarks/forms_old_new.py OLD_TREE NEW_TREE [DATABASE_URL]

Each request runs in a READ ONLY transaction with ``work_mem=32MB`` and ``jit=off``; the
login is ``force_login`` with signed-cookie sessions and the login signal off (nothing is
written)."""

import json
import os
import sys

from side_by_side import PAGES_CHILD, run_in

CHILD = PAGES_CHILD + r'''
user = get_user_model().objects.get(username="region")
client = Client()
client.force_login(user)
out = {}
for path in json.loads(sys.argv[1]):
    runs = []
    for i in range(int(sys.argv[2]) + 1):
        with transaction.atomic():
            with connection.cursor() as c:
                c.execute("SET TRANSACTION READ ONLY")
                c.execute("SET LOCAL work_mem='32MB'")
                c.execute("SET LOCAL jit=off")
            with CaptureQueriesContext(connection) as q:
                w0, c0 = time.perf_counter(), cpu()
                response = client.get(path, HTTP_HOST="localhost")
                wall, used = time.perf_counter() - w0, cpu() - c0
        if i:  # the first view warms the caches
            runs.append({"wall": wall * 1000, "cpu": used * 1000, "queries": len(q),
                         "sql": sum(float(x["time"]) for x in q.captured_queries) * 1000,
                         "kb": len(response.content) / 1024, "status": response.status_code})
    out[path] = runs
print(json.dumps(out))
'''


def main() -> None:
    old, new = sys.argv[1], sys.argv[2]
    url = sys.argv[3] if len(sys.argv) > 3 else "postgres://postgres@127.0.0.1:5432/t300k"
    pages = ["/participants/new/", "/participants/117546/edit/", "/pairs/formation/",
             "/roster/", "/diagnostics/new/"]
    new_pages = ["/participants/new/?organization=2097", "/organizations/choices/?municipality=2",
                 "/pairs/formation/?municipality=2", "/pairs/formation/?unit=o:2097",
                 "/roster/?q=2097", "/diagnostics/new/"]
    rounds = int(os.environ.get("ROUNDS", "3"))
    for tree, paths in ((old, pages), (new, pages + new_pages[:-1])):
        load = os.getloadavg()
        report = run_in(tree, CHILD, json.dumps(paths), str(rounds), DATABASE_URL=url)
        print(f"== {tree} (load {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f})")
        for path, runs in report.items():
            walls = sorted(r["wall"] for r in runs)  # type: ignore[index]
            first = runs[0]  # type: ignore[index]
            cpus = sorted(r["cpu"] for r in runs)  # type: ignore[index]
            sqls = sorted(r["sql"] for r in runs)  # type: ignore[index]
            print(f"{path:45} {first['status']} wall {walls[0]:.0f}–{walls[-1]:.0f} "
                  f"(med {walls[len(walls) // 2]:.0f}) ms, CPU med {cpus[len(cpus) // 2]:.0f} ms,"
                  f" SQL {sqls[0]:.0f}–{sqls[-1]:.0f} ms, {first['queries']} queries, "
                  f"{first['kb']:.0f} KB")


if __name__ == "__main__":
    main()
