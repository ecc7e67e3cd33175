"""The people counts kept per organization (tandem/people/counts.py) equal a live count
after any sequence of the writes the product makes — one person saved (joined, moved,
left, consented, given a login, loaded in part), deleted, or many written in bulk."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import scope_for
from tandem.directory.selectors import organizations_with_counts
from tandem.home.selectors import dashboard_totals
from tandem.people import counts
from tandem.people.models import Participant, PeopleCount, PeopleCountMark
from tandem.testing import ParticipantFactory, UserFactory, World
from tandem.web.signals import figures_changed

DAY = dt.date(2026, 9, 1)
STEPS = ["join", "move", "leave", "consent", "login", "delete", "bulk", "partial"]


def _assert_kept_equal_live() -> None:
    """After the job that runs once the writer's transaction commits (tests run inside
    one transaction: the job is called here)."""
    counts.refresh()
    assert counts.stale() == []


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 50)),
                      min_size=1, max_size=12))
def test_kept_counts_equal_the_live_ones_after_any_writes(
        world: World, steps: list[tuple[str, int]]) -> None:
    orgs = [world.org_a, world.org_b]
    for step, who in steps:
        people = list(Participant.objects.order_by("pk"))
        person = people[who % len(people)]
        org = orgs[who % 2]
        if step == "join":
            ParticipantFactory.create(
                organization=org, surname=f"Новиков{who}",
                mentoring_consent_date=DAY if who % 3 else None,
                personal_data_consent_date=DAY if who % 5 else None,
                is_active=bool(who % 7))
        elif step == "move":
            person.organization = orgs[1] if person.organization_id == orgs[0].pk else orgs[0]
            person.save()
        elif step == "leave":
            person.is_active = not person.is_active
            person.save()
        elif step == "consent":
            person.mentoring_consent_date = None if person.mentoring_consent_date else DAY
            person.save()
        elif step == "login":
            person.user = None if person.user_id else UserFactory.create()
            person.save()
        elif step == "delete" and not (person.pairs_as_a.exists() or person.pairs_as_b.exists()
                                       or person.user_id):
            person.delete()
        elif step == "bulk":  # as the roster's import: bulk_create, then the signal
            made = Participant.objects.bulk_create([
                ParticipantFactory.build(organization=org, mentoring_consent_date=DAY,
                                         personal_data_consent_date=DAY)
                for _i in range(3)])
            figures_changed.send(sender=Participant,
                                 organization_ids={p.organization_id for p in made})
        elif step == "partial":  # loaded without the counted fields, then moved
            loaded = Participant.objects.only("pk", "surname").get(pk=person.pk)
            loaded.organization_id = (orgs[1] if person.organization_id == orgs[0].pk
                                      else orgs[0]).pk
            loaded.save(update_fields=["organization"])
        _assert_kept_equal_live()


def test_the_migration_and_rebuild_count_everyone(world: World) -> None:
    PeopleCount.objects.all().delete()
    assert counts.stale() != []  # the world has people: nothing kept means wrong counts
    assert counts.rebuild() >= 2
    _assert_kept_equal_live()


def test_pages_read_the_kept_counts_with_the_live_rules(world: World) -> None:
    ParticipantFactory.create(organization=world.org_a, mentoring_consent_date=None)
    ParticipantFactory.create(organization=world.org_a, is_active=False)
    region = scope_for(world.olga)
    live = Participant.objects.filter(is_active=True,
                                      organization__municipality__region=world.region)
    totals = dashboard_totals(scope=region)
    assert totals.participants == live.count()
    assert totals.with_consent == live.with_consent().count()
    assert totals.with_login == live.filter(user__isnull=False).count()
    by_org = {o.pk: (o.participant_count, o.consent_count)  # type: ignore[attr-defined]
              for o in organizations_with_counts(scope=region)}
    for org in (world.org_a, world.org_b):
        mine = live.filter(organization=org)
        assert by_org[org.pk] == (mine.count(), mine.with_consent().count())


def test_readers_take_the_kept_row_unless_the_organization_waits(world: World) -> None:
    counts.refresh()
    region = scope_for(world.olga)
    live_a = Participant.objects.filter(organization=world.org_a, is_active=True).count()
    # A kept figure that is not the live one (as if a writer had not marked): read as kept…
    PeopleCount.objects.filter(organization=world.org_a).update(active=999)
    assert dashboard_totals(scope=region).participants == 999 + Participant.objects.filter(
        organization=world.org_b, is_active=True).count()
    # …and, while the organization waits for its recount, counted live.
    counts.touch([world.org_a.pk])
    assert {o.pk: o.participant_count  # type: ignore[attr-defined]
            for o in organizations_with_counts(scope=region)}[world.org_a.pk] == live_a
    counts.refresh()
    assert PeopleCount.objects.get(organization=world.org_a).active == live_a


def test_deleting_a_login_recounts_its_people(world: World) -> None:
    counts.refresh()
    world.bob.delete()  # Participant.user is SET NULL: no signal of the person's
    _assert_kept_equal_live()


def test_answers_do_not_mark_people(world: World) -> None:
    from tandem.diagnostics.models import Answer

    counts.refresh()
    figures_changed.send(sender=Answer, organization_ids=[world.org_a.pk])
    assert not PeopleCountMark.objects.exists()


def test_the_tallies_command_checks_and_rebuilds_the_counts(world: World) -> None:
    counts.refresh()  # the world's own marks (its people were saved one by one)
    PeopleCount.objects.filter(organization=world.org_a).delete()
    with pytest.raises(CommandError, match="участники: 1 строк"):
        call_command("tallies", "--check", stdout=io.StringIO())
    call_command("tallies", "--rebuild", stdout=io.StringIO(), stderr=io.StringIO())
    _assert_kept_equal_live()


def test_two_requests_saving_one_person_count_once(world: World) -> None:
    """Two requests load one person and both deactivate them (a double click, two
    curators): the counts are recounted, not stepped twice."""
    first = Participant.objects.get(pk=world.carol_p.pk)
    second = Participant.objects.get(pk=world.carol_p.pk)
    for copy in (first, second):
        copy.is_active = False
        copy.save()
    _assert_kept_equal_live()
    assert PeopleCount.objects.get(organization=world.org_a).active == Participant.objects.filter(
        organization=world.org_a, is_active=True).count()


def test_a_save_from_an_out_of_date_copy_marks_the_organization_it_leaves(
        world: World) -> None:
    """A move on the web, then an older copy of the person saved back (a roster import
    that loaded them before): the person is back in A, and B's count follows."""
    counts.refresh()
    out_of_date = Participant.objects.get(pk=world.carol_p.pk)
    mover = Participant.objects.get(pk=world.carol_p.pk)
    mover.organization = world.org_b
    mover.save()
    counts.refresh()
    out_of_date.position = "учитель"
    out_of_date.save()
    _assert_kept_equal_live()


