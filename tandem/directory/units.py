from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.access.forms import CHOOSE_MUNICIPALITY_FIRST, unit_choices
from tandem.access.scope import scope_for
from tandem.access.services import RoleError, curator_assign, curator_revoke
from tandem.directory.forms import (
    CuratorAssignForm,
    MunicipalityForm,
    OrganizationForm,
    RegionForm,
)
from tandem.directory.selectors import (
    ORGANIZATIONS_PER_PAGE,
    curator_assignment_get,
    curators_of,
    municipalities_in,
    municipality_in_scope,
    organization_get,
    organization_tree,
    organizations_listed,
    organizations_page,
    region_get,
    regions_operated,
)
from tandem.territory import services
from tandem.territory.models import Region
from tandem.web.forms import BLANK_CHOICE, form_id, search_text


def organizations(request: HttpRequest) -> HttpResponse:
    """The territory: region → municipalities with their figures; a municipality (or a
    search by name, or a scope of one municipality) lists its organizations a page at a
    time, each with its figures read for the rows shown."""
    scope = scope_for(request.user)
    scope.require("is_staff")
    tree = organization_tree(scope=scope)
    raw = request.GET.get("municipality", "")
    municipality = (municipality_in_scope(scope=scope, pk=form_id(raw)) if raw else None)
    text = search_text(request.GET.get("q"))
    only = [m for r in tree for m in r.municipalities]
    if municipality is None and len(only) == 1:
        municipality = only[0].municipality
    listing = municipality is not None or bool(text)
    page = None
    if listing:
        ids = organizations_listed(scope=scope, text=text,
                                   municipality_id=municipality.pk if municipality else None)
        page = Paginator(ids, ORGANIZATIONS_PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = organizations_page(  # type: ignore[assignment]  # the rows shown
            scope=scope, ids=list(page.object_list))
    query = urlencode({k: v for k, v in (
        ("municipality", municipality.pk if municipality and raw else ""), ("q", text)) if v})
    return render(request, "territory/organization_tree.html", {
        "tree": tree, "can_add": scope.is_region_operator, "municipality": municipality,
        "text": text, "page": page, "query": query, "several": len(only) > 1})


def _operator_regions(request: HttpRequest) -> QuerySet[Region]:
    """The regions whose territory this user may extend: a region operator's own."""
    scope = scope_for(request.user)
    scope.require("is_region_operator")
    return regions_operated(scope=scope)


def municipality_create(request: HttpRequest) -> HttpResponse:
    form = MunicipalityForm(request.POST or None, regions=_operator_regions(request))
    if request.method == "POST" and form.is_valid():
        municipality = services.municipality_create(**form.cleaned_data)
        messages.success(request, _("Муниципалитет «%(name)s» добавлен.")
                         % {"name": municipality.name})
        return redirect("territory:tree")
    return render(request, "territory/unit_form.html", {
        "form": form, "title": _("Новый муниципалитет")})


def region_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The region operator's settings of their region: its time zone."""
    scope = scope_for(request.user)
    scope.require("is_region_operator")
    region = region_get(scope=scope, pk=pk, for_="manage")
    form = RegionForm(request.POST or None, instance=region)
    if request.method == "POST" and form.is_valid():
        services.region_update(region=region, time_zone=form.cleaned_data["time_zone"])
        messages.success(request, _("Часовой пояс региона «%(name)s»: %(zone)s.")
                         % {"name": region.name, "zone": region.time_zone_label})
        return redirect("territory:tree")
    return render(request, "territory/unit_form.html", {
        "form": form, "title": _("Регион «%(name)s»") % {"name": region.name},
        "submit": _("Сохранить")})


def organization_create(request: HttpRequest) -> HttpResponse:
    regions = _operator_regions(request)
    municipalities = municipalities_in(regions)
    form = OrganizationForm(request.POST or None, municipalities=municipalities,
                            initial={"municipality": request.GET.get("municipality")})
    if request.method == "POST" and form.is_valid():
        organization = services.organization_create(**form.cleaned_data)
        messages.success(request, _("Организация «%(name)s» добавлена. Добавьте сотрудника "
                                    "и назначьте его куратором.")
                         % {"name": organization.short_name})
        return redirect("territory:detail", pk=organization.pk)
    return render(request, "territory/unit_form.html", {
        "form": form, "title": _("Новая организация")})


def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    organization = organization_get(scope=scope, pk=pk)
    can_assign = scope.curator_assignable().filter(pk=pk).exists()
    curators = curators_of(organization)
    form = CuratorAssignForm(request.POST or None, organization=organization)
    if request.method == "POST":
        organization = organization_get(scope=scope, pk=pk, for_="manage")
        if form.is_valid():
            participant = form.cleaned_data["participant"]
            try:
                curator_assign(organization=organization, participant=participant,
                               base_url=request.build_absolute_uri("/"))
            except RoleError as error:
                form.add_error("participant", str(error))
            else:
                messages.success(request, _("%(name)s — теперь куратор организации.")
                                 % {"name": participant})
                return redirect("territory:detail", pk=pk)
    return render(request, "territory/organization_detail.html", {
        "organization": organization, "curators": curators, "form": form,
        "can_assign": can_assign})


@require_POST
def curator_revoke_view(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    assignment = curator_assignment_get(scope=scope_for(request.user), organization_pk=pk,
                                        pk=assignment_pk)
    curator_revoke(assignment=assignment)
    messages.success(request, _("Назначение куратора снято."))
    return redirect("territory:detail", pk=pk)


def organization_choices(request: HttpRequest) -> HttpResponse:
    """htmx: the options of one municipality's organizations in the user's scope, for a
    form's organization select once its municipality select changed
    (``access.forms.refill_attrs``) — never all of a region's thousands. A municipality
    that is not the user's is a 404; ``prefix=o:`` gives the values and labels of the
    diagnostics campaign's «Для кого» (its organizations' group, no empty option)."""
    scope = scope_for(request.user)
    scope.require("is_staff")
    raw = request.GET.get("municipality") or None
    units = unit_choices(scope, municipality=raw)
    if raw is not None and units.municipality is None:
        raise Http404
    offered = units.offered() if units.municipality or units.single_municipality else []
    if request.GET.get("prefix") == "o:":
        options = [(f"o:{pk}", _("Организация: %(name)s") % {"name": name}) for pk, name in offered]
        empty = None
    else:
        options = [(str(pk), name) for pk, name in offered]
        empty = str(BLANK_CHOICE if offered else CHOOSE_MUNICIPALITY_FIRST)
    return render(request, "territory/_organization_options.html",
                  {"options": options, "empty": empty})
