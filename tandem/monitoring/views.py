"""Dashboards of the organization, municipality and region, their charts and reports."""

from urllib.parse import urlencode

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.effectiveness import (
    BEHIND_ON_MEETINGS,
    NO_RECENT_MEETING,
    ONE_SIDED,
    OVERDUE_TASKS,
)

from tandem.access.scope import Scope, scope_for
from tandem.monitoring import selectors
from tandem.monitoring.charts import CHARTS
from tandem.monitoring.filters import Filters
from tandem.monitoring.forms import FiltersForm
from tandem.monitoring.reports import REPORTS
from tandem.territory.models import Municipality, Organization
from tandem.web.charts import CONTENT_TYPES


def _staff_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not scope.is_staff:
        raise Http404
    return scope


def filters_query(filters: Filters, **changes: object) -> str:
    """The GET parameters that reproduce ``filters`` (with ``changes``), for links."""
    values = {"date_from": filters.date_from, "date_to": filters.date_to,
              "municipality": filters.municipality_id, "organization": filters.organization_id,
              "sector": filters.sector, **changes}
    return urlencode({k: str(v) for k, v in values.items() if v not in (None, "")})


def dashboard(request: HttpRequest) -> HttpResponse:
    scope = _staff_scope(request)
    form = FiltersForm(request.GET, scope=scope)
    filters = form.filters()
    data = selectors.dashboard_data(scope=scope, filters=filters)
    query = filters_query(filters)
    drill = []
    for item in data.completion:
        if data.level == selectors.REGION:
            link = filters_query(filters, municipality=item.unit.pk)
        elif data.level == selectors.MUNICIPALITY:
            link = filters_query(filters, organization=item.unit.pk)
        else:
            link = None
        drill.append((item, link))
    crumbs = _crumbs(scope, filters)
    cards, kirkpatrick = key_figures(data)
    return render(request, "monitoring/dashboard.html", {
        "form": form, "filters": filters, "data": data, "query": query, "drill": drill,
        "crumbs": crumbs, "level": data.level, "cards": cards, "kirkpatrick": kirkpatrick,
        "answered": bool(data.satisfaction and any(s.answered for s in
                                                    data.satisfaction.stages)),
        "stuck": [(p, [str(REASONS.get(r, r)) for r in p.reasons]) for p in data.stuck], "reports": REPORTS.values(),
        "unit_heading": _("Муниципалитет") if data.level == selectors.REGION
        else _("Организация"),
    })


KIRKPATRICK = {
    "reaction": (gettext_lazy("Реакция"), gettext_lazy("удовлетворённость, 1–10")),
    "learning": (gettext_lazy("Обучение"), gettext_lazy("закрыто дефицитов из плана")),
    "behaviour": (gettext_lazy("Поведение"), gettext_lazy("задачи и встречи по плану")),
    "results": (gettext_lazy("Результаты"),
                gettext_lazy("завершённых пар закрыли все дефициты")),
}
REASONS = {
    BEHIND_ON_MEETINGS: gettext_lazy("встреч меньше половины плана"),
    NO_RECENT_MEETING: gettext_lazy("нет встреч больше 4 недель"),
    OVERDUE_TASKS: gettext_lazy("просрочены задачи"),
    ONE_SIDED: gettext_lazy("учится только одна сторона"),
    selectors.MAP_NOT_AGREED: gettext_lazy("карта не согласована"),
}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(100 * value)} %"


def key_figures(data: selectors.DashboardData) -> tuple[list[dict[str, object]],
                                                          list[dict[str, object]]]:
    """The cards above the charts: involvement and pairs, then Kirkpatrick's four levels
    («—» where a figure cannot be computed yet, e.g. satisfaction under 3 answers)."""
    invited = sum(c.invited for c in data.completion)
    submitted = sum(c.submitted for c in data.completion)
    cards: list[dict[str, object]] = [
        {"value": f"{round(100 * submitted / invited) if invited else 0} %",
         "label": _("анкет входной диагностики отправлено"),
         "note": _("%(s)s из %(t)s") % {"s": submitted, "t": invited}}]
    s = data.summary
    if s is None:
        return cards, []
    cards += [
        {"value": _percent(s.involvement), "label": _("вовлечены в пары"),
         "note": _("%(n)s из %(t)s участников") % {"n": s.participants_in_pairs,
                                                   "t": s.participants_active}},
        {"value": s.pairs_total, "label": _("пар"),
         "note": _("действуют %(a)s · ждут %(w)s · завершены %(c)s · досрочно %(e)s") % {
             "a": _percent(s.active_share), "w": s.pairs_waiting,
             "c": _percent(s.completed_share), "e": _percent(s.ended_early_share)}},
        {"value": _percent(s.meetings_share), "label": _("встреч проведено от плана"),
         "note": _("%(h)s из %(p)s") % {"h": s.meetings_held, "p": s.meetings_planned}},
    ]
    levels = []
    for level in s.kirkpatrick():
        title, note = KIRKPATRICK[level.key]
        value = ("—" if level.value is None else f"{level.value:.1f}"
                 if level.unit == "score" else _percent(level.value))
        levels.append({"value": value, "label": title, "note": note})
    return cards, levels


def _crumbs(scope: Scope, filters: Filters) -> list[tuple[str, str | None]]:
    """Region → municipality → organization, each a link back up (inside the scope)."""
    crumbs: list[tuple[str, str | None]] = []
    base = Filters(date_from=filters.date_from, date_to=filters.date_to, sector=filters.sector)
    if scope.everything or scope.region_ids:
        crumbs.append((_("Регион"), filters_query(base)))
    if filters.municipality_id is not None:
        mun = Municipality.objects.filter(pk=filters.municipality_id).values_list(
            "name", flat=True).first()
        crumbs.append((mun or "", filters_query(base, municipality=filters.municipality_id)))
    if filters.organization_id is not None:
        org = Organization.objects.filter(pk=filters.organization_id).values_list(
            "short_name", flat=True).first()
        crumbs.append((org or "", None))
    return crumbs


def chart(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """One chart of the dashboard as SVG or PNG, cached with the data it draws."""
    if name not in CHARTS:
        raise Http404
    scope = _staff_scope(request)
    filters = FiltersForm(request.GET, scope=scope).filters()
    version = selectors.data_version()
    key = selectors.cache_key(f"chart:{name}:{fmt}", scope, filters, version)
    body = cache.get(key)
    if body is None:
        data = selectors.dashboard_data(scope=scope, filters=filters, version=version)
        body = CHARTS[name](data, fmt)
        cache.set(key, body, selectors.CACHE_SECONDS)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Cache-Control"] = "private, max-age=60"
    return response


def report(request: HttpRequest, name: str) -> HttpResponse:
    """A registered report for the user's scope and the dashboard's filters, as a file."""
    item = REPORTS.get(name)
    if item is None:
        raise Http404
    scope = _staff_scope(request)
    form = FiltersForm(request.GET, scope=scope)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values()
                                         for e in errors))
        return redirect("monitoring:index")
    body = item.render(item.data(scope=scope, filters=form.filters()))
    response = HttpResponse(body, content_type=item.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{item.filename(timezone.localdate())}"')
    return response
