"""The members' search names kept on the pair (Pair.names: A's ``search_name``, a space,
B's), for the pairs' search by a member's name: added empty, filled by one ``UPDATE … FROM``
of the pairs joined to their two members (SQLite and PostgreSQL alike), then — on
PostgreSQL only — the trigram index ``pair_names_trgm`` (GIN, ``gin_trgm_ops``) that
answers ``names LIKE '%word%'`` without reading the pairs, after
``CREATE EXTENSION IF NOT EXISTS pg_trgm`` (needs the CREATE privilege on the database,
or the extension created in advance by a superuser: docs/deploy.md). SQLite has no such
index: the same LIKE reads the pairs. Reversible: the index goes (not the extension,
which other databases' objects may use), then the column."""

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


def index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    pair = apps.get_model("pairs", "Pair")._meta.db_table
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "{pair}" USING gin (names gin_trgm_ops)')


def drop_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):

    dependencies = [
        ("pairs", "0013_pair_regions"),
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="pair",
            name="names",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(index, drop_index, elidable=False),
    ]
