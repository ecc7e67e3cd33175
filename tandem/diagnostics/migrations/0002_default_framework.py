"""Loads the default competency framework and publishes it as version 1. Later edits by
the region operator (and the federal operator's) go into new versions.

Self-contained: until 2026-12-07 this read the live ``tandem/diagnostics/framework_default.json``
— a later change of that file's content or format would have changed (or broken) what a
new database gets here. It now reads its frozen copy, ``0002_default_framework.json``
beside it (byte for byte the shipped file of that day, unchanged since commit cccbf00), so
a database migrated now gets what one migrated then got; a later edition of the default
framework reaches databases as a new framework version by a migration of its own."""

import json
from pathlib import Path

from django.db import migrations

SOURCE = Path(__file__).resolve().with_name("0002_default_framework.json")


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    Area = apps.get_model("diagnostics", "CompetencyArea")
    Competency = apps.get_model("diagnostics", "Competency")
    Version = apps.get_model("diagnostics", "FrameworkVersion")
    data = json.loads(SOURCE.read_text(encoding="utf-8"))
    snapshot = {"areas": []}
    for area_order, area in enumerate(data["areas"]):
        a = Area.objects.create(code=area["code"], name=area["name"],
                                description=area.get("description", ""), order=area_order)
        items = []
        for order, c in enumerate(area["competencies"]):
            d = c["descriptors"]
            Competency.objects.create(
                area=a, code=c["code"], name=c["name"], description=c["description"],
                descriptor_0=d[0], descriptor_1=d[1], descriptor_2=d[2], descriptor_3=d[3],
                typical_direction=c["typical_direction"], order=order)
            items.append({"code": c["code"], "name": c["name"],
                          "description": c["description"], "descriptors": d,
                          "typical_direction": c["typical_direction"]})
        snapshot["areas"].append({"code": area["code"], "name": area["name"],
                                  "competencies": items})
    Version.objects.create(number=1, note=data["version_note"], snapshot=snapshot)


def unload(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("diagnostics", "FrameworkVersion").objects.filter(number=1).delete()
    apps.get_model("diagnostics", "Competency").objects.all().delete()
    apps.get_model("diagnostics", "CompetencyArea").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("diagnostics", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
