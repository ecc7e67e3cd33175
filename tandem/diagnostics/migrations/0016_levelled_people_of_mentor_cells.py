"""The potential mentors under the release rule over cells (organization, campaign, area):
a round's strong people in an area enter the mentors only where at least MIN_PEOPLE of the
organization gave a level to a competency of the area (``StrongTally.levelled``) — not
merely where MIN_PEOPLE submitted: a questionnaire may be submitted without some levels
(an import skips blank cells), and a round of three submitted of which one levelled the
area would publish that one person's strength (docs/monitoring.md, «Правило публикации
дефицитов»). ``levelled`` is filled here from the submitted answers (one aggregate on the
server, each competency's area by its campaign's framework), then ``StrongBest`` and its
municipalities' sums (``MunicipalityStrong``) are redone from the tallies; ``tandem
tallies --check`` confirms. Reversible: going back redoes them under 0015's rule (at least
MIN_PEOPLE submitted) and drops the column."""

import importlib
from collections import defaultdict

from django.db import migrations, models
from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.db.models.functions import StrIndex, Substr

MIN_PEOPLE = 3  # tandem.core.release.MIN_PEOPLE when this was written
BATCH = 2000


def _area(apps):  # type: ignore[no-untyped-def]
    """An answer's area: by its campaign's framework, else its code up to the first dot
    (as ``tallies._strong_counts``)."""
    FrameworkVersion = apps.get_model("diagnostics", "FrameworkVersion")
    whens = []
    for pk, snapshot in FrameworkVersion.objects.order_by("pk").values_list("pk", "snapshot"):
        for area in snapshot.get("areas", []):
            codes = sorted(c["code"] for c in area["competencies"])
            if codes:
                whens.append(When(Q(response__campaign__framework_id=pk, competency__in=codes),
                                  then=Value(area["code"])))
    dot = StrIndex("competency", Value("."))
    prefix = Case(When(competency__contains=".", then=Substr("competency", 1, dot - 1)),
                  default=F("competency"), output_field=CharField())
    return Case(*whens, default=prefix, output_field=CharField()) if whens else prefix


def _fill_levelled(apps):  # type: ignore[no-untyped-def]
    Answer = apps.get_model("diagnostics", "Answer")
    StrongTally = apps.get_model("diagnostics", "StrongTally")
    levelled = {
        (row["o"], row["c"], row["a"]): row["n"]
        for row in (Answer.objects.filter(response__status="submitted", level__isnull=False)
                    .order_by()
                    .values(o=F("response__participant__organization_id"),
                            c=F("response__campaign_id"), a=_area(apps))
                    .annotate(n=Count("response__participant_id", distinct=True))
                    .iterator(chunk_size=BATCH))}
    rows = []
    for row in StrongTally.objects.all().iterator(chunk_size=BATCH):
        row.levelled = levelled.get((row.organization_id, row.campaign_id, row.area), 0)
        rows.append(row)
    StrongTally.objects.bulk_update(rows, ["levelled"], batch_size=BATCH)


def _redo_mentors(apps):  # type: ignore[no-untyped-def]
    """Per organization and area the best initial round among its counted cells
    (``StrongBest``), and their sums per municipality and sector (``MunicipalityStrong``)."""
    StrongTally = apps.get_model("diagnostics", "StrongTally")
    StrongBest = apps.get_model("diagnostics", "StrongBest")
    MunicipalityStrong = apps.get_model("diagnostics", "MunicipalityStrong")
    most: dict = {}
    place: dict = {}
    for org, area, people, municipality, sector in (
            StrongTally.objects.filter(campaign__kind="initial", levelled__gte=MIN_PEOPLE)
            .order_by().values_list("organization_id", "area", "people",
                                    "organization__municipality_id", "organization__sector")
            .iterator(chunk_size=BATCH)):
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


def _checked_now(schema_editor):  # type: ignore[no-untyped-def]
    """The rows written here checked at once on PostgreSQL (as in 0015): their deferred
    key checks pending, an ``ALTER TABLE`` later in this transaction is refused
    («pending trigger events»)."""
    if schema_editor is not None and schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def levelled_cells_only(apps, schema_editor):  # type: ignore[no-untyped-def]
    _fill_levelled(apps)
    _redo_mentors(apps)
    _checked_now(schema_editor)


def submitted_rounds(apps, schema_editor):  # type: ignore[no-untyped-def]
    before = importlib.import_module(
        "tandem.diagnostics.migrations.0015_answer_sums_of_counted_cells")
    before._redo_mentors(apps, counted_only=True)
    _checked_now(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("diagnostics", "0015_answer_sums_of_counted_cells"),
    ]

    operations = [
        migrations.AddField(
            model_name="strongtally",
            name="levelled",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(levelled_cells_only, submitted_rounds),
    ]
