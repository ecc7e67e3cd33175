"""The dashboard's charts: each turns the cached :class:`DashboardData` into a picture
through tandem/web/charts.py, so the page (SVG) and the PDF report (PNG) draw the same."""

import re
from collections.abc import Callable

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tandem.core.release import Released
from tandem.monitoring.selectors import DashboardData
from tandem.pairs.models import Pair
from tandem.pairs.querysets import FORMED
from tandem.web import charts

STATUS_COLORS = {
    Pair.Status.APPROVED: "#c9d2cf",
    Pair.Status.ACTIVE: charts.ACCENT,
    Pair.Status.COMPLETED: "#4c6ef5",
    Pair.Status.ENDED_EARLY: charts.WARM,
}


def completion(data: DashboardData, fmt: str) -> bytes:
    series: list[tuple[str, list[float | None]]] = [
        (_("входная диагностика"), [float(c.percent) for c in data.completion])]
    if any(c.final_invited for c in data.completion):
        series.append((_("итоговая диагностика"), [
            float(c.final_percent) if c.final_invited else None for c in data.completion]))
    return charts.hbars(data.unit_names, series, fmt=fmt)


def _area_labels(data: DashboardData) -> list[str]:
    """Area names without the word every one of them repeats."""
    return [re.sub(r"\s*компетенции\b", "", name, count=1).strip() or name
            for _c, name in data.areas]


def shown(figure: Released) -> float | str | None:
    """A released share as a heat map's cell: its value, «hidden» where answers there
    were and no counted cell (tandem.core.release), None where none were."""
    if figure.withheld:
        return _("скрыто — меньше 3 человек") if figure.left_out else None
    return figure.mean


def deficits(data: DashboardData, fmt: str) -> bytes:
    return charts.heatmap(data.unit_names, _area_labels(data),
                          [[shown(data.deficit_share[c][i]) for c, _n in data.areas]
                           for i in range(len(data.units))], fmt=fmt, cmap="OrRd")


def strengths(data: DashboardData, fmt: str) -> bytes:
    return charts.heatmap(data.unit_names, _area_labels(data),
                          [[_("скрыто — меньше 3 человек") if data.mentors_withheld[i]
                            else float(data.mentors[c][i]) for c, _n in data.areas]
                           for i in range(len(data.units))], fmt=fmt, cmap="Greens",
                          maximum=max((max(v, default=0) for v in data.mentors.values()),
                                      default=1) or 1, unit="")


def pairs(data: DashboardData, fmt: str) -> bytes:
    labels = [date_format(m, "M Y") for m in data.months]
    return charts.stacked_columns(labels, [
        (str(Pair.Status(s).label), data.pairs_by_month[s], STATUS_COLORS[Pair.Status(s)])
        for s in FORMED], fmt=fmt)


def gains(data: DashboardData, fmt: str) -> bytes:
    items = data.summary.gains if data.summary else ()
    return charts.hbars([g.name for g in items], [
        (_("до (входная)"), [g.mean_before for g in items]),
        (_("после (итоговая)"), [g.mean_after for g in items])],
        fmt=fmt, maximum=3.0, unit="", decimals=2, missing=_("скрыто — меньше 3 человек"))


def satisfaction(data: DashboardData, fmt: str) -> bytes:
    stages = data.satisfaction.stages if data.satisfaction else []
    return charts.hbars([_("%(stage)s опрос") % {"stage": s.label} for s in stages], [
        (_("наставники"), [s.mentors.mean for s in stages]),
        (_("наставляемые"), [s.mentees.mean for s in stages])],
        fmt=fmt, maximum=10.0, unit="", decimals=1,
        missing=_("скрыто — меньше 3 человек"))


CHARTS: dict[str, Callable[[DashboardData, str], bytes]] = {
    "completion": completion,
    "deficits": deficits,
    "strengths": strengths,
    "pairs": pairs,
    "gains": gains,
    "satisfaction": satisfaction,
}
