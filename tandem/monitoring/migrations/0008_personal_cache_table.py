"""The table of the personal cache (settings.CACHES["personal"] in production mode:
DatabaseCache, ``tandem_cache_personal`` — tandem/web/personal_cache.py) on a database
migrated before it existed: `createcachetable` again (it creates the tables missing and
leaves the others; nothing when no cache lives in the database)."""

from typing import Any

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0007_pair_municipality_tallies")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop,
                                       elidable=True)]
