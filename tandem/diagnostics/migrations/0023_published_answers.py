"""Rule 5, «steps of three», for the deficit and strength shares (docs/monitoring.md,
«Правило публикации дефицитов»): the published state of each cell group (organization,
campaign) — its counts by competency (``PublishedAnswer``) and its people with their
contribution to each competency (``PublishedAnswerMember``), the current people
(``AnswerMember``) beside.

Forwards, on the server, three ``INSERT … SELECT``: the current people and their texts
(by position of their campaign's framework version's competencies in code point order,
one character a competency — ``answered + 2 × deficit + 4 × strong``, ``0`` an answer
without a level; ``tallies.answer_member_text``) from the submitted answers where they
count (``Response.organization``); the published counts are the stored ones
(``AnswerTally``: what the shares showed until now — each group, a small one too: its
answers stay left out, and from now on move only by three people; the municipalities'
sums stay as they are); the published members are the current ones. An organization
waiting for a rebuild (``TallyState.dirty_since``: a change imported while the workers
are stopped for the deploy) has stored counts that may not be its answers: its published
members get every contribution marked ``-`` (``release.UNKNOWN``) — which of them that
change was in cannot be told, so its groups wait until three people changed each
competency (as 0019 did for «до / после»).

Backwards: the tables go. Everything it needs is copied here (the text, the positions, the
rule of deficits and strengths at levels 0–3), not imported: the app's code may change
after it."""

import django.db.models.deletion
from django.db import migrations, models

SUBMITTED = "submitted"
UNKNOWN = "-"  # core.release.UNKNOWN
MAX_LEVEL = 3
STRENGTH_MIN = 2
DEFICIT_MAX = 1
DEFICIT = f"(a.level <= {DEFICIT_MAX} OR (a.wants_to_learn AND a.level < {MAX_LEVEL}))"
STRONG = f"(a.level = {MAX_LEVEL} OR (a.level = {STRENGTH_MIN} AND a.can_teach))"
DIGIT = (f"((CASE WHEN a.level IS NOT NULL THEN 1 ELSE 0 END) + 2 * (CASE WHEN {DEFICIT} "
         f"THEN 1 ELSE 0 END) + 4 * (CASE WHEN {STRONG} THEN 1 ELSE 0 END))")
ANSWERS = f"""
    SELECT r.organization_id AS o, r.campaign_id AS c, r.participant_id AS p,
           c.framework_id AS fw, a.competency AS code, a.level AS level, {DIGIT} AS digit,
           CASE WHEN {DEFICIT} THEN 1 ELSE 0 END AS d, CASE WHEN {STRONG} THEN 1 ELSE 0 END AS s
    FROM diagnostics_answer a
    JOIN diagnostics_response r ON r.id = a.response_id
    JOIN diagnostics_campaign c ON c.id = r.campaign_id
    WHERE r.status = %s AND r.organization_id IS NOT NULL"""
OTHERS = {
    "postgresql": """STRING_AGG(g.item, ',' ORDER BY g.item COLLATE "C")
                     FILTER (WHERE g.item IS NOT NULL)""",
    "sqlite": "tandem_0023_others(g.item)",
}


