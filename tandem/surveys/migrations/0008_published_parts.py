"""Rule 5 of the satisfaction figures by question (docs/surveys.md, «Правило публикации»,
5): a cell's published members keep, per person, the digests of their answers **per
question** (``tandem.surveys.tallies.member_parts``: ``question:digest`` items joined by
``;``, a blank answer no part) instead of one digest of all their answers
(``tallies.member_digest``), and a published cell moves only when every question whose
answers changed changed for at least three people (``release.republish_parts``).

No column changes: ``published_members`` (JSON) holds texts instead of numbers. For every
cell, its members' surveys now are read (a batch of organizations at a time, the year of
an answer found in Python as migration 0007 finds it), and each published member becomes:

- a person whose old published digest equals their old-style digest now — they have not
  changed since the cell was last published — their per-question text now (exact);
- anyone else (they changed, or left, since): **every question** marked changed (a digest
  no answer has, ``CHANGED``) until the cell is next published. Which of their answers
  changed is not kept anywhere, so none may be taken as unchanged — a question they
  changed and counted as unchanged would let it move by one or two people's answers.
  A marked question holds the cell and counts no one toward its three
  (``tandem.core.release.UNKNOWN``, the same ``-``): three other people must change it —
  counting the marked person let a question they had not changed move by one answer
  (review of h/surveyparts).

Published sums are not touched (the figures shown stay as they are), nor the
municipalities' sums. A text already there (the restore drill takes this migration back
and forth) stays. Going back: a person whose published text equals their text now gets
their old-style digest now, anyone else a number no digest has (-1: changed), as the old
code then counts them; the published sums stay.

Before the migration let the background rebuilds finish (``tandem tallies --refresh`` with
the old code): a cell whose organization waits for one is compared with its surveys as
they are, not as its kept sums say.

Self-contained: the old digest, the academic year and the time zone are 0007's frozen
copies, the digests per question (``tallies.member_parts``) and ``release.joined`` copied
below (the code of 2026-12-06)."""

import importlib
import zlib
from collections import defaultdict
from typing import Any

from django.db import migrations
from django.utils import timezone

# An earlier migration: frozen as this one (its copies of the code of 2026-12-06).
_0007 = importlib.import_module("tandem.surveys.migrations.0007_published_cells")
academic_year = _0007.academic_year
zone_named = _0007.zone_named
member_digest = _0007.member_digest

FIELDS = ("mentee_benefit", "mentee_support", "mentor_satisfaction", "mentor_engagement",
          "recommend")
BATCH = 500  # organizations per batch
CHANGED = "-"  # a question's digest no answer has (the digests are decimal CRC-32s)
OLD_CHANGED = -1  # an old-style digest no person has (CRC-32s are 0 … 2³² − 1)


def joined(parts: dict[str, str]) -> str:
    """``core.release.joined``: one person's digests by part as the stored text."""
    return ";".join(f"{part}:{parts[part]}" for part in sorted(parts))


def member_parts(answers: Any) -> str:
    """``surveys.tallies.member_parts``: for every 1–10 question a person answered in a
    cell, a CRC-32 of their answers to it (the values, sorted), joined; a blank answer is
    no part. ``answers``: their surveys, each as ``(id, *the answers)`` in ``FIELDS``'
    order."""
    given: dict[str, list[int]] = defaultdict(list)
    for survey in answers:
        for name, value in zip(FIELDS, survey[1:], strict=True):
            if value is not None:
                given[name].append(value)
    return joined({name: str(zlib.crc32(repr(sorted(values)).encode()))
                   for name, values in given.items()})


def _members(apps: Any, batch: list[int]) -> dict[Any, dict[str, list[tuple[Any, ...]]]]:
    """Per cell (organization, academic year, stage), each person's answered surveys as
    ``(id, *answers)``: what both digests are made of."""
    survey_model = apps.get_model("surveys", "Survey")
    members: dict[Any, dict[str, list[tuple[Any, ...]]]] = defaultdict(
        lambda: defaultdict(list))
    for organization, zone, stage, submitted_at, person, pk, *answers in (
            survey_model.objects.filter(participant__organization_id__in=batch,
                                        submitted_at__isnull=False).order_by()
            .values_list("participant__organization_id",
                         "participant__organization__municipality__region__time_zone",
                         "stage", "submitted_at", "participant_id", "pk", *FIELDS)
            .iterator(chunk_size=5000)):
        year = academic_year(timezone.localtime(submitted_at, zone_named(zone)).date())
        members[organization, year, stage][str(person)].append((pk, *answers))
    return members


def _convert(apps: Any, convert: Any) -> None:
    """Every cell with published members, a batch of organizations at a time: its members
    as ``convert(published, people now)`` gives them."""
    cell_model = apps.get_model("surveys", "SurveyCell")
    organizations = sorted(set(cell_model.objects.values_list("organization_id", flat=True)))
    for start in range(0, len(organizations), BATCH):
        batch = organizations[start:start + BATCH]
        members = _members(apps, batch)
        cells = [cell for cell in cell_model.objects.filter(organization_id__in=batch)
                 if cell.published_members]
        for cell in cells:
            people = members.get((cell.organization_id, cell.year, cell.stage), {})
            cell.published_members = convert(cell.published_members, people)
        cell_model.objects.bulk_update(cells, ["published_members"], batch_size=1000)


def by_question(apps: Any, schema_editor: Any) -> None:
    # The digests as the app computed them on 2026-12-06 (a test holds them to the
    # tallies'): frozen copies, no model.
    every_question_changed = joined(dict.fromkeys(FIELDS, CHANGED))

    def convert(published: dict[str, Any], people: dict[str, list[tuple[Any, ...]]]
                ) -> dict[str, str]:
        result = {}
        for person, digest in published.items():
            if isinstance(digest, str):  # already by question
                result[person] = digest
            elif person in people and member_digest(people[person]) == digest:
                result[person] = member_parts(people[person])
            else:
                result[person] = every_question_changed
        return result

    _convert(apps, convert)


def whole(apps: Any, schema_editor: Any) -> None:
    def convert(published: dict[str, Any], people: dict[str, list[tuple[Any, ...]]]
                ) -> dict[str, int]:
        result = {}
        for person, text in published.items():
            if not isinstance(text, str):  # already one digest
                result[person] = text
            elif person in people and member_parts(people[person]) == text:
                result[person] = member_digest(people[person])
            else:
                result[person] = OLD_CHANGED
        return result

    _convert(apps, convert)


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0007_published_cells'),
    ]

    operations = [
        migrations.RunPython(by_question, whole),
    ]
