"""Rule 5 of the release rule, «steps of three» (docs/monitoring.md, «Правило публикации
«до / после»»): the figures of «before / after» read each cell's published state
(``PublishedGain``, with its members ``PublishedGainMember``), which moves to the current
one (``GainTally``, ``GainMember``) only when at least MIN_PEOPLE people's levels in the
cell differ from it. Here the current members are computed from the answers on the
server (the rebuild's statement as ``tallies._gains_sql(members=True)`` was on
2026-12-06, copied below: ``members_sql``; organizations in batches), the published sums
of every cell are its current ones (what the figures showed until now: one ``INSERT …
SELECT``), and the published members those of the cells of closed final rounds (those of
open ones are published at their next closing, as before — a round reopened at this
migration publishes then whatever it holds, one last time). ``MunicipalityGainTally``
stays: it summed the same rows. ``tandem tallies --check`` confirms. Going back drops the
tables.

Self-contained (helper rule 5): no application module is imported. The statement, the
digests by part (``tallies.part_digest``, ``member_digest``, ``core.release.joined``), the
part names (``tallies.gain_part``) and the areas of a competency (``tallies.gain_areas``,
here from the framework versions' ``snapshot`` column through ``values_list``) are frozen
copies of the code of 2026-12-06; ``diagnostics/0018`` imports them from here (an earlier
migration never changes). A later change of the rule (a new migration) leaves them
alone."""

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import django.db.models.deletion
from django.db import migrations, models

BATCH = 2000
MIN_PEOPLE = 3  # tandem.core.release.MIN_PEOPLE on 2026-12-06
SUBMITTED = "submitted"  # Response.Status.SUBMITTED
FINAL = "final"  # Campaign.Kind.FINAL
PART = ":"  # tandem.core.release.PART
PARTS = ";"  # tandem.core.release.PARTS
PART_DIGEST = 12  # tallies.PART_DIGEST: hex digits of a part's digest


# --- Frozen copies of the code of 2026-12-06 (diagnostics/0018 uses them too) -------------

def joined(parts: dict[str, str]) -> str:
    """``core.release.joined``: one person's digests by part as the stored text."""
    return PARTS.join(f"{part}{PART}{parts[part]}" for part in sorted(parts))


def split(text: str) -> dict[str, str]:
    """``core.release.split``: the digests by part of a stored text."""
    if not isinstance(text, str):
        raise ValueError(text)
    if not text:
        return {}
    items = [item.split(PART, 1) for item in text.split(PARTS)]
    if any(len(item) != 2 for item in items):
        raise ValueError(text)
    return dict(items)  # type: ignore[arg-type]


def part_digest(items: Iterable[str]) -> str:
    """``tallies.part_digest``: md5 of the items in code point order, comma-joined."""
    text = ",".join(sorted(items))
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()[:PART_DIGEST]


def gain_part(side: str, area: str) -> str:
    """``tallies.gain_part``: a side (``b`` before, ``a`` after) and a competency area."""
    return f"{side}{area}"


def gain_areas(apps: Any, frameworks: Iterable[tuple[int, int]]
               ) -> dict[tuple[int, int], dict[str, tuple[str, ...]]]:
    """``tallies.gain_areas``: for each pair (final round's framework version, its
    baseline's), each competency's areas in either version — read from the versions'
    ``snapshot`` (``{"areas": [{"code", "competencies": [{"code", …}]}]}``) alone."""
    pairs = sorted(set(frameworks))
    FrameworkVersion = apps.get_model("diagnostics", "FrameworkVersion")
    versions = {pk: {c["code"]: a["code"] for a in snapshot["areas"]
                     for c in a["competencies"]}
                for pk, snapshot in FrameworkVersion.objects.filter(
                    pk__in={pk for pair in pairs for pk in pair}).order_by()
                .values_list("pk", "snapshot")}
    found: dict[tuple[int, int], dict[str, tuple[str, ...]]] = {}
    for final, baseline in pairs:
        areas: dict[str, set[str]] = defaultdict(set)
        for version in (final, baseline):
            for code, area in versions.get(version, {}).items():
                areas[code].add(area.replace(PART, "_").replace(PARTS, "_"))
        found[(final, baseline)] = {code: tuple(sorted(a)) for code, a in areas.items()}
    return found


