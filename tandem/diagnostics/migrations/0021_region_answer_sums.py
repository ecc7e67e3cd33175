"""The sums of answers and of «before / after» per region (``RegionAnswerTally``,
``RegionGainTally``): the municipalities' sums (``MunicipalityAnswerTally``,
``MunicipalityGainTally``) summed by region — what the country's dashboard reads instead
of every municipality's rows (issue #16). A region's ``people`` and ``left_out`` of
«before / after» are the sums of its municipalities' values for the group, one per
municipality (each is repeated in its group's competencies' rows).

Forwards: the table, filled from the municipalities' sums as they stand, in one
``INSERT … SELECT … GROUP BY`` on the server (138,000 municipality rows of a country of
five regions: a second; 62,595 of «before / after»). They are exactly the sum of those rows, so nothing is recounted
(``tandem tallies --check`` finds them right). Backwards: the table goes; the country's
dashboard of the code before reads the municipalities' sums again.

Nothing is imported from the app: the models are the migration state's."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


COUNTS = ("answers", "answered", "deficit", "strong", "left_out")
KEYS = ("sector", "kind", "starts_on", "ends_on", "competency")


def fill(apps: Any, schema_editor: Any) -> None:
    regional = apps.get_model("diagnostics", "RegionAnswerTally")._meta
    local = apps.get_model("diagnostics", "MunicipalityAnswerTally")._meta
    municipality = apps.get_model("territory", "Municipality")._meta
    quote = schema_editor.connection.ops.quote_name

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    keys = ", ".join(f"s.{column(local, k)}" for k in KEYS)
    sums = ", ".join(f"SUM(s.{column(local, n)})" for n in COUNTS)
    target = ", ".join(column(regional, n) for n in ("region", *KEYS, *COUNTS))
    sql = (f"INSERT INTO {quote(regional.db_table)} ({target}) "  # noqa: S608 (names are ours)
           f"SELECT m.{column(municipality, 'region')}, {keys}, {sums} "
           f"FROM {quote(local.db_table)} s JOIN {quote(municipality.db_table)} m "
           f"ON m.{quote(municipality.pk.column)} = s.{column(local, 'municipality')} "
           f"GROUP BY m.{column(municipality, 'region')}, {keys}")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.execute(_gains_sql(apps, schema_editor))


GAIN_KEYS = ("sector", "kind", "starts_on", "ends_on", "status")
LEVELS = ("before_sum", "before_n", "after_sum", "after_n")


def _gains_sql(apps: Any, schema_editor: Any) -> str:
    regional = apps.get_model("diagnostics", "RegionGainTally")._meta
    local = apps.get_model("diagnostics", "MunicipalityGainTally")._meta
    municipality = apps.get_model("territory", "Municipality")._meta
    quote = schema_editor.connection.ops.quote_name

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    region = f"m.{column(municipality, 'region')}"
    joined = (f"{quote(local.db_table)} g JOIN {quote(municipality.db_table)} m "
              f"ON m.{quote(municipality.pk.column)} = g.{column(local, 'municipality')}")
    keys = ", ".join(f"g.{column(local, k)}" for k in GAIN_KEYS)
    sums = (f"SELECT {region} AS r, {keys}, g.{column(local, 'competency')} AS c, "  # noqa: S608
            + ", ".join(f"SUM(g.{column(local, n)}) AS {quote('s_' + n)}" for n in LEVELS)
            + f" FROM {joined} GROUP BY {region}, {keys}, g.{column(local, 'competency')}")
    each = (f"SELECT DISTINCT g.{column(local, 'municipality')}, {region} AS r, {keys}, "  # noqa: S608
            f"g.{column(local, 'people')} AS p, g.{column(local, 'left_out')} AS lo "
            f"FROM {joined}")
    plain = ", ".join(column(local, k) for k in GAIN_KEYS)
    people = (f"SELECT r, {plain}, SUM(p) AS p, SUM(lo) AS lo FROM ({each}) x "  # noqa: S608
              f"GROUP BY r, {plain}")
    on = " AND ".join(f"s.{column(local, k)} = n.{column(local, k)}" for k in GAIN_KEYS)
    target = ", ".join(column(regional, n) for n in (
        "region", *GAIN_KEYS, "competency", *LEVELS, "people", "left_out"))
    values = ", ".join([f"s.{column(local, k)}" for k in GAIN_KEYS]
                       + ["s.c"] + [f"s.{quote('s_' + n)}" for n in LEVELS])
    return (f"INSERT INTO {quote(regional.db_table)} ({target}) "  # noqa: S608
            f"SELECT s.r, {values}, n.p, n.lo FROM ({sums}) s JOIN ({people}) n "
            f"ON s.r = n.r AND {on}")


class Migration(migrations.Migration):

    dependencies = [
        ('diagnostics', '0020_response_organization'),
        ('territory', '0006_russian_model_names'),
    ]

    operations = [
        migrations.CreateModel(
            name='RegionAnswerTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('answers', models.PositiveIntegerField(default=0)),
                ('answered', models.PositiveIntegerField(default=0)),
                ('deficit', models.PositiveIntegerField(default=0)),
                ('strong', models.PositiveIntegerField(default=0)),
                ('sector', models.CharField(max_length=20)),
                ('kind', models.CharField(choices=[('initial', 'входная'), ('final', 'итоговая')], max_length=10)),
                ('starts_on', models.DateField()),
                ('ends_on', models.DateField()),
                ('competency', models.CharField(max_length=40)),
                ('left_out', models.PositiveIntegerField(default=0)),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.region')),
            ],
            options={
                'verbose_name': 'итог оценок региона',
                'verbose_name_plural': 'итоги оценок регионов',
                'constraints': [models.UniqueConstraint(fields=('region', 'sector', 'kind', 'starts_on', 'ends_on', 'competency'), name='one_region_round_tally')],
            },
        ),
        migrations.CreateModel(
            name='RegionGainTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sector', models.CharField(max_length=20)),
                ('kind', models.CharField(choices=[('initial', 'входная'), ('final', 'итоговая')], max_length=10)),
                ('starts_on', models.DateField()),
                ('ends_on', models.DateField()),
                ('status', models.CharField(choices=[('open', 'идёт'), ('closed', 'завершена')], default='open', max_length=10)),
                ('competency', models.CharField(max_length=40)),
                ('before_sum', models.PositiveIntegerField(default=0)),
                ('before_n', models.PositiveIntegerField(default=0)),
                ('after_sum', models.PositiveIntegerField(default=0)),
                ('after_n', models.PositiveIntegerField(default=0)),
                ('people', models.PositiveIntegerField(default=0)),
                ('left_out', models.PositiveIntegerField(default=0)),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.region')),
            ],
            options={
                'verbose_name': 'итог прироста региона',
                'verbose_name_plural': 'итоги прироста регионов',
                'constraints': [models.UniqueConstraint(fields=('region', 'sector', 'kind', 'starts_on', 'ends_on', 'status', 'competency'), name='one_region_round_gain')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
