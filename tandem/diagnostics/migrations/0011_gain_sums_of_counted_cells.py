"""The municipalities' «before / after» sums (``MunicipalityGainTally``) under the release
rule: only cells (organization, final round) of at least MIN_PEOPLE people with both rounds
are summed, the people of the others are kept apart (``left_out``) — so that a region's or
the country's figure is never one or two teachers' levels, nor the difference of two such
figures (docs/monitoring.md, «Правило публикации «до / после»»). Every existing row is
redone here from the organizations' ``GainTally`` (no answer read); ``tandem tallies
--check`` confirms. Reversible: going back sums the small cells in again and drops the
column (the sums' deferred key checks fired first, on PostgreSQL: added 2026-12-06, the
forward step is unchanged)."""

from collections import defaultdict

from django.db import migrations, models
from django.db.models import F

MIN_PEOPLE = 3  # tandem.core.release.MIN_PEOPLE when this was written
BATCH = 2000
LEVELS = ("before_sum", "before_n", "after_sum", "after_n")


def _redo(apps, *, counted_only):  # type: ignore[no-untyped-def]
    GainTally = apps.get_model("diagnostics", "GainTally")
    MunicipalityGainTally = apps.get_model("diagnostics", "MunicipalityGainTally")
    org = "organization__"
    place = {"municipality_id": F(f"{org}municipality_id"), "sector": F(f"{org}sector"),
             "kind": F("campaign__kind"), "starts_on": F("campaign__starts_on"),
             "ends_on": F("campaign__ends_on")}
    sums: dict = defaultdict(lambda: [0, 0, 0, 0])
    people: dict = defaultdict(dict)
    left_out: dict = defaultdict(dict)
    for row in (GainTally.objects.order_by()
                .values("organization_id", "campaign_id", "competency", "people", *LEVELS,
                        **{f"g_{k}": v for k, v in place.items()}).iterator(chunk_size=BATCH)):
        group = tuple(row[f"g_{k}"] for k in place)
        counted = row["people"] >= MIN_PEOPLE or not counted_only
        item = sums[(*group, row["competency"])]
        for i, name in enumerate(LEVELS):
            item[i] += row[name] if counted else 0
        (people if counted else left_out)[group][(row["organization_id"],
                                                   row["campaign_id"])] = row["people"]
    MunicipalityGainTally.objects.all().delete()
    MunicipalityGainTally.objects.bulk_create(
        (MunicipalityGainTally(
            **dict(zip((*place, "competency"), key, strict=True)),
            **dict(zip(LEVELS, values, strict=True)),
            people=sum(people[key[:-1]].values()),
            left_out=sum(left_out[key[:-1]].values()))
         for key, values in sums.items()), batch_size=BATCH)


def counted_cells_only(apps, schema_editor):  # type: ignore[no-untyped-def]
    _redo(apps, counted_only=True)


def every_cell(apps, schema_editor):  # type: ignore[no-untyped-def]
    _redo(apps, counted_only=False)
    # Going back the column is dropped next, in this transaction: PostgreSQL alters no
    # table with the new rows' deferred key checks pending («cannot ALTER TABLE … because
    # it has pending trigger events»), so they fire now.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ("diagnostics", "0010_municipality_response_and_gain_sums"),
    ]

    operations = [
        migrations.AddField(
            model_name="municipalitygaintally",
            name="left_out",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(counted_cells_only, every_cell),
    ]
