"""The municipalities' sums of answers are kept per round (kind and dates of the campaign)
instead of per campaign — every organization may run its own campaign of a round, and a
region of 5,456 organizations held 274,716 rows of «sums» that summed almost nothing —
and the potential mentors are kept ready for the dashboard's standard view: the best
initial round per organization and area (``StrongBest``) and its sums per municipality
and sector (``MunicipalityStrong``). Filled here from the organizations' tallies (no
answer read); ``tandem tallies --check`` confirms. Reversible: going back empties the
municipalities' sums (run ``tandem tallies --rebuild`` with the older code)."""

import datetime as dt

from django.db import migrations, models
from django.db.models import F, Max, Sum
import django.db.models.deletion

BATCH = 2000


def fill(apps, schema_editor):
    AnswerTally = apps.get_model("diagnostics", "AnswerTally")
    StrongTally = apps.get_model("diagnostics", "StrongTally")
    MunicipalityAnswerTally = apps.get_model("diagnostics", "MunicipalityAnswerTally")
    StrongBest = apps.get_model("diagnostics", "StrongBest")
    MunicipalityStrong = apps.get_model("diagnostics", "MunicipalityStrong")
    org = "organization__"
    MunicipalityAnswerTally.objects.bulk_create(
        (MunicipalityAnswerTally(**row) for row in (
            AnswerTally.objects.order_by()
            .values("competency", municipality_id=F(f"{org}municipality_id"),
                    sector=F(f"{org}sector"), kind=F("campaign__kind"),
                    starts_on=F("campaign__starts_on"), ends_on=F("campaign__ends_on"))
            .annotate(answers=Sum("answers"), answered=Sum("answered"),
                      deficit=Sum("deficit"), strong=Sum("strong")).iterator())),
        batch_size=BATCH)
    StrongBest.objects.bulk_create(
        (StrongBest(**row) for row in (
            StrongTally.objects.filter(campaign__kind="initial").order_by()
            .values("organization_id", "area").annotate(people=Max("people")).iterator())),
        batch_size=BATCH)
    MunicipalityStrong.objects.bulk_create(
        (MunicipalityStrong(**row) for row in (
            StrongBest.objects.order_by()
            .values("area", municipality_id=F(f"{org}municipality_id"),
                    sector=F(f"{org}sector"))
            .annotate(people=Sum("people")).iterator())),
        batch_size=BATCH)


def empty(apps, schema_editor):
    apps.get_model("diagnostics", "MunicipalityAnswerTally").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("diagnostics", "0006_response_tally_new_draft"),
        ("territory", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(empty, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="municipalityanswertally",
            name="one_municipality_answer_tally",
        ),
        migrations.RemoveField(
            model_name="municipalityanswertally",
            name="campaign",
        ),
        migrations.AddField(
            model_name="municipalityanswertally",
            name="kind",
            field=models.CharField(choices=[("initial", "входная"), ("final", "итоговая")],
                                   default="initial", max_length=10),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="municipalityanswertally",
            name="starts_on",
            field=models.DateField(default=dt.date(2000, 1, 1)),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="municipalityanswertally",
            name="ends_on",
            field=models.DateField(default=dt.date(2000, 1, 1)),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="municipalityanswertally",
            constraint=models.UniqueConstraint(
                fields=("municipality", "sector", "kind", "starts_on", "ends_on", "competency"),
                name="one_municipality_round_tally"),
        ),
        migrations.CreateModel(
            name="StrongBest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("area", models.CharField(max_length=40)),
                ("people", models.PositiveIntegerField(default=0)),
                ("organization", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="+",
                    to="territory.organization")),
            ],
            options={
                "indexes": [models.Index(fields=["people"], name="strong_best_people")],
                "constraints": [models.UniqueConstraint(fields=("organization", "area"),
                                                        name="one_strong_best")],
            },
        ),
        migrations.CreateModel(
            name="MunicipalityStrong",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("sector", models.CharField(max_length=20)),
                ("area", models.CharField(max_length=40)),
                ("people", models.PositiveIntegerField(default=0)),
                ("municipality", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="+",
                    to="territory.municipality")),
            ],
            options={
                "constraints": [models.UniqueConstraint(
                    fields=("municipality", "sector", "area"), name="one_municipality_strong")],
            },
        ),
        # Back: the sums emptied again before the per-campaign column returns (NOT NULL);
        # the old code's sums then come from `tandem tallies --rebuild`.
        migrations.RunPython(fill, empty),
    ]
