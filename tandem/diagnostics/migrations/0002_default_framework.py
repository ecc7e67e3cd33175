"""Loads the default competency framework (framework_default.json) and publishes it as
version 1. Later edits by the region operator go into new versions."""

import json
from pathlib import Path

from django.db import migrations

SOURCE = Path(__file__).resolve().parent.parent / "framework_default.json"


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
