"""Rule 5 of the satisfaction figures, «steps of three» (docs/surveys.md, «Правило
публикации»): every cell keeps its published state — each question's sum, answers and
people as last published, and who was in the cell then (person id → digest of their
answers, ``tandem.surveys.tallies.member_digest``). Every existing cell is published as it
stands — if it has at least MIN_PEOPLE people (a smaller one waits for its third, as in
the code): its published sums are its sums (one ``UPDATE``), and its members are read from
the current surveys, a batch of organizations at a time; then the municipalities' sums are
summed again from the published cells (:func:`roll_up`, as ``tallies.roll_up`` does). A
cell whose stored sums were out of date (its organization waiting for a rebuild) gets
members of the surveys as they are: the rebuild then moves its published sums only when
three people differ, as it would after any write. Going back: the columns go.

Self-contained: the digest, the academic year, the time zone of an answer and the
municipalities' sums are frozen copies of the code of 2026-12-06 (below; ``surveys/0008``
imports some of them from here). Until 2026-12-06 (evening) the last step called the live
``tandem.surveys.tallies.roll_up``; its frozen copy :func:`roll_up` (the release rule's
sums, ``selectors.municipality_share``, over the historical models) leaves exactly what it
left — the same rows of ``MunicipalitySurveyCell``, the same places recorded on
``SurveyCellState`` — so a database that ran this migration before is where this one
leaves a new database (review: migrations import no application code)."""

import datetime as dt
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
    roll_up(apps, schema_editor)


PLACE = ("municipality_id", "sector", "year", "stage")
SUMS = ("cells", "sent", "answered", "text_cells",
        *(f"{name}_{part}" for name in FIELDS for part in ("total", "answers", "left_out")))


def share(sent: int, answered: int, people: int, *published: int) -> list[int]:
    """``surveys.selectors.municipality_share`` of 2026-12-06: what one kept cell adds to
    its municipality's sums (:data:`SUMS`) by the release rule over its published sums
    (``published`` — sum, n, people of each question in :data:`FIELDS` order): a counted
    question's (answers of at least MIN_PEOPLE people) total and answers, an uncounted
    one's answers left out."""
    row = [1, sent, answered, int(answered > 0 and people >= MIN_PEOPLE)]
    for i in range(0, len(published), 3):
        total, n, who = published[i:i + 3]
        counted = who >= MIN_PEOPLE and n > 0
        row += [total if counted else 0, n if counted else 0, 0 if counted else n]
    return row


def roll_up(apps, schema_editor):  # type: ignore[no-untyped-def]
    """``surveys.tallies.roll_up`` of 2026-12-06, frozen: every organization with cells
    gets a state, every state records its organization's place now as where its cells are
    summed, the cells are summed there (:func:`share`) and the municipalities' rows that
    differ are written again; the states of a municipality whose rows changed get a new
    ``refreshed_at`` (the dashboards' cached figures of them are read again). PostgreSQL:
    the states' table locked ``EXCLUSIVE`` as the code did (no writer between its cells
    and its sums)."""
    cell_model = apps.get_model("surveys", "SurveyCell")
    state_model = apps.get_model("surveys", "SurveyCellState")
    kept = apps.get_model("surveys", "MunicipalitySurveyCell")
    organization_model = apps.get_model("territory", "Organization")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"LOCK TABLE {state_model._meta.db_table} IN EXCLUSIVE MODE")
    state_model.objects.bulk_create(
        [state_model(organization_id=pk) for pk in sorted(
            set(cell_model.objects.values_list("organization_id", flat=True))
            - set(state_model.objects.values_list("pk", flat=True)))],
        ignore_conflicts=True)
    places = {pk: (municipality, sector) for pk, municipality, sector in
              organization_model.objects.values_list("pk", "municipality_id", "sector")}
    at: dict = defaultdict(list)
    for pk, municipality, sector in state_model.objects.values_list(
            "pk", "summed_municipality_id", "summed_sector"):
        if (municipality, sector) != places[pk]:
            at[places[pk]].append(pk)
    for (municipality, sector), pks in sorted(at.items()):
        state_model.objects.filter(organization_id__in=pks).update(
            summed_municipality_id=municipality, summed_sector=sector)
    published = [f"published_{name}_{part}" for name in FIELDS
                 for part in ("sum", "n", "people")]
    fresh: dict = {}
    for organization, year, stage, *figures in (
            cell_model.objects.order_by().values_list(
                "organization_id", "year", "stage", "sent", "answered", "people", *published)
            .iterator(chunk_size=5000)):
        row = fresh.setdefault((*places[organization], year, stage), [0] * len(SUMS))
        for i, value in enumerate(share(*figures)):
            row[i] += value
    stored = {tuple(row[:4]): (row[4], list(row[5:])) for row in
              kept.objects.values_list(*PLACE, "pk", *SUMS)}
    wrong = sorted(key for key in fresh.keys() | stored.keys()
                   if key not in stored or key not in fresh or stored[key][1] != fresh[key])
    if not wrong:
        return
    kept.objects.filter(pk__in=[stored[key][0] for key in wrong if key in stored]).delete()
    kept.objects.bulk_create(
        [kept(**dict(zip(PLACE, key, strict=True)), **dict(zip(SUMS, fresh[key], strict=True)))
         for key in wrong if key in fresh], batch_size=2000)
    state_model.objects.filter(
        summed_municipality_id__in=sorted({key[0] for key in wrong})).update(
        refreshed_at=timezone.now())


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
