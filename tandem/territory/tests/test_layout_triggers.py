"""The layout version's triggers (migration 0004) must survive every later migration: SQLite
remakes a table to add or alter most columns and drops its triggers with it, and a missing
trigger would let a report file made under wider rights outlive a school's move silently."""

import pytest
from django.db import connection

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
