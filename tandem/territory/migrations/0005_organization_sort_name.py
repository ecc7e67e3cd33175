"""The short name's key of Russian order (``Organization.sort_name``, from
``tandem.core.text.collation_key``), so that a search orders its matches in the database:
added empty, filled for the organizations there are, a chunk at a time — as
``search_name`` was (0003). The key is a frozen copy of ``collation_key`` (2026-12-06)
over 0003's copy of ``normalize_name``."""

import importlib
import re

from django.db import migrations, models

_DIGITS = re.compile(r"\d+")
_LEADING = re.compile(r"^[\s«»\"„“'(№]+")
_SEARCH = importlib.import_module("tandem.territory.migrations.0003_organization_search_name")


def collation_key(text: str) -> str:
    """``tandem.core.text.collation_key``: leading quotes skipped, folded as a search name,
    numbers padded to 9 digits (so that they sort by value)."""
    base = _SEARCH.normalize_name(_LEADING.sub("", text))
    return _DIGITS.sub(lambda m: m.group(0).zfill(9), base)

# SQLite adds this column by remaking the table, which drops the table's triggers: the
# layout version's triggers (0004) are made again after it, on SQLite only (PostgreSQL keeps
# them). ``test_layout_triggers_survive_the_migrations`` guards every later migration.
_LAYOUT = importlib.import_module("tandem.territory.migrations.0004_layoutversion")


def remake_layout_triggers(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in (*_LAYOUT.SQLITE_DROP, *_LAYOUT.SQLITE):
        schema_editor.execute(sql)

CHUNK = 2000


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Organization = apps.get_model("territory", "Organization")
    last = 0
    while True:
        chunk = list(Organization.objects.filter(pk__gt=last).order_by("pk")
                     .only("pk", "short_name")[:CHUNK])
        if not chunk:
            return
        for organization in chunk:
            organization.sort_name = collation_key(organization.short_name)
        # Derived from the short name (whose changes are in the trail) and left out of the
        # trail (territory/apps.py: exclude_fields), like search_name: no entry is skipped.
        Organization.objects.bulk_update(chunk, ["sort_name"])
        last = chunk[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ("territory", "0004_layoutversion"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="sort_name",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(remake_layout_triggers, migrations.RunPython.noop,
                             elidable=False),
    ]
