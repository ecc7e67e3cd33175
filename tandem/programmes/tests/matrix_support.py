"""The programme cases of the access matrix (tandem/access/tests/test_access_matrix.py):
organization A's programme, built on first use in the state each URL needs."""

import datetime as dt

from django.utils import timezone

from tandem.core.programmes import year_bounds
from tandem.programmes import selectors
from tandem.programmes.models import Indicator, Programme, RoadmapRow
from tandem.resources.models import Resource
from tandem.testing import World, build_programme

MARKER = "Входная диагностика дефицитов Школы А"


def _adopted_pk(w: World) -> int:
    p = Programme.objects.filter(organization=w.org_a).first() or build_programme(w)
    return p.pk


def _draft_pk(w: World) -> int:
    p = (Programme.objects.filter(organization=w.org_a).first()
         or build_programme(w, adopt=False))
    return p.pk


def adopted(w: World) -> dict[str, object]:
    return {"pk": _adopted_pk(w)}


def draft(w: World) -> dict[str, object]:
    return {"pk": _draft_pk(w)}


def draft_row(w: World) -> dict[str, object]:
    return {"pk": RoadmapRow.objects.get(programme_id=_draft_pk(w)).pk}


def draft_indicator(w: World) -> dict[str, object]:
    indicator = Indicator.objects.filter(programme_id=_draft_pk(w)).first()
    assert indicator is not None
    return {"pk": indicator.pk}


def document(w: World) -> dict[str, object]:
    return {**adopted(w), "kind": "regulation", "fmt": "docx"}


def create_post(w: World) -> dict[str, str]:
    return {"organization": str(w.org_a.pk), "year": str(selectors.current_year())}


def row_post(w: World) -> dict[str, str]:
    first, _last = year_bounds(selectors.current_year())
    return {"roadmap-stage": "maps", "roadmap-activity": "Карты пар",
            "roadmap-starts_on": (first + dt.timedelta(days=70)).isoformat(),
            "roadmap-ends_on": (first + dt.timedelta(days=80)).isoformat(),
            "roadmap-responsible": "Куратор", "roadmap-result": "карты"}


def resource_post(w: World) -> dict[str, str]:
    return {"resource": str(Resource.objects.get(title="Ресурс Школы А").pk)}


def adopt_post(w: World) -> dict[str, str]:
    return {"order_number": "5-од", "order_date": timezone.localdate().isoformat()}


def of_a() -> "Programme | None":
    return Programme.objects.filter(organization__code="school-a").order_by("-version").first()
