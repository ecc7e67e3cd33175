"""«Before / after» are published when the final round is closed, not when its planned end
has passed (docs/monitoring.md, «Правило публикации «до / после»», rule 4): the
municipalities' sums keep their rounds' status (``MunicipalityGainTally.status``, part of
the key), so a region reads only closed rounds' sums. Every row is redone here from the
organizations' ``GainTally`` (no answer read), as 0012 did, grouped by status too.
``tandem tallies --check`` confirms. Going back: the sums without status (of 0012)."""

from collections import defaultdict

from django.db import migrations, models

MIN_PEOPLE = 3  # tandem.core.release.MIN_PEOPLE when this was written
BATCH = 2000
LEVELS = ("before_sum", "before_n", "after_sum", "after_n")


def _redo(apps, schema_editor, *, by_status):  # type: ignore[no-untyped-def]
    from django.db.models import F

    GainTally = apps.get_model("diagnostics", "GainTally")
    MunicipalityGainTally = apps.get_model("diagnostics", "MunicipalityGainTally")
    org = "organization__"
    place = {"municipality_id": F(f"{org}municipality_id"), "sector": F(f"{org}sector"),
             "kind": F("campaign__kind"), "starts_on": F("campaign__starts_on"),
             "ends_on": F("campaign__ends_on")}
    if by_status:
        place["status"] = F("campaign__status")
    sums: dict = defaultdict(lambda: [0, 0, 0, 0])
    people: dict = defaultdict(dict)
    left_out: dict = defaultdict(dict)
    for row in (GainTally.objects.order_by()
                .values("organization_id", "campaign_id", "competency", "people", *LEVELS,
                        **{f"g_{k}": v for k, v in place.items()}).iterator(chunk_size=BATCH)):
        group = tuple(row[f"g_{k}"] for k in place)
        cell = row["people"] >= MIN_PEOPLE
        counted = cell and row["before_n"] >= MIN_PEOPLE and row["after_n"] >= MIN_PEOPLE
        item = sums[(*group, row["competency"])]
        for i, name in enumerate(LEVELS):
            item[i] += row[name] if counted else 0
        (people if cell else left_out)[group][(row["organization_id"],
                                               row["campaign_id"])] = row["people"]
    MunicipalityGainTally.objects.all().delete()
    MunicipalityGainTally.objects.bulk_create(
        (MunicipalityGainTally(
            **dict(zip((*place, "competency"), key, strict=True)),
            **dict(zip(LEVELS, values, strict=True)),
            people=sum(people[key[:-1]].values()),
            left_out=sum(left_out[key[:-1]].values()))
         for key, values in sums.items()), batch_size=BATCH)
    # The new rows' deferred FK checks fire now: PostgreSQL alters no table with pending
    # trigger events (the constraint and field operations that follow).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _redo(apps, schema_editor, by_status=True)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _redo(apps, schema_editor, by_status=False)


class Migration(migrations.Migration):

    dependencies = [
        ("diagnostics", "0012_gains_latest_final_and_levelled_competencies"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="municipalitygaintally",
            name="one_municipality_round_gain",
        ),
        migrations.AddField(
            model_name="municipalitygaintally",
            name="status",
            field=models.CharField(choices=[("open", "идёт"), ("closed", "завершена")],
                                   default="open", max_length=10),
        ),
        # Before the new key: the old rows, one per group without status, are redone.
        migrations.RunPython(forwards, backwards),
        migrations.AddConstraint(
            model_name="municipalitygaintally",
            constraint=models.UniqueConstraint(
                fields=("municipality", "sector", "kind", "starts_on", "ends_on", "status",
                        "competency"),
                name="one_municipality_round_gain"),
        ),
    ]
