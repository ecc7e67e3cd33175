"""Rule 5, «steps of three», for the potential mentors (docs/monitoring.md, «Кто может
научить»): ``StrongTally`` — and so ``StrongBest`` and ``MunicipalityStrong`` — become the
counts of each group's **published** people (``PublishedAnswerMember``, migration 0023),
not of the answers now, as a rebuild makes them since (``tallies._strong_sql``).

Forwards, on the server: the three tables emptied, then three ``INSERT … SELECT``. A cell
(organization, campaign, area) counts the published people of its group strong in at
least one competency of the area (their text's character at the competency's place has
the strength bit, 4) and those who gave one a level (the level bit, 1); the places are
the competencies of the text's framework version in code point order after ``<id>|``,
read only before a second ``|``; the area of a competency is the one it is shown in now
(``FrameworkVersion.shown_area_of`` of the newest federal version, the regions' own
competencies in theirs; a code of neither by the part before its dot). A row only where
someone is strong. Then each organization's best initial round of a cell with at least
three people levelled (``strong_counted_q``), and the sums of those by municipality and
sector. A character ``-`` (0023's mark of an organization waiting for its rebuild) counts
in no area: such a group shows no mentors until three people publish it anew.

Backwards: nothing (a rebuild of the code before this recounts them from the answers).
Everything it needs is copied here, not imported: the app's code may change after it."""

from django.db import migrations

MIN_PEOPLE = 3
INITIAL = "initial"
BAR = "|"


def _shown_areas(apps):  # type: ignore[no-untyped-def]
    """FrameworkVersion.shown_area_of of the current version (the newest federal one)."""
    FrameworkVersion = apps.get_model("diagnostics", "FrameworkVersion")
    Competency = apps.get_model("diagnostics", "Competency")
    current = (FrameworkVersion.objects.filter(region__isnull=True).order_by("-number")
               .values_list("snapshot", flat=True).first())
    if current is None:
        return {}
    area_of = {c["code"]: a["code"] for a in current["areas"] for c in a["competencies"]}
    regional = dict(Competency.objects.filter(
        region__isnull=False, area__code__in=[a["code"] for a in current["areas"]])
        .values_list("code", "area__code"))
    return {**regional, **area_of}


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    FrameworkVersion = apps.get_model("diagnostics", "FrameworkVersion")
    area_of = _shown_areas(apps)
    rows = []
    for pk, snapshot in sorted(FrameworkVersion.objects.values_list("pk", "snapshot")):
        codes = sorted({c["code"] for a in snapshot["areas"] for c in a["competencies"]})
        head = f"{pk}{BAR}"
        rows += [(head, len(head) + 1 + i, area_of.get(code) or code.split(".", 1)[0])
                 for i, code in enumerate(codes)]
    rows = rows or [(BAR, 0, "")]
    find = "STRPOS" if connection.vendor == "postgresql" else "INSTR"
    values = ", ".join(["(CAST(%s AS TEXT), CAST(%s AS INTEGER), CAST(%s AS TEXT))"]
                       * len(rows))
    with connection.cursor() as cursor:
        for table in ("municipalitystrong", "strongbest", "strongtally"):
            cursor.execute(f"DELETE FROM diagnostics_{table}")  # noqa: S608
        cursor.execute(f"""
            WITH layout (head, at, area) AS (VALUES {values})
            INSERT INTO diagnostics_strongtally
                (organization_id, campaign_id, area, people, levelled)
            SELECT g.o, g.c, g.area, SUM(g.strong), SUM(g.levelled)
            FROM (SELECT m.organization_id AS o, m.campaign_id AS c, m.person AS p, l.area,
                         MAX(CASE WHEN SUBSTR(m.digest, l.at, 1) IN ('4', '5', '6', '7')
                                  THEN 1 ELSE 0 END) AS strong,
                         MAX(CASE WHEN SUBSTR(m.digest, l.at, 1) IN ('1', '3', '5', '7')
                                  THEN 1 ELSE 0 END) AS levelled
                  FROM (SELECT x.organization_id, x.campaign_id, x.person, x.digest,
                               SUBSTR(x.digest, 1, {find}(x.digest, '|')) AS head
                        FROM diagnostics_publishedanswermember x) m
                  JOIN layout l ON l.head = m.head
                  WHERE {find}(SUBSTR(m.digest, LENGTH(l.head) + 1,
                                      l.at - LENGTH(l.head)), '|') = 0
                  GROUP BY m.organization_id, m.campaign_id, m.person, l.area) g
            GROUP BY g.o, g.c, g.area
            HAVING SUM(g.strong) > 0""",  # noqa: S608
            [value for row in rows for value in row])
        cursor.execute("""
            INSERT INTO diagnostics_strongbest (organization_id, area, people)
            SELECT t.organization_id, t.area, MAX(t.people)
            FROM diagnostics_strongtally t
            JOIN diagnostics_campaign c ON c.id = t.campaign_id
            WHERE c.kind = %s AND t.levelled >= %s
            GROUP BY t.organization_id, t.area""", [INITIAL, MIN_PEOPLE])
        cursor.execute("""
            INSERT INTO diagnostics_municipalitystrong (municipality_id, sector, area, people)
            SELECT o.municipality_id, o.sector, b.area, SUM(b.people)
            FROM diagnostics_strongbest b
            JOIN territory_organization o ON o.id = b.organization_id
            GROUP BY o.municipality_id, o.sector, b.area""")


class Migration(migrations.Migration):

    dependencies = [
        ('diagnostics', '0023_published_answers'),
        ('territory', '0007_organization_unit_ids'),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
