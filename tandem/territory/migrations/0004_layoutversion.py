"""The territory's layout version (``LayoutVersion``), counted up by triggers on
organizations and municipalities: every way of moving one counts, not only ``save()``
(an ``update()``, a bulk write, SQL by hand). The row is made here; should it be deleted
(a test's flush, SQL by hand) the next change — or the next reading,
``territory.models.layout_version`` — makes it again, starting from a random number
(``START``), not from the numbers the deleted row had counted through: a record of the
rights kept at one of them (``access.RightsRecord``, keyed by the number) never applies
to another layout."""

from django.db import migrations, models

TABLE = "territory_layoutversion"

# A new row's first number: random in [2³², 2⁶² + 2³²) — far from every number another
# row counted through (the counter adds one per change).
START = {"sqlite": "((random() & 4611686018427387903) + 4294967296)",
         "postgresql": "((random() * 4611686018427387903)::bigint + 4294967296)"}

# SQLite has only row triggers; each one counts up once.
SQLITE_COUNT = (f"INSERT OR IGNORE INTO {TABLE} (id, version) VALUES (1, {START['sqlite']} - 1); "
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

# PostgreSQL: statement triggers only — an insert or a delete counts once per statement (a
# bulk insert of thousands of organizations is one change), an update once if any of its
# rows moved (the transition tables ``o`` and ``n``; a column list is not allowed with
# them, so every update of the table looks, a join of the rows it updated). The counter's
# row is locked by the trigger until the transaction ends; a statement trigger takes that
# lock after the statement has locked all its rows (a row trigger took it at the first
# moved row and then waited for the statement's next rows: two transactions moving
# organizations deadlocked, docs/deploy.md).
_PG_COUNT = (f"INSERT INTO {TABLE} (id, version) VALUES (1, {START['postgresql']}) "
             f"ON CONFLICT (id) DO UPDATE SET version = {TABLE}.version + 1;")
POSTGRESQL = [
    f"""CREATE FUNCTION territory_layout_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {_PG_COUNT}
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION territory_organizations_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM o JOIN n ON n.id = o.id
                   WHERE o.municipality_id IS DISTINCT FROM n.municipality_id) THEN
            {_PG_COUNT}
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION territory_municipalities_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM o JOIN n ON n.id = o.id
                   WHERE o.region_id IS DISTINCT FROM n.region_id) THEN
            {_PG_COUNT}
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER territory_organization_added_deleted AFTER INSERT OR DELETE "
    "ON territory_organization FOR EACH STATEMENT EXECUTE FUNCTION territory_layout_changed()",
    "CREATE TRIGGER territory_organization_moved AFTER UPDATE ON territory_organization "
    "REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT "
    "EXECUTE FUNCTION territory_organizations_moved()",
    "CREATE TRIGGER territory_municipality_deleted AFTER DELETE ON territory_municipality "
    "FOR EACH STATEMENT EXECUTE FUNCTION territory_layout_changed()",
    "CREATE TRIGGER territory_municipality_moved AFTER UPDATE ON territory_municipality "
    "REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT "
    "EXECUTE FUNCTION territory_municipalities_moved()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS territory_organization_added_deleted ON territory_organization",
    "DROP TRIGGER IF EXISTS territory_organization_moved ON territory_organization",
    "DROP TRIGGER IF EXISTS territory_municipality_deleted ON territory_municipality",
    "DROP TRIGGER IF EXISTS territory_municipality_moved ON territory_municipality",
    "DROP FUNCTION IF EXISTS territory_layout_changed()",
    "DROP FUNCTION IF EXISTS territory_organizations_moved()",
    "DROP FUNCTION IF EXISTS territory_municipalities_moved()",
]

# The row, made at once: read before any change (a fingerprint), an absent row would read
# as no number at all (``layout_version`` makes it then).
SEED = {vendor: [f"INSERT INTO {TABLE} (id, version) VALUES (1, {start})"]
        for vendor, start in START.items()}
UNSEED = {vendor: [f"DELETE FROM {TABLE}"] for vendor in START}


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
        migrations.RunPython(_run(SEED), _run(UNSEED)),
    ]
