"""The people of a cell of «до / после» and their levels by part (``GainMember``,
``tallies.member_text``) — what rule 5 («steps of three», by part:
``release.republish_parts`` with ``tallies.member_reader``) compares with a cell's
published members. A part is a side (before, after) of a competency, its digest the level;
a person's text holds them by position of the pair of framework versions' competencies in
code point order. The rebuild computes them on the server (one statement), ``stale()`` in
Python: the two must agree, whatever the codes' letters and order (a collation other than
byte order would reorder them)."""

import datetime as dt
import hashlib
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.diagnostics import tallies
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import Answer, Campaign, GainMember, Response
from tandem.people.models import Participant
from tandem.testing import ParticipantFactory, World

pytestmark = pytest.mark.django_db

# Codes a locale's collation orders otherwise than code points: case, punctuation,
# letters beyond ASCII (a regional competency's code carries its region's prefix).
# Three of the default framework's (two areas), the others in none (the part of no area).
CODES = ["ict.office_cloud", "method.materials", "ict.ai_lessons", "ict.Zeta", "ict.alpha",
         "ict_b", "ict-a", "ict.ä", "spb:цифра", "spb:Цифра", "ab", "a.b", "B"]


def _rounds(world: World) -> tuple[Campaign, Campaign]:
    framework = ensure_default_framework()
    initial = Campaign.objects.create(title="Вх", organization=world.org_a, framework=framework,
                                      starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2026, 9, 30))
    final = Campaign.objects.create(title="Ит", kind=Campaign.Kind.FINAL, organization=world.org_a,
                                    framework=framework, baseline=initial,
                                    starts_on=dt.date(2027, 4, 1), ends_on=dt.date(2027, 4, 20))
    return initial, final


def _submit(campaign: Campaign, person: Participant, levels: Mapping[str, int | None]) -> None:
    response = Response.objects.create(campaign=campaign, participant=person,
                                       answered=len(levels), status=Response.Status.SUBMITTED)
    Answer.objects.bulk_create([Answer(response=response, competency=code, self_level=level,
                                       level=level) for code, level in levels.items()])


def _md5(items: list[str]) -> str:
    return hashlib.md5(",".join(sorted(items)).encode(),
                       usedforsecurity=False).hexdigest()[:12]


def test_a_persons_text_is_her_levels_by_position_of_the_versions_competencies(
        world: World) -> None:
    """The server's text of a person is the documented one: ``<final's version>.<baseline's
    version>|``, then for each competency of the versions in code point order her level
    before and after (``.`` blank), the trailing blanks cut; the levels of a competency of
    neither version after a second ``|``, ``<side><code>=<level>`` in code point order,
    comma-joined. A person with no level: the pair alone. Read back, each side of each
    competency is a part, its level the digest."""
    initial, final = _rounds(world)
    anna, boris = world.alice_p, world.bob_p
    before = {code: i % 4 for i, code in enumerate(CODES)}
    after = {code: (i + 1) % 4 if i != 3 else None for i, code in enumerate(CODES)}
    _submit(initial, anna, before)
    _submit(final, anna, after)
    _submit(initial, boris, {})
    _submit(final, boris, {CODES[0]: None})
    tallies.rebuild([world.org_a.pk])
    codes = sorted(initial.framework.codes())
    pair = f"{final.framework_id}.{initial.framework_id}|"
    slots = "".join(f"{before.get(c, '.')}{after.get(c, '.') if after.get(c) is not None else '.'}"
                    for c in codes).rstrip(".")
    others = sorted(f"{side}{code}={level}" for side, levels in (("b", before), ("a", after))
                    for code, level in levels.items()
                    if level is not None and code not in codes)
    expected = f"{pair}{slots}|{','.join(others)}"
    assert "a.b" in expected and "spb:цифра" in expected  # (codes of no version)
    stored = dict(GainMember.objects.values_list("person", "digest"))
    assert stored == {anna.pk: expected, boris.pk: pair}
    parts = tallies.member_reader()(expected)
    assert parts["bict.office_cloud"] == "0" and parts["aict.office_cloud"] == "1"
    assert parts["amethod.materials"] == "2" and parts["bmethod.materials"] == "1"
    assert parts[tallies.OTHERS] == ",".join(others)
    assert len(parts) == 2 * 3 + 1
    assert tallies.stale() == []


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(levels=st.lists(st.tuples(st.dictionaries(st.sampled_from(CODES),
                                                 st.one_of(st.none(), st.integers(0, 3))),
                                 st.dictionaries(st.sampled_from(CODES),
                                                 st.one_of(st.none(), st.integers(0, 3)))),
                       min_size=1, max_size=4))
