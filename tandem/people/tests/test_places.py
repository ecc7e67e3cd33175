"""The place kept on each person (``Participant.municipality``, ``Participant.region``:
their organization's municipality and its region now) and the rule of who sees a person
by it (``Scope.participant_q``): every way people are written keeps it, every move follows
it (a person's, an organization's, a municipality's — and any chain of them, Hypothesis),
none of it is in the trail, ``tandem tallies`` checks and repairs it."""

import datetime as dt
import importlib
import io

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import Scope, scope_for
from tandem.directory.selectors import ParticipantFilters, participant_list
from tandem.pairs.tests.pair_lists import Territory, far_organization, new_people
from tandem.people.models import Participant
from tandem.people.personal_data import participant_anonymise
from tandem.roster.imports import check_roster
from tandem.roster.services import roster_write
from tandem.roster.tests.files import person as roster_person
from tandem.roster.tests.files import roster_csv
from tandem.territory.models import Municipality, Organization
from tandem.testing import ParticipantFactory, World

pytestmark = pytest.mark.django_db


def _truth(pks: list[int] | None = None) -> dict[int, tuple[int, int]]:
    """What the columns should hold: the organizations' places as they are now."""
    people = Participant.objects.all() if pks is None else Participant.objects.filter(pk__in=pks)
    return {pk: (m, r) for pk, m, r in people.values_list(
        "pk", "organization__municipality_id", "organization__municipality__region_id")}


def _stored(pks: list[int] | None = None) -> dict[int, tuple[int, int]]:
    people = Participant.objects.all() if pks is None else Participant.objects.filter(pk__in=pks)
    return {pk: (m, r) for pk, m, r in people.values_list("pk", "municipality_id", "region_id")}


def _place(person: Participant) -> tuple[int, int]:
    return _stored([person.pk])[person.pk]


def test_every_way_of_writing_a_person_keeps_the_place(world: World) -> None:
    far = far_organization()
    here = (world.municipality_a.pk, world.region.pk)
    there = (far.municipality_id, far.municipality.region_id)
    made = ParticipantFactory.create(organization=world.org_a)
    assert _place(made) == here
    # the values come back with the save (RETURNING): the copy holds numbers, not SQL
    assert (made.municipality_id, made.region_id) == here
    by_key = ParticipantFactory.create(organization_id=far.pk)
    assert _place(by_key) == there == (by_key.municipality_id, by_key.region_id)
    with CaptureQueriesContext(connection) as queries:
        bulk = Participant.objects.bulk_create([
            ParticipantFactory.build(organization=world.org_b),
            ParticipantFactory.build(organization=far)])
    assert len(queries) == 2  # the organizations' places, the insert
    assert [_place(p) for p in bulk] == [(world.municipality_b.pk, world.region.pk), there]
    # a save that names the organization among its fields writes the place with it
    made.organization = far
    made.save(update_fields=["organization"])
    assert _place(made) == there
    # a save of other fields leaves the place to the moves (an old copy writes nothing)
    stale = Participant.objects.get(pk=made.pk)
    Participant.objects.filter(pk=made.pk).update(organization=world.org_a)  # behind its back
    stale.position = "методист"
    stale.save(update_fields=["position"])
    assert _place(made) == there  # not written: stale until a move or the repair
    assert Participant.objects.filter(pk=made.pk).keep_places() == 1
    assert _place(made) == here


def test_a_person_who_moves_takes_the_place_along(world: World) -> None:
    far = far_organization()
    old = Participant.objects.get(pk=world.bob_p.pk)
    person = Participant.objects.get(pk=world.bob_p.pk)
    person.organization = far
    person.save()
    assert _place(person) == (far.municipality_id, far.municipality.region_id)
    # a save from an out-of-date copy puts Bob back: the place follows the organization
    old.position = "методист"
    old.save()
    assert _place(person) == (world.municipality_a.pk, world.region.pk) == _truth(
        [person.pk])[person.pk]


def test_an_organization_or_a_municipality_that_moves_takes_the_place_along(
        world: World) -> None:
    far_municipality = far_organization().municipality
    people = [world.bob_p, world.carol_p, world.charlie_p]
    org_b = Organization.objects.get(pk=world.org_b.pk)
    org_b.municipality = far_municipality
    org_b.save()
    assert _place(world.charlie_p) == (far_municipality.pk, far_municipality.region_id)
    municipality_a = Municipality.objects.get(pk=world.municipality_a.pk)
    municipality_a.region_id = far_municipality.region_id
    municipality_a.save()
    assert _place(world.carol_p) == (world.municipality_a.pk, far_municipality.region_id)
    municipality_a.region = world.region
    municipality_a.save()
    pks = [p.pk for p in people]
    assert _stored(pks) == _truth(pks)
    # an out-of-date copy of the organization puts it back: the people follow
    stale = Organization.objects.get(pk=world.org_b.pk)
    org_b.municipality = world.municipality_a
    org_b.save()
    stale.municipality = far_municipality
    stale.save()
    assert _place(world.charlie_p) == (far_municipality.pk, far_municipality.region_id)
    assert not Participant.objects.all().stale_places().exists()
    assert Participant.objects.all().keep_places() == 0


