"""Rule 5 by part (docs/monitoring.md, «Правило публикации «до / после»», rule 5): a
person's digest of the levels they put in a cell of «before / after» is kept per part — a
side (before, after) of a competency area — as one text ``part:digest;…``
(``tallies.member_digest``, ``core.release.joined``), and a published cell moves only
when every part that changed did so for at least three people
(``release.republish_parts``). One digest over all of a person's levels hid which parts
moved (review of rule 5, 2026-12-06).

Forwards, an organization batch at a time: the current members (``GainMember``) are
computed anew from the answers on the server (the rebuild's own statement,
``tallies._gains_sql(members=True)``). A published member (``PublishedGainMember``)
whose old digest was the old current one — nothing pending — gets the new current text:
the cell's parts start from what the figures show. One whose digest differed — a change
pending since the last publication (or a person gone from the cell since) — gets a text
in which **every part of the cell** is marked changed (a digest ``-``, never a real
one): which of their parts changed the old digest cannot tell, so the migration counts
them as changed in all of them — conservative: such a cell waits until three people
changed each part, where the old rule waited for three people in all; it never publishes
a part changed by fewer. A cell's parts: those of its current members and those of its
published sums (a competency's areas by ``tallies.gain_areas``).

Backwards: the old single digests (md5 of all the levels, 16 hex digits) computed in
Python, a published member whose text was the current one gets the old current digest,
the others ``-`` (a pending change, as above). ``tandem tallies --check`` confirms
either way.

Self-contained (helper rule 5): no application module is imported. The statement of the
current members, the digests and the areas of a competency are the frozen copies of
``diagnostics/0017`` (the code of 2026-12-06: by area); the old single digests and the
cells' people (``tallies._final_pairs``, ``_latest_finals``) are copied below. Models are
the historical ones, read by ``values_list``."""

import hashlib
import importlib
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db import migrations, models
from django.db.models import Exists, OuterRef

# An earlier migration: frozen as this one (its copies of the code of 2026-12-06).
_0017 = importlib.import_module("tandem.diagnostics.migrations.0017_published_gains")
SUBMITTED = _0017.SUBMITTED
FINAL = _0017.FINAL

BATCH = 2000
BACK_BATCH = 200
CHANGED = "-"  # a part's digest that no level gives: counted as changed


def _organizations(apps):  # type: ignore[no-untyped-def]
    Response = apps.get_model("diagnostics", "Response")
    ids = set(Response.objects.filter(status=SUBMITTED, campaign__kind=FINAL)
              .order_by().values_list("participant__organization_id", flat=True).distinct())
    for name in ("GainMember", "PublishedGainMember"):
        ids |= set(apps.get_model("diagnostics", name).objects.order_by()
                   .values_list("organization_id", flat=True).distinct())
    return sorted(ids - {None})


def _members(model, ids):  # type: ignore[no-untyped-def]
    return {(org, campaign, person): digest for org, campaign, person, digest
            in model.objects.filter(organization_id__in=ids).order_by().values_list(
                "organization_id", "campaign_id", "person", "digest")}


def _republished(apps, ids, digests):  # type: ignore[no-untyped-def]
    """The published members of these organizations written anew: ``digests`` gives each
    row's new digest from (key, old digest)."""
    PublishedGainMember = apps.get_model("diagnostics", "PublishedGainMember")
    rows = [PublishedGainMember(organization_id=org, campaign_id=campaign, person=person,
                                digest=digest)
            for (org, campaign, person), digest in digests.items()]
    PublishedGainMember.objects.filter(organization_id__in=ids).delete()
    PublishedGainMember.objects.bulk_create(rows, batch_size=1000)


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    GainMember = apps.get_model("diagnostics", "GainMember")
    PublishedGainMember = apps.get_model("diagnostics", "PublishedGainMember")
    PublishedGain = apps.get_model("diagnostics", "PublishedGain")
    Campaign = apps.get_model("diagnostics", "Campaign")
    ids = _organizations(apps)
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        old = _members(GainMember, batch)
        published = _members(PublishedGainMember, batch)
        GainMember.objects.filter(organization_id__in=batch).delete()
        _0017.insert_members(connection, GainMember,
                             *_0017.members_sql(apps, connection, batch))
        new = _members(GainMember, batch)
        # Each cell's parts: its current members' and its published sums'.
        parts = defaultdict(set)
        for (org, campaign, _person), text in new.items():
            parts[(org, campaign)] |= set(_0017.split(text))
        pending = {key[:2] for key, digest in published.items() if old.get(key) != digest}
        frameworks = dict(
            (pk, pair) for pk, *pair in Campaign.objects.filter(
                pk__in={campaign for _org, campaign in pending}).values_list(
                    "pk", "framework_id", "baseline__framework_id"))
        areas = _0017.gain_areas(apps, (tuple(pair) for pair in frameworks.values()))
        for org, campaign, code, before_n, after_n in (
                PublishedGain.objects.filter(organization_id__in=batch).order_by()
                .values_list("organization_id", "campaign_id", "competency", "before_n",
                             "after_n")):
            if (org, campaign) not in pending:
                continue
            found = areas.get(tuple(frameworks.get(campaign, ())), {}).get(code, ("",))
            for side, n in (("b", before_n), ("a", after_n)):
                if n:
                    parts[(org, campaign)] |= {_0017.gain_part(side, a) for a in found}
        _republished(apps, batch, {
            key: (new[key] if key in new and old.get(key) == digest
                  else _0017.joined(dict.fromkeys(parts[key[:2]], CHANGED)))
            for key, digest in published.items()})
    _checked(schema_editor)