class _OthersAggregate:
    def __init__(self):  # type: ignore[no-untyped-def]
        self.items = []

    def step(self, item):  # type: ignore[no-untyped-def]
        if item is not None:
            self.items.append(item)

    def finalize(self):  # type: ignore[no-untyped-def]
        return ",".join(sorted(self.items)) if self.items else None


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("tandem_0023_others", 1, _OthersAggregate)
    FrameworkVersion = apps.get_model("diagnostics", "FrameworkVersion")
    layouts = {pk: sorted({c["code"] for a in snapshot["areas"] for c in a["competencies"]})
               for pk, snapshot in FrameworkVersion.objects.values_list("pk", "snapshot")}
    rows = [(pk, code, i) for pk, codes in sorted(layouts.items())
            for i, code in enumerate(codes)] or [(0, "", 0)]
    slots = max((len(codes) for codes in layouts.values()), default=0)
    slot = "COALESCE(CAST(MAX(CASE WHEN g.pos = {i} THEN g.digit END) AS TEXT), '.')"
    members = f"""
        WITH layout (fw, code, pos) AS (VALUES {", ".join(
            ["(CAST(%s AS INTEGER), %s, CAST(%s AS INTEGER))"] * len(rows))})
        SELECT g.o, g.c, g.p,
               CAST(g.fw AS TEXT) || '|' || RTRIM({" || ".join(
                   slot.format(i=i) for i in range(slots)) or "''"}, '.')
               || COALESCE('|' || {OTHERS[connection.vendor]}, '')
        FROM (SELECT x.o, x.c, x.p, x.fw, m.pos, x.digit,
                     CASE WHEN m.pos IS NULL THEN x.code || '=' || CAST(x.digit AS TEXT)
                     END AS item
              FROM ({ANSWERS}) x LEFT JOIN layout m ON m.fw = x.fw AND m.code = x.code) g
        GROUP BY g.o, g.c, g.p, g.fw"""
    params = [value for row in rows for value in row] + [SUBMITTED]
    masked = "m.digest"
    for digit in "01234567":
        masked = f"REPLACE({masked}, '{digit}', '{UNKNOWN}')"
    # The contributions after the version's id: its digits are no contribution.
    bar = ("STRPOS(m.digest, '|')" if connection.vendor == "postgresql"
           else "INSTR(m.digest, '|')")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO diagnostics_answermember "
                       f"(organization_id, campaign_id, person, digest) {members}", params)
        cursor.execute(f"""
            INSERT INTO diagnostics_publishedanswermember
                (organization_id, campaign_id, person, digest)
            SELECT m.organization_id, m.campaign_id, m.person,
                   CASE WHEN t.dirty_since IS NULL THEN m.digest
                        ELSE SUBSTR(m.digest, 1, {bar})
                             || SUBSTR({masked}, {bar} + 1) END
            FROM diagnostics_answermember m
            LEFT JOIN diagnostics_tallystate t ON t.organization_id = m.organization_id""")
        cursor.execute("""
            INSERT INTO diagnostics_publishedanswer
                (organization_id, campaign_id, competency, answers, answered, deficit, strong)
            SELECT organization_id, campaign_id, competency, answers, answered, deficit, strong
            FROM diagnostics_answertally""")




class Migration(migrations.Migration):

    dependencies = [
        ('diagnostics', '0022_campaign_reopened'),
        ('territory', '0007_organization_unit_ids'),
    ]

    operations = [
        migrations.CreateModel(
            name='AnswerMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('person', models.PositiveBigIntegerField()),
                ('digest', models.TextField(blank=True)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='diagnostics.campaign')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.organization')),
            ],
            options={
                'verbose_name': 'участник ячейки оценок',
                'verbose_name_plural': 'участники ячеек оценок',
                'constraints': [models.UniqueConstraint(fields=('organization', 'campaign', 'person'), name='one_answer_member')],
            },
        ),
        migrations.CreateModel(
            name='PublishedAnswer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('answers', models.PositiveIntegerField(default=0)),
                ('answered', models.PositiveIntegerField(default=0)),
                ('deficit', models.PositiveIntegerField(default=0)),
                ('strong', models.PositiveIntegerField(default=0)),
                ('competency', models.CharField(max_length=40)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='diagnostics.campaign')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.organization')),
            ],
            options={
                'verbose_name': 'опубликованный итог оценок организации',
                'verbose_name_plural': 'опубликованные итоги оценок организаций',
                'indexes': [models.Index(fields=['campaign', 'organization'], name='diagnostics_campaig_c38350_idx')],
                'constraints': [models.UniqueConstraint(fields=('organization', 'campaign', 'competency'), name='one_published_answer')],
            },
        ),
        migrations.CreateModel(
            name='PublishedAnswerMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('person', models.PositiveBigIntegerField()),
                ('digest', models.TextField(blank=True)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='diagnostics.campaign')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.organization')),
            ],
            options={
                'verbose_name': 'опубликованный участник ячейки оценок',
                'verbose_name_plural': 'опубликованные участники ячеек оценок',
                'constraints': [models.UniqueConstraint(fields=('organization', 'campaign', 'person'), name='one_published_answer_member')],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