def test_the_place_is_not_in_the_person_s_trail(world: World) -> None:
    far = far_organization()
    person = Participant.objects.get(pk=world.bob_p.pk)
    person.organization = far
    person.save()
    organization = Organization.objects.get(pk=far.pk)
    organization.municipality = world.municipality_a
    organization.save()
    entries = list(LogEntry.objects.get_for_object(person))
    assert entries and any("organization" in e.changes_dict for e in entries)
    for entry in entries:
        assert not {"municipality", "region"} & set(entry.changes_dict)


def test_anonymised_people_stay_where_they_were(world: World) -> None:
    participant_anonymise(participant=world.carol_p, actor=world.olga)
    assert _place(world.carol_p) == (world.municipality_a.pk, world.region.pk)
    assert participant_list(scope=scope_for(world.olga), filters=ParticipantFilters(
        status="all")).filter(pk=world.carol_p.pk).exists()


def test_the_rule_reads_the_kept_place_not_the_organizations(world: World) -> None:
    """A coordinator's and an operator's people by the person's own columns: the list's
    statement has no join to the organizations in its filter (issue #16)."""
    for scope, column in ((scope_for(world.olga), '"region_id" IN'),
                          (Scope(user_id=None,
                                 municipality_ids=frozenset({world.municipality_a.pk})),
                           '"municipality_id" IN')):
        with CaptureQueriesContext(connection) as ctx:
            list(participant_list(scope=scope, filters=ParticipantFilters())[:25])
        (statement,) = [q["sql"] for q in ctx.captured_queries]
        where = statement.split("WHERE")[1].split("ORDER BY")[0]
        assert column in where and "territory_" not in where, statement


def test_the_migration_fills_the_existing_people(world: World) -> None:
    far = far_organization()
    people = [*new_people(world.org_a, 2), *new_people(far, 2)]
    pks = [p.pk for p in people]
    right = _stored(pks)
    Participant.objects.filter(pk__in=pks).update(municipality=far.municipality,  # damaged
                                                  region=world.region)
    migration = importlib.import_module("tandem.people.migrations.0013_participant_places")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL)
    assert _stored(pks) == right == _truth(pks)


