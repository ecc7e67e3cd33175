from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from tandem.access.scope import scope_for
from tandem.resources import imports, services
from tandem.resources.forms import (
    ResourceFilterForm,
    ResourceForm,
    ResourceImportForm,
    owner_choices,
)
from tandem.resources.selectors import (
    competencies_active,
    resource_can_manage,
    resource_get,
    resource_import_get,
    resource_import_preview,
    resource_search,
    resources_without_competency,
)


def catalogue(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = ResourceFilterForm(request.GET or None, scope=scope)
    page = Paginator(resource_search(scope=scope, filters=form.filters()), 30).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    unlinked = resources_without_competency(scope=scope)
    context = {"form": form, "page": page, "query": query.urlencode(),
               "can_add": bool(owner_choices(scope)), "unlinked_count": unlinked.count(),
               "unlinked_ids": set(unlinked.filter(pk__in=[r.pk for r in page.object_list])
                                   .values_list("pk", flat=True))}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "resources/_results.html", context)
    return render(request, "resources/catalogue.html", context)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    resource = resource_get(scope=scope, pk=pk)
    can_edit = resource_can_manage(scope=scope, resource=resource)
    return render(request, "resources/detail.html", {"resource": resource, "can_edit": can_edit})


def edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    scope = scope_for(request.user)
    if not owner_choices(scope):
        raise PermissionDenied
    resource = resource_get(scope=scope, pk=pk, for_="manage") if pk else None
    form = ResourceForm(instance=resource, scope=scope)
    if request.method == "POST":
        try:
            saved = services.resource_save(scope=scope, user=request.user,  # type: ignore[arg-type]
                                           data=request.POST, resource=resource)
        except services.ResourceInvalid as invalid:
            form = invalid.form
        else:
            messages.success(request, _("Ресурс сохранён."))
            return redirect("resources:detail", pk=saved.pk)
    return render(request, "resources/form.html", {"form": form, "resource": resource})


# -- import from a spreadsheet -------------------------------------------------------
IMPORTED = _lazy("Каталог пополнен: новых ресурсов — %(created)s, обновлено — %(updated)s, "
                 "без изменений — %(unchanged)s.")
TEMPLATE_FILENAME = "tandem-resursy-shablon.xlsx"


def import_upload(request: HttpRequest) -> HttpResponse:
    """The file and its owner; on upload, the preview of every row. Nothing is saved to
    the catalogue here."""
    scope = scope_for(request.user)
    form = ResourceImportForm(request.POST or None, request.FILES or None, scope=scope)
    if not form.fields["owner"].choices:  # type: ignore[attr-defined]
        raise PermissionDenied
    preview = upload = None
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        upload = services.resource_import_upload(
            owner=form.cleaned_data["owner"], user=request.user,  # type: ignore[arg-type]
            filename=f.name, content=f.read())
        preview = resource_import_preview(upload=upload)
    return render(request, "resources/import.html",
                  {"form": form, "preview": preview, "upload": upload})


@require_POST
def import_commit(request: HttpRequest, upload_pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    upload = resource_import_get(scope=scope, user=request.user,  # type: ignore[arg-type]
                                 pk=upload_pk)
    try:
        outcome = services.resource_import_commit(upload=upload,
                                                  user=request.user)  # type: ignore[arg-type]
    except services.ImportRefused as error:
        messages.error(request, str(error))
        return redirect("resources:import")
    messages.success(request, str(IMPORTED) % {"created": outcome.created,
                                               "updated": outcome.updated,
                                               "unchanged": outcome.unchanged})
    return redirect("resources:catalogue")


def import_template(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not owner_choices(scope):
        raise PermissionDenied
    response = HttpResponse(imports.template_xlsx(competencies_active(scope=scope)),
                            content_type=imports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_FILENAME}"'
    return response
