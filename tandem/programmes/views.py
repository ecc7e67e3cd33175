from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.access.scope import scope_for
from tandem.core import programmes as core
from tandem.programmes import documents, selectors, services
from tandem.programmes.forms import (
    SECTION_FORMS,
    AdoptForm,
    IndicatorForm,
    RoadmapRowForm,
)
from tandem.programmes.models import Indicator, Programme, RoadmapRow
from tandem.web.forms import errors_text, form_id

YEARS_BACK = 3


def overview(request: HttpRequest) -> HttpResponse:
    """Which organizations of the user's territory have a programme for the year."""
    scope = scope_for(request.user)
    if not scope.is_staff:
        return _teacher_overview(request)
    this_year = selectors.current_year()
    raw = request.GET.get("year", "")
    year = form_id(raw) if this_year - YEARS_BACK <= form_id(raw) <= this_year + 1 \
        else this_year
    municipalities = selectors.overview_municipalities(scope=scope)
    municipality = form_id(request.GET.get("municipality")) or None
    if municipality is not None and municipality not in {pk for pk, _n in municipalities}:
        raise Http404
    state = request.GET.get("state", "")
    state = state if state in selectors.STATE_Q else ""
    data = selectors.overview(scope=scope, year=year, municipality_id=municipality,
                              state=state, page=request.GET.get("page"))
    query = urlencode({k: v for k, v in (("year", year), ("municipality", municipality or ""),
                                         ("state", state)) if v})
    return render(request, "programmes/overview.html", {
        "data": data, "year": year, "year_label": core.year_label(year),
        "years": [(y, core.year_label(y)) for y in range(this_year + 1,
                                                         this_year - YEARS_BACK - 1, -1)],
        "editable": {row.organization.pk for row in data.rows
                     if selectors.can_edit(scope=scope, organization_id=row.organization.pk)},
        "municipalities": municipalities if len(municipalities) > 1 else [],
        "municipality": municipality, "state": state, "query": query,
        "states": [(selectors.ADOPTED, _("программа принята")),
                   (selectors.DRAFT, _("только черновик")),
                   (selectors.NONE, _("нет программы"))]})


def _teacher_overview(request: HttpRequest) -> HttpResponse:
    """A teacher: the adopted programmes of their own organization."""
    scope = scope_for(request.user)
    scope.require("is_teacher")
    return render(request, "programmes/mine.html", {
        "organization": selectors.own_organization(scope=scope),
        "programmes": list(selectors.programmes_mine(scope=scope)[:20])})


@require_POST
def create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    organization = selectors.organization_for_programme(
        scope=scope, pk=form_id(request.POST.get("organization")))
    this_year = selectors.current_year()
    year = form_id(request.POST.get("year")) or this_year
    if not this_year - YEARS_BACK <= year <= this_year + 1:
        raise Http404
    try:
        programme = services.programme_create(organization=organization, year=year,
                                              user=request.user)  # type: ignore[arg-type]
    except services.ProgrammeError as error:
        messages.error(request, str(error))
        return redirect(f"{redirect('programmes:overview').url}?year={year}")
    messages.success(request, _("Черновик программы создан: заполните разделы."))
    return redirect("programmes:detail", pk=programme.pk)


def _context(request: HttpRequest, programme: Programme) -> dict[str, object]:
    scope = scope_for(request.user)
    edit = programme.editable and selectors.can_edit(
        scope=scope, organization_id=programme.organization_id)
    versions = list(selectors.programmes_visible(scope=scope).filter(
        organization_id=programme.organization_id, year=programme.year)
        .exclude(pk=programme.pk).select_related(None).only("pk", "version", "status"))
    chosen = selectors.chosen_resources_by_level(programme)
    return {
        "programme": programme, "edit": edit,
        "can_revise": (programme.status == Programme.Status.ADOPTED
                       and selectors.can_edit(scope=scope,
                                              organization_id=programme.organization_id)
                       and not any(v.status == Programme.Status.DRAFT for v in versions)),
        "versions": versions,
        "roadmap": list(programme.roadmap.all()),
        "indicators": list(programme.indicators.all()),
        "chosen": chosen,
        "catalogue": selectors.resources_by_level(programme) if edit else [],
        "chosen_ids": {r.pk for _level, rs in chosen for r in rs},
        "missing": services.missing_for_adoption(programme) if edit else [],
        "unsaved": set(),
        "sections": {name: form_class(initial={f: getattr(programme, f) for f in
                                               services.SECTION_FIELDS[name]})
                     for name, form_class in SECTION_FORMS.items()} if edit else {},
        "roadmap_form": RoadmapRowForm(prefix="roadmap") if edit else None,
        "indicator_form": IndicatorForm(prefix="indicator") if edit else None,
        "adopt_form": AdoptForm() if edit else None,
        "stages": dict(core.STAGES),
        "year_before": core.year_label(programme.year - 1),
        "technologies_before": selectors.technologies_of_pairs(programme.organization_id,
                                                               programme.year - 1),
        "technologies_now": selectors.technologies_of_pairs(programme.organization_id,
                                                            programme.year),
    }


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    programme = selectors.programme_get(scope=scope, pk=pk)
    return render(request, "programmes/programme.html", _context(request, programme))


