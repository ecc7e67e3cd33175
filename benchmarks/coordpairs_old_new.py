"""A coordinator's pairs page and ``/api/v1/pairs/`` on the country's database
(``tcountry``: 5 regions of 300,000 teachers; issue #16, docs/performance.md
«h/coordpairs»), old tree and new side by side: one process per tree, one tree after the
other, alternately (``side_by_side.run_in``), with the load average, the process CPU and
the CPU of the PostgreSQL backend of the connection (``/proc/<pid>/stat``, 10 ms steps;
parallel workers' CPU is not in it) beside the wall time.

    python benchmarks/coordpairs_old_new.py OLD_TREE NEW_TREE [DATABASE_URL]

The login is ``force_login`` with signed-cookie sessions and the login signal off; the
API's throttle writes its cache rows (``TANDEM_DATABASE_CACHE=1``), nothing else is
written. The queries are counted in the first view (Django's debug cursor spells out
each query's parameters: not in the timed views). ``ROUNDS`` (default 10) requests a
page after one that warms it, ``ALTERNATE``
(default 2) runs of each tree; ``PAGES``: ``user path`` pairs separated by commas."""

import json
import os
import statistics
import sys

from side_by_side import PAGES_CHILD, run_in

CHILD = PAGES_CHILD + r'''
with connection.cursor() as c:
    c.execute("SELECT pg_backend_pid()")
    (backend,) = c.fetchone()
tick = os.sysconf("SC_CLK_TCK")

def server():
    with open(f"/proc/{backend}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick

out = {}
for username, path in json.loads(sys.argv[1]):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    runs = []
    for i in range(int(sys.argv[2]) + 1):
        if not i:  # the first view warms the caches; its queries are counted
            with CaptureQueriesContext(connection) as q:
                client.get(path, HTTP_HOST="localhost")
            statements = [x["sql"][:60] for x in q.captured_queries]
            continue
        s0, w0, c0 = server(), time.perf_counter(), cpu()
        response = client.get(path, HTTP_HOST="localhost")
        wall, used, db = time.perf_counter() - w0, cpu() - c0, server() - s0
        runs.append({"wall": wall * 1000, "cpu": used * 1000, "server": db * 1000,
                     "queries": len(statements), "statements": statements,
                     "status": response.status_code, "size": len(response.content)})
    out[f"{username} {path}"] = runs
print(json.dumps(out))
'''

DEFAULT = ("coord-prirechensk /pairs/,coord-prirechensk /api/v1/pairs/,"
           "coord-prirechensk /pairs/?status=active,coord-prirechensk /pairs/?page=40,"
           "coord-prirechensk /pairs/?q=иван")


def main() -> None:
    old, new = sys.argv[1], sys.argv[2]
    url = sys.argv[3] if len(sys.argv) > 3 else "postgres://postgres@127.0.0.1:5432/tcountry"
    pages = [tuple(p.strip().split(" ", 1)) for p in os.environ.get("PAGES", DEFAULT).split(",")]
    rounds = int(os.environ.get("ROUNDS", "10"))
    for _ in range(int(os.environ.get("ALTERNATE", "2"))):
        for label, tree in (("было", old), ("стало", new)):
            load = os.getloadavg()
            report = run_in(tree, CHILD, json.dumps(pages), str(rounds), DATABASE_URL=url)
            after = os.getloadavg()
            print(f"== {label} {tree} (load {load[0]:.2f} → {after[0]:.2f})")
            for page, runs in report.items():
                walls = sorted(r["wall"] for r in runs)  # type: ignore[index]
                first = runs[0]  # type: ignore[index]
                cpus = [r["cpu"] for r in runs]  # type: ignore[index]
                server = sum(r["server"] for r in runs) / len(runs)  # type: ignore[index]
                p95 = walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))]
                print(f"{page:44} {first['status']} {first['size']} B wall med "
                      f"{statistics.median(walls):.0f} p95 {p95:.0f} ms, CPU med "
                      f"{statistics.median(cpus):.1f} ms, server {server:.1f} ms/request, "
                      f"{first['queries']} queries", flush=True)
                if os.environ.get("STATEMENTS"):
                    print("   ", first["statements"])


if __name__ == "__main__":
    main()
