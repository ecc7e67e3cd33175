"""Rule 5 by part, a part a side of a **competency** (docs/monitoring.md, «Правило публикации
«до / после»», rule 5): a person's text of a cell of «before / after» holds their level of
each competency before and after, by position (``tallies.member_text``), instead of an md5
of their levels of each competency area (0018). A part of a whole area let two people's
changes of a competency that no figure shows (not counted by ``release.level_counted``, or
not in the version read) complete a step of a third's change of one shown — the area's
mean moved by one person's levels (review of h/gainparts, 2026-12-06).

Forwards, 200 organizations a batch (its levels are read into Python): the current
members (``GainMember``) computed anew from the answers; a published member
(``PublishedGainMember``) whose old text was the old current one — nothing pending — gets
the new current text; one whose text differed (a change pending since the last
publication, or a person gone from the cell since) gets every part of the cell marked
``-`` (``release.UNKNOWN``): which competencies that change was in the old digest cannot
tell, so the cell waits until three people changed each of them — never publishes a part
changed by fewer. A cell's parts: those of its current members and those of its
published sums.

Backwards: 0018's texts (md5 by side and area) computed in Python, the same rule the other
way. ``tandem tallies --check`` confirms either way.

Everything it needs is copied here (the text, the positions, 0018's digests), not
imported: the app's code may change after it."""

import hashlib
from collections import defaultdict

from django.db import migrations
from django.db.models import Exists, OuterRef

BATCH = 200
CHUNK = 10_000
UNKNOWN = "-"  # core.release.UNKNOWN
NO_LEVEL = "."
LAYOUT = "|"
OTHERS = "?"
SUBMITTED = "submitted"
FINAL = "final"


def _chunks(ids):  # type: ignore[no-untyped-def]
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


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


def _competencies(snapshot):  # type: ignore[no-untyped-def]
    """(code, area) of a version's snapshot (``FrameworkVersion.competencies``)."""
    return [(c["code"], a["code"]) for a in snapshot["areas"] for c in a["competencies"]]


def _versions(apps, pairs):  # type: ignore[no-untyped-def]
    FrameworkVersion = apps.get_model("diagnostics", "FrameworkVersion")
    return {pk: _competencies(snapshot) for pk, snapshot in FrameworkVersion.objects.filter(
        pk__in={pk for pair in pairs for pk in pair}).values_list("pk", "snapshot")}


def _codes(versions, pair):  # type: ignore[no-untyped-def]
    """``tallies.gain_codes``: the pair's competencies in code point order."""
    return tuple(sorted({code for pk in pair for code, _area in versions.get(pk, ())}))


def _areas(versions, pair):  # type: ignore[no-untyped-def]
    """0018's ``tallies.gain_areas``: a competency's areas in either version."""
    found = defaultdict(set)
    for pk in pair:
        for code, area in versions.get(pk, ()):
            found[code].add(area.replace(":", "_").replace(";", "_"))
    return {code: tuple(sorted(areas)) for code, areas in found.items()}


def _text(pair, codes, levels):  # type: ignore[no-untyped-def]
    """``tallies.member_text``."""
    slots = [NO_LEVEL] * (2 * len(codes))
    position = {code: i for i, code in enumerate(codes)}
    others = []
    for (side, code), level in levels.items():
        if code in position:
            slots[2 * position[code] + (side == "a")] = str(level)
        else:
            others.append(f"{side}{code}={level}")
    text = f"{pair[0]}.{pair[1]}{LAYOUT}{''.join(slots).rstrip(NO_LEVEL)}"
    return text + (LAYOUT + ",".join(sorted(others)) if others else "")


