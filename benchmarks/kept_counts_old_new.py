"""Old and new rebuild of the kept people counts and technology tallies side by side, in
one run (docs/performance.md, «seed-demo»: the jobs ``refresh_people_counts`` and
``refresh_technology_tallies`` after the seed's commit).

    DATABASE_URL=postgres://… python benchmarks/kept_counts_old_new.py OLD_TREE NEW_TREE \
        [--rounds 3]

The database is a seeded demo (``tandem seed-demo --participants 30000``); this WRITES to
it (the kept people counts, technology tallies and their marks: nothing else). Each round,
for each of the two source trees (two checkouts of the repository), in its own process and
one after the other (they do not share the two cores): every organization is marked, as
the seed marks them, and each module's ``refresh()`` — what its job does — rebuilds them.
Every row carries the wall time, the process's CPU time, the number of SQL statements, the
load average before and after, and a digest of what the figures hold afterwards: the two
trees must leave the same.
"""

import argparse
import json
import os
import subprocess
import sys

CHILD = """
import hashlib, json, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()
from django.db import connection
from tandem.maps import tallies
from tandem.maps.models import TechnologyTally, TechnologyTallyMark
from tandem.people import counts
from tandem.people.models import PeopleCount, PeopleCountMark
from tandem.territory.models import Organization

module, kept, mark, key = {
    "people": (counts, PeopleCount, PeopleCountMark, ("organization_id", *counts.FIELDS)),
    "technologies": (tallies, TechnologyTally, TechnologyTallyMark, (*tallies.KEY, "rows")),
}[sys.argv[1]]
ids = list(Organization.objects.values_list("pk", flat=True))
mark.objects.bulk_create([mark(organization_id=pk) for pk in ids])
statements = []
load = os.getloadavg()[0]
started, cpu = time.perf_counter(), time.process_time()
with connection.execute_wrapper(lambda execute, *args: statements.append(1) or execute(*args)):
    rebuilt = module.refresh()
wall, cpu = time.perf_counter() - started, time.process_time() - cpu
rows = sorted(map(str, kept.objects.order_by().values_list(*key)))
print(json.dumps({"wall": wall, "cpu": cpu, "load_before": load,
                  "load_after": os.getloadavg()[0], "organizations": rebuilt,
                  "statements": len(statements), "rows": len(rows),
                  "marks_left": mark.objects.count(),
                  "digest": hashlib.sha256("\\n".join(rows).encode()).hexdigest()[:12]}))
"""


def run(tree: str, figures: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": tree}
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", CHILD, figures], capture_output=True, text=True, env=env,
        check=True, cwd=tree)
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--figures", nargs="+", default=["people", "technologies"],
                        choices=["people", "technologies"])
    args = parser.parse_args()
    print("| круг | цифры | код | организаций | стена | CPU процесса | запросов | "
          "load average (до → после) | строк / отметок после | сумма строк |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for round_ in range(1, args.rounds + 1):
        for figures in args.figures:
            for name, tree in (("было", args.old), ("стало", args.new)):
                r = run(tree, figures)
                print(f"| {round_} | {figures} | {name} | {r['organizations']} | "
                      f"{r['wall']:.2f} с | {r['cpu']:.2f} с | {r['statements']} | "
                      f"{r['load_before']:.2f} → {r['load_after']:.2f} | "
                      f"{r['rows']} / {r['marks_left']} | `{r['digest']}` |", flush=True)


if __name__ == "__main__":
    main()