def test_tallies_checks_and_repairs_the_kept_places(world: World) -> None:
    far = far_organization()
    call_command("tallies", "--rebuild", stdout=io.StringIO(), stderr=io.StringIO())
    call_command("tallies", "--check", stdout=io.StringIO())
    Participant.objects.filter(pk=world.bob_p.pk).update(region=far.municipality.region)
    with pytest.raises(CommandError, match="места участников: 1"):
        call_command("tallies", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("tallies", "--rebuild", stdout=out, stderr=io.StringIO())
    assert "Места участников: исправлено участников — 1." in out.getvalue()
    call_command("tallies", "--check", stdout=io.StringIO())
    assert _stored() == _truth()


def _roster_import(world: World, n: int) -> None:
    """Alice (curator of org_a) imports one new person."""
    content = roster_csv([roster_person(**{"Фамилия": f"Импортова{n}",
                                           "E-mail": f"import{n}@example.org"})])
    report = check_roster(content=content, filename="roster.csv", scope=scope_for(world.alice))
    assert report.ok, report.errors
    roster_write(report=report)


@pytest.mark.django_db(transaction=False)
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(moves=st.lists(st.one_of(
    st.tuples(st.just("person"), st.integers(0, 7), st.integers(0, 3)),
    st.tuples(st.just("stale person"), st.integers(0, 7), st.integers(0, 3)),
    st.tuples(st.just("organization"), st.integers(0, 3), st.integers(0, 2)),
    st.tuples(st.just("municipality"), st.integers(0, 2), st.integers(0, 1)),
    st.tuples(st.just("roster"), st.just(0), st.just(0)),
    st.tuples(st.just("new person"), st.just(0), st.integers(0, 3))), max_size=8))
def test_after_any_moves_every_person_keeps_their_organization_s_place(
        world: World, moves: list[tuple[str, int, int]]) -> None:
    """Two regions, three municipalities, four organizations; people, organizations and
    municipalities moved at random (a person also from a copy read before the other
    moves), people imported and added: every person's kept place is their
    organization's now, and each persona sees the people of the organizations' rule."""
    with transaction.atomic():
        places = Territory(world)
        organizations = places.organizations
        people = [*new_people(world.org_a, 2), *new_people(world.org_b, 2),
                  *new_people(places.far, 2), world.bob_p, world.charlie_p]
        copies = {p.pk: Participant.objects.get(pk=p.pk) for p in people}  # read now
        for n, (kind, who, where) in enumerate(moves):
            if kind == "stale person":
                person = copies[people[who].pk]
                person.organization = organizations[where]
                person.save()
            elif places.move(kind, people[who] if kind == "person" else who, where):
                pass
            elif kind == "roster":
                _roster_import(world, n)
            else:
                ParticipantFactory.create(organization=organizations[where],
                                          mentoring_consent_date=dt.date(2026, 9, 1))
        assert _stored() == _truth()
        for user in (world.alice, world.bob, world.dave, world.erin, world.olga):
            scope = scope_for(user)
            by_rule = set(Participant.objects.filter(
                organization__in=scope.organizations()).values_list("pk", flat=True))
            if scope.own_participant_id is not None:
                by_rule.add(scope.own_participant_id)
            assert set(scope.participants(Participant.objects.all())
                       .values_list("pk", flat=True)) == by_rule, user.username
        transaction.set_rollback(True)


def test_a_page_of_the_participants_list_is_its_keys_first(world: World) -> None:
    """``ParticipantPages``: every page holds the rows of the plain list at its place, in
    its order, read by one statement whose keys come from a subquery (the list's index
    alone, however deep the page)."""
    from tandem.directory.people import CountedPaginator
    from tandem.directory.selectors import ParticipantPages, participant_rows

    new_people(world.org_a, 30)
    new_people(world.org_b, 30)
    for scope in (scope_for(world.olga), scope_for(world.erin)):
        rows = participant_rows(scope=scope, filters=ParticipantFilters())
        plain = list(rows.values_list("pk", flat=True))
        pages = CountedPaginator(ParticipantPages(rows), 25, count=None)  # as the page
        assert pages.count == len(plain)
        for number in pages.page_range:
            with CaptureQueriesContext(connection) as ctx:
                page = [p.pk for p in pages.page(number)]
            assert page == plain[(number - 1) * 25:number * 25]
            (statement,) = [q["sql"] for q in ctx.captured_queries]
            assert "IN (SELECT" in statement and " LIMIT " in statement, statement


def test_the_positions_walk_the_people_by_organization(world: World) -> None:
    """``participant_q(by_organization=True)`` — the same people through their
    organizations: the positions' walk of the index (position, organization) stops at the
    scope's first organization instead of reading rows up to it by the kept place."""
    from tandem.directory.selectors import participant_positions

    for user in (world.alice, world.bob, world.dave, world.erin, world.olga):
        scope = scope_for(user)
        for manage in (False, True):
            assert set(Participant.objects.filter(
                scope.participant_q(manage=manage, by_organization=True))) == set(
                Participant.objects.filter(scope.participant_q(manage=manage))), user
    with CaptureQueriesContext(connection) as ctx:
        assert participant_positions(scope=scope_for(world.olga))
    (statement,) = [q["sql"] for q in ctx.captured_queries]
    assert "territory_organization" in statement  # the kept place's form names none


def test_the_demo_seed_writes_the_places_itself() -> None:
    """seed-demo writes people by ``COPY`` (``executemany`` on SQLite), past ``save`` and
    ``bulk_create``: it writes the place with each row — two regions, so a place taken
    from the wrong region would show."""
    call_command("seed-demo", "--participants", "100", "--regions", "2",
                 stdout=io.StringIO(), stderr=io.StringIO())
    assert len({r for _m, r in _stored().values()}) == 2
    assert _stored() == _truth()


def test_a_failed_save_leaves_the_copy_s_place_as_it_was(world: World) -> None:
    """Review of h/partcols: ``Participant.save`` puts the place's SQL on the copy for its
    statement; a save that fails (an e-mail someone else has) must not leave it there —
    a caller that catches the error and goes on with the copy reads its old place."""
    from django.db import IntegrityError, transaction

    p = Participant.objects.get(pk=world.bob_p.pk)
    before = p.municipality_id, p.region_id
    p.organization_id = world.org_b.pk
    p.email = Participant.objects.get(pk=world.alice_p.pk).email  # taken: unique
    with pytest.raises(IntegrityError), transaction.atomic():
        p.save()
    assert (p.municipality_id, p.region_id) == before