def _for_edit(request: HttpRequest, pk: int) -> Programme:
    """A programme the user may write: a curator of its organization (else 404)."""
    return selectors.programme_get(scope=scope_for(request.user), pk=pk, for_="manage")


def _back(programme: Programme, anchor: str = "") -> HttpResponse:
    response = redirect("programmes:detail", pk=programme.pk)
    response["Location"] += f"#{anchor}" if anchor else ""
    return response


def _fragment(request: HttpRequest, programme: Programme, template: str,
              **extra: object) -> HttpResponse:
    context = _context(request, programme)
    context.update(extra)
    return _htmx_answer(request, f"programmes/{template}", context)


def _htmx_answer(request: HttpRequest, template: str, context: dict[str, object]
                 ) -> HttpResponse:
    """A section for htmx, and with it (out of band) what adoption still needs, so the
    «Принять программу» button follows the page without reloading it."""
    body = render_to_string(template, context, request)
    if context.get("edit"):
        body += render_to_string("programmes/_adopt_state.html", {**context, "oob": True},
                                 request)
    return HttpResponse(body)


def _as_typed(form_class: type[forms.Form], data: QueryDict) -> forms.Form:
    """A section's form showing what was typed (unsaved), with no errors shown."""
    return form_class(initial={name: field.widget.value_from_datadict(data, {}, name)
                               for name, field in form_class.base_fields.items()})


def _differs(programme: Programme, name: str, data: QueryDict) -> bool:
    """Whether the page's post holds edits of section ``name`` that are not saved."""
    return SECTION_FORMS[name](data, initial={
        f: getattr(programme, f) for f in services.SECTION_FIELDS[name]}).has_changed()


def _posted_resources(data: QueryDict) -> set[int]:
    return {form_id(r) for r in data.getlist("resource")} - {0}


def _page_kept(request: HttpRequest, programme: Programme, *, saved: str,
               message: str, failed: bool) -> HttpResponse:
    """Without htmx, the page's one form came here to save the section ``saved``; the
    other sections' edits that are not saved yet are shown back as typed (nothing is
    lost). With no such edits: back to the page (post/redirect/get) with the message."""
    data = request.POST
    if data.get("page") != "all":  # a post of one section only: nothing else to keep
        unsaved: set[str] = set()
    else:
        unsaved = {n for n in SECTION_FORMS if n != saved and _differs(programme, n, data)}
        if saved != "resources" and _posted_resources(data) != set(
                programme.resources.values_list("pk", flat=True)):
            unsaved.add("resources")
    if not unsaved:
        (messages.error if failed else messages.success)(request, message)
        return _back(programme, f"section-{saved}")
    context = _context(request, programme)
    sections = dict(context["sections"])  # type: ignore[call-overload]
    for name in unsaved - {"resources"}:
        sections[name] = _as_typed(SECTION_FORMS[name], data)
    extra: dict[str, object] = {"sections": sections, "unsaved": unsaved}
    if "resources" in unsaved:
        extra["chosen_ids"] = _posted_resources(data)
    (messages.error if failed else messages.success)(request, message)
    return render(request, "programmes/programme.html", {**context, **extra})


