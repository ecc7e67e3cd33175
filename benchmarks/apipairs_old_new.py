"""A region operator's ``/api/v1/pairs/`` and the search by a member's name on the pairs
page, on the country's database (``tcountry``: 5 regions of 300,000 teachers; issue #16,
docs/performance.md «h/apipairs»), old tree and new side by side, one process per tree,
one tree after the other, alternately (``side_by_side.run_in``), with the load average
and each request's process CPU beside the wall time.

    python benchmarks/apipairs_old_new.py OLD_TREE NEW_TREE [DATABASE_URL]

``BORDER`` (default 50): pairs «seen from B's side» added to the region operator's split
(``pairs.selectors._region_split``, patched in both trees, nothing written): the newest
``BORDER`` pairs of region 3 (``tcountry`` has no pair across regions). They are not the
operator's by the access rule, so the API's page by key drops them: the timing is that
of the list's shape (``region IN (…) OR id IN (…)`` before, parts after). Each request
runs in a READ ONLY transaction with ``work_mem=32MB`` and ``jit=off``; the login is
``force_login`` with signed-cookie sessions and the login signal off (nothing is
written). ``ROUNDS`` (default 5) requests a page after one that warms it, ``ALTERNATE``
(default 2) runs of each tree."""

import json
import os
import sys

from side_by_side import PAGES_CHILD, run_in

CHILD = PAGES_CHILD + r'''
import tandem.pairs.selectors as ps
from tandem.pairs.models import Pair
BORDER = int(os.environ.get("BORDER", "50"))
if BORDER:
    _split = ps._region_split
    extra = list(Pair.objects.filter(region=3).order_by("-created_at", "-pk")
                 .values_list("pk", flat=True)[:BORDER])
    def split(scope):
        regions, others = _split(scope)
        return regions, others + extra
    ps._region_split = split

out = {}
for username, path in json.loads(sys.argv[1]):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
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
    out[f"{username} {path}"] = runs
print(json.dumps(out))
'''


def main() -> None:
    old, new = sys.argv[1], sys.argv[2]
    url = sys.argv[3] if len(sys.argv) > 3 else "postgres://postgres@127.0.0.1:5432/tcountry"
    pages = [("region", "/api/v1/pairs/"), ("region", "/api/v1/pairs/?page=40"),
             ("region", "/api/v1/pairs/?status=active"), ("region", "/pairs/"),
             ("region", "/pairs/?q=Иванов"), ("region", "/pairs/?q=Иванов+Анна"),
             ("region", "/pairs/?q=Зеленский"), ("region", "/api/v1/pairs/?q=Иванов")]
    rounds = int(os.environ.get("ROUNDS", "5"))
    for _ in range(int(os.environ.get("ALTERNATE", "2"))):
        for label, tree in (("было", old), ("стало", new)):
            load = os.getloadavg()
            report = run_in(tree, CHILD, json.dumps(pages), str(rounds), DATABASE_URL=url)
            print(f"== {label} {tree} (load {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f})")
            for page, runs in report.items():
                walls = sorted(r["wall"] for r in runs)  # type: ignore[index]
                first = runs[0]  # type: ignore[index]
                cpus = sorted(r["cpu"] for r in runs)  # type: ignore[index]
                sqls = sorted(r["sql"] for r in runs)  # type: ignore[index]
                print(f"{page:44} {first['status']} wall {walls[0]:.0f}–{walls[-1]:.0f} "
                      f"(med {walls[len(walls) // 2]:.0f}) ms, CPU med "
                      f"{cpus[len(cpus) // 2]:.0f} ms, SQL {sqls[0]:.0f}–{sqls[-1]:.0f} ms, "
                      f"{first['queries']} queries", flush=True)


if __name__ == "__main__":
    main()
