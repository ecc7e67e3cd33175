"""The municipalities' answer sums (``MunicipalityAnswerTally``: the deficits and strengths
a region's and the country's dashboards compare) under the release rule: only cells
(organization, campaign, competency) answered with a level by at least MIN_PEOPLE people
are summed, the levels of the others are kept apart (``left_out``) — so that a region's
share of deficits is never one or two teachers' answers, nor the difference of two such
figures (docs/monitoring.md, «Правило публикации дефицитов»). Every existing row is redone
here from the organizations' ``AnswerTally`` (no answer read); ``tandem tallies --check``
confirms. Reversible: going back drops the column and sums the small cells in again.

The potential mentors under the same rule, cell (organization, campaign): an initial round
enters an organization's best round (``StrongBest``) only where at least MIN_PEOPLE of it
submitted its questionnaires (``ResponseTally``); ``StrongBest`` and its municipalities'
sums (``MunicipalityStrong``) are redone here from the tallies; the municipalities'
questionnaire sums (``MunicipalityResponseTally``) count such rounds (``counted``: a unit
with none has its mentors withheld)."""

from collections import defaultdict

from django.db import migrations, models
from django.db.models import F

MIN_PEOPLE = 3  # tandem.core.release.MIN_PEOPLE when this was written
BATCH = 2000
COUNTS = ("answers", "answered", "deficit", "strong")


def _redo(apps, *, counted_only):  # type: ignore[no-untyped-def]
    AnswerTally = apps.get_model("diagnostics", "AnswerTally")
    MunicipalityAnswerTally = apps.get_model("diagnostics", "MunicipalityAnswerTally")
    org = "organization__"
    place = {"municipality_id": F(f"{org}municipality_id"), "sector": F(f"{org}sector"),
             "kind": F("campaign__kind"), "starts_on": F("campaign__starts_on"),
             "ends_on": F("campaign__ends_on")}
    sums: dict = defaultdict(lambda: [0] * (len(COUNTS) + 1))
    for row in (AnswerTally.objects.order_by()
                .values("competency", *COUNTS, **{f"g_{k}": v for k, v in place.items()})
                .iterator(chunk_size=BATCH)):
        item = sums[(*(row[f"g_{k}"] for k in place), row["competency"])]
        if row["answered"] >= MIN_PEOPLE or not counted_only:
            for i, name in enumerate(COUNTS):
                item[i] += row[name]
        else:
            item[-1] += row["answered"]
    MunicipalityAnswerTally.objects.all().delete()
    fields = (*place, "competency")
    MunicipalityAnswerTally.objects.bulk_create(
        (MunicipalityAnswerTally(**dict(zip(fields, key, strict=True)),
                                 **dict(zip(COUNTS, values, strict=False)),
                                 **({"left_out": values[-1]} if counted_only else {}))
         for key, values in sums.items()), batch_size=BATCH)


def _redo_mentors(apps, *, counted_only):  # type: ignore[no-untyped-def]
    """The potential mentors: per organization and area the best initial round among those
    where at least MIN_PEOPLE submitted (``StrongBest``), and their sums per municipality
    and sector (``MunicipalityStrong``)."""
    ResponseTally = apps.get_model("diagnostics", "ResponseTally")
    StrongTally = apps.get_model("diagnostics", "StrongTally")
    StrongBest = apps.get_model("diagnostics", "StrongBest")
    MunicipalityStrong = apps.get_model("diagnostics", "MunicipalityStrong")
    counted = set(ResponseTally.objects.filter(submitted__gte=MIN_PEOPLE if counted_only else 0)
                  .values_list("organization_id", "campaign_id").iterator(chunk_size=BATCH))
    most: dict = {}
    place: dict = {}
    for org, campaign, area, people, municipality, sector in (
            StrongTally.objects.filter(campaign__kind="initial").order_by().values_list(
                "organization_id", "campaign_id", "area", "people",
                "organization__municipality_id", "organization__sector")
            .iterator(chunk_size=BATCH)):
        if (org, campaign) in counted:
            most[(org, area)] = max(most.get((org, area), 0), people)
            place[org] = (municipality, sector)
    sums: dict = defaultdict(int)
    for (org, area), people in most.items():
        sums[(*place[org], area)] += people
    StrongBest.objects.all().delete()
    StrongBest.objects.bulk_create(
        (StrongBest(organization_id=org, area=area, people=people)
         for (org, area), people in most.items()), batch_size=BATCH)
    MunicipalityStrong.objects.all().delete()
    MunicipalityStrong.objects.bulk_create(
        (MunicipalityStrong(municipality_id=m, sector=sector, area=area, people=people)
         for (m, sector, area), people in sums.items()), batch_size=BATCH)


def _count_rounds(apps):  # type: ignore[no-untyped-def]
    """``MunicipalityResponseTally.counted``: the group's organizations' campaigns with at
    least MIN_PEOPLE submitted."""
    ResponseTally = apps.get_model("diagnostics", "ResponseTally")
    MunicipalityResponseTally = apps.get_model("diagnostics", "MunicipalityResponseTally")
    counted: dict = defaultdict(int)
    for row in (ResponseTally.objects.filter(submitted__gte=MIN_PEOPLE).order_by()
                .values("organization__municipality_id", "organization__sector",
                        "campaign__kind", "campaign__starts_on", "campaign__ends_on")
                .iterator(chunk_size=BATCH)):
        counted[tuple(row.values())] += 1
    rows = []
    for row in MunicipalityResponseTally.objects.all().iterator(chunk_size=BATCH):
        row.counted = counted.get((row.municipality_id, row.sector, row.kind, row.starts_on,
                                   row.ends_on), 0)
        rows.append(row)
    MunicipalityResponseTally.objects.bulk_update(rows, ["counted"], batch_size=BATCH)


def _checked_now(schema_editor):  # type: ignore[no-untyped-def]
    """The rows written here checked at once on PostgreSQL: their deferred key checks
    pending, the ``ALTER TABLE`` that follows in this transaction (going back: the columns
    dropped) is refused («pending trigger events»)."""
    if schema_editor is not None and schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def counted_cells_only(apps, schema_editor):  # type: ignore[no-untyped-def]
    _redo(apps, counted_only=True)
    _redo_mentors(apps, counted_only=True)
    _count_rounds(apps)
    _checked_now(schema_editor)


def every_cell(apps, schema_editor):  # type: ignore[no-untyped-def]
    _redo(apps, counted_only=False)
    _redo_mentors(apps, counted_only=False)
    _checked_now(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("diagnostics", "0014_russian_model_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="municipalityanswertally",
            name="left_out",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="municipalityresponsetally",
            name="counted",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(counted_cells_only, every_cell),
    ]
