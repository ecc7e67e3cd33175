"""The country's «технологии» table (the federal operator's standard view,
``maps.selectors.technologies_used``) read from the municipalities' sums (old:
``TechnologyMunicipalityTally`` whole) and from the regions' sums (new:
``TechnologyRegionTally``, issue #16), side by side in one process, alternately, with the
load average and the process CPU time beside each wall time, and EXPLAIN ANALYZE of both
grouped reads.

    DATABASE_URL=postgres://…/COPY_OF_COUNTRY PYTHONPATH=. python benchmarks/techregion_old_new.py

The database must carry migration maps 0014 (a copy of the country: never the lead's
own). The old read is the same function with the regions' sums switched off
(``region_sums`` → None: the code path of main). Each read runs in a READ ONLY
transaction with ``jit=off``. ``ROUNDS`` (default 7) reads of each after one that warms."""

import os
import resource
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tandem.access.filters import Filters  # noqa: E402
from tandem.access.scope import Scope  # noqa: E402
from tandem.maps import selectors  # noqa: E402
from tandem.maps.models import (  # noqa: E402
    TechnologyMunicipalityTally,
    TechnologyRegionTally,
    TechnologyTallyMark,
)

FEDERAL = Scope(user_id=None, everything=True)
REAL = selectors.region_sums


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def one(new: bool) -> tuple[float, float, float, int, list[object]]:
    selectors.region_sums = REAL if new else (lambda *a, **k: None)  # type: ignore[assignment]
    with transaction.atomic():
        with connection.cursor() as c:
            c.execute("SET TRANSACTION READ ONLY")
            c.execute("SET LOCAL jit=off")
        with CaptureQueriesContext(connection) as q:
            w0, c0 = time.perf_counter(), cpu()
            table = selectors.technologies_used(FEDERAL, Filters())
            wall, used = time.perf_counter() - w0, cpu() - c0
    sql = sum(float(x["time"]) for x in q.captured_queries)
    return wall * 1000, used * 1000, sql * 1000, len(q.captured_queries), table


def explain(qs: object) -> str:
    sql, params = qs.query.sql_with_params()  # type: ignore[attr-defined]
    with connection.cursor() as c:
        c.execute("SET jit=off")
        c.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(r[0] for r in c.fetchall())


def main() -> None:
    print(f"# {connection.settings_dict['NAME']}: municipalities' sums "
          f"{TechnologyMunicipalityTally.objects.count()} rows, regions' sums "
          f"{TechnologyRegionTally.objects.count()} rows, marks waiting "
          f"{TechnologyTallyMark.objects.count()}")
    rounds = int(os.environ.get("ROUNDS", "7"))
    results: dict[str, list[tuple[float, float, float, int]]] = {"old": [], "new": []}
    tables = {}
    for i in range(rounds + 1):
        for label in ("old", "new"):
            wall, used, sql, n, table = one(label == "new")
            tables[label] = table
            if i:
                results[label].append((wall, used, sql, n))
    assert tables["old"] == tables["new"], "the tables differ"
    print(f"same table: {len(tables['new'])} lines, "
          f"{sum(u.rows for u in tables['new'])} rows of maps")  # type: ignore[attr-defined]
    load = os.getloadavg()
    print(f"load {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    for label, runs in results.items():
        walls = sorted(r[0] for r in runs)
        cpus = sorted(r[1] for r in runs)
        sqls = sorted(r[2] for r in runs)
        print(f"{label}: wall median {walls[len(walls) // 2]:.1f} ms "
              f"(min {walls[0]:.1f}, max {walls[-1]:.1f}); CPU median "
              f"{cpus[len(cpus) // 2]:.1f} ms; SQL median {sqls[len(sqls) // 2]:.1f} ms; "
              f"queries {runs[0][3]}")
    grouped = ("competency", "technology")
    print("\n-- old: the municipalities' sums, whole\n" + explain(
        TechnologyMunicipalityTally.objects.values_list(*grouped).order_by()
        .annotate(n=Sum("rows"))))
    print("\n-- new: the regions' sums\n" + explain(
        TechnologyRegionTally.objects.values_list(*grouped).order_by()
        .annotate(n=Sum("rows"))))


if __name__ == "__main__":
    main()
