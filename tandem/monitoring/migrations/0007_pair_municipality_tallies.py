"""The pair and people figures summed per municipality and sector (what a region's or the
country's standard view reads): filled here from the kept rows by grouped reads joined to
the organizations (the rebuild keeps them after that, tandem/monitoring/tallies.py)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, F, Sum

PAIR_FIELDS = ("pairs_total", "pairs_waiting", "pairs_active", "pairs_completed",
               "pairs_ended_early", "pairs_completed_all_closed", "rows_planned",
               "rows_closed", "tasks_done", "tasks_overdue", "products", "meetings_held",
               "meetings_planned")
SIDES = {"municipality_a_id": F("organization_a__municipality_id"),
         "sector_a": F("organization_a__sector"),
         "municipality_b_id": F("organization_b__municipality_id"),
         "sector_b": F("organization_b__sector")}


def fill(apps, schema_editor):
    get = apps.get_model
    for kept, sums, key, values in (
            (get("monitoring", "PairTally"), get("monitoring", "PairMunicipalityTally"),
             ("as_of",), PAIR_FIELDS),
            (get("monitoring", "PairMonthTally"),
             get("monitoring", "PairMonthMunicipalityTally"),
             ("status", "start_month", "end_month"), ("pairs",))):
        sums.objects.bulk_create(
            (sums(**row) for row in kept.objects.values(*key, **SIDES).order_by()
             .annotate(**{name: Sum(name) for name in values}).iterator()),
            batch_size=1000)
    state, sums = get("monitoring", "PairTallyState"), get("monitoring", "PairMunicipalityState")
    sums.objects.bulk_create(
        (sums(**row) for row in state.objects.filter(as_of__isnull=False).values(
            "as_of", municipality_id=F("organization__municipality_id"),
            sector=F("organization__sector")).order_by().annotate(
            organizations=Count("pk"), participants_active=Sum("participants_active"),
            participants_in_pairs=Sum("participants_in_pairs")).iterator()),
        batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0006_report_job_rights'),
        ('territory', '0005_organization_sort_name'),
    ]

    operations = [
        migrations.AddField(
            model_name='pairtallymark',
            name='municipality_id',
            field=models.IntegerField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name='PairMonthMunicipalityTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sector_a', models.CharField(max_length=20)),
                ('sector_b', models.CharField(max_length=20)),
                ('status', models.CharField(max_length=20)),
                ('start_month', models.DateField()),
                ('end_month', models.DateField()),
                ('pairs', models.IntegerField(default=0)),
                ('municipality_a', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.municipality')),
                ('municipality_b', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.municipality')),
            ],
            options={
                'indexes': [models.Index(fields=['municipality_b'], name='pair_month_mun_tally_b')],
                'constraints': [models.UniqueConstraint(fields=('municipality_a', 'sector_a', 'municipality_b', 'sector_b', 'status', 'start_month', 'end_month'), name='pair_month_mun_tally_unique')],
            },
        ),
        migrations.CreateModel(
            name='PairMunicipalityState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sector', models.CharField(max_length=20)),
                ('as_of', models.DateField()),
                ('organizations', models.IntegerField(default=0)),
                ('participants_active', models.IntegerField(default=0)),
                ('participants_in_pairs', models.IntegerField(default=0)),
                ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.municipality')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('municipality', 'sector', 'as_of'), name='pair_mun_state_unique')],
            },
        ),
        migrations.CreateModel(
            name='PairMunicipalityTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sector_a', models.CharField(max_length=20)),
                ('sector_b', models.CharField(max_length=20)),
                ('as_of', models.DateField()),
                ('pairs_total', models.IntegerField(default=0)),
                ('pairs_waiting', models.IntegerField(default=0)),
                ('pairs_active', models.IntegerField(default=0)),
                ('pairs_completed', models.IntegerField(default=0)),
                ('pairs_ended_early', models.IntegerField(default=0)),
                ('pairs_completed_all_closed', models.IntegerField(default=0)),
                ('rows_planned', models.IntegerField(default=0)),
                ('rows_closed', models.IntegerField(default=0)),
                ('tasks_done', models.IntegerField(default=0)),
                ('tasks_overdue', models.IntegerField(default=0)),
                ('products', models.IntegerField(default=0)),
                ('meetings_held', models.IntegerField(default=0)),
                ('meetings_planned', models.IntegerField(default=0)),
                ('municipality_a', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.municipality')),
                ('municipality_b', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.municipality')),
            ],
            options={
                'indexes': [models.Index(fields=['municipality_b'], name='pair_mun_tally_b')],
                'constraints': [models.UniqueConstraint(fields=('municipality_a', 'sector_a', 'municipality_b', 'sector_b', 'as_of'), name='pair_mun_tally_unique')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