def test_the_servers_digests_are_pythons(world: World,
                                         levels: list[tuple[dict[str, int | None],
                                                            dict[str, int | None]]]) -> None:
    """Invariant: whatever people and levels (blank ones, none at all), the members the
    rebuild stores on the server are those ``_members`` computes in Python — the check
    ``tallies --check`` runs (``stale()``) — on SQLite and on PostgreSQL alike."""
    initial, final = _rounds(world)
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))
    while len(people) < len(levels):
        people.append(ParticipantFactory.create(organization=world.org_a))
    try:
        for person, (before, after) in zip(people, levels, strict=False):
            _submit(initial, person, before)
            _submit(final, person, after)
        tallies.rebuild([world.org_a.pk])
        stored = set(GainMember.objects.values_list("organization_id", "campaign_id", "person",
                                                    "digest"))
        computed = {(m.organization_id, m.campaign_id, m.person, m.digest)
                    for m in tallies._members(tallies._final_pairs([world.org_a.pk]))}
        assert stored == computed and len(stored) == len(levels)
        assert tallies.stale() == []
    finally:
        Campaign.objects.filter(pk__in=[initial.pk, final.pk]).delete()


def test_the_migration_publishes_what_the_figures_showed(world: World) -> None:
    """``diagnostics/0017`` on a filled database: the current members computed from the
    answers, every cell's published sums its current ones, the published members those of
    closed rounds; with ``0018`` after it, a rebuild's state (``stale()`` finds nothing to
    publish)."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from tandem.diagnostics.models import GainTally, PublishedGain, PublishedGainMember

    initial, final = _rounds(world)
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))[:3]
    for i, person in enumerate(people):
        _submit(initial, person, {CODES[0]: i, CODES[1]: 1})
        _submit(final, person, {CODES[0]: 3, CODES[1]: i})
    # A cell of two people in B: published with its members by the round's first
    # publication (since 2026-12-06); 0017 gave none to such a cell — 0022 does.
    few = list(Participant.objects.filter(organization=world.org_b).order_by("pk"))[:2]
    for person in few:
        _submit(initial, person, {CODES[0]: 1})
        _submit(final, person, {CODES[0]: 2})
    orgs = [world.org_a.pk, world.org_b.pk]
    tallies.rebuild(orgs)
    Campaign.objects.filter(pk=final.pk).update(status=Campaign.Status.CLOSED)
    tallies.rebuild(orgs)  # published as a closing would
    assert GainMember.objects.filter(organization=world.org_b).count() == 2
    assert PublishedGainMember.objects.filter(organization=world.org_b).count() == 2
    small = set(GainMember.objects.filter(organization=world.org_b)
                .values_list("person", "digest"))
    members = set(GainMember.objects.filter(organization=world.org_a)
                  .values_list("person", "digest"))
    for model in (GainMember, PublishedGain, PublishedGainMember):
        model.objects.all().delete()  # as the tables were created
    editor = SimpleNamespace(connection=connection,  # its one use: execute a statement
                             execute=lambda sql: connection.cursor().execute(sql))
    import_module("tandem.diagnostics.migrations.0017_published_gains").forwards(apps, editor)
    rebuilt = members
    # 0017 computes its own (frozen) texts, by side and area — not today's: the people
    # are the rebuild's, the published members exactly the current ones (nothing pending)
    current = set(GainMember.objects.filter(organization=world.org_a)
                  .values_list("person", "digest"))
    assert {person for person, _digest in current} == {p.pk for p in people}
    assert not current & rebuilt  # (another format than today's)
    assert GainMember.objects.filter(organization=world.org_b).count() == 2
    assert set(PublishedGainMember.objects.values_list("person", "digest")) == current
    fields = ("organization_id", "campaign_id", "competency", "before_sum", "after_sum", "people")
    assert set(PublishedGain.objects.values_list(*fields)) == set(
        GainTally.objects.values_list(*fields))
    # 0018 (digests by part) and 0019 (levels by position) after it: a rebuild's state,
    # nothing pending
    import_module("tandem.diagnostics.migrations.0018_gain_member_parts").forwards(apps, editor)
    import_module("tandem.diagnostics.migrations.0019_gain_member_competencies").forwards(
        apps, editor)
    assert set(PublishedGainMember.objects.values_list("person", "digest")) == rebuilt
    # 0022: the small cell of the closed round gets its members as published
    import_module("tandem.diagnostics.migrations.0022_campaign_reopened").forwards(apps, editor)
    assert set(PublishedGainMember.objects.values_list("person", "digest")) == rebuilt | small
    assert tallies.stale() == []


def test_the_migration_to_parts_keeps_what_is_published_and_what_is_pending(
        world: World) -> None:
    """``diagnostics/0018`` on a database of single digests (0017's): the current members
    computed anew by part; a published member whose digest was the current one gets the
    current text (nothing pending), one whose digest differed (a pending change) or who
    left the cell gets every part of the cell marked changed — conservative; a person
    not yet published stays so. Backwards: the single digests again, a pending change
    still pending."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from tandem.diagnostics.models import PublishedGainMember

    migration = import_module("tandem.diagnostics.migrations.0018_gain_member_parts")
    initial, final = _rounds(world)
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))
    while len(people) < 4:
        people.append(ParticipantFactory.create(organization=world.org_a))
    codes = ["ict.office_cloud", "method.materials"]
    for i, person in enumerate(people[:4]):
        _submit(initial, person, dict.fromkeys(codes, i % 4))
        _submit(final, person, dict.fromkeys(codes, (i + 1) % 4))
    orgs = [world.org_a.pk]
    Campaign.objects.filter(pk=final.pk).update(status=Campaign.Status.CLOSED)
    tallies.rebuild(orgs)
    # As 0017 left it: single digests; the third's published one differs (she changed
    # since), the fourth not yet published (came since), someone gone (left since).
    old = {key[2]: digest for key, digest in migration._old_digests(apps, orgs).items()}
    for member in GainMember.objects.all():
        member.digest = old[member.person]
        member.save()
    PublishedGainMember.objects.all().delete()
    gone = 10 ** 9
    PublishedGainMember.objects.bulk_create(
        [PublishedGainMember(organization=world.org_a, campaign=final, person=person.pk,
                             digest=old[person.pk]) for person in people[:2]]
        + [PublishedGainMember(organization=world.org_a, campaign=final, person=pk,
                               digest="0123456789abcdef") for pk in (people[2].pk, gone)])
    editor = SimpleNamespace(connection=connection,  # its one use: execute a statement
                             execute=lambda sql: connection.cursor().execute(sql))
    migration.forwards(apps, editor)
    # 0018's texts (md5 of ``code=level`` by side and area), computed here from the levels
    frozen = import_module("tandem.diagnostics.migrations.0017_published_gains")
    current = {person.pk: frozen.joined({
        f"{side}{code.split('.')[0]}": frozen.part_digest([f"{code}={level}"])
        for code in codes for side, level in (("b", i % 4), ("a", (i + 1) % 4))})
        for i, person in enumerate(people[:4])}
    assert dict(GainMember.objects.values_list("person", "digest")) == current
    every = "aict:-;amethod:-;bict:-;bmethod:-"
    assert dict(PublishedGainMember.objects.values_list("person", "digest")) == {
        people[0].pk: current[people[0].pk], people[1].pk: current[people[1].pk],
        people[2].pk: every, gone: every}
    migration.backwards(apps, editor)
    assert dict(GainMember.objects.values_list("person", "digest")) == old
    assert dict(PublishedGainMember.objects.values_list("person", "digest")) == {
        people[0].pk: old[people[0].pk], people[1].pk: old[people[1].pk],
        people[2].pk: "-", gone: "-"}


