"""The municipalities' sums of questionnaires handed out and submitted, per sector and
round (kind and dates of the campaign): what a region's and the country's dashboards read
for completion, instead of summing every organization's ``ResponseTally`` (5,456 of them
in a region). Filled here from the organizations' tallies (no questionnaire read);
``tandem tallies --check`` confirms. Reversible: going back drops the table."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, Sum

BATCH = 2000


def fill(apps, schema_editor):
    ResponseTally = apps.get_model("diagnostics", "ResponseTally")
    MunicipalityResponseTally = apps.get_model("diagnostics", "MunicipalityResponseTally")
    org = "organization__"
    MunicipalityResponseTally.objects.bulk_create(
        (MunicipalityResponseTally(**row) for row in (
            ResponseTally.objects.order_by()
            .values(municipality_id=F(f"{org}municipality_id"), sector=F(f"{org}sector"),
                    kind=F("campaign__kind"), starts_on=F("campaign__starts_on"),
                    ends_on=F("campaign__ends_on"))
            .annotate(invited=Sum("invited"), submitted=Sum("submitted")).iterator())),
        batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ("diagnostics", "0009_answer_competency_level_index_dropped"),
        ("territory", "0005_organization_sort_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="MunicipalityResponseTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("sector", models.CharField(max_length=20)),
                ("kind", models.CharField(choices=[("initial", "входная"),
                                                   ("final", "итоговая")], max_length=10)),
                ("starts_on", models.DateField()),
                ("ends_on", models.DateField()),
                ("invited", models.PositiveIntegerField(default=0)),
                ("submitted", models.PositiveIntegerField(default=0)),
                ("municipality", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="+",
                    to="territory.municipality")),
            ],
            options={
                "constraints": [models.UniqueConstraint(
                    fields=("municipality", "sector", "kind", "starts_on", "ends_on"),
                    name="one_municipality_round_responses")],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
