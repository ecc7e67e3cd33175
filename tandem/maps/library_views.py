"""The task library's pages (docs/task-library.md): the region operator edits the region's
library (the superuser the default one), exports and imports it as XLSX; a map's row can be
swapped for another template or saved into the organization's library."""

import io
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.access.scope import Scope, scope_for
from tandem.core import task_library as core_library
from tandem.core.programmes import TECHNOLOGIES
from tandem.diagnostics import selectors as diagnostics_selectors
from tandem.maps import selectors, services
from tandem.maps.forms import DoneForm
from tandem.maps.library_forms import ImportForm, LibraryFilter, TemplateForm
from tandem.maps.models import Row, TaskTemplate
from tandem.territory.models import Region
from tandem.web.forms import form_id, form_int
from tandem.web.tabular import TableRefused, header_key, read_upload
from tandem.web.xlsx import append_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_MB = 5
MAX_IMPORT_ROWS = 5000  # the default library has about 200 templates
PAGE_SIZE = 50  # templates on a page of the library


def _region(request: HttpRequest) -> tuple[Scope, Region | None]:
    """The region whose library the user edits: a region operator's own (the one asked
    for in ``?region=`` if they hold several); the superuser's is the default library
    unless they ask for a region."""
    scope = scope_for(request.user)
    scope.require("is_region_operator")
    raw = request.GET.get("region") or request.POST.get("region") or ""
    regions = scope.regions().order_by("pk")
    if raw:
        return scope, get_object_or_404(regions, pk=form_id(raw))
    if scope.everything:
        return scope, None
    return scope, regions.first()


def _competencies(region: Region | None) -> list[tuple[str, str]]:
    """The federal competencies and the region's own (the default library: federal only)."""
    return diagnostics_selectors.competency_choices(
        region_ids=[region.pk] if region is not None else [])


def _with_region(url: str, region: Region | None) -> str:
    return f"{url}?region={region.pk}" if region is not None else url


def library_page(request: HttpRequest) -> HttpResponse:
    """The region's library, 50 templates a page (issue #16: the whole library in one
    table was 320 KB of HTML and the region operator's slowest page); the filters and
    the region ride along in the page links, the count is of every template filtered."""
    _scope, region = _region(request)
    competencies = _competencies(region)
    names = dict(competencies)
    filters = LibraryFilter(request.GET or None, competencies=competencies)
    templates = selectors.library_templates(region_id=region.pk if region else None,
                                            include_inactive=True)
    competency = direction = ""
    if filters.is_valid():
        competency = filters.cleaned_data.get("competency") or ""
        direction = filters.cleaned_data.get("direction") or ""
        if competency:
            templates = [t for t in templates if t.competency == competency]
        if direction:
            templates = [t for t in templates if t.direction == direction]
    page = Paginator(templates, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("region", region.pk if region else ""),
                                          ("competency", competency),
                                          ("direction", direction)) if v})
    technologies = dict(TECHNOLOGIES)
    return render(request, "maps/library.html", {
        "region": region, "filters": filters, "import_form": ImportForm(),
        "page": page, "query": query,
        "region_query": f"?region={region.pk}" if region is not None else "",
        "items": [(t, names.get(t.competency, t.competency),
                   technologies.get(t.technology, t.technology)) for t in page.object_list],
    })


def _editable(region: Region | None, pk: int) -> TaskTemplate:
    """A template of the region's library (its own, or a default one it may override)."""
    for template in selectors.library_templates(region_id=region.pk if region else None,
                                                include_inactive=True):
        if template.pk == pk:
            return template
    raise Http404


def _template_form(request: HttpRequest, template: TaskTemplate | None) -> HttpResponse:
    _scope, region = _region(request)
    competencies = _competencies(region)
    initial: dict[str, Any] = {}
    if template is not None:
        initial = {name: getattr(template, name) for name in services.TEMPLATE_FIELDS}
    form = TemplateForm(request.POST or None, initial=initial, competencies=competencies,
                        fixed_id=template.source_id if template else "")
    if request.method == "POST" and form.is_valid() and form.template is not None:
        taken = template is None and any(
            t.source_id == form.template.id for t in selectors.library_templates(
                region_id=region.pk if region else None, include_inactive=True))
        if taken:
            form.add_error("source_id", _("Такой идентификатор уже есть в библиотеке."))
        else:
            services.template_save(template=form.template,
                                   region_id=region.pk if region else None,
                                   user=request.user,  # type: ignore[arg-type]
                                   is_active=template.is_active if template else True)
            messages.success(request, _("Шаблон сохранён."))
            return redirect(_with_region(reverse("maps:library"), region))
    return render(request, "maps/library_form.html", {
        "form": form, "template": template, "region": region,
        "overrides_default": template is not None and region is not None
        and template.region_id is None and template.organization_id is None})


def template_new(request: HttpRequest) -> HttpResponse:
    return _template_form(request, None)


def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _scope, region = _region(request)
    return _template_form(request, _editable(region, pk))


@require_POST
def template_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    _scope, region = _region(request)
    template = _editable(region, pk)
    services.template_set_active(template=template, region_id=region.pk if region else None,
                                 active=not template.is_active,
                                 user=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Шаблон снова используется.") if not template.is_active
                     else _("Шаблон отключён: в новые карты он не попадёт."))
    return redirect(_with_region(reverse("maps:library"), region))


