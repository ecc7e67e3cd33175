"""Old and new rebuild of kept figures side by side, in one run (docs/performance.md,
«seed-demo»: the jobs ``refresh_people_counts``, ``refresh_technology_tallies`` and
``refresh_pair_tallies`` after the seed's commit).

    DATABASE_URL=postgres://… python benchmarks/kept_figures_old_new.py OLD_TREE NEW_TREE \
        [--rounds 3] [--figures people technologies pairs]

The database is a seeded demo (``tandem seed-demo --participants 30000``); this WRITES to
it (the kept figures chosen and their marks: nothing else). Each round, for each kind of
figures and each of the two source trees (two checkouts of the repository), in its own
process and one after the other (``side_by_side.run_in``): every organization is marked,
as the seed marks them, and the module's ``refresh`` — what its job does — rebuilds them.
Every row carries the wall time, the process's CPU time, the number of SQL statements, the
load average before and after, and a digest of what the figures hold afterwards (without
the time of the rebuild): the two trees must leave the same.
"""

import argparse

from side_by_side import run_in

CHILD = """
import hashlib, json, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()
from django.db import connection
from tandem.territory.models import Organization

figures = sys.argv[1]
if figures == "people":
    from tandem.people import counts
    from tandem.people.models import PeopleCount, PeopleCountMark as mark
    refresh = counts.refresh
    kept = lambda: PeopleCount.objects.order_by().values_list(
        "organization_id", *counts.FIELDS)
elif figures == "technologies":
    from tandem.maps import tallies
    from tandem.maps.models import TechnologyTally, TechnologyTallyMark as mark
    refresh = tallies.refresh
    kept = lambda: TechnologyTally.objects.order_by().values_list(*tallies.KEY, "rows")
else:
    from tandem.monitoring import tallies
    from tandem.monitoring.models import PairTally, PairTallyMark as mark, PairTallyState
    refresh = lambda: tallies.refresh(new_day=False)
    kept = lambda: [*PairTally.objects.order_by().values_list(
        "organization_a_id", "organization_b_id", "as_of", *tallies.PAIR_FIELDS),
        *PairTallyState.objects.order_by().values_list(
        "organization_id", "as_of", "participants_active", "participants_in_pairs")]
ids = list(Organization.objects.values_list("pk", flat=True))
mark.objects.bulk_create([mark(organization_id=pk) for pk in ids])
statements = []
load = os.getloadavg()[0]
started, cpu = time.perf_counter(), time.process_time()
with connection.execute_wrapper(lambda execute, *args: statements.append(1) or execute(*args)):
    rebuilt = refresh()
wall, cpu = time.perf_counter() - started, time.process_time() - cpu
rows = sorted(map(str, kept()))
print(json.dumps({"wall": wall, "cpu": cpu, "load_before": load,
                  "load_after": os.getloadavg()[0], "organizations": rebuilt,
                  "statements": len(statements), "rows": len(rows),
                  "marks_left": mark.objects.count(),
                  "digest": hashlib.sha256("\\n".join(rows).encode()).hexdigest()[:12]}))
"""
FIGURES = ["people", "technologies", "pairs"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--figures", nargs="+", default=FIGURES, choices=FIGURES)
    args = parser.parse_args()
    print("| круг | цифры | код | организаций | стена | CPU процесса | запросов | "
          "load average (до → после) | строк / отметок после | сумма строк |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for round_ in range(1, args.rounds + 1):
        for figures in args.figures:
            for name, tree in (("было", args.old), ("стало", args.new)):
                r = run_in(tree, CHILD, figures)
                print(f"| {round_} | {figures} | {name} | {r['organizations']} | "
                      f"{r['wall']:.2f} с | {r['cpu']:.2f} с | {r['statements']} | "
                      f"{r['load_before']:.2f} → {r['load_after']:.2f} | "
                      f"{r['rows']} / {r['marks_left']} | `{r['digest']}` |", flush=True)


if __name__ == "__main__":
    main()
