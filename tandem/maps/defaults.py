"""The shipped task library, for tests and databases whose data was flushed.

Migration maps/0004 loads the same file with the historical models; this one uses
today's (as tandem.diagnostics.defaults does for the competency framework)."""

import json
from pathlib import Path

from django.db import transaction

from tandem.core.task_library import parse_library
from tandem.maps.models import TaskTemplate

SOURCE = Path(__file__).resolve().parent / "task_library.json"


@transaction.atomic
def ensure_default_library() -> int:
    """Adds the shipped templates that are missing from the default library; how many."""
    templates = parse_library(json.loads(SOURCE.read_text(encoding="utf-8")))
    existing = set(
        TaskTemplate.objects.filter(region__isnull=True, organization__isnull=True).values_list(
            "source_id", flat=True
        )
    )
    missing = [
        TaskTemplate(
            source_id=t.id,
            competency=t.competency,
            direction=t.direction,
            task=t.task,
            technology=t.technology,
            form=t.form,
            product=t.product,
            evidence=t.evidence,
            weeks=t.weeks,
            level_from=t.levels[0],
            level_to=t.levels[1],
            resource_hint=t.resource_hint,
            position=i,
        )
        for i, t in enumerate(templates)
        if t.id not in existing
    ]
    TaskTemplate.objects.bulk_create(missing)
    return len(missing)