def _more_organizations(world: World, n: int) -> list[int]:
    """``n`` more organizations of A's municipality, four people each — active or not,
    with both consents or one, with a login or none — and one of them left empty; returns
    their ids."""
    from tandem.testing import OrganizationFactory

    ids = []
    for i in range(n):
        org = OrganizationFactory.create(municipality=world.municipality_a,
                                         code=f"count-{i}", name=f"Школа {i}")
        for k in range(4 if i % 5 else 0):
            ParticipantFactory.create(
                organization=org, surname=f"Счётов{i}-{k}", email=f"count{i}-{k}@example.org",
                is_active=(i + k) % 4 != 0,
                mentoring_consent_date=DAY if k % 2 else None,
                personal_data_consent_date=DAY if (i + k) % 3 else None,
                user=UserFactory.create() if k == 3 else None)
        ids.append(org.pk)
    return ids


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.integers(1, 7), chosen=st.sets(st.integers(0, 7)))
def test_any_batching_of_the_organizations_keeps_the_same_counts(
        world: World, monkeypatch: pytest.MonkeyPatch, batch: int, chosen: set[int]) -> None:
    """The recount is set-based over its batch (one grouped count, one upsert): cut into
    batches of any size, any subset of the organizations marked, the kept rows are those
    of one batch, and equal the live counts."""
    from tandem.territory.models import Organization

    if not Organization.objects.filter(code="count-0").exists():  # shared by the examples
        _more_organizations(world, 6)
        counts.rebuild()
    whole = set(PeopleCount.objects.values_list("organization_id", *counts.FIELDS))
    ids = sorted(Organization.objects.values_list("pk", flat=True))
    monkeypatch.setattr(counts, "organizations_per_batch", lambda: batch)
    PeopleCount.objects.filter(organization_id__in=ids[::2]).delete()  # lost: recreated
    marked = [ids[i % len(ids)] for i in chosen]
    figures_changed.send(sender=Participant, organization_ids=marked)
    assert counts.refresh() == len(set(marked))
    assert not PeopleCountMark.objects.exists()
    assert counts.rebuild() == len(ids)
    assert set(PeopleCount.objects.values_list("organization_id", *counts.FIELDS)) == whole
    assert counts.stale() == []
    live = counts.live()
    assert {pk: row for pk, *row in whole if any(row)} == {
        pk: list(vector) for pk, vector in live.items() if any(vector)}


def test_a_recount_costs_the_same_statements_for_any_number_of_organizations(
        world: World) -> None:
    """No statement per organization: a batch's counts are one grouped query and one
    upsert, whether it holds 2 organizations or 12."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.territory.models import Organization

    statements = []
    for more in (0, 10):
        _more_organizations(world, more)
        ids = list(Organization.objects.values_list("pk", flat=True))
        figures_changed.send(sender=Participant, organization_ids=ids)
        with CaptureQueriesContext(connection) as queries:
            assert counts.refresh() == len(ids)
        statements.append(len(queries.captured_queries))
        assert PeopleCount.objects.count() == len(ids)
        assert counts.stale() == []
    assert Organization.objects.count() == 12
    assert statements[0] == statements[1]
