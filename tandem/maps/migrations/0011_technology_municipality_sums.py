# The «технологии» table of a region or the country (standard view) from sums per
# municipality and sector (TechnologyMunicipalityTally, issue #16, docs/performance.md),
# filled here from the organizations' tallies by one grouped read; a mark may name the
# municipality an organization left (TechnologyTallyMark.municipality_id).

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Case, F, IntegerField, Q, Sum, When


def fill(apps, schema_editor):
    tally = apps.get_model("maps", "TechnologyTally")
    sums = apps.get_model("maps", "TechnologyMunicipalityTally")
    elsewhere = ~Q(a_organization_id=F("organization_id")) & ~Q(
        b_organization_id=F("organization_id"))
    rows = (tally.objects.values(
        "competency", "technology", m=F("organization__municipality_id"),
        s=F("organization__sector"),
        a=Case(When(elsewhere, then=F("a_organization_id")), default=None,
               output_field=IntegerField()),
        b=Case(When(elsewhere, then=F("b_organization_id")), default=None,
               output_field=IntegerField()))
        .order_by().annotate(n=Sum("rows")))
    sums.objects.bulk_create(
        (sums(municipality_id=r["m"], sector=r["s"], competency=r["competency"],
              technology=r["technology"], a_organization_id=r["a"], b_organization_id=r["b"],
              rows=r["n"]) for r in rows.iterator(chunk_size=2000)),
        batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('maps', '0010_pair_held_dates_filled'),
        ('territory', '0002_region_time_zone'),
    ]

    operations = [
        migrations.AddField(
            model_name='technologytallymark',
            name='municipality_id',
            field=models.IntegerField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name='TechnologyMunicipalityTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sector', models.CharField(max_length=20)),
                ('competency', models.CharField(max_length=40)),
                ('technology', models.CharField(max_length=200)),
                ('a_organization_id', models.IntegerField(blank=True, null=True)),
                ('b_organization_id', models.IntegerField(blank=True, null=True)),
                ('rows', models.PositiveIntegerField(default=0)),
                ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='territory.municipality')),
            ],
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
