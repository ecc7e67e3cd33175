# The «технологии» table of a region or the country (standard view) from sums per
# municipality and sector (TechnologyMunicipalityTally, issue #16, docs/performance.md),
# filled here from the organizations' tallies by one grouped read; a mark may name the
# municipality an organization left (TechnologyTallyMark.municipality_id).
#
# The organizations waiting for a build (a TechnologyTallyMark: 0008 marks every
# organization with pairs; a database taken back past 0008 — `tandem migrate maps 0003` —
# and forward again has its tallies only so) are built first, as `maps.tallies.rebuild`
# of 2026-12-06 builds them (`build_waiting`, a frozen copy of its `_computed`), and their
# marks go: the sums are then of every organization, and `tandem tallies --check` is clean
# right after `migrate` (before, the tallies stayed empty, the table counted live, until
# the job or the hourly run built them). Added 2026-12-06 (evening): a database that ran
# this migration before reached the same rows when that job ran; nothing else changed.

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Case, Count, F, IntegerField, Q, Sum, When

# maps.tallies.KEY: what a tally is kept per.
KEY = ("organization_id", "a_organization_id", "b_organization_id", "competency",
       "technology", "starts_on", "ends_on")
BATCH = 500  # organizations built per read


def build_waiting(apps):  # type: ignore[no-untyped-def]
    """The marked organizations' tallies from their pairs' map rows with a technology,
    counted per pair's organization, members' organizations, competency, technology and
    term (``maps.tallies._computed``); their marks removed."""
    row = apps.get_model("maps", "Row")
    tally = apps.get_model("maps", "TechnologyTally")
    mark = apps.get_model("maps", "TechnologyTallyMark")
    marks: dict[int, list[int]] = {}
    for pk, organization_id in mark.objects.values_list("pk", "organization_id"):
        marks.setdefault(organization_id, []).append(pk)
    ids = sorted(marks)
    pair = "map__pair__"
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        # The marks read before the rows go, not the organizations' marks now: a mark
        # written meanwhile (old code still running) stays for the job (review of h/migback).
        seen = [pk for organization_id in batch for pk in marks[organization_id]]
        computed = list(
            row.objects.filter(**{f"{pair}organization_id__in": batch}).exclude(technology="")
            .values("competency", "technology", organization_id=F(f"{pair}organization_id"),
                    a_organization_id=F(f"{pair}a_organization_id"),
                    b_organization_id=F(f"{pair}b_organization_id"),
                    starts_on=F(f"{pair}starts_on"), ends_on=F(f"{pair}ends_on"))
            .order_by().annotate(rows=Count("pk")).values_list(*KEY, "rows"))
        tally.objects.filter(organization_id__in=batch).delete()
        tally.objects.bulk_create(
            (tally(**dict(zip((*KEY, "rows"), values, strict=True))) for values in computed),
            batch_size=2000)
        mark.objects.filter(pk__in=seen).delete()


def fill(apps, schema_editor):
    build_waiting(apps)
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
