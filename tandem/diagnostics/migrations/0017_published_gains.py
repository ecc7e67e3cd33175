"""Rule 5 of the release rule, «steps of three» (docs/monitoring.md, «Правило публикации
«до / после»»): the figures of «before / after» read each cell's published state
(``PublishedGain``, with its members ``PublishedGainMember``), which moves to the current
one (``GainTally``, ``GainMember``) only when at least MIN_PEOPLE people's levels in the
cell differ from it. Here the current members are computed from the answers on the
server (the rebuild's own statement, ``tallies._gains_sql(members=True)``, organizations
in batches), the published sums of every cell are its current ones (what the figures
showed until now: one ``INSERT … SELECT``), and the published members those of the cells
of closed final rounds (those of open ones are published at their next closing, as
before — a round reopened at this migration publishes then whatever it holds, one last
time). ``MunicipalityGainTally`` stays: it summed the same rows. ``tandem tallies
--check`` confirms. Going back drops the tables."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

from tandem.core.release import MIN_PEOPLE

BATCH = 2000


def _copy(schema_editor, source, target, fields, where=""):  # type: ignore[no-untyped-def]
    quote = schema_editor.connection.ops.quote_name
    columns = ", ".join(quote(source._meta.get_field(name).column) for name in fields)
    schema_editor.execute(
        f"INSERT INTO {quote(target._meta.db_table)} ({columns}) "  # noqa: S608 (names ours)
        f"SELECT {columns} FROM {quote(source._meta.db_table)} s{where}")


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    tallies = importlib.import_module("tandem.diagnostics.tallies")
    GainTally = apps.get_model("diagnostics", "GainTally")
    GainMember = apps.get_model("diagnostics", "GainMember")
    Campaign = apps.get_model("diagnostics", "Campaign")
    Response = apps.get_model("diagnostics", "Response")
    ids = sorted(set(Response.objects.filter(status="submitted", campaign__kind="final")
                     .order_by().values_list("participant__organization_id", flat=True)
                     .distinct()) - {None})
    for start in range(0, len(ids), BATCH):
        sql, params = tallies._gains_sql(ids[start:start + BATCH], members=True)
        if schema_editor.connection.vendor == "postgresql":
            # Since 0018 the statement gives digests by part, longer than this column's 16
            # characters: here their md5, cut to it — 0018 only compares them for equality
            # (a published member's with the current one's) and computes them anew.
            sql = ('SELECT "t_organization_id", "t_campaign_id", "t_person", '  # noqa: S608
                   f'SUBSTR(MD5("t_digest"), 1, 16) AS "t_digest" FROM ({sql}) m')
        tallies._insert(tallies.GainMember, sql, params)
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