@require_POST
def section(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    if name not in SECTION_FORMS:
        raise Http404
    programme = _for_edit(request, pk)
    form: forms.Form = SECTION_FORMS[name](request.POST)
    error = ""
    if form.is_valid():
        try:
            services.section_update(programme=programme, section=name, data=form.cleaned_data)
        except services.ProgrammeError as problem:
            error = str(problem)
    saved = form.is_valid() and not error
    programme.refresh_from_db()
    if request.htmx:  # type: ignore[attr-defined]
        context = _context(request, programme)
        sections = dict(context["sections"])  # type: ignore[call-overload]
        if not form.is_valid():
            sections[name] = form
        return _htmx_answer(request, "programmes/_section.html", {
            **context, "sections": sections, "name": name, "saved": saved, "error": error,
            "unsaved": set() if saved else {name}})
    if not saved:
        return _page_with_error(request, programme, name=name, form=form, error=error)
    return _page_kept(request, programme, saved=name, message=_("Раздел сохранён."),
                      failed=False)


def _page_with_error(request: HttpRequest, programme: Programme, *, name: str,
                     form: forms.Form, error: str) -> HttpResponse:
    """Without htmx, a section that did not save: the page again, this section with its
    errors by field and every section as typed (nothing is lost)."""
    if request.POST.get("page") != "all":
        messages.error(request, error or errors_text(form))
        return _back(programme, f"section-{name}")
    context = _context(request, programme)
    data = request.POST
    unsaved = {n for n in SECTION_FORMS if n == name or _differs(programme, n, data)}
    sections = {n: (form if n == name else _as_typed(SECTION_FORMS[n], data))
                for n in SECTION_FORMS}
    resources = _posted_resources(data)
    if resources != set(programme.resources.values_list("pk", flat=True)):
        unsaved.add("resources")
    messages.error(request, error or errors_text(form))
    return render(request, "programmes/programme.html", {
        **context, "sections": sections, "unsaved": unsaved, "chosen_ids": resources},
        status=422)


@require_POST
def resources(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _for_edit(request, pk)
    raw = request.POST.getlist("resource")
    error = ""
    try:
        bad = [r for r in raw if not form_id(r)]
        if bad:
            raise services.ProgrammeError(str(services.RESOURCE_UNAVAILABLE) % {"id": bad[0]})
        services.resources_set(programme=programme, resource_ids=[form_id(r) for r in raw])
    except services.ProgrammeError as problem:
        error = str(problem)
    if request.htmx:  # type: ignore[attr-defined]
        context = _context(request, programme)
        extra: dict[str, object] = {"resources_saved": not error, "resources_error": error}
        if error:
            extra.update(unsaved={"resources"}, chosen_ids=_posted_resources(request.POST))
        return _htmx_answer(request, "programmes/_resources.html", {**context, **extra})
    return _page_kept(request, programme, saved="resources",
                      message=error or _("Ресурсы программы сохранены."), failed=bool(error))


def _item_add(request: HttpRequest, pk: int, *, form_class: type[forms.Form], prefix: str,
              add: Any, fragment: str, added: str, anchor: str) -> HttpResponse:
    """Adds a roadmap row or an indicator; with htmx, answers the section (with the
    form's errors), otherwise goes back to it with a message."""
    programme = _for_edit(request, pk)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            add(programme=programme, data=form.cleaned_data)
            form = form_class(prefix=prefix)
        except services.ProgrammeError as error:
            form.add_error(None, str(error))
    if request.htmx:  # type: ignore[attr-defined]
        return _fragment(request, programme, fragment, **{f"{prefix}_form": form})
    if form.is_bound:
        messages.error(request, errors_text(form))
    else:
        messages.success(request, added)
    return _back(programme, anchor)


def _item_delete(request: HttpRequest, item: RoadmapRow | Indicator, *, delete: Any,
                 fragment: str, anchor: str) -> HttpResponse:
    programme = _for_edit(request, item.programme_id)
    try:
        delete(item)
    except services.ProgrammeError as error:
        messages.error(request, str(error))
    if request.htmx:  # type: ignore[attr-defined]
        return _fragment(request, programme, fragment)
    return _back(programme, anchor)


@require_POST
def roadmap_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_add(request, pk, form_class=RoadmapRowForm, prefix="roadmap",
                     add=services.roadmap_add, fragment="_roadmap.html",
                     added=_("Строка дорожной карты добавлена."), anchor="section-roadmap")


@require_POST
def roadmap_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.roadmap_row_get(scope=scope_for(request.user), pk=pk, for_="manage")
    return _item_delete(request, row, delete=lambda r: services.roadmap_delete(row=r),
                        fragment="_roadmap.html", anchor="section-roadmap")


@require_POST
def indicator_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_add(request, pk, form_class=IndicatorForm, prefix="indicator",
                     add=services.indicator_add, fragment="_indicators.html",
                     added=_("Показатель добавлен."), anchor="section-indicators")


@require_POST
def indicator_delete(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = selectors.indicator_get(scope=scope_for(request.user), pk=pk, for_="manage")
    return _item_delete(request, indicator,
                        delete=lambda i: services.indicator_delete(indicator=i),
                        fragment="_indicators.html", anchor="section-indicators")


@require_POST
def adopt(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _for_edit(request, pk)
    form = AdoptForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return _back(programme, "adopt")
    try:
        services.programme_adopt(programme=programme, user=request.user,  # type: ignore[arg-type]
                                 **form.cleaned_data)
    except services.ProgrammeError as error:
        messages.error(request, str(error))
        return _back(programme, "adopt")
    messages.success(request, _("Программа принята. Её правила формирования пар теперь — "
                                "значения по умолчанию при подборе пар организации."))
    return _back(programme)


@require_POST
def revise(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _for_edit(request, pk)
    try:
        draft = services.programme_revise(programme=programme, user=request.user)  # type: ignore[arg-type]
    except services.ProgrammeError as error:
        messages.error(request, str(error))
        return _back(programme)
    messages.success(request, _("Начата новая редакция. Действующая программа остаётся в силе, "
                                "пока новая не принята."))
    return _back(draft)


def document(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    renderer = documents.RENDERERS.get((kind, fmt))
    if renderer is None:
        raise Http404
    scope = scope_for(request.user)
    programme = selectors.programme_get(scope=scope, pk=pk)
    render_fn, stem, content_type = renderer
    response = HttpResponse(render_fn(documents.programme_data(programme)),
                            content_type=content_type)
    response["Content-Disposition"] = (f'attachment; filename="{stem}-{programme.year}-'
                                       f'v{programme.version}.{fmt}"')
    return response
