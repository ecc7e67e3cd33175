"""Dashboards of the organization, municipality and region, their charts and reports."""

from contextlib import nullcontext
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRefresh

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.monitoring import selectors, tasks
from tandem.monitoring.cards import REASONS, key_figures
from tandem.monitoring.charts import CHARTS
from tandem.monitoring.forms import FiltersForm
from tandem.monitoring.models import ReportJob
from tandem.monitoring.reports import REPORTS
from tandem.web import exports
from tandem.web.charts import CONTENT_TYPES
from tandem.web.dbrouter import reading_fresh_from_replica
from tandem.web.forms import errors_text
from tandem.web.templatetags.typography import number_kept

STUCK_SHOWN = 40  # the worst first; the pairs export has them all


def _staff_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not scope.is_staff:
        raise Http404
    return scope


def _monitoring(request: HttpRequest) -> tuple[Scope, FiltersForm, bool]:
    """The scope the figures are computed in, the filter form, and whether this is the
    federal operator's view: the aggregates of every region (computed over everything)
    with a form that goes no lower than a region — no unit below it, no person, no
    report file (docs/monitoring.md)."""
    scope = scope_for(request.user)
    if scope.is_staff:
        return scope, FiltersForm(request.GET, scope=scope), False
    if not scope.is_federal_operator:
        raise Http404
    country = Scope(user_id=scope.user_id, everything=True)
    return country, FiltersForm(request.GET, scope=country, regions_only=True), True


def filters_query(filters: Filters, **changes: object) -> str:
    """The GET parameters that reproduce ``filters`` (with ``changes``), for links."""
    values = {"date_from": filters.date_from, "date_to": filters.date_to,
              "region": filters.region_id,
              "municipality": filters.municipality_id, "organization": filters.organization_id,
              "sector": filters.sector, **changes}
    return urlencode({k: str(v) for k, v in values.items() if v not in (None, "")})


def dashboard(request: HttpRequest) -> HttpResponse:
    scope, form, federal = _monitoring(request)
    filters = form.filters()
    version = selectors.data_version(scope, filters)
    # Organizations by name are below a region: not on the federal operator's pages —
    # nor computed for him (his own cache entry, selectors.data_kind).
    data = selectors.dashboard_data(scope=scope, filters=filters, version=version,
                                    places=not federal)
    query = filters_query(filters)
    drill = []
    for item in data.completion:
        if data.level == selectors.COUNTRY:
            link = filters_query(filters, region=item.unit.pk)
        elif data.level == selectors.REGION and not federal:
            link = filters_query(filters, municipality=item.unit.pk)
        elif data.level == selectors.MUNICIPALITY:
            link = filters_query(filters, organization=item.unit.pk)
        else:
            link = None
        drill.append((item, link))
    crumbs = _crumbs(scope, filters, federal)
    cards, kirkpatrick = key_figures(data)
    return render(request, "monitoring/dashboard.html", {
        "form": form, "filters": filters, "data": data, "query": query,
        "completion_rows": completion_rows(drill),
        "crumbs": crumbs, "level": data.level, "cards": cards, "kirkpatrick": kirkpatrick,
        "answered": bool(data.satisfaction and any(s.answered for s in
                                                    data.satisfaction.stages)),
        "stuck": [(p, [str(REASONS.get(r, r)) for r in p.reasons])
                  for p in data.stuck[:STUCK_SHOWN]],
        "stuck_more": max(len(data.stuck) - STUCK_SHOWN, 0),
        "reports": [] if federal else REPORTS.values(),
        "technologies": data.technologies,
        "unit_heading": {selectors.COUNTRY: _("Регион"),
                         selectors.REGION: _("Муниципалитет")}.get(data.level,
                                                                  _("Организация")),
        "federal": federal,
        "mentor_places": [] if federal else data.mentor_places,
        # The superuser's country: no places at that level — where to find them instead.
        "places_by_region": data.level == selectors.COUNTRY and not federal,
    })


def completion_rows(drill: list[tuple[selectors.UnitCompletion, str | None]]) -> SafeString:
    """The rows of the questionnaires' table — one per unit, with its link down (``drill``:
    the unit and its query, or None) — as HTML made here, not by the template: a
    coordinator's 243 organizations, five cells each, cost the template 10 ms CPU of her
    40 ms view, this loop 1 ms (docs/performance.md, «Первый просмотр координатора,
    прогретый»). The same markup the template wrote (its text: ``escape``, «№» kept with
    its number as ``|number_kept`` does; the numbers as
    the template shows an integer — no thousands separator, ``USE_THOUSAND_SEPARATOR`` is
    off; tests/test_completion_rows.py compares the two)."""
    rows = []
    for item, link in drill:
        name = number_kept(escape(item.unit.name))
        unit = f'<a href="?{escape(link)}">{name}</a>' if link else name
        final = f"{item.final_percent}&nbsp;%" if item.final_invited else "—"
        rows.append(f"<tr><td>{unit}</td><td>{item.people}</td><td>{item.invited}</td>"
                    f'<td><progress value="{item.submitted}" max="{item.invited or 1}">'
                    f"</progress> {item.percent}&nbsp;%</td><td>{final}</td></tr>")
    return mark_safe("\n".join(rows))  # noqa: S308 - every text above is escaped


