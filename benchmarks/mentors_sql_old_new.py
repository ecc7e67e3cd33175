"""The potential mentors' statement of a rebuild (``tallies._strong_sql``, issue #16) on
PostgreSQL: the statement of h/mentors5 (a layout row per competency — a row per answer —
and a group by person and area; copied below as it was at 592176d) against today's (a
layout row per version and area, a person's flags read in that row). Read only, on the
current database (a seeded demo or a copy of ``t300k``; nothing is written):

    DATABASE_URL=postgres://…/h_copy PYTHONPATH=. python benchmarks/mentors_sql_old_new.py \
        --repeat 3 [--batch 200] [--explain /tmp/plans.txt]

Each round runs old and new alternately over the organizations that hold published people
— all at once, or in batches of ``--batch`` organizations as a rebuild does
(``tallies.BATCH``) — and prints for each its wall time, the server process's CPU time
(user + system of the connection's backend, ``/proc/<pid>/stat``: the server must run on
this machine; without ``--parallel`` the statements run without parallel workers, whose
CPU the backend's does not hold) and the load average before it; the two statements' rows
must be equal.
``--explain`` writes ``EXPLAIN (ANALYZE, BUFFERS)`` of both over the first statement's
organizations (all, or the first batch) to a file and prints their sorts and temporary
buffers."""

import argparse
import os
import re
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from side_by_side import backend_cpu  # noqa: E402

from tandem.diagnostics import tallies  # noqa: E402
from tandem.diagnostics.models import Campaign, PublishedAnswerMember  # noqa: E402

OLD_SQL = """WITH layout (head, at, area) AS (VALUES {rows})
SELECT g.o AS t_organization_id, g.c AS t_campaign_id, g.area AS t_area,
       SUM(g.strong) AS t_people, SUM(g.levelled) AS t_levelled
FROM (SELECT m.o, m.c, m.p, l.area,
             MAX(CASE WHEN SUBSTR(m.digest, l.at, 1) IN ({strong}) THEN 1 ELSE 0 END) AS strong,
             MAX(CASE WHEN SUBSTR(m.digest, l.at, 1) IN ({levelled}) THEN 1 ELSE 0 END)
                 AS levelled
      FROM (SELECT x.o, x.c, x.p, x.digest, SUBSTR(x.digest, 1, {find}(x.digest, '|')) AS head
            FROM ({members}) x) m
      JOIN layout l ON l.head = m.head
      WHERE {find}(SUBSTR(m.digest, LENGTH(l.head) + 1, l.at - LENGTH(l.head)), '|') = 0
      GROUP BY m.o, m.c, m.p, l.area) g
GROUP BY g.o, g.c, g.area
HAVING SUM(g.strong) > 0
"""


def old_strong_sql(ids: list[int]) -> tuple[str, list[Any]]:
    """``tallies._strong_sql`` of h/mentors5 (592176d)."""
    members = PublishedAnswerMember.objects.filter(organization_id__in=ids).order_by()
    layouts = tallies.answer_codes(Campaign.objects.filter(
        pk__in=members.values("campaign_id")).values_list("framework_id", flat=True))
    area_of = tallies.shown_areas()
    rows = [(f"{fw}|", len(f"{fw}|") + 1 + i, tallies.area_shown(area_of, code))
            for fw, codes in sorted(layouts.items()) for i, code in enumerate(codes)
            ] or [("|", 0, "")]
    inner, params = members.values("digest", o=F("organization_id"), c=F("campaign_id"),
                                   p=F("person")).query.sql_with_params()
    sql = OLD_SQL.format(
        rows=", ".join(["(CAST(%s AS TEXT), CAST(%s AS INTEGER), CAST(%s AS TEXT))"]
                       * len(rows)),
        strong="'4', '5', '6', '7'", levelled="'1', '3', '5', '7'", members=inner,
        find="STRPOS")
    return sql, [value for row in rows for value in row] + list(params)


STATEMENTS = {"old": old_strong_sql, "new": tallies._strong_sql}


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def run(name: str, batches: list[list[int]]) -> tuple[set[tuple[Any, ...]], float, float]:
    rows: set[tuple[Any, ...]] = set()
    with connection.cursor() as cursor:
        cpu = backend_cpu(cursor)
        wall = time.perf_counter()
        for ids in batches:
            cursor.execute(*STATEMENTS[name](ids))
            rows |= {tuple(row) for row in cursor.fetchall()}
        wall = time.perf_counter() - wall
        cpu = backend_cpu(cursor) - cpu
    return rows, wall, cpu


def explain(ids: list[int], path: str) -> None:
    with open(path, "w") as out, connection.cursor() as cursor:
        for name, statement in STATEMENTS.items():
            sql, params = statement(ids)
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            out.write(f"== {name} ==\n{plan}\n\n")
            notes = [line.strip() for line in plan.splitlines()
                     if re.search(r"Sort Method|temp |Execution Time|HashAggregate|"
                                  r"GroupAggregate|Batches", line)]
            print(f"{name}: " + "; ".join(notes))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=0, help="organizations per statement")
    parser.add_argument("--explain", default="")
    parser.add_argument("--parallel", action="store_true", help="allow parallel workers")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "PostgreSQL only"
    ids = sorted(set(PublishedAnswerMember.objects.values_list("organization_id", flat=True)))
    batches = ([ids[i:i + args.batch] for i in range(0, len(ids), args.batch)]
               if args.batch else [ids])
    print(f"{len(ids)} organizations, {PublishedAnswerMember.objects.count()} published "
          f"people, {len(batches)} statement(s) each")
    with transaction.atomic():  # rolled back: nothing is written
        if not args.parallel:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        if args.explain:
            explain(batches[0], args.explain)
        seen: dict[str, set[tuple[Any, ...]]] = {}
        print("| код | нагрузка (1/5/15 мин) | стена | CPU сервера |")
        print("|---|---|---|---|")
        for _round in range(args.repeat):
            for name in STATEMENTS:
                before = load()
                rows, wall, cpu = run(name, batches)
                seen.setdefault(name, rows)
                assert rows == seen[name]
                print(f"| {name} | {before} | {wall:.2f} с | {cpu:.2f} с |", flush=True)
        assert seen["old"] == seen["new"], "the statements differ"
        print(f"rows equal: {len(seen['new'])}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
