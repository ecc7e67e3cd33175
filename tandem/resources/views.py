from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from tandem.access.scope import scope_for
from tandem.resources.forms import ResourceFilterForm, ResourceForm, owner_choices
from tandem.resources.selectors import (
    resource_get,
    resource_search,
    resources_manageable,
)


def catalogue(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = ResourceFilterForm(request.GET or None)
    page = Paginator(resource_search(scope=scope, filters=form.filters()), 30).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(),
               "can_add": bool(owner_choices(scope))}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "resources/_results.html", context)
    return render(request, "resources/catalogue.html", context)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    resource = resource_get(scope=scope, pk=pk)
    can_edit = resources_manageable(scope=scope).filter(pk=pk).exists()
    return render(request, "resources/detail.html", {"resource": resource, "can_edit": can_edit})


def edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    scope = scope_for(request.user)
    if not owner_choices(scope):
        raise PermissionDenied
    resource = get_object_or_404(resources_manageable(scope=scope), pk=pk) if pk else None
    form = ResourceForm(request.POST or None, instance=resource, scope=scope)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if saved.created_by_id is None:
            saved.created_by = request.user  # type: ignore[assignment]
        saved.save()
        form.save_m2m()
        messages.success(request, _("Ресурс сохранён."))
        return redirect("resources:detail", pk=saved.pk)
    return render(request, "resources/form.html", {"form": form, "resource": resource})
