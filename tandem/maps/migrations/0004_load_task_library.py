"""Loads the shipped task library (tandem/maps/task_library.json) as the default
templates (no owner). The ids stay the JSON's, so a row drafted from a template keeps
pointing at it; the region's and organization's own templates are added in the
interface (docs/task-library.md)."""

import json
from pathlib import Path

from django.db import migrations

LIBRARY = Path(__file__).resolve().parent.parent / "task_library.json"


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from tandem.core.task_library import parse_library

    TaskTemplate = apps.get_model("maps", "TaskTemplate")
    templates = parse_library(json.loads(LIBRARY.read_text(encoding="utf-8")))
    existing = set(TaskTemplate.objects.filter(region__isnull=True, organization__isnull=True)
                   .values_list("source_id", flat=True))
    TaskTemplate.objects.bulk_create([
        TaskTemplate(source_id=t.id, competency=t.competency, direction=t.direction,
                     task=t.task, technology=t.technology, form=t.form, product=t.product,
                     evidence=t.evidence, weeks=t.weeks, level_from=t.levels[0],
                     level_to=t.levels[1], resource_hint=t.resource_hint, position=i)
        for i, t in enumerate(templates) if t.id not in existing])


def unload(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("maps", "TaskTemplate").objects.filter(
        region__isnull=True, organization__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("maps", "0003_task_library_and_row_technology")]
    operations = [migrations.RunPython(load, unload)]
