"""The layout version's triggers (migration 0004) must survive every later migration: SQLite
remakes a table to add or alter most columns and drops its triggers with it, and a missing
trigger would let a report file made under wider rights outlive a school's move silently."""

from collections.abc import Callable

import pytest
from django.db import connection, transaction

from tandem.territory.models import Municipality, Organization, layout_version
from tandem.testing import HeldRace, OrganizationFactory, World, build_world

SQLITE = {"territory_organization_added", "territory_organization_deleted",
          "territory_organization_moved", "territory_municipality_deleted",
          "territory_municipality_moved"}
POSTGRESQL = {"territory_organization_added_deleted", "territory_organization_moved",
              "territory_municipality_deleted", "territory_municipality_moved"}


@pytest.mark.django_db
def test_layout_triggers_survive_the_migrations() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            expected = SQLITE
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            expected = POSTGRESQL
        present = {row[0] for row in cursor.fetchall()}
    assert expected <= present, f"missing triggers: {sorted(expected - present)}"


@pytest.mark.django_db
def test_a_statement_counts_when_any_of_its_rows_moved(world: World) -> None:
    """PostgreSQL counts once per statement (transition tables), SQLite once per row:
    either way an update that moved a row counts, one that moved none does not."""
    start = layout_version()
    both = Organization.objects.filter(pk__in=[world.org_a.pk, world.org_b.pk])
    both.update(municipality=world.municipality_b)  # org_b was there already
    moved = layout_version()
    assert moved > start
    both.update(municipality=world.municipality_b)
    Municipality.objects.filter(pk=world.municipality_a.pk).update(region=world.region)
    assert layout_version() == moved


@pytest.mark.django_db(transaction=True)
def test_two_transactions_moving_organizations_do_not_deadlock_on_the_counter() -> None:
    """Review: a row trigger locked the counter's row at the first moved row of a
    statement, which then waited for its next row, locked by a transaction that moved
    another organization next — waiting for the counter: a deadlock. A statement trigger
    takes the counter's lock after the statement's row locks."""
    if connection.vendor != "postgresql":
        pytest.skip("гонка двух транзакций бывает только на PostgreSQL (SQLite пишет по очереди)")
    world = build_world()
    # two new organizations, in the table's order (the statement locks them in it)
    first_pk, second_pk, third_pk = (
        OrganizationFactory.create(municipality=world.municipality_a).pk for _ in range(3))
    start = layout_version()

    def lock_then_move(hold: Callable[[], None]) -> None:
        with transaction.atomic():
            list(Organization.objects.select_for_update().filter(pk=second_pk))
            hold()  # the other statement moves first_pk and waits for second_pk
            Organization.objects.filter(pk=third_pk).update(municipality=world.municipality_b)

    def move_both() -> None:
        with transaction.atomic():
            Organization.objects.filter(pk__in=[first_pk, second_pk]).update(
                municipality=world.municipality_b)

    race = HeldRace(lock_then_move, move_both)
    race.start()
    assert race.second_waits()
    race.finish()  # raises the deadlock, had there been one
    assert layout_version() == start + 2
    assert set(Organization.objects.filter(pk__in=[first_pk, second_pk, third_pk])
               .values_list("municipality_id", flat=True)) == {world.municipality_b.pk}