def test_a_competency_two_versions_put_in_two_areas_is_one_part(world: World) -> None:
    """The final round's framework version moved a competency to another area than its
    baseline's version: it is one competency, one part a side (whichever area a reader
    names it by) — on the server as in Python; a competency of one version only has its
    position too."""
    from django.db.models import Max

    from tandem.diagnostics.models import FrameworkVersion

    initial, final = _rounds(world)
    snapshot = {"areas": [dict(area, competencies=[c for c in area["competencies"]
                                                   if c["code"] != "ict.office_cloud"])
                          for area in initial.framework.snapshot["areas"]]}
    moved = next(c for area in initial.framework.snapshot["areas"]
                 for c in area["competencies"] if c["code"] == "ict.office_cloud")
    snapshot["areas"][[a["code"] for a in snapshot["areas"]].index("method")][
        "competencies"].append(moved)
    snapshot["areas"][0]["competencies"].append(dict(moved, code="ict.new"))
    number = (FrameworkVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    final.framework = FrameworkVersion.objects.create(number=number, snapshot=snapshot)
    final.save()
    anna = world.alice_p
    _submit(initial, anna, {"ict.office_cloud": 1})
    _submit(final, anna, {"ict.office_cloud": 2, "method.materials": 3, "ict.new": 0})
    tallies.rebuild([world.org_a.pk])
    codes = sorted({*initial.framework.codes(), "ict.new"})
    assert tallies.gain_codes([(final.framework_id, initial.framework_id)]) == {
        (final.framework_id, initial.framework_id): tuple(codes)}
    (text,) = GainMember.objects.values_list("digest", flat=True)
    assert tallies.member_reader()(text) == {
        "bict.office_cloud": "1", "aict.office_cloud": "2", "amethod.materials": "3",
        "aict.new": "0"}
    assert len(text) == len(f"{final.framework_id}.{initial.framework_id}|") + 2 * max(
        codes.index(c) for c in ("ict.office_cloud", "method.materials", "ict.new")) + 2
    assert tallies.stale() == []


def test_the_migration_to_competencies_keeps_what_is_published_and_what_is_pending(
        world: World) -> None:
    """``diagnostics/0019`` on a database of 0018's texts (md5 by side and area, got by
    going back): the current members computed anew by position; a published member whose
    text was the current one gets the current text (nothing pending), one whose text
    differed (a pending change) or who left the cell gets every part of the cell marked
    ``-`` — conservative; backwards, 0018's texts again (the areas of a pending one all
    marked). ``tallies --check`` finds nothing either way it ends."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from tandem.diagnostics.models import PublishedGainMember

    migration = import_module("tandem.diagnostics.migrations.0019_gain_member_competencies")
    initial, final = _rounds(world)
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))
    while len(people) < 4:
        people.append(ParticipantFactory.create(organization=world.org_a))
    codes = ["ict.office_cloud", "method.materials"]
    for i, person in enumerate(people[:4]):
        _submit(initial, person, dict.fromkeys(codes, i % 4))
        _submit(final, person, {codes[0]: (i + 1) % 4} if i == 3 else
                dict.fromkeys(codes, (i + 1) % 4))
    Campaign.objects.filter(pk=final.pk).update(status=Campaign.Status.CLOSED)
    tallies.rebuild([world.org_a.pk])
    current = dict(GainMember.objects.values_list("person", "digest"))
    assert dict(PublishedGainMember.objects.values_list("person", "digest")) == current
    editor = SimpleNamespace(connection=connection,  # its one use: execute a statement
                             execute=lambda sql: connection.cursor().execute(sql))
    migration.backwards(apps, editor)
    old = dict(GainMember.objects.values_list("person", "digest"))
    areas = {"ict.office_cloud": "ict", "method.materials": "method"}
    for i, person in enumerate(people[:4]):
        parts: dict[str, list[str]] = {}
        for side, level in (("b", i % 4), ("a", (i + 1) % 4)):
            for code in codes if side == "b" or i != 3 else codes[:1]:
                parts.setdefault(side + areas[code], []).append(f"{code}={level}")
        assert old[person.pk] == ";".join(f"{part}:{_md5(items)}"
                                          for part, items in sorted(parts.items()))
    assert dict(PublishedGainMember.objects.values_list("person", "digest")) == old
    # As 0018 left it, with the third's published text differing (she changed since) and
    # someone gone (left since).
    gone = 10 ** 9
    PublishedGainMember.objects.filter(person=people[2].pk).delete()
    PublishedGainMember.objects.bulk_create(
        [PublishedGainMember(organization=world.org_a, campaign=final, person=pk,
                             digest="aict:0123456789ab") for pk in (people[2].pk, gone)])
    migration.forwards(apps, editor)
    assert dict(GainMember.objects.values_list("person", "digest")) == current
    position = sorted(initial.framework.codes())
    slots = ["."] * (2 * len(position))
    for code in codes:
        slots[2 * position.index(code)] = slots[2 * position.index(code) + 1] = "-"
    every = f"{final.framework_id}.{initial.framework_id}|{''.join(slots).rstrip('.')}"
    assert dict(PublishedGainMember.objects.values_list("person", "digest")) == {
        people[0].pk: current[people[0].pk], people[1].pk: current[people[1].pk],
        people[3].pk: current[people[3].pk], people[2].pk: every, gone: every}
    assert tallies.stale() == []  # the pending cell waits, nothing to publish
    migration.backwards(apps, editor)
    marked = "aict:-;amethod:-;bict:-;bmethod:-"
    assert dict(GainMember.objects.values_list("person", "digest")) == old
    assert dict(PublishedGainMember.objects.values_list("person", "digest")) == {
        people[0].pk: old[people[0].pk], people[1].pk: old[people[1].pk],
        people[3].pk: old[people[3].pk], people[2].pk: marked, gone: marked}


def test_the_migration_marks_open_rounds_closed_before_as_reopened(world: World) -> None:
    """``diagnostics/0022``: an open final round with a published member was closed before
    (members come from closings only) — ``reopened``, so a cell of it that was never
    published stays so at its next closing (rule 5); an open one without, and a closed
    one, are not marked (a closed one's small cells get their members instead)."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from tandem.diagnostics.models import PublishedGainMember

    _initial, final = _rounds(world)
    other = Campaign.objects.create(title="Ит 2", kind=Campaign.Kind.FINAL,
                                    organization=world.org_a, framework=final.framework,
                                    baseline=final.baseline, starts_on=dt.date(2027, 4, 1),
                                    ends_on=dt.date(2027, 4, 10))
    closed = Campaign.objects.create(title="Ит 3", kind=Campaign.Kind.FINAL,
                                     organization=world.org_b, framework=final.framework,
                                     starts_on=dt.date(2027, 4, 1), ends_on=dt.date(2027, 4, 10),
                                     status=Campaign.Status.CLOSED)
    PublishedGainMember.objects.create(organization=world.org_a, campaign=final, person=1,
                                       digest="")
    PublishedGainMember.objects.create(organization=world.org_b, campaign=closed, person=2,
                                       digest="")
    editor = SimpleNamespace(connection=connection)
    import_module("tandem.diagnostics.migrations.0022_campaign_reopened").forwards(apps, editor)
    assert dict(Campaign.objects.filter(pk__in=[final.pk, other.pk, closed.pk])
                .values_list("pk", "reopened")) == {final.pk: True, other.pk: False,
                                                    closed.pk: False}
