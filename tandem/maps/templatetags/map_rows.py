"""The resource picker of a map row: what develops the row's competency first."""

from collections.abc import Iterable
from typing import Any

from django import template

from tandem.core.maps import LEVEL_ORDER

register = template.Library()


@register.simple_tag
def row_resources(resources: Iterable[Any], row: Any) -> dict[str, list[Any]]:
    """``{"first": …, "rest": …}``: the resources tied to the row's competency, the nearest
    level first (organization, municipality, region, federal), then by title; and the
    others, by title. Each resource's competencies must be prefetched."""
    first: list[Any] = []
    rest: list[Any] = []
    for resource in resources:
        codes = {c.code for c in resource.competencies.all()}
        (first if row.competency and row.competency in codes else rest).append(resource)
    first.sort(key=lambda r: (LEVEL_ORDER.get(r.level, 9), r.title, r.pk))
    return {"first": first, "rest": sorted(rest, key=lambda r: (r.title, r.pk))}
