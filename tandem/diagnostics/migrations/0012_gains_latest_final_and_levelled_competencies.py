"""The «before / after» release rule, two review findings (2026-12-06; docs/monitoring.md,
«Правило публикации «до / после»»):

1. A competency's levels of a counted cell enter the municipalities' sums only when at
   least MIN_PEOPLE people gave it a level both before and after (an imported
   questionnaire may leave levels blank: one person's level of an area must not be a
   published mean). Every ``MunicipalityGainTally`` row is redone here from the
   organizations' ``GainTally`` (no answer read); ``people`` / ``left_out`` stay of whole
   cells.
2. A person's final questionnaire enters the gains only as their latest final round of its
   baseline. The organizations' ``GainTally`` of people with two or more such rounds need
   their answers read again: those organizations are marked waiting (``TallyState``), the
   next tallies run rebuilds them and their municipalities.

``tandem tallies --check`` confirms. Going back: the sums of 0011 (every competency of a
counted cell); the marked organizations are rebuilt by the code then running."""

from collections import defaultdict

from django.db import migrations
from django.db.models import Count, F
from django.utils import timezone

MIN_PEOPLE = 3  # tandem.core.release.MIN_PEOPLE when this was written
BATCH = 2000
LEVELS = ("before_sum", "before_n", "after_sum", "after_n")


def _redo(apps, *, by_competency):  # type: ignore[no-untyped-def]
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
        cell = row["people"] >= MIN_PEOPLE
        counted = cell and (not by_competency or (
            row["before_n"] >= MIN_PEOPLE and row["after_n"] >= MIN_PEOPLE))
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


def _mark_two_finals(apps):  # type: ignore[no-untyped-def]
    Response = apps.get_model("diagnostics", "Response")
    TallyState = apps.get_model("diagnostics", "TallyState")
    Participant = apps.get_model("people", "Participant")
    people = {pk for pk, _n in
              Response.objects.filter(status="submitted", campaign__kind="final",
                                      campaign__baseline__isnull=False)
              .order_by().values("participant_id", "campaign__baseline_id")
              .annotate(n=Count("pk")).filter(n__gt=1).values_list("participant_id", "n")}
    ids = sorted(people)
    organizations = sorted({org for start in range(0, len(ids), BATCH)
                            for org in Participant.objects.filter(pk__in=ids[start:start + BATCH])
                            .values_list("organization_id", flat=True)})
    now = timezone.now()
    for pk in organizations:
        if pk is not None:
            TallyState.objects.update_or_create(organization_id=pk,
                                                defaults={"dirty_since": now})


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _redo(apps, by_competency=True)
    _mark_two_finals(apps)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _redo(apps, by_competency=False)
    _mark_two_finals(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("diagnostics", "0011_gain_sums_of_counted_cells"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
