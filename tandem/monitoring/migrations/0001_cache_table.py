"""The table of the shared cache (settings.CACHES in production mode: DatabaseCache).

`createcachetable` is idempotent and does nothing when no cache lives in the database
(the demo and the tests use the per-process memory cache), so `migrate` — the one step
of every install and upgrade — is enough to have it."""

from typing import Any

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop,
                                       elidable=True)]