class _DigestAggregate:
    """:func:`part_digest` as an SQLite aggregate over the items (NULL: none)."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def step(self, item: str | None) -> None:
        if item is not None:
            self.items.append(item)

    def finalize(self) -> str:
        return part_digest(self.items)


class _JoinedAggregate:
    """:func:`joined` as an SQLite aggregate over (part, digest) (NULL: none)."""

    def __init__(self) -> None:
        self.parts: dict[str, str] = {}

    def step(self, part: str | None, digest: str | None) -> None:
        if part is not None and digest is not None:
            self.parts[part] = digest

    def finalize(self) -> str:
        return joined(self.parts)


_FINALS_SQL = """
WITH finals AS (
    SELECT f.{r_id} AS final_id, b.{r_id} AS base_id, p.{p_org} AS org, f.{r_campaign} AS campaign,
           p.{p_id} AS person,
           COUNT(*) OVER (PARTITION BY p.{p_org}, f.{r_campaign}) AS people,
           c.{c_framework} AS fw, bc.{c_framework} AS bfw
    FROM {response} f
    JOIN {campaign} c ON c.{c_id} = f.{r_campaign}
    JOIN {campaign} bc ON bc.{c_id} = c.{c_baseline}
    JOIN {participant} p ON p.{p_id} = f.{r_participant}
    JOIN {response} b ON b.{r_participant} = f.{r_participant} AND b.{r_campaign} = c.{c_baseline}
    WHERE f.{r_status} = %s AND b.{r_status} = %s AND c.{c_kind} = %s AND p.{p_org} IN ({ids})
      AND NOT EXISTS (
          SELECT 1 FROM {response} l JOIN {campaign} lc ON lc.{c_id} = l.{r_campaign}
          WHERE l.{r_participant} = f.{r_participant} AND l.{r_status} = %s
            AND lc.{c_kind} = %s AND lc.{c_baseline} = c.{c_baseline}
            AND (lc.{c_ends} > c.{c_ends} OR (lc.{c_ends} = c.{c_ends} AND lc.{c_id} > c.{c_id})))
)
, areas (fw, bfw, code, area) AS (VALUES {rows})
"""
_MEMBERS_SELECT = """
SELECT f.org AS t_organization_id, f.campaign AS t_campaign_id, f.person AS t_person,
       {joined} AS t_digest
FROM finals f LEFT JOIN (
    SELECT g.final_id, g.part, {digest} AS digest
    FROM (SELECT x.final_id, 'b' || COALESCE(m.area, '') AS part,
                 a.{a_competency} || '=' || CAST(a.{a_level} AS TEXT) AS item
          FROM finals x JOIN {answer} a ON a.{a_response} = x.base_id
          LEFT JOIN areas m ON m.fw = x.fw AND m.bfw = x.bfw AND m.code = a.{a_competency}
          WHERE a.{a_level} IS NOT NULL
          UNION ALL
          SELECT x.final_id, 'a' || COALESCE(m.area, ''),
                 a.{a_competency} || '=' || CAST(a.{a_level} AS TEXT)
          FROM finals x JOIN {answer} a ON a.{a_response} = x.final_id
          LEFT JOIN areas m ON m.fw = x.fw AND m.bfw = x.bfw AND m.code = a.{a_competency}
          WHERE a.{a_level} IS NOT NULL) g
    GROUP BY g.final_id, g.part) d ON d.final_id = f.final_id
