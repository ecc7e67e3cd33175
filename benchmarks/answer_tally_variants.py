"""The answers' counts of a rebuild (``AnswerTally``, issue #16) three ways on PostgreSQL,
all SELECTs only (nothing is written; a copy of ``t300k`` or a seeded demo):

- ``old`` — today's: ``tallies._answer_counts`` over the submitted answers joined with
  their questionnaires (12 M rows at 300,000 teachers), with the people's texts
  (``AnswerMember``, ``tallies._answer_members_sql``) in a second pass over the same join;
- ``A`` — from the stored texts (313 thousand rows): a row a person and competency of the
  version (join with the versions' positions), its character read by ``SUBSTR`` and summed
  by its bits (``answer_digit``); what h/seedsort commit 7ec709a did;
- ``B`` — as ``A``, but counted by (organization, campaign, position, character) first and
  summed by bits over those few rows;
- ``one`` — one pass over the join (a ``MATERIALIZED`` CTE) feeding both the counts and the
  texts; compared with ``old`` and the texts' statement run one after the other.

    DATABASE_URL=postgres://…/h_copy PYTHONPATH=. python benchmarks/answer_tally_variants.py \\
        [--order old,A,B,pair,one]

For each: wall time, the server process's CPU time (user + system of the connection's
backend, ``/proc/<pid>/stat``; no parallel workers) and the load average before it, with
``work_mem`` 256 MB as a load; the rows (count, md5 of the ordered rows) must be equal."""

import argparse
import os
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from side_by_side import backend_cpu  # noqa: E402

from tandem.diagnostics import tallies  # noqa: E402
from tandem.diagnostics.models import AnswerMember, Campaign  # noqa: E402
from tandem.territory.models import Organization  # noqa: E402

