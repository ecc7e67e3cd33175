"""The people counts kept per organization (tandem/people/counts.py) equal a live count
after any sequence of the writes the product makes — one person saved (joined, moved,
left, consented, given a login, loaded in part), deleted, or many written in bulk."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import scope_for
from tandem.directory.selectors import organizations_with_counts
from tandem.home.selectors import dashboard_totals
from tandem.people import counts
from tandem.people.models import Participant, PeopleCount
from tandem.testing import ParticipantFactory, UserFactory, World
from tandem.web.signals import figures_changed

DAY = dt.date(2026, 9, 1)
STEPS = ["join", "move", "leave", "consent", "login", "delete", "bulk", "partial"]


def _assert_kept_equal_live() -> None:
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


def test_the_overview_totals_do_not_read_the_people(world: World) -> None:
    region = scope_for(world.olga)
    with CaptureQueriesContext(connection) as ctx:
        dashboard_totals(scope=region)
    assert not any("people_participant" in q["sql"] for q in ctx.captured_queries)


def test_the_tallies_command_checks_and_rebuilds_the_counts(world: World) -> None:
    PeopleCount.objects.filter(organization=world.org_a).delete()
    with pytest.raises(CommandError, match="участники: 1 строк"):
        call_command("tallies", "--check", stdout=io.StringIO())
    call_command("tallies", "--rebuild", stdout=io.StringIO(), stderr=io.StringIO())
    _assert_kept_equal_live()
