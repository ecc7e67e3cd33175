"""The territory's layout version (``LayoutVersion``), counted up by triggers on
organizations and municipalities: every way of moving one counts, not only ``save()``
(an ``update()``, a bulk write, SQL by hand). The row is made by the first change (an
upsert), so a table emptied by a test's flush counts again from 1."""

from django.db import migrations, models

TABLE = "territory_layoutversion"

# SQLite has only row triggers; each one counts up once.
SQLITE_COUNT = (f"INSERT OR IGNORE INTO {TABLE} (id, version) VALUES (1, 0); "
                f"UPDATE {TABLE} SET version = version + 1 WHERE id = 1;")
SQLITE = [
    f"CREATE TRIGGER territory_organization_added AFTER INSERT ON territory_organization "
    f"BEGIN {SQLITE_COUNT} END",
    f"CREATE TRIGGER territory_organization_deleted AFTER DELETE ON territory_organization "
    f"BEGIN {SQLITE_COUNT} END",
    f"CREATE TRIGGER territory_organization_moved AFTER UPDATE OF municipality_id "
    f"ON territory_organization WHEN OLD.municipality_id IS NOT NEW.municipality_id "
    f"BEGIN {SQLITE_COUNT} END",
    f"CREATE TRIGGER territory_municipality_deleted AFTER DELETE ON territory_municipality "
    f"BEGIN {SQLITE_COUNT} END",
    f"CREATE TRIGGER territory_municipality_moved AFTER UPDATE OF region_id "
    f"ON territory_municipality WHEN OLD.region_id IS NOT NEW.region_id "
    f"BEGIN {SQLITE_COUNT} END",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {name}" for name in (
    "territory_organization_added", "territory_organization_deleted",
    "territory_organization_moved", "territory_municipality_deleted",
    "territory_municipality_moved")]

# PostgreSQL: an insert or a delete counts once per statement (a bulk insert of thousands
# of organizations is one change), a move once per row that really moved.
POSTGRESQL = [
    f"""CREATE FUNCTION territory_layout_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} (id, version) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET version = {TABLE}.version + 1;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER territory_organization_added_deleted AFTER INSERT OR DELETE "
    "ON territory_organization FOR EACH STATEMENT EXECUTE FUNCTION territory_layout_changed()",
    "CREATE TRIGGER territory_organization_moved AFTER UPDATE OF municipality_id "
    "ON territory_organization FOR EACH ROW "
    "WHEN (OLD.municipality_id IS DISTINCT FROM NEW.municipality_id) "
    "EXECUTE FUNCTION territory_layout_changed()",
    "CREATE TRIGGER territory_municipality_deleted AFTER DELETE ON territory_municipality "
    "FOR EACH STATEMENT EXECUTE FUNCTION territory_layout_changed()",
    "CREATE TRIGGER territory_municipality_moved AFTER UPDATE OF region_id "
    "ON territory_municipality FOR EACH ROW WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id) "
    "EXECUTE FUNCTION territory_layout_changed()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS territory_organization_added_deleted ON territory_organization",
    "DROP TRIGGER IF EXISTS territory_organization_moved ON territory_organization",
    "DROP TRIGGER IF EXISTS territory_municipality_deleted ON territory_municipality",
    "DROP TRIGGER IF EXISTS territory_municipality_moved ON territory_municipality",
    "DROP FUNCTION IF EXISTS territory_layout_changed()",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("territory", "0003_organization_search_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="LayoutVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("version", models.PositiveBigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
                             _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP})),
    ]