GROUP BY f.org, f.campaign, f.person
"""
_DIGEST = {
    "postgresql": f"""SUBSTR(MD5(STRING_AGG(g.item, ',' ORDER BY g.item COLLATE "C")), 1,
                                {PART_DIGEST})""",
    "sqlite": "tandem_0017_digest(g.item)",
}
_JOINED = {
    "postgresql": """COALESCE(STRING_AGG(d.part || ':' || d.digest, ';'
                                         ORDER BY d.part COLLATE "C"), '')""",
    "sqlite": "tandem_0017_joined(d.part, d.digest)",
}


def members_sql(apps: Any, connection: Any, ids: list[int]) -> tuple[str, list[Any]]:
    """``tallies._gains_sql(ids, members=True)`` as it was on 2026-12-06: each person of
    these organizations' cells of «before / after» (their final questionnaire, the latest
    of its baseline, whose person submitted the baseline too) and the digests of their
    levels by part, joined (columns ``t_organization_id``, ``t_campaign_id``, ``t_person``,
    ``t_digest``). On SQLite the digests are this module's aggregates, registered on the
    connection here."""
    Response = apps.get_model("diagnostics", "Response")
    Campaign = apps.get_model("diagnostics", "Campaign")
    Answer = apps.get_model("diagnostics", "Answer")
    Participant = apps.get_model("people", "Participant")
    quote = connection.ops.quote_name

    def column(model: Any, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.create_aggregate("tandem_0017_digest", 1, _DigestAggregate)
        connection.connection.create_aggregate("tandem_0017_joined", 2, _JoinedAggregate)
    frameworks = Campaign.objects.filter(
        kind=FINAL, baseline__isnull=False,
        responses__participant__organization_id__in=ids).values_list(
            "framework_id", "baseline__framework_id").distinct().order_by()
    rows: list[Any] = [(*pair, code, area)
                       for pair, codes in gain_areas(apps, frameworks).items()
                       for code, areas in sorted(codes.items()) for area in areas]
    values = ", ".join(["(CAST(%s AS INTEGER), CAST(%s AS INTEGER), %s, %s)"]
                       * max(len(rows), 1))
    rows = [value for row in rows or [(0, 0, "", "")] for value in row]  # 0: no version
    names = {"response": Response, "campaign": Campaign, "participant": Participant,
             "answer": Answer}
    sql = (_FINALS_SQL + _MEMBERS_SELECT).format(
        **{key: quote(model._meta.db_table) for key, model in names.items()},
        r_id=column(Response, "id"), r_campaign=column(Response, "campaign"),
        r_participant=column(Response, "participant"), r_status=column(Response, "status"),
        c_id=column(Campaign, "id"), c_baseline=column(Campaign, "baseline"),
        c_kind=column(Campaign, "kind"), c_ends=column(Campaign, "ends_on"),
        c_framework=column(Campaign, "framework"),
        p_id=column(Participant, "id"), p_org=column(Participant, "organization"),
        a_response=column(Answer, "response"), a_competency=column(Answer, "competency"),
        a_level=column(Answer, "level"), ids=", ".join(["%s"] * len(ids)), rows=values,
        digest=_DIGEST[connection.vendor], joined=_JOINED[connection.vendor])
    return sql, [SUBMITTED, SUBMITTED, FINAL, *ids, SUBMITTED, FINAL, *rows]


def insert_members(connection: Any, model: Any, sql: str, params: Iterable[Any]) -> None:
    """``INSERT INTO`` the (historical) members' table the rows of :func:`members_sql`."""
    quote = connection.ops.quote_name
    fields = ("organization_id", "campaign_id", "person", "digest")
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    aliases = ", ".join(f"s.{quote(f't_{name}')}" for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
                       f"SELECT {aliases} FROM ({sql}) s", tuple(params))


# --- This migration ---------------------------------------------------------------------

