"""Reads the API adds to the apps' selectors: figures per pair, maps of visible pairs.
Both start from ``pairs_visible``, so the scope decides as everywhere else."""

from django.db.models import Count, Prefetch, Q, QuerySet

from tandem.access.scope import Scope
from tandem.maps.models import Map, Row
from tandem.pairs.models import Pair
from tandem.pairs.selectors import pairs_visible


def pairs_with_figures(*, scope: Scope) -> QuerySet[Pair]:
    """Visible pairs with ``ab_done``, ``ab_total``, ``ba_done``, ``ba_total``,
    ``meetings_held`` and ``meetings_planned``, in the same query."""
    # distinct=True: rows and meetings are both joined, so each would be counted once
    # per row of the other.
    return pairs_visible(scope=scope).annotate(
        ab_total=Count("map__rows", filter=Q(map__rows__direction=Row.Direction.A_TO_B),
                       distinct=True),
        ab_done=Count("map__rows", filter=Q(map__rows__direction=Row.Direction.A_TO_B,
                                            map__rows__done_at__isnull=False), distinct=True),
        ba_total=Count("map__rows", filter=Q(map__rows__direction=Row.Direction.B_TO_A),
                       distinct=True),
        ba_done=Count("map__rows", filter=Q(map__rows__direction=Row.Direction.B_TO_A,
                                            map__rows__done_at__isnull=False), distinct=True),
        meetings_held=Count("meetings", filter=Q(meetings__planned=False), distinct=True),
        meetings_planned=Count("meetings", filter=Q(meetings__planned=True), distinct=True),
    ).order_by("-created_at", "-pk")


def maps_visible(*, scope: Scope) -> QuerySet[Map]:
    """Maps of the pairs the user may see, with rows and their resources prefetched."""
    rows = Row.objects.prefetch_related("resources").order_by("direction", "order", "pk")
    return (Map.objects.filter(pair__in=pairs_visible(scope=scope))
            .prefetch_related(Prefetch("rows", queryset=rows)).order_by("-pk"))
