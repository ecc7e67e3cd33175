"""The figures stage of a load (``tallies._rebuild_organizations`` of every organization,
issue #16) statement by statement, old against new, on PostgreSQL: old — ``AnswerTally``
summed from the answers (``_answer_counts``: the join of every submitted answer with its
questionnaire, as at 98344f8, copied below), new — from the people's texts just stored
(``tallies._answer_tallies``: a row a person instead of a row an answer). On a copy of
``t300k`` (it writes, in a transaction rolled back at the end):

    DATABASE_URL=postgres://…/h_copy PYTHONPATH=. python benchmarks/answer_tally_old_new.py \\
        [--order old,new,new,old]

As a load does (``demo.services``): ``work_mem`` 256 MB; the organizations' published
state is deleted first (a load's organizations are new), then each run is rebuilt from a
savepoint and rolled back to it. For each run: each statement's wall time, the server
process's CPU time (user + system of the connection's backend, ``/proc/<pid>/stat``: the
server runs on this machine; no parallel workers, whose CPU the backend's does not hold)
and the load average after it; then the rows of every table the stage writes, counted and
hashed (md5 of the rows, ids left out, in order) — old and new must be equal."""

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402

from tandem.diagnostics import tallies  # noqa: E402
from tandem.diagnostics.models import (  # noqa: E402
    AnswerTally,
    PublishedAnswer,
    PublishedAnswerMember,
    PublishedGain,
    PublishedGainMember,
)
from tandem.territory.models import Organization  # noqa: E402

TABLES = (*tallies.ORGANIZATION_TALLIES, PublishedAnswer, PublishedAnswerMember,
          PublishedGain, PublishedGainMember)

timings: list[tuple[str, float, float, str]] = []
_depth = [0]


def backend_cpu() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(label: Callable[..., str], function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _depth[0]:
            return function(*args, **kwargs)
        _depth[0] += 1
        cpu, wall = backend_cpu(), time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            wall = time.perf_counter() - wall
            timings.append((label(*args), wall, backend_cpu() - cpu, load()))
            _depth[0] -= 1
    return wrapper


def old_answer_tallies(ids: list[int], answers: Any, layouts: Any) -> None:
    """98344f8: the answers' counts from the answers."""
    tallies._insert(AnswerTally, *tallies._answer_counts(answers).query.sql_with_params())


def digest() -> dict[str, tuple[int, str]]:
    out = {}
    with connection.cursor() as cursor:
        for model in TABLES:
            quote = connection.ops.quote_name
            columns = ", ".join(quote(model._meta.get_field(f).column)
                                for f in tallies._FIELDS[model])
            cursor.execute(f"SELECT COUNT(*), MD5(COALESCE(STRING_AGG(t::TEXT, ',' ORDER BY "  # noqa: S608
                           f"t::TEXT COLLATE \"C\"), '')) FROM (SELECT {columns} FROM "
                           f"{quote(model._meta.db_table)}) t")
            out[model.__name__] = tuple(cursor.fetchone())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--order", default="old,new")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "PostgreSQL only"
    new_answer_tallies = tallies._answer_tallies
    tallies._insert = timed(lambda model, *_: model.__name__, tallies._insert)
    for name in ("_publish", "_publish_answers"):
        setattr(tallies, name, timed(lambda *_, n=name: n, getattr(tallies, name)))
    ids = sorted(Organization.objects.values_list("pk", flat=True))
    seen: dict[str, dict[str, tuple[int, str]]] = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        for model in (PublishedAnswer, PublishedAnswerMember, PublishedGain,
                      PublishedGainMember):
            model.objects.filter(organization_id__in=ids).delete()
        print(f"{len(ids)} organizations; load {load()}", flush=True)
        for run in args.order.split(","):
            tallies._answer_tallies = timed(lambda *_: "AnswerTally", {
                "old": old_answer_tallies, "new": new_answer_tallies}[run])
            timings.clear()
            sid = transaction.savepoint()
            cpu, wall, mine = backend_cpu(), time.perf_counter(), time.process_time()
            tallies._rebuild_organizations(ids)
            wall, cpu = time.perf_counter() - wall, backend_cpu() - cpu
            mine = time.process_time() - mine
            print(f"\n== {run} ==  (load after: {load()})")
            print("| запрос | стена | CPU сервера | нагрузка после |")
            print("|---|---|---|---|")
            for label, w, c, after in timings:
                print(f"| `{label}` | {w:.2f} с | {c:.2f} с | {after} |")
            print(f"| всего (с удалением прежних строк) | {wall:.2f} с | {cpu:.2f} с | {load()} |")
            print(f"CPU процесса: {mine:.2f} с", flush=True)
            rows = digest()
            assert seen.setdefault(run, rows) == rows, f"{run} differs from its first run"
            transaction.savepoint_rollback(sid)
        print()
        for name in seen[next(iter(seen))]:
            rows = {run: seen[run][name] for run in seen}
            same = len(set(rows.values())) == 1
            first = rows[next(iter(rows))]
            print(f"{name}: {first} {'equal' if same else 'DIFFER: ' + str(rows)}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
