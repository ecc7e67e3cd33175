"""The dashboard's «pairs by month» kept with the pair figures (``PairMonthTally``): filled
here from the formed pairs by one grouped read (the rebuild keeps them after that)."""

import datetime as dt

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncMonth

FORMED = ("approved", "active", "completed", "ended_early")  # tandem.pairs.querysets


def _date(value):
    return value.date() if isinstance(value, dt.datetime) else value


def fill(apps, schema_editor):
    Pair = apps.get_model("pairs", "Pair")
    PairMonthTally = apps.get_model("monitoring", "PairMonthTally")
    PairMonthTally.objects.bulk_create(
        (PairMonthTally(organization_a_id=row["a_organization_id"],
                        organization_b_id=row["b_organization_id"], status=row["status"],
                        start_month=_date(row["m0"]), end_month=_date(row["m1"]),
                        pairs=row["n"])
         for row in Pair.objects.filter(status__in=FORMED, a_organization__isnull=False,
                                        b_organization__isnull=False)
         .annotate(m0=TruncMonth("starts_on"), m1=TruncMonth("ends_on"))
         .values("a_organization_id", "b_organization_id", "status", "m0", "m1")
         .order_by().annotate(n=Count("pk")).iterator()),
        batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0003_pair_tallies'),
        ('pairs', '0009_pair_running_index'),
        ('territory', '0002_region_time_zone'),
    ]

    operations = [
        migrations.CreateModel(
            name='PairMonthTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(max_length=20)),
                ('start_month', models.DateField()),
                ('end_month', models.DateField()),
                ('pairs', models.PositiveIntegerField(default=0)),
                ('organization_a', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.organization')),
                ('organization_b', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.organization')),
            ],
            options={
                'indexes': [models.Index(fields=['organization_b'], name='pair_month_tally_b')],
                'constraints': [models.UniqueConstraint(fields=('organization_a', 'organization_b', 'status', 'start_month', 'end_month'), name='pair_month_tally_unique')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