def _copy(schema_editor, source, target, fields, where=""):  # type: ignore[no-untyped-def]
    quote = schema_editor.connection.ops.quote_name
    columns = ", ".join(quote(source._meta.get_field(name).column) for name in fields)
    schema_editor.execute(
        f"INSERT INTO {quote(target._meta.db_table)} ({columns}) "  # noqa: S608 (names ours)
        f"SELECT {columns} FROM {quote(source._meta.db_table)} s{where}")


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    GainTally = apps.get_model("diagnostics", "GainTally")
    GainMember = apps.get_model("diagnostics", "GainMember")
    Campaign = apps.get_model("diagnostics", "Campaign")
    Response = apps.get_model("diagnostics", "Response")
    ids = sorted(set(Response.objects.filter(status=SUBMITTED, campaign__kind=FINAL)
                     .order_by().values_list("participant__organization_id", flat=True)
                     .distinct()) - {None})
    for start in range(0, len(ids), BATCH):
        sql, params = members_sql(apps, connection, ids[start:start + BATCH])
        if connection.vendor == "postgresql":
            # The statement gives digests by part, longer than this column's 16
            # characters: here their md5, cut to it — 0018 only compares them for equality
            # (a published member's with the current one's) and computes them anew.
            sql = ('SELECT "t_organization_id", "t_campaign_id", "t_person", '  # noqa: S608
                   f'SUBSTR(MD5("t_digest"), 1, 16) AS "t_digest" FROM ({sql}) m')
        insert_members(connection, GainMember, sql, params)
    levels = ("organization", "campaign", "competency", "before_sum", "before_n",
              "after_sum", "after_n", "people")
    _copy(schema_editor, GainTally, apps.get_model("diagnostics", "PublishedGain"), levels)
    quote = schema_editor.connection.ops.quote_name
    # Members only of cells published as the code publishes them: of a closed round and of
    # at least MIN_PEOPLE people — a smaller one was never published, and is published
    # whole with its third person, not after three changes (review 2026-12-06).
    members = quote(GainMember._meta.db_table)
    org, campaign = quote("organization_id"), quote("campaign_id")
    closed = (f" WHERE s.{campaign} IN (SELECT c.{quote('id')} FROM "
              f"{quote(Campaign._meta.db_table)} c WHERE c.{quote('status')} = 'closed')"
              f" AND (s.{org}, s.{campaign}) IN (SELECT m.{org}, m.{campaign} FROM {members} m"
              f" GROUP BY m.{org}, m.{campaign} HAVING COUNT(*) >= {MIN_PEOPLE})")
    _copy(schema_editor, GainMember, apps.get_model("diagnostics", "PublishedGainMember"),
          ("organization", "campaign", "person", "digest"), closed)
    if schema_editor.connection.vendor == "postgresql":  # the rows' key checks, now
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('diagnostics', '0016_levelled_people_of_mentor_cells'),
        ('territory', '0006_russian_model_names'),
    ]

    operations = [
        migrations.CreateModel(
            name='GainMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('person', models.PositiveBigIntegerField()),
                ('digest', models.CharField(max_length=16)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='diagnostics.campaign')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.organization')),
            ],
            options={
                'verbose_name': 'участник ячейки прироста',
                'verbose_name_plural': 'участники ячеек прироста',
                'constraints': [models.UniqueConstraint(fields=('organization', 'campaign', 'person'), name='one_gain_member')],
            },
        ),
        migrations.CreateModel(
            name='PublishedGain',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('competency', models.CharField(max_length=40)),
                ('before_sum', models.PositiveIntegerField(default=0)),
                ('before_n', models.PositiveIntegerField(default=0)),
                ('after_sum', models.PositiveIntegerField(default=0)),
                ('after_n', models.PositiveIntegerField(default=0)),
                ('people', models.PositiveIntegerField(default=0)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='diagnostics.campaign')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.organization')),
            ],
            options={
                'verbose_name': 'опубликованный итог прироста организации',
                'verbose_name_plural': 'опубликованные итоги прироста организаций',
                'constraints': [models.UniqueConstraint(fields=('organization', 'campaign', 'competency'), name='one_published_gain')],
            },
        ),
        migrations.CreateModel(
            name='PublishedGainMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('person', models.PositiveBigIntegerField()),
                ('digest', models.CharField(max_length=16)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='diagnostics.campaign')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.organization')),
            ],
            options={
                'verbose_name': 'опубликованный участник ячейки прироста',
                'verbose_name_plural': 'опубликованные участники ячеек прироста',
                'constraints': [models.UniqueConstraint(fields=('organization', 'campaign', 'person'), name='one_published_gain_member')],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