def library_export(request: HttpRequest) -> HttpResponse:
    _scope, region = _region(request)
    templates = [t.as_core() for t in selectors.library_templates(
        region_id=region.pk if region else None)]
    from openpyxl import Workbook  # here, not for every page of the process (≈ 40 MB)

    book = Workbook()
    sheet = book.active
    sheet.title = "Библиотека задач"  # type: ignore[union-attr]
    append_row(sheet, [header for _code, header in core_library.TABLE_COLUMNS])  # type: ignore[arg-type]
    for row in core_library.library_rows_to_table(templates):
        append_row(sheet, [row[code] for code, _header in core_library.TABLE_COLUMNS])  # type: ignore[arg-type]
    for letter, width in zip("ABCDEFGHIJKL", (28, 24, 18, 70, 22, 18, 40, 40, 10, 10, 10, 30),
                             strict=True):
        sheet.column_dimensions[letter].width = width  # type: ignore[union-attr]
    body = io.BytesIO()
    book.save(body)
    response = HttpResponse(body.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="task-library-{timezone.localdate():%Y%m%d}.xlsx"')
    return response


def read_table(content: bytes, filename: str = "library.xlsx") -> list[dict[str, Any]]:
    """The rows of a library table under its header (by the headers' words, in any
    order), read by the one bounded table reader (tandem/web/tabular.py: hostile files,
    row and column limits); raises LibraryError on a file that is not such a table."""
    try:
        table = read_upload(content, filename, max_rows=MAX_IMPORT_ROWS)
    except TableRefused as problem:
        raise core_library.LibraryError(str(problem)) from None
    by_header = {header_key(header): code for code, header in core_library.TABLE_COLUMNS}
    present = {header_key(h) for h in table.header}
    missing = [h for code, h in core_library.TABLE_COLUMNS
               if header_key(h) not in present and code != "resource_hint"]
    if missing:
        raise core_library.LibraryError(_("Строка 1: нет столбца «%(h)s».") % {"h": missing[0]})
    if not table.rows:
        raise core_library.LibraryError(_("Таблица пуста."))
    return [{by_header[header_key(h)]: value for h, value in row.values.items()
             if header_key(h) in by_header} for row in table.rows]


@require_POST
def library_import(request: HttpRequest) -> HttpResponse:
    _scope, region = _region(request)
    back = redirect(_with_region(reverse("maps:library"), region))
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Выберите файл XLSX с библиотекой задач."))
        return back
    upload = form.cleaned_data["file"]
    if upload.size > MAX_IMPORT_MB * 1024 * 1024:
        messages.error(request, _("Файл больше %(n)s МБ.") % {"n": MAX_IMPORT_MB})
        return back
    try:
        rows = read_table(upload.read(), upload.name or "library.xlsx")
    except core_library.LibraryError as problem:
        messages.error(request, str(problem))
        return back
    templates, problems = core_library.table_problems(
        rows, competencies=[code for code, _name in _competencies(region)])
    if problems:
        shown = problems[:20]
        more = len(problems) - len(shown)
        messages.error(request, _("Библиотека не изменена, исправьте таблицу: %(p)s") % {
            "p": " ".join(shown) + (_(" И ещё ошибок: %(n)s.") % {"n": more} if more else "")})
        return back
    changed = services.library_import(templates=templates,
                                      region_id=region.pk if region else None,
                                      user=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Библиотека загружена: изменено или добавлено шаблонов — "
                                "%(n)s.") % {"n": changed})
    return back


# -- a map row and the library --------------------------------------------------------
def _row(request: HttpRequest, pk: int,
         for_: selectors.MapAccess = "manage") -> tuple[Row, selectors.Rights]:
    return selectors.row_get(scope=scope_for(request.user), pk=pk, for_=for_)


@require_POST
def row_swap(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: «другая задача» — the row with the next library template (or a message)."""
    row, rights = _row(request, pk)
    raw = request.POST.get("version", "")
    error = ""
    try:
        row = services.row_swap(row=row, version=form_int(raw) or 0,
                                user=request.user)  # type: ignore[arg-type]
    except services.MapError as problem:
        row.refresh_from_db()
        error = str(problem)
    if not request.htmx:  # type: ignore[attr-defined]
        (messages.error if error else messages.success)(
            request, error or _("Задача строки заменена задачей из библиотеки."))
        return redirect(row.map.get_absolute_url())
    return render(request, "maps/_row.html", {
        "row": row, "conflict": error, "rights": rights, "map": row.map,
        "resources": list(services.resources_for_map(row.map).order_by("title")[:300]),
        "done_form": DoneForm(), "today": timezone.localdate()})


@require_POST
def row_to_library(request: HttpRequest, pk: int) -> HttpResponse:
    """A curator saves a good row into the organization's library."""
    row, _rights = _row(request, pk, for_="staff")
    if row.map.pair_id is None:  # a training map's rows are not the organization's
        raise Http404
    try:
        template = services.row_to_library(row=row, user=request.user)  # type: ignore[arg-type]
        # Named by its competency and direction; the identifier is for the XLSX table.
        messages.success(request, _("Строка сохранена в библиотеку организации: «%(name)s», "
                                    "%(direction)s.") % {
            "name": dict(diagnostics_selectors.competency_choices(
                region_ids=scope_for(request.user).home_units.region_ids)).get(
                template.competency, template.competency),
            "direction": template.get_direction_display()})
    except services.MapError as problem:
        messages.error(request, str(problem))
    return redirect(row.map.get_absolute_url())


