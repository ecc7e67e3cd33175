"""The sums of answers per region (``RegionAnswerTally``): the municipalities' sums
(``MunicipalityAnswerTally``) summed by region — what the country's dashboard reads
instead of every municipality's rows (issue #16).

Forwards: the table, filled from the municipalities' sums as they stand, in one
``INSERT … SELECT … GROUP BY`` on the server (138,000 municipality rows of a country of
five regions: a second). They are exactly the sum of those rows, so nothing is recounted
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
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
