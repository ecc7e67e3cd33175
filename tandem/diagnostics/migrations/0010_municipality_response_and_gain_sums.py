"""The municipalities' sums, per sector and round (kind and dates of the campaign), of
questionnaires handed out and submitted (``MunicipalityResponseTally``) and of levels
before and after per final round and competency (``MunicipalityGainTally``): what a
region's and the country's dashboards read for completion and «before / after by area»,
instead of summing every organization's ``ResponseTally`` and ``GainTally`` (5,456
organizations in a region). Filled here from the organizations' tallies (no questionnaire
or answer read); ``tandem tallies --check`` confirms. Reversible: going back drops the
tables."""

from collections import defaultdict

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, Sum

BATCH = 2000


def fill(apps, schema_editor):
    ResponseTally = apps.get_model("diagnostics", "ResponseTally")
    GainTally = apps.get_model("diagnostics", "GainTally")
    MunicipalityResponseTally = apps.get_model("diagnostics", "MunicipalityResponseTally")
    MunicipalityGainTally = apps.get_model("diagnostics", "MunicipalityGainTally")
    org = "organization__"
    place = {"municipality_id": F(f"{org}municipality_id"), "sector": F(f"{org}sector"),
             "kind": F("campaign__kind"), "starts_on": F("campaign__starts_on"),
             "ends_on": F("campaign__ends_on")}
    MunicipalityResponseTally.objects.bulk_create(
        (MunicipalityResponseTally(**row) for row in (
            ResponseTally.objects.order_by().values(**place)
            .annotate(invited=Sum("invited"), submitted=Sum("submitted")).iterator())),
        batch_size=BATCH)
    # The people of a group: once per organization and campaign (repeated per competency).
    people = defaultdict(dict)
    for row in (GainTally.objects.order_by()
                .values("organization_id", "campaign_id", "people", **{f"g_{k}": v for k, v in place.items()})
                .iterator()):
        key = tuple(row[f"g_{k}"] for k in place)
        people[key][(row["organization_id"], row["campaign_id"])] = row["people"]
    MunicipalityGainTally.objects.bulk_create(
        (MunicipalityGainTally(**row, people=sum(people[tuple(row[k] for k in place)].values()))
         for row in (GainTally.objects.order_by().values("competency", **place)
                     .annotate(before_sum=Sum("before_sum"), before_n=Sum("before_n"),
                               after_sum=Sum("after_sum"), after_n=Sum("after_n")).iterator())),
        batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ('diagnostics', '0009_answer_competency_level_index_dropped'),
        ('territory', '0005_organization_sort_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='MunicipalityGainTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sector', models.CharField(max_length=20)),
                ('kind', models.CharField(choices=[('initial', 'входная'), ('final', 'итоговая')], max_length=10)),
                ('starts_on', models.DateField()),
                ('ends_on', models.DateField()),
                ('competency', models.CharField(max_length=40)),
                ('before_sum', models.PositiveIntegerField(default=0)),
                ('before_n', models.PositiveIntegerField(default=0)),
                ('after_sum', models.PositiveIntegerField(default=0)),
                ('after_n', models.PositiveIntegerField(default=0)),
                ('people', models.PositiveIntegerField(default=0)),
                ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.municipality')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('municipality', 'sector', 'kind', 'starts_on', 'ends_on', 'competency'), name='one_municipality_round_gain')],
            },
        ),
        migrations.CreateModel(
            name='MunicipalityResponseTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sector', models.CharField(max_length=20)),
                ('kind', models.CharField(choices=[('initial', 'входная'), ('final', 'итоговая')], max_length=10)),
                ('starts_on', models.DateField()),
                ('ends_on', models.DateField()),
                ('invited', models.PositiveIntegerField(default=0)),
                ('submitted', models.PositiveIntegerField(default=0)),
                ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.municipality')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('municipality', 'sector', 'kind', 'starts_on', 'ends_on'), name='one_municipality_round_responses')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
