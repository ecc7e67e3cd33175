"""On PostgreSQL only, a covering index of the published answer counts
(``PublishedAnswer``): its group key (organization, campaign, competency) with the three
counts the dashboards sum (``INCLUDE (answered, deficit, strong)``), so that the
deficit and strength shares of a unit's organizations are read from the index alone
(``Index Only Scan``) — not a heap page per row: an organization's rows are scattered
over the table, and a coordinator's 243 organizations read 12,189 pages for 12,090 rows
(12.4 ms in buffers, ~100 ms from disk), 837 pages and 2.1 ms from this index
(docs/performance.md, «h/firstview», «h/curatorview»). SQLite has no such index (Django
would build a second plain one on the same key, which the unique constraint's index
already is): not in the model's ``Meta``, as ``pairs.0014``'s trigram index. Reversible."""

from django.db import migrations

INDEX = "published_answer_cover"


def index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("diagnostics", "PublishedAnswer")._meta.db_table
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "{table}" '
        '("organization_id", "campaign_id", "competency") '
        'INCLUDE ("answered", "deficit", "strong")')
    # The index is read alone only where the table's pages are marked all-visible.
    schema_editor.execute(f'ANALYZE "{table}"')


def drop_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):

    dependencies = [
        ("diagnostics", "0024_published_mentors"),
    ]

    operations = [
        migrations.RunPython(index, drop_index, elidable=False),
    ]
