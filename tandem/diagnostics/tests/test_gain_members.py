"""The people of a cell of «до / после» and the digests of their levels (``GainMember``,
``tallies.member_digest``) — what rule 5 («steps of three», ``release.republish``)
compares with a cell's published members. The rebuild computes them on the server (one
statement; on PostgreSQL ``md5`` of an ordered ``string_agg``, on SQLite the Python
digest as an aggregate), ``stale()`` in Python: the two must agree, whatever the codes'
letters and order (a collation other than byte order would reorder them)."""

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
CODES = ["ict.Zeta", "ict.alpha", "ict_b", "ict-a", "ict.ä", "spb:цифра", "spb:Цифра", "ab",
         "a.b", "B"]


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


def test_a_persons_digest_is_the_md5_of_her_levels_in_code_point_order(world: World) -> None:
    """The server's digest of a person is the documented one: ``b<code>=<level>`` of her
    baseline, ``a<code>=<level>`` of her final round, sorted by code point, joined with
    commas; a blank level is no item; a person with no level at all is a member too."""
    initial, final = _rounds(world)
    anna, boris = world.alice_p, world.bob_p
    before = {code: i % 4 for i, code in enumerate(CODES)}
    after = {code: (i + 1) % 4 if i != 3 else None for i, code in enumerate(CODES)}
    _submit(initial, anna, before)
    _submit(final, anna, after)
    _submit(initial, boris, {})
    _submit(final, boris, {CODES[0]: None})
    tallies.rebuild([world.org_a.pk])
    items = sorted([f"b{c}={v}" for c, v in before.items()]
                   + [f"a{c}={v}" for c, v in after.items() if v is not None])
    expected = hashlib.md5(",".join(items).encode(), usedforsecurity=False).hexdigest()[:16]
    stored = dict(GainMember.objects.values_list("person", "digest"))
    assert stored == {anna.pk: expected, boris.pk: tallies.member_digest([])}
    assert tallies.member_digest(reversed(items)) == expected
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
    closed rounds — a rebuild's state (``stale()`` finds nothing to publish)."""
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
    # A cell of two people in B: never published, so no published members after the
    # migration either (it is published whole with its third person, as the code does).
    few = list(Participant.objects.filter(organization=world.org_b).order_by("pk"))[:2]
    for person in few:
        _submit(initial, person, {CODES[0]: 1})
        _submit(final, person, {CODES[0]: 2})
    orgs = [world.org_a.pk, world.org_b.pk]
    tallies.rebuild(orgs)
    Campaign.objects.filter(pk=final.pk).update(status=Campaign.Status.CLOSED)
    tallies.rebuild(orgs)  # published as a closing would
    assert GainMember.objects.filter(organization=world.org_b).count() == 2
    assert not PublishedGainMember.objects.filter(organization=world.org_b).exists()
    members = set(GainMember.objects.filter(organization=world.org_a)
                  .values_list("person", "digest"))
    for model in (GainMember, PublishedGain, PublishedGainMember):
        model.objects.all().delete()  # as the tables were created
    editor = SimpleNamespace(connection=connection,  # its one use: execute a statement
                             execute=lambda sql: connection.cursor().execute(sql))
    import_module("tandem.diagnostics.migrations.0017_published_gains").forwards(apps, editor)
    assert set(GainMember.objects.filter(organization=world.org_a)
               .values_list("person", "digest")) == members
    assert GainMember.objects.filter(organization=world.org_b).count() == 2
    assert set(PublishedGainMember.objects.values_list("person", "digest")) == members
    fields = ("organization_id", "campaign_id", "competency", "before_sum", "after_sum", "people")
    assert set(PublishedGain.objects.values_list(*fields)) == set(
        GainTally.objects.values_list(*fields))
    assert tallies.stale() == []