def _checked(schema_editor):  # type: ignore[no-untyped-def]
    """The new rows' key checks fired now: PostgreSQL alters no table with pending
    trigger events (going back, the columns are narrowed right after; 0013's lesson)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _chunks(ids: list[int], size: int = 10_000) -> Iterator[list[int]]:
    """``tallies._chunks``: an IN list within SQLite's and PostgreSQL's limits."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _final_pairs(apps: Any, ids: list[int]) -> list[tuple[int, int, int, int, int]]:
    """``tallies._final_pairs`` with ``_latest_finals`` (2026-12-06): the final
    questionnaires ``(pk, person, organization, final, baseline)`` of these organizations'
    cells — each person's latest final round of each baseline (ending last, of two ending
    on one day the later made) whose baseline the person submitted too."""
    Response = apps.get_model("diagnostics", "Response")
    finals = Response.objects.filter(
        status=SUBMITTED, campaign__kind=FINAL, campaign__baseline__isnull=False,
        participant__organization_id__in=ids,
    ).filter(Exists(Response.objects.filter(
        participant=OuterRef("participant"), campaign=OuterRef("campaign__baseline"),
        status=SUBMITTED))).order_by()
    latest: dict[tuple[int, int], tuple[Any, ...]] = {}
    for row in finals.values_list("pk", "participant_id", "participant__organization_id",
                                  "campaign_id", "campaign__baseline_id", "campaign__ends_on"):
        key = (row[1], row[4])
        if key not in latest or (row[5], row[3]) > (latest[key][5], latest[key][3]):
            latest[key] = row
    return sorted(row[:5] for row in latest.values())


def _old_digests(apps, ids):  # type: ignore[no-untyped-def]
    """Each current member's single digest as 0017 kept it: md5 of ``b<code>=<level>``
    and ``a<code>=<level>`` in code point order, comma-joined, 16 hex digits."""
    Answer = apps.get_model("diagnostics", "Answer")
    pairs = _final_pairs(apps, ids)
    items = {pk: [] for pk, *_rest in pairs}
    final_of = {(person, baseline): pk for pk, person, _org, _final, baseline in pairs}
    levelled = Answer.objects.filter(level__isnull=False).order_by()
    for chunk in _chunks(sorted(items)):
        for response, code, level in levelled.filter(response__in=chunk).values_list(
                "response_id", "competency", "level"):
            items[response].append(f"a{code}={level}")
    baselines = sorted({baseline for *_rest, baseline in pairs})
    for chunk in _chunks(sorted({person for _pk, person, *_rest in pairs})):
        for person, baseline, code, level in (
                levelled.filter(response__campaign_id__in=baselines,
                                response__participant__in=chunk,
                                response__status=SUBMITTED)
                .values_list("response__participant_id", "response__campaign_id",
                             "competency", "level")):
            if (person, baseline) in final_of:
                items[final_of[(person, baseline)]].append(f"b{code}={level}")
    return {(org, final, person): hashlib.md5(",".join(sorted(items[pk])).encode(),
                                               usedforsecurity=False).hexdigest()[:16]
            for pk, person, org, final, _baseline in pairs}


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    GainMember = apps.get_model("diagnostics", "GainMember")
    PublishedGainMember = apps.get_model("diagnostics", "PublishedGainMember")
    ids = _organizations(apps)
    # Going back builds every level's text of a batch in Python (_old_digests): a batch
    # of the rebuild's size (200), not 2,000 organizations — ≈ 1 GB on a 300,000 region
    # (review of h/gainparts).
    for start in range(0, len(ids), BACK_BATCH):
        batch = ids[start:start + BACK_BATCH]
        current = _members(GainMember, batch)
        published = _members(PublishedGainMember, batch)
        old = _old_digests(apps, batch)
        GainMember.objects.filter(organization_id__in=batch).delete()
        GainMember.objects.bulk_create(
            [GainMember(organization_id=org, campaign_id=campaign, person=person, digest=digest)
             for (org, campaign, person), digest in old.items()], batch_size=1000)
        _republished(apps, batch, {
            key: (old[key] if key in old and current.get(key) == text else CHANGED)
            for key, text in published.items()})
    _checked(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('diagnostics', '0017_published_gains'),
    ]

    operations = [
        migrations.AlterField(
            model_name='gainmember',
            name='digest',
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name='publishedgainmember',
            name='digest',
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
