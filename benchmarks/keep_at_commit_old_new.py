"""Old and new after-commit keeps of a transaction that saves many people, side by side in
one run (docs/performance.md, issue #16 «h/rosterdedupe»): ``Participant.save`` runs
``keep_places`` again after the commit, and a rename ``keep_names`` of the person's pairs —
one callback and one transaction a person before, one run a transaction after.

    DATABASE_URL=postgres://… python benchmarks/keep_at_commit_old_new.py OLD_TREE NEW_TREE \
        [--people 500] [--rounds 3]

WRITES to the database (run it on a copy): each run adds ``--people`` people of one
organization (the first one, by id) with a pair each two, then saves every one of them
whole, renamed, in one transaction — as a roster import saves its changed people. Each of
the two source trees (two checkouts of the repository) runs in its own process, one after
the other (``side_by_side.run_in``). Every row carries the wall time, the process's CPU
time and the PostgreSQL backend's CPU time (``/proc/<pid>/stat`` of the server process:
the server must be on this machine) of the saves and of what follows them (the commit and
its callbacks), the statements of each, the load average before and after, and whether
every place and name is right afterwards.
"""

import argparse
import uuid

from side_by_side import run_in

CHILD = """
import datetime as dt, json, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()
from django.db import connection, transaction
from tandem.core.text import normalize_name
from tandem.pairs.models import Pair
from tandem.people.models import AgeBand, Participant
from tandem.territory.models import Organization

tag, count = sys.argv[1], int(sys.argv[2])
organization = Organization.objects.order_by("pk").first()
rows = [Participant(organization=organization, surname=f"Замерова{tag}{i}", name="Анна",
                    patronymic="Ильинична", position="учитель", experience_years=i % 40,
                    age_band=AgeBand.FROM_35, email=f"keep-{tag}-{i}@example.org",
                    mentoring_consent_date=dt.date(2026, 9, 1),
                    personal_data_consent_date=dt.date(2026, 9, 1),
                    search_name=normalize_name(f"Замерова{tag}{i}", "Анна", "Ильинична"))
        for i in range(count)]
people = Participant.objects.bulk_create(rows)
Pair.objects.bulk_create([
    Pair(a_id=people[i].pk, b_id=people[i + 1].pk, organization=organization,
         starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31),
         status=Pair.Status.COMPLETED) for i in range(0, count - 1, 2)])
pks = [p.pk for p in people]
loaded = list(Participant.objects.filter(pk__in=pks).order_by("pk"))
statements = []
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_backend_pid()")
    backend = cursor.fetchone()[0]
tick = os.sysconf("SC_CLK_TCK")

def server_cpu():
    with open(f"/proc/{backend}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick

load = os.getloadavg()[0]
with connection.execute_wrapper(lambda execute, *args: statements.append(1) or execute(*args)):
    t0, c0, s0 = time.perf_counter(), time.process_time(), server_cpu()
    with transaction.atomic():
        for person in loaded:
            person.surname = person.surname + "а"
            person.position = "методист"
            person.save()
        t1, c1, s1, n1 = time.perf_counter(), time.process_time(), server_cpu(), len(statements)
    t2, c2, s2, n2 = time.perf_counter(), time.process_time(), server_cpu(), len(statements)
mine = Pair.objects.filter(a_id__in=pks)
print(json.dumps({
    "saves_wall": t1 - t0, "saves_cpu": c1 - c0, "saves_server": s1 - s0, "saves_sql": n1,
    "after_wall": t2 - t1, "after_cpu": c2 - c1, "after_server": s2 - s1,
    "after_sql": n2 - n1, "load_before": load, "load_after": os.getloadavg()[0],
    "stale": Participant.objects.filter(pk__in=pks).stale_places().count()
             + mine.stale_names().count() + mine.stale_regions().count()}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("| круг | код | сохранения: стена / CPU процесса / CPU сервера / запросов | "
          "после них (COMMIT и колбэки): стена / CPU процесса / CPU сервера / запросов | "
          "load average (до → после) | неверных мест и имён |")
    print("|---|---|---|---|---|---|")
    for round_ in range(1, args.rounds + 1):
        for name, tree in (("было", args.old), ("стало", args.new)):
            tag = uuid.uuid4().hex[:8]
            r = run_in(tree, CHILD, tag, str(args.people))
            print(f"| {round_} | {name} | {r['saves_wall']:.2f} с / {r['saves_cpu']:.2f} с / "
                  f"{r['saves_server']:.2f} с / {r['saves_sql']} | "
                  f"{r['after_wall']:.2f} с / {r['after_cpu']:.2f} с / "
                  f"{r['after_server']:.2f} с / {r['after_sql']} | "
                  f"{r['load_before']:.2f} → {r['load_after']:.2f} | {r['stale']} |",
                  flush=True)


if __name__ == "__main__":
    main()
