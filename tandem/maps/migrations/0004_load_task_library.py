"""Loads the task library shipped with this migration as the default templates (no
owner). The ids stay the JSON's, so a row drafted from a template keeps pointing at it;
the region's and organization's own templates are added in the interface
(docs/task-library.md).

Self-contained: until 2026-12-06 (evening) this read the live ``tandem/maps/task_library.json``
— a later change of that file's content or format would have changed (or broken) what a
new database gets here. It now reads its frozen copy, ``0004_task_library.json`` beside
it (byte for byte the shipped file of that day, commit a555dfd), so a database migrated
now gets what one migrated that day got; a later edition of the library reaches databases
by a migration of its own. Each template's fields are taken as
``tandem.core.task_library.parse_library`` gave them on 2026-12-06 (texts with spaces
folded, numbers as integers); the file's checks are that parser's and its tests'."""

import json
from pathlib import Path
from typing import Any

from django.db import migrations

LIBRARY = Path(__file__).resolve().with_name("0004_task_library.json")
TEXTS = ("competency", "direction", "task", "technology", "form", "product", "evidence",
         "resource_hint")


def _text(value: Any) -> str:
    return " ".join((value or "").split())


def _templates() -> list[dict[str, Any]]:
    """The shipped templates, in the file's order, as the model's fields."""
    data = json.loads(LIBRARY.read_text(encoding="utf-8"))
    templates = []
    for item in data["templates"]:
        low, high = (int(level) for level in item["levels"])
        templates.append({"source_id": item["id"].strip(),
                          **{name: _text(item.get(name)) for name in TEXTS},
                          "weeks": int(item["weeks"]), "level_from": low, "level_to": high})
    return templates


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    TaskTemplate = apps.get_model("maps", "TaskTemplate")
    existing = set(TaskTemplate.objects.filter(region__isnull=True, organization__isnull=True)
                   .values_list("source_id", flat=True))
    TaskTemplate.objects.bulk_create([
        TaskTemplate(**template, position=i) for i, template in enumerate(_templates())
        if template["source_id"] not in existing])


def unload(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("maps", "TaskTemplate").objects.filter(
        region__isnull=True, organization__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("maps", "0003_task_library_and_row_technology")]
    operations = [migrations.RunPython(load, unload)]
