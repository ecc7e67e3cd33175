"""The members' search names kept on the pair (Pair.names: A's ``search_name``, a space,
B's), for the pairs' search by a member's name: added empty; on PostgreSQL only, the
trigram index ``pair_names_trgm`` (GIN, ``gin_trgm_ops``) that answers
``names LIKE '%word%'`` without reading the pairs, after
``CREATE EXTENSION IF NOT EXISTS pg_trgm`` (needs the CREATE privilege on the database,
or the extension created in advance by a superuser: docs/deploy.md). SQLite has no such
index: the same LIKE reads the pairs. Then filled by one ``UPDATE … FROM`` of the pairs
joined to their two members (SQLite and PostgreSQL alike; PostgreSQL then analyses the
column). Reversible: the index goes (not the extension, which other databases' objects
may use), then the column."""

from django.db import migrations, models

INDEX = "pair_names_trgm"


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Derived from the members' names (whose changes are in their trail): no audit entry,
    # as for every later change of the column (PairQuerySet.keep_names).
    pair = apps.get_model("pairs", "Pair")._meta.db_table
    person = apps.get_model("people", "Participant")._meta.db_table
    q = schema_editor.connection.ops.quote_name
    schema_editor.execute(
        f"UPDATE {q(pair)} SET names = a.search_name || ' ' || b.search_name"  # noqa: S608
        f" FROM {q(person)} AS a, {q(person)} AS b"
        f" WHERE a.id = {q(pair)}.a_id AND b.id = {q(pair)}.b_id")
    if schema_editor.connection.vendor == "postgresql":
        # The planner's figures of the new column (how often a word is in it), at once.
        schema_editor.execute(f"ANALYZE {q(pair)} (names)")


def extension(apps, schema_editor):  # type: ignore[no-untyped-def]
    """First, before the column: a role without the CREATE privilege fails here and leaves
    nothing behind — the superuser's ``CREATE EXTENSION`` and ``migrate`` again then
    apply the whole migration (review of h/pairnames: failing after the committed column,
    the second run stopped at «column "names" already exists»)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    pair = apps.get_model("pairs", "Pair")._meta.db_table
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "{pair}" USING gin (names gin_trgm_ops)')


def drop_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    # Not atomic, as 0013: the new column and its index are committed at once (the
    # ``ALTER TABLE`` takes the table whole, only for that moment), and the UPDATE then
    # holds only the pairs' rows — the lists keep reading the pairs while it runs (≈ 10 s
    # for a region of 45,662 pairs, docs/performance.md «h/pairnames»).
    atomic = False

    dependencies = [
        ("pairs", "0013_pair_regions"),
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(extension, migrations.RunPython.noop, elidable=False),
        migrations.AddField(
            model_name="pair",
            name="names",
            field=models.TextField(default="", editable=False),
        ),
        # The index first, on the empty column: built after the UPDATE it would find the
        # pairs' rows updated in place (HOT) with another value than their older
        # versions, and PostgreSQL would leave it unused by every transaction older than
        # it (``indcheckxmin``) — with a long one open anywhere on the server, for long.
        migrations.RunPython(index, drop_index, elidable=False),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