def _parts(text, codes):  # type: ignore[no-untyped-def]
    """``tallies.member_parts`` of a text of the pair's ``codes``, its part names only."""
    _head, _bar, tail = text.partition(LAYOUT)
    slots, more, _others = tail.partition(LAYOUT)
    found = {(("ba"[i % 2]), codes[i // 2]) for i, level in enumerate(slots)
             if level != NO_LEVEL and i // 2 < len(codes)}
    return found | ({OTHERS} if more else set())


def _joined(parts):  # type: ignore[no-untyped-def]
    """0018's ``release.joined``."""
    return ";".join(f"{part}:{parts[part]}" for part in sorted(parts))


def _split(text):  # type: ignore[no-untyped-def]
    """0018's ``release.split``: its part names (a text of none: none)."""
    if not text or not isinstance(text, str):
        return set()
    return {item.split(":", 1)[0] for item in text.split(";") if ":" in item}


def _md5(items):  # type: ignore[no-untyped-def]
    return hashlib.md5(",".join(sorted(items)).encode(), usedforsecurity=False).hexdigest()[:12]


def _levels(apps, ids):  # type: ignore[no-untyped-def]
    """The people of these organizations' cells — ``tallies._final_pairs``: the latest final
    of each baseline a person submitted both of — as ``{(org, final, person): (pair,
    {(side, code): level})}``, ``pair`` the versions of the final and its baseline."""
    Response = apps.get_model("diagnostics", "Response")
    Answer = apps.get_model("diagnostics", "Answer")
    Campaign = apps.get_model("diagnostics", "Campaign")
    finals = Response.objects.filter(
        status=SUBMITTED, campaign__kind=FINAL, campaign__baseline__isnull=False,
        participant__organization_id__in=ids,
    ).filter(Exists(Response.objects.filter(
        participant=OuterRef("participant"), campaign=OuterRef("campaign__baseline"),
        status=SUBMITTED)))
    latest = {}
    for row in finals.values_list("pk", "participant_id", "participant__organization_id",
                                  "campaign_id", "campaign__baseline_id",
                                  "campaign__ends_on").order_by():
        key = (row[1], row[4])
        if key not in latest or (row[5], row[3]) > (latest[key][5], latest[key][3]):
            latest[key] = row
    rows = [row[:5] for row in latest.values()]
    frameworks = {pk: (final, baseline) for pk, final, baseline in Campaign.objects.filter(
        pk__in={row[3] for row in rows}).values_list(
            "pk", "framework_id", "baseline__framework_id")}
    levels = {pk: {} for pk, *_rest in rows}
    final_of = {(person, baseline): pk for pk, person, _org, _final, baseline in rows}
    levelled = Answer.objects.filter(level__isnull=False).order_by()
    for chunk in _chunks(sorted(levels)):
        for response, code, level in levelled.filter(response__in=chunk).values_list(
                "response_id", "competency", "level"):
            levels[response][("a", code)] = int(level)
    baselines = sorted({row[4] for row in rows})
    for chunk in _chunks(sorted({row[1] for row in rows})):
        for person, baseline, code, level in (
                levelled.filter(response__campaign_id__in=baselines,
                                response__participant__in=chunk,
                                response__status=SUBMITTED)
                .values_list("response__participant_id", "response__campaign_id",
                             "competency", "level")):
            if (person, baseline) in final_of:
                levels[final_of[(person, baseline)]][("b", code)] = int(level)
    return {(org, final, person): (frameworks[final], levels[pk])
            for pk, person, org, final, _baseline in rows}


def _cell_pairs(apps, cells):  # type: ignore[no-untyped-def]
    """Each cell's pair of versions by its final round now (no baseline: 0)."""
    Campaign = apps.get_model("diagnostics", "Campaign")
    found = {pk: (final, baseline or 0) for pk, final, baseline in Campaign.objects.filter(
        pk__in={campaign for _org, campaign in cells}).values_list(
            "pk", "framework_id", "baseline__framework_id")}
    return {cell: found.get(cell[1], (0, 0)) for cell in cells}


def _published_parts(apps, ids, cells):  # type: ignore[no-untyped-def]
    """The (side, competency) of these cells' published sums."""
    PublishedGain = apps.get_model("diagnostics", "PublishedGain")
    parts = defaultdict(set)
    for org, campaign, code, before_n, after_n in (
            PublishedGain.objects.filter(organization_id__in=ids).order_by()
            .values_list("organization_id", "campaign_id", "competency", "before_n",
                         "after_n")):
        if (org, campaign) in cells:
            for side, n in (("b", before_n), ("a", after_n)):
                if n:
                    parts[(org, campaign)].add((side, code))
    return parts


def _replace(apps, ids, current, published):  # type: ignore[no-untyped-def]
    """The batch's current and published members written anew (new rows, no audit: the
    tables are tallies, rebuilt from the answers)."""
    for name, rows in (("GainMember", current), ("PublishedGainMember", published)):
        model = apps.get_model("diagnostics", name)
        model.objects.filter(organization_id__in=ids).delete()
        model.objects.bulk_create(
            [model(organization_id=org, campaign_id=campaign, person=person, digest=digest)
             for (org, campaign, person), digest in rows.items()], batch_size=1000)


def _old_texts(versions, people):  # type: ignore[no-untyped-def]
    """0018's texts (md5 of ``code=level`` by side and area) of each person's levels."""
    old = {}
    for key, (pair, levels) in people.items():
        areas = _areas(versions, pair)
        items = defaultdict(list)
        for (side, code), level in levels.items():
            for area in areas.get(code, ("",)):
                items[f"{side}{area}"].append(f"{code}={level}")
        old[key] = _joined({part: _md5(found) for part, found in items.items()})
    return old


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    PublishedGainMember = apps.get_model("diagnostics", "PublishedGainMember")
    ids = _organizations(apps)
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        published = _members(PublishedGainMember, batch)
        people = _levels(apps, batch)
        versions = _versions(apps, {pair for pair, _given in people.values()})
        new = {key: _text(pair, _codes(versions, pair), levels)
               for key, (pair, levels) in people.items()}
        # Nothing pending: the published text is 0018's text of the person's levels NOW —
        # not the stored GainMember, which an organization marked for a rebuild not run
        # yet (an import while the workers are stopped for the deploy) leaves stale: its
        # published member then got the changed levels, unseen by rule 5 (review of
        # h/gaincomp).
        old = _old_texts(versions, people)
        pending = {key[:2] for key, text in published.items() if old.get(key) != text}
        pairs = _cell_pairs(apps, pending)
        versions.update(_versions(apps, set(pairs.values()) - set(versions)))
        parts = _published_parts(apps, batch, pending)
        for key, (pair, _given) in people.items():
            if key[:2] in pending:
                parts[key[:2]] |= _parts(new[key], _codes(versions, pair))
        marked = {}  # a pending cell's every part UNKNOWN, by its pair's positions
        for cell in pending:
            codes = _codes(versions, pairs[cell])
            position = {code: i for i, code in enumerate(codes)}
            slots = [NO_LEVEL] * (2 * len(codes))
            others = OTHERS in parts[cell]
            for part in parts[cell] - {OTHERS}:
                side, code = part
                if code in position:
                    slots[2 * position[code] + (side == "a")] = UNKNOWN
                else:
                    others = True
            text = f"{pairs[cell][0]}.{pairs[cell][1]}{LAYOUT}{''.join(slots).rstrip(NO_LEVEL)}"
            marked[cell] = text + (LAYOUT + UNKNOWN if others else "")
        _replace(apps, batch, new, {
            key: (new[key] if key in new and old.get(key) == text else marked[key[:2]])
            for key, text in published.items()})
    _checked(schema_editor)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    PublishedGainMember = apps.get_model("diagnostics", "PublishedGainMember")
    ids = _organizations(apps)
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        published = _members(PublishedGainMember, batch)
        people = _levels(apps, batch)
        versions = _versions(apps, {pair for pair, _given in people.values()})
        old = _old_texts(versions, people)
        # (as forwards: pending against the levels now, not the stored current text)
        current = {key: _text(pair, _codes(versions, pair), levels)
                   for key, (pair, levels) in people.items()}
        pending = {key[:2] for key, text in published.items() if current.get(key) != text}
        pairs = _cell_pairs(apps, pending)
        versions.update(_versions(apps, set(pairs.values()) - set(versions)))
        parts = defaultdict(set)
        for key, text in old.items():
            if key[:2] in pending:
                parts[key[:2]] |= _split(text)
        for cell, found in _published_parts(apps, batch, pending).items():
            areas = _areas(versions, pairs[cell])
            parts[cell] |= {f"{side}{area}" for side, code in found
                            for area in areas.get(code, ("",))}
        _replace(apps, batch, old, {
            key: (old[key] if key in old and current.get(key) == text
                  else _joined(dict.fromkeys(parts[key[:2]], UNKNOWN)))
            for key, text in published.items()})
    _checked(schema_editor)


def _checked(schema_editor):  # type: ignore[no-untyped-def]
    """The new rows' key checks fired now (0018's lesson: PostgreSQL alters no table with
    pending trigger events)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('diagnostics', '0018_gain_member_parts'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