def _crumbs(scope: Scope, filters: Filters, federal: bool = False
            ) -> list[tuple[str, str | None]]:
    """(Country →) region → municipality → organization, each a link back up (inside the
    scope)."""
    crumbs: list[tuple[str, str | None]] = []
    base = Filters(date_from=filters.date_from, date_to=filters.date_to, sector=filters.sector)
    if filters.region_id is not None:
        crumbs.append((_("Все регионы"), filters_query(base)))
        base = Filters(date_from=filters.date_from, date_to=filters.date_to,
                       sector=filters.sector, region_id=filters.region_id)
        crumbs.append((selectors.region_name(filters.region_id), filters_query(base)))
    elif scope.everything or scope.region_ids:
        crumbs.append((_("Регион"), filters_query(base)))
    municipality, organization = selectors.unit_names(scope=scope, filters=filters)
    if filters.municipality_id is not None:
        crumbs.append((municipality,
                       filters_query(base, municipality=filters.municipality_id)))
    if filters.organization_id is not None:
        crumbs.append((organization, None))
    return crumbs


def chart(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """One chart of the dashboard as SVG or PNG, cached with the data it draws."""
    if name not in CHARTS:
        raise Http404
    scope, form, federal = _monitoring(request)
    filters = form.filters()
    version = selectors.data_version(scope, filters)
    key = selectors.cache_key(f"chart:{name}:{fmt}", scope, filters, version)
    body = cache.get(key)
    if body is None:  # the page's own entry (its charts come with it)
        data = selectors.dashboard_data(scope=scope, filters=filters, version=version,
                                        places=not federal)
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
        messages.error(request, errors_text(form))
        return redirect("monitoring:index")
    filters = form.filters()
    # Many rows: made in the background, with the same (checked) filters; the page shows
    # how far it got, then a link to the file (tandem/web/exports.py).
    large, total = tasks.is_large(item, scope=scope, filters=filters)
    if large:
        job = tasks.report_soon(user=request.user,  # type: ignore[arg-type]
                                item=item, query=filters_query(filters), total=total)
        return redirect("monitoring:report_job", pk=job.pk)
    # A table reads the replica once it has what the page showed — the user's own writes
    # too — else the primary (docs/deploy.md 8.4).
    with reading_fresh_from_replica() if item.replica else nullcontext():
        body = item.render(item.data(scope=scope, filters=filters))
    return _download(body, item.content_type, item.filename(timezone.localdate()))


def _download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _own_jobs(request: HttpRequest) -> tuple[QuerySet[ReportJob], str]:
    """The user's own report jobs (a report may name people: nobody else's, not even a
    colleague's of the same organization) and the fingerprint of their rights now (a file
    made under other rights is not handed out: tandem/web/exports.py)."""
    scope = _staff_scope(request)
    return ReportJob.objects.filter(requested_by_id=request.user.pk), scope.fingerprint


def report_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A background report: its progress (the bar is polled by htmx) and, once ready, the
    link to the file. Only the person who asked sees it (404 for anyone else), and only
    while their rights are those it was asked with (else: «права изменились»)."""
    own, rights = _own_jobs(request)
    if request.htmx and not own.filter(pk=pk).exists():  # type: ignore[attr-defined]
        # Deleted while the page polled (an anonymisation, the sweep): the page reloads to
        # its «not found» instead of polling a 404 every second, frozen (review finding).
        return HttpResponseClientRefresh()
    job = get_object_or_404(own.defer("content"), pk=pk)
    if exports.expire(ReportJob, pk=job.pk):
        job.refresh_from_db(fields=["status", "done", "heartbeat_at"])
    refused = job.refused_to(rights)
    if request.htmx:  # type: ignore[attr-defined]
        if not job.busy or refused:
            return HttpResponseClientRefresh()
        return render(request, "monitoring/_report_progress.html", {"job": job})
    item = REPORTS.get(job.report)
    return render(request, "monitoring/report_job.html", {
        "job": job, "title": item.title if item else job.report, "refused": refused,
        "failed": tasks.REPORT_FAILED if not refused else
        tasks.REPORT_BEFORE_RIGHTS if job.before_rights else tasks.REPORT_REFUSED})


def report_file(request: HttpRequest, pk: int) -> HttpResponse:
    own, rights = _own_jobs(request)
    job = get_object_or_404(own, pk=pk, status=ReportJob.Status.DONE)
    item = REPORTS.get(job.report)
    if item is None or job.refused_to(rights):  # the job's page says why
        raise Http404
    response = _download(bytes(job.content), item.content_type, job.filename)
    response["Cache-Control"] = "private, no-store"  # may name people
    return response
