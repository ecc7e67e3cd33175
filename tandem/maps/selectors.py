"""Reads for maps, through the pair's visibility."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404

from tandem.access.scope import Scope
from tandem.maps.models import Evidence, Map, Row
from tandem.pairs.models import Pair
from tandem.pairs.selectors import pairs_manageable, pairs_visible


@dataclass(frozen=True)
class Rights:
    member: bool  # one of the pair
    staff: bool  # a curator (or above) of one of the pair

    @property
    def edit(self) -> bool:
        return self.member or self.staff


@dataclass(frozen=True)
class TeamMaps:
    """What the app that owns training maps (``Map.team``) tells the map editor: who may
    do what with a team's map (404 when they may not see it), and the deficits a row may
    name. Registered by ``training`` in its ``AppConfig.ready``: maps sits below
    training and never imports it."""

    rights: Callable[[Scope, Map], Rights]
    competencies: Callable[[Map], list[tuple[str, str]]]


_team_maps: list[TeamMaps] = []


def register_team_maps(hooks: TeamMaps) -> None:
    _team_maps[:] = [hooks]


def pair_for_map(*, scope: Scope, pair_pk: int) -> tuple[Pair, Rights]:
    pair = get_object_or_404(pairs_visible(scope=scope), pk=pair_pk)
    member = scope.own_participant_id in (pair.a_id, pair.b_id)
    staff = pairs_manageable(scope=scope).filter(pk=pair.pk).exists()
    return pair, Rights(member=member, staff=staff)


def rights_for_map(*, scope: Scope, the_map: Map) -> Rights:
    """What the user may do with a map, real or training (404 if they may not see it)."""
    if the_map.team_id is not None:
        if not _team_maps:
            raise Http404
        return _team_maps[0].rights(scope, the_map)
    _pair, rights = pair_for_map(scope=scope, pair_pk=the_map.pair_id)  # type: ignore[arg-type]
    return rights


def row_competencies(the_map: Map) -> list[tuple[str, str]]:
    """A training map's rows name the case's deficit they address (the rubric checks
    it); a real map's rows take theirs from the diagnostics."""
    if the_map.team_id is None or not _team_maps:
        return []
    return _team_maps[0].competencies(the_map)


def map_of(pair: Pair) -> Map:
    rows = Row.objects.prefetch_related("resources", "evidence_items").order_by(
        "direction", "order", "pk")
    return get_object_or_404(
        Map.objects.select_related("pair__a__organization", "pair__b__organization",
                                   "pair__organization__municipality", "approved_by")
        .prefetch_related(Prefetch("rows", queryset=rows), "reflections"),
        pair=pair)


@dataclass(frozen=True)
class DirectionProgress:
    total: int
    done: int
    overdue: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress(rows: list[Row], direction: str, today: dt.date) -> DirectionProgress:
    """Done and overdue as everywhere else (:func:`tandem.core.effectiveness.task_done`,
    :func:`~tandem.core.effectiveness.task_overdue` on ``today``)."""
    from tandem.core.effectiveness import task_done, task_overdue

    mine = [r for r in rows if r.direction == direction]
    return DirectionProgress(
        total=len(mine), done=sum(task_done(r.done_at, today) for r in mine),
        overdue=sum(task_overdue(r.done_at, r.deadline, today) for r in mine))


def evidence_get(*, scope: Scope, pk: int) -> Evidence:
    visible = pairs_visible(scope=scope)
    return get_object_or_404(Evidence.objects.filter(row__map__pair__in=visible)
                             .select_related("row__map"), pk=pk)
