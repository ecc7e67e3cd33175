"""The organization's folded names for the search (``Organization.search_name``: the short
name, the full name and the code, any case, ё = е — SQLite's ``LIKE`` folds only Latin
letters): added empty, filled for the organizations there are, a chunk at a time. The
folding is a frozen copy of ``tandem.core.text.normalize_name`` (2026-12-06)."""

import re

from django.db import migrations, models

_SPACES = re.compile(r"\s+")


def normalize_name(*parts: str) -> str:
    """``tandem.core.text.normalize_name``: the parts joined, spaces folded, lower case
    (``casefold``), «ё» read as «е»."""
    joined = " ".join(p for p in parts if p)
    return _SPACES.sub(" ", joined).strip().casefold().replace("ё", "е")

CHUNK = 2000


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Organization = apps.get_model("territory", "Organization")
    last = 0
    while True:
        chunk = list(Organization.objects.filter(pk__gt=last).order_by("pk")
                     .only("pk", "short_name", "name", "code")[:CHUNK])
        if not chunk:
            return
        for organization in chunk:
            organization.search_name = normalize_name(
                organization.short_name, organization.name, organization.code)
        # Derived from the names (whose changes are in the trail): no audit entry.
        Organization.objects.bulk_update(chunk, ["search_name"])
        last = chunk[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ("territory", "0002_region_time_zone"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="search_name",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