DIGITS = "'0', '1', '2', '3', '4', '5', '6', '7'"
A_SQL = (
    f"""WITH layout (fw, code, at) AS (VALUES {{rows}})
SELECT x.o AS t_organization_id, x.c AS t_campaign_id, x.code AS t_competency,
       COUNT(*) AS t_answers,
       SUM(CASE WHEN x.d IN ('1', '3', '5', '7') THEN 1 ELSE 0 END) AS t_answered,
       SUM(CASE WHEN x.d IN ('2', '3', '6', '7') THEN 1 ELSE 0 END) AS t_deficit,
       SUM(CASE WHEN x.d IN ('4', '5', '6', '7') THEN 1 ELSE 0 END) AS t_strong
FROM (SELECT m.o, m.c, l.code, SUBSTR(m.digest, l.at, 1) AS d
      FROM ({{members}}) m JOIN layout l ON l.fw = m.fw) x
WHERE x.d IN ({DIGITS})
GROUP BY x.o, x.c, x.code
""")  # noqa: S608  (our own SQL, no input)
B_SQL = (
    f"""WITH layout (fw, code, at) AS (VALUES {{rows}})
SELECT y.o AS t_organization_id, y.c AS t_campaign_id, l.code AS t_competency,
       SUM(CASE WHEN y.d IN ({DIGITS}) THEN y.n ELSE 0 END) AS t_answers,
       SUM(CASE WHEN y.d IN ('1', '3', '5', '7') THEN y.n ELSE 0 END) AS t_answered,
       SUM(CASE WHEN y.d IN ('2', '3', '6', '7') THEN y.n ELSE 0 END) AS t_deficit,
       SUM(CASE WHEN y.d IN ('4', '5', '6', '7') THEN y.n ELSE 0 END) AS t_strong
FROM (SELECT m.o, m.c, m.fw, l.at, SUBSTR(m.digest, l.at, 1) AS d, COUNT(*) AS n
      FROM ({{members}}) m JOIN layout l ON l.fw = m.fw
      GROUP BY m.o, m.c, m.fw, l.at, SUBSTR(m.digest, l.at, 1)) y
JOIN layout l ON l.fw = y.fw AND l.at = y.at
GROUP BY y.o, y.c, l.code
HAVING SUM(CASE WHEN y.d IN ({DIGITS}) THEN y.n ELSE 0 END) > 0
""")  # noqa: S608
HASH = "SELECT COUNT(*), MD5(STRING_AGG(s::TEXT, ',' ORDER BY s::TEXT)) FROM ({}) s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--order", default="old,A,B,pair,one")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "PostgreSQL only"
    ids = sorted(Organization.objects.values_list("pk", flat=True))
    answers = tallies._submitted_answers(ids)
    layouts = tallies.answer_codes(Campaign.objects.filter(
        **{f"{tallies.CAMPAIGN_ORG}__in": ids}).values_list("framework_id", flat=True)
        .distinct().order_by())
    rows = [(fw, code, len(str(fw)) + i + 2) for fw, codes in sorted(layouts.items())
            for i, code in enumerate(codes)]
    members, members_params = AnswerMember.objects.filter(organization_id__in=ids).order_by(
    ).values("digest", o=F("organization_id"), c=F("campaign_id"),
             fw=F("campaign__framework_id")).query.sql_with_params()
    values = ", ".join(["(CAST(%s AS INTEGER), %s, CAST(%s AS INTEGER))"] * len(rows))
    layout_params = [value for row in rows for value in row]

    def from_texts(template: str) -> tuple[str, list[Any]]:
        return (template.format(rows=values, members=members),
                layout_params + list(members_params))

    texts_sql, texts_params = tallies._answer_members_sql(answers, ids)
    counts_sql, counts_params = tallies._answer_counts(answers).query.sql_with_params()
    inner, inner_params = answers.values(
        o=F(tallies.ANSWER_ORG), c=F("response__campaign_id"),
        p=F("response__participant_id"), fw=F("response__campaign__framework_id"),
        code=F("competency"), digit=tallies._answer_digit_sql()).query.sql_with_params()
    head, rest = texts_sql.split("\nSELECT", 1)
    assert f"({inner}) x" in rest
    one_sql = (
        f"{head}, j AS MATERIALIZED ({inner}), a AS (SELECT x.o, x.c, x.code, COUNT(*), "  # noqa: S608
        "SUM(x.digit %% 2), SUM((x.digit / 2) %% 2), SUM(x.digit / 4) FROM j x "
        f"GROUP BY x.o, x.c, x.code), m AS (SELECT{rest.replace(f'({inner}) x', 'j x')}) "
        f"SELECT * FROM ({HASH.format('SELECT * FROM a')}) ha, "
        f"({HASH.format('SELECT * FROM m')}) hm")
    n_layout = 3 * max(1, sum(len(codes) for codes in layouts.values()))  # its VALUES
    one_params = texts_params[:n_layout] + list(inner_params)
    statements: dict[str, list[tuple[str, Any]]] = {
                  "old": [(HASH.format(counts_sql), counts_params)],
                  "A": [(HASH.format(s), p) for s, p in [from_texts(A_SQL)]],
                  "B": [(HASH.format(s), p) for s, p in [from_texts(B_SQL)]],
                  "pair": [(HASH.format(counts_sql), counts_params),
                           (HASH.format(texts_sql), texts_params)],
                  "one": [(one_sql, one_params)]}
    seen: dict[str, Any] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        print("| вариант | нагрузка до | стена | CPU сервера | строк |")
        print("|---|---|---|---|---|")
        for name in args.order.split(","):
            load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
            cpu, wall = backend_cpu(cursor), time.perf_counter()
            result: list[Any] = []
            for sql, params in statements[name]:
                cursor.execute(sql, params)
                row: Any = cursor.fetchone()
                result.extend(row)
            wall, cpu = time.perf_counter() - wall, backend_cpu(cursor) - cpu
            assert seen.setdefault(name, result) == result
            print(f"| {name} | {load} | {wall:.2f} с | {cpu:.2f} с | {result[::2]} |",
                  flush=True)
        counts = {name: tuple(r[:2]) for name, r in seen.items()}
        assert len(set(counts.values())) == 1, counts
        if "pair" in seen and "one" in seen:
            assert seen["pair"] == seen["one"], (seen["pair"], seen["one"])
        print(f"equal: {counts}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
