"""Old and new rebuild of the kept pair figures side by side, in one run (docs/performance.md,
«seed-demo»: the job ``refresh_pair_tallies`` after the seed's commit).

    DATABASE_URL=postgres://… python benchmarks/pair_tallies_old_new.py OLD_TREE NEW_TREE \
        [--rounds 3]

The database is a seeded demo (``tandem seed-demo --participants 30000``); this WRITES to
it (the kept pair figures and their marks: nothing else). Each round, for each of the two
source trees (two checkouts of the repository), in its own process and one after the
other (they do not share the two cores): every organization is marked, as the seed marks
them, and ``tallies.refresh(new_day=False)`` — what the job does — rebuilds them. Every
row carries the wall time, the process's CPU time, the number of SQL statements, the load
average before and after, and a digest of what the figures hold afterwards (without the
time of the rebuild): the two trees must leave the same.
"""

import argparse
import json
import os
import subprocess
import sys

CHILD = """
import hashlib, json, os, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()
from django.db import connection
from tandem.monitoring import tallies
from tandem.monitoring.models import PairTally, PairTallyMark, PairTallyState
from tandem.territory.models import Organization

ids = list(Organization.objects.values_list("pk", flat=True))
PairTallyMark.objects.bulk_create([PairTallyMark(organization_id=pk) for pk in ids])
statements = []
load = os.getloadavg()[0]
started, cpu = time.perf_counter(), time.process_time()
with connection.execute_wrapper(lambda execute, *args: statements.append(1) or execute(*args)):
    rebuilt = tallies.refresh(new_day=False)
wall, cpu = time.perf_counter() - started, time.process_time() - cpu
kept = sorted(map(str, PairTally.objects.order_by().values_list(
    "organization_a_id", "organization_b_id", "as_of", *tallies.PAIR_FIELDS)))
kept += sorted(map(str, PairTallyState.objects.order_by().values_list(
    "organization_id", "as_of", "participants_active", "participants_in_pairs")))
print(json.dumps({"wall": wall, "cpu": cpu, "load_before": load,
                  "load_after": os.getloadavg()[0], "organizations": rebuilt,
                  "statements": len(statements), "rows": len(kept),
                  "marks_left": PairTallyMark.objects.count(),
                  "digest": hashlib.sha256("\\n".join(kept).encode()).hexdigest()[:12]}))
"""


def run(tree: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": tree}
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, check=True,
        cwd=tree)
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("| круг | код | организаций | стена | CPU процесса | запросов | "
          "load average (до → после) | строк сумм / отметок после | сумма строк |")
    print("|---|---|---|---|---|---|---|---|---|")
    for round_ in range(1, args.rounds + 1):
        for name, tree in (("было", args.old), ("стало", args.new)):
            r = run(tree)
            print(f"| {round_} | {name} | {r['organizations']} | {r['wall']:.2f} с | "
                  f"{r['cpu']:.2f} с | {r['statements']} | "
                  f"{r['load_before']:.2f} → {r['load_after']:.2f} | "
                  f"{r['rows']} / {r['marks_left']} | `{r['digest']}` |", flush=True)


if __name__ == "__main__":
    main()
