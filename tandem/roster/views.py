from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from tandem.access.scope import Scope, scope_for
from tandem.diagnostics.forms import FILE_TOO_BIG
from tandem.roster import export, imports, selectors, services, tasks
from tandem.roster.fileformat import COLUMNS
from tandem.roster.forms import RosterUploadForm
from tandem.roster.imports import STATUS_LABELS, STATUSES, Report
from tandem.roster.models import RosterImportPart
from tandem.web.forms import search_text
from tandem.web.uploads import upload_limit

PAGE_SIZE = 200


def _staff_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    scope.require("is_staff")
    return scope


def _takes_large_files(request: HttpRequest) -> bool:
    """A region operator loads a whole region's roster at once (docs/rosters.md)."""
    return request.user.is_authenticated and scope_for(request.user).is_region_operator


def _upload_mb(request: HttpRequest) -> int:
    large = _takes_large_files(request)
    return RosterUploadForm.LARGE_MAX_MB if large else RosterUploadForm.MAX_MB


@upload_limit(_upload_mb)
def roster_import(request: HttpRequest) -> HttpResponse:
    scope = _staff_scope(request)
    form = RosterUploadForm(request.POST or None, request.FILES or None,
                            large=scope.is_region_operator)
    if request.method == "POST" and getattr(request, "upload_refused", False):
        # Cut off while it streamed in: the file never arrived, its size is the reason.
        form.errors["file"] = form.error_class([FILE_TOO_BIG % {"mb": form.MAX_MB}])
    elif request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        # Read a piece at a time: a large file arrived in a temporary file on disk.
        upload = services.roster_import_store(user=request.user,  # type: ignore[arg-type]
                                              filename=f.name, file=f)
        tasks.check_soon(upload)
        return redirect("roster:preview", pk=upload.pk)
    return render(request, "roster/import.html", {
        "form": form, "columns": COLUMNS, "max_mb": form.MAX_MB,
        **_codes(request, scope),
        "recent": selectors.roster_imports_recent(user_id=request.user.pk),
    })


def _codes(request: HttpRequest, scope: Scope) -> dict[str, object]:
    """The organizations' codes for the file's «Организация» column: all of a small scope;
    of a large one, a search (the template XLSX lists them all)."""
    query = search_text(request.GET.get("q"))
    total, organizations = selectors.roster_codes(scope=scope, query=query)
    return {"organizations": organizations, "organizations_total": total, "codes_query": query,
            "codes_searched": total > selectors.CODES_LISTED,
            "codes_limit": selectors.CODES_LISTED}


def roster_preview(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_scope(request)
    upload = selectors.roster_import_get(user_id=request.user.pk, pk=pk)
    if services.expire_stale(pk=upload.pk):  # its worker was killed: failed, retryable
        upload.refresh_from_db()
    report = Report.from_json(upload.report)
    show = request.GET.get("show", "")
    rows = [r for r in report.rows if r.status == show] if show in STATUSES else report.rows
    counts = report.counts
    return render(request, "roster/preview.html", {
        "upload": upload, "report": report, "counts": counts,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "show": show if show in STATUSES else "",
        "filters": [(s, STATUS_LABELS[s], counts[s]) for s in STATUSES],
        "status_labels": STATUS_LABELS,
        "to_write": counts["new"] + counts["update"],
        "shown": imports.SHOWN,
        "problem_list": counts["error"] > 0 and services.has_parts(
            upload, RosterImportPart.Kind.PROBLEMS),
    })


def roster_problems(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Every problem the last check found, as a CSV (the preview shows the first ones).
    Only the uploader may download it (it names people)."""
    _staff_scope(request)
    upload = selectors.roster_import_get(user_id=request.user.pk, pk=pk)
    if not services.has_parts(upload, RosterImportPart.Kind.PROBLEMS):
        raise Http404
    response = StreamingHttpResponse(
        services.stored_chunks(upload, RosterImportPart.Kind.PROBLEMS),
        content_type=export.CSV_TYPE)
    name = _("ошибки-%(name)s.csv") % {"name": upload.filename.rsplit(".", 1)[0]}
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"  # personal data
    return response


def roster_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx; once the work is done, the page reloads."""
    _staff_scope(request)
    upload = selectors.roster_import_progress(user_id=request.user.pk, pk=pk)
    if services.expire_stale(pk=upload.pk):
        upload.refresh_from_db()
    if not upload.busy:
        return HttpResponseClientRefresh()
    return render(request, "roster/_progress.html", {"upload": upload})


@require_POST
def roster_commit(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_scope(request)
    upload = selectors.roster_import_get(user_id=request.user.pk, pk=pk)
    try:
        tasks.commit_soon(upload, remote_addr=request.META.get("REMOTE_ADDR"))
    except services.RosterRefused:
        pass  # not checked yet, or committed already: the page says which
    return redirect("roster:preview", pk=upload.pk)


def roster_template(request: HttpRequest) -> HttpResponse:
    scope = _staff_scope(request)
    body = export.template_xlsx(selectors.roster_organizations(scope=scope))
    return _download(body, export.XLSX_TYPE, _("шаблон-списка-участников.xlsx"))


def roster_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The participants the list page shows (same filters), as XLSX or CSV: at once for a
    few thousand, else prepared in the background while a page shows how far it got."""
    scope = _staff_scope(request)
    people = export.export_people(scope, request.GET)
    total = people.count()
    if total >= tasks.EXPORT_SYNC_ROWS:
        job = tasks.export_soon(user=request.user, data=request.GET, fmt=fmt,  # type: ignore[arg-type]
                                total=total)
        return redirect("roster:export_job", pk=job.pk)
    rows = export.roster_rows(people.iterator(chunk_size=2000))
    return _download(export.render(rows, fmt), _TYPES[fmt], export.export_name(fmt))


_TYPES = {"csv": export.CSV_TYPE, "xlsx": export.XLSX_TYPE}


def roster_export_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A background export: its progress (the bar is polled by htmx) and, once ready, the
    link to the file. Only the person who asked sees it (404 for anyone else), and only
    while their rights are those it was asked with (else: «права изменились»)."""
    scope = _staff_scope(request)
    job = selectors.roster_export_progress(user_id=request.user.pk, pk=pk)
    if services.expire_stale_exports(pk=job.pk):
        job.refresh_from_db()
    refused = job.refused_to(scope.fingerprint)
    if request.htmx:  # type: ignore[attr-defined]
        if not job.busy or refused:
            return HttpResponseClientRefresh()
        return render(request, "roster/_export_progress.html", {"job": job})
    return render(request, "roster/export_job.html", {
        "job": job, "refused": None if not refused else
        tasks.EXPORT_BEFORE_RIGHTS if job.before_rights else tasks.EXPORT_REFUSED})


def roster_export_file(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _staff_scope(request)
    job = selectors.roster_export_ready(user_id=request.user.pk, pk=pk)
    if job.refused_to(scope.fingerprint):  # the job's page says why
        raise Http404
    return _download(bytes(job.content), _TYPES[job.fmt], job.filename)


def _download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"  # personal data
    return response

