"""Rule 5 of the satisfaction figures, «steps of three» (docs/surveys.md, «Правило
публикации»): every cell keeps its published state — each question's sum, answers and
people as last published, and who was in the cell then (person id → digest of their
answers, ``tandem.surveys.tallies.member_digest``). Every existing cell is published as it
stands — if it has at least MIN_PEOPLE people (a smaller one waits for its third, as in
the code): its published sums are its sums (one ``UPDATE``), and its members are read from
the current surveys, a batch of organizations at a time; then the municipalities' sums are
summed again from the published cells (``tallies.roll_up``). A cell whose stored sums were out of date (its
organization waiting for a rebuild) gets members of the surveys as they are: the rebuild
then moves its published sums only when three people differ, as it would after any
write. Going back: the columns go.

The digest, the academic year and the time zone of an answer are frozen copies of the
code of 2026-12-06 (below; ``surveys/0008`` imports them from here). One call stays live:
``tallies.roll_up`` at the end — the release rule's SQL twin over the cells
(``selectors.counted_q``, ``text_source``) that sums the municipalities, too large to
copy faithfully. It is safe to run only while the live models ``SurveyCell``,
``MunicipalitySurveyCell``, ``SurveyCellState`` and ``territory.Organization`` have no
column this migration's state lacks: true on 2026-12-06 (surveys' last migration is 0008,
territory's 0006) — a migration that adds such a column
must make this call frozen or drop it (the municipalities' sums are then redone by the
hourly run, ``tandem tallies --rebuild``). ``test_migrations_import_no_app_code``
names this one import as the only exception."""

import datetime as dt
import importlib
import zlib
import zoneinfo
from collections import defaultdict
from functools import cache
from typing import Any

from django.conf import settings
from django.db import migrations, models
from django.db.models import F
from django.utils import timezone

MIN_PEOPLE = 3  # tandem.core.release.MIN_PEOPLE on 2026-12-06
YEAR_STARTS = (9, 1)  # tandem.core.periods.YEAR_STARTS

FIELDS = ("mentee_benefit", "mentee_support", "mentor_satisfaction", "mentor_engagement",
          "recommend")
BATCH = 500  # organizations per batch


def academic_year(day: dt.date) -> int:
    """``core.periods.academic_year``: named by the calendar year it begins in."""
    return day.year if (day.month, day.day) >= YEAR_STARTS else day.year - 1


@cache
def _known() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@cache
def zone_named(name: str | None) -> zoneinfo.ZoneInfo:
    """``territory.zones.zone_named``: the zone of that name; the installation's
    (``TANDEM_TIME_ZONE``) for none or for a name no longer known."""
    if name and name in _known():
        return zoneinfo.ZoneInfo(name)
    return zoneinfo.ZoneInfo(str(settings.TANDEM_TIME_ZONE))


def member_digest(answers: Any) -> int:
    """``surveys.tallies.member_digest``: a CRC-32 of a person's surveys in a cell, each
    as ``(id, *the 1–10 answers)``, sorted."""
    return zlib.crc32(repr(sorted(answers)).encode())


def publish_what_is_shown(apps, schema_editor):  # type: ignore[no-untyped-def]
    cell_model = apps.get_model("surveys", "SurveyCell")
    survey_model = apps.get_model("surveys", "Survey")
    cell_model.objects.update(**{f"published_{name}_{part}": F(f"{name}_{part}")
                                 for name in FIELDS for part in ("sum", "n", "people")})
    organizations = sorted(set(cell_model.objects.values_list("organization_id", flat=True)))
    for start in range(0, len(organizations), BATCH):
        batch = organizations[start:start + BATCH]
        members: dict = defaultdict(lambda: defaultdict(list))
        for organization, zone, stage, submitted_at, person, pk, *answers in (
                survey_model.objects.filter(participant__organization_id__in=batch,
                                            submitted_at__isnull=False).order_by()
                .values_list("participant__organization_id",
                             "participant__organization__municipality__region__time_zone",
                             "stage", "submitted_at", "participant_id", "pk", *FIELDS)
                .iterator(chunk_size=5000)):
            year = academic_year(timezone.localtime(submitted_at, zone_named(zone)).date())
            members[organization, year, stage][person].append((pk, *answers))
        cells = list(cell_model.objects.filter(organization_id__in=batch))
        published = [f"published_{name}_{part}" for name in FIELDS
                     for part in ("sum", "n", "people")]
        for cell in cells:
            people = members.get((cell.organization_id, cell.year, cell.stage), {})
            if len(people) < MIN_PEOPLE:
                # Not published, as the code leaves a cell until its third person (it is
                # then published whole, not after three changes; review 2026-12-06).
                people = {}
                for name in published:
                    setattr(cell, name, 0)
            cell.published_members = {str(person): member_digest(theirs)
                                      for person, theirs in people.items()}
        cell_model.objects.bulk_update(cells, ["published_members", *published],
                                       batch_size=1000)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # The municipalities' sums summed again from what is now published (the small cells
    # left out; a database whose cells were published by this code before — the drill's
    # migration back and forth — published anew), as the hourly run would.
    importlib.import_module("tandem.surveys.tallies").roll_up()  # live: see the docstring


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0006_russian_model_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='surveycell',
            name='published_mentee_benefit_sum',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_mentee_benefit_n',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_mentee_benefit_people',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_mentee_support_sum',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_mentee_support_n',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_mentee_support_people',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_mentor_satisfaction_sum',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_mentor_satisfaction_n',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_mentor_satisfaction_people',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_mentor_engagement_sum',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_mentor_engagement_n',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_mentor_engagement_people',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_recommend_sum',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_recommend_n',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_recommend_people',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='surveycell',
            name='published_members',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(publish_what_is_shown, migrations.RunPython.noop),
    ]
