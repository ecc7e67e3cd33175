"""The default framework, for tests and fresh databases whose data was flushed.

Migration 0002 loads the same file with the historical models; this one uses today's.
"""

import json
from pathlib import Path

from django.db import transaction

from tandem.diagnostics.models import Competency, CompetencyArea, FrameworkVersion

SOURCE = Path(__file__).resolve().parent / "framework_default.json"


@transaction.atomic
def ensure_default_framework() -> FrameworkVersion:
    """The latest framework version; loads and publishes the default one if there is none."""
    latest = FrameworkVersion.objects.current()
    if latest is not None:
        return latest
    from tandem.diagnostics.services import framework_publish

    data = json.loads(SOURCE.read_text(encoding="utf-8"))
    for area_order, area in enumerate(data["areas"]):
        a, _created = CompetencyArea.objects.get_or_create(
            code=area["code"], defaults={"name": area["name"], "order": area_order,
                                         "description": area.get("description", "")})
        for order, c in enumerate(area["competencies"]):
            d = c["descriptors"]
            Competency.objects.get_or_create(code=c["code"], defaults={
                "area": a, "name": c["name"], "description": c["description"],
                "descriptor_0": d[0], "descriptor_1": d[1], "descriptor_2": d[2],
                "descriptor_3": d[3], "typical_direction": c["typical_direction"],
                "order": order})
    return framework_publish(note=data["version_note"], user=None)
