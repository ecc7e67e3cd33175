from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import scope_for
from tandem.access.services import RoleError, curator_assign, curator_revoke
from tandem.territory.forms import CuratorAssignForm
from tandem.territory.selectors import organization_get, organization_tree


def organizations(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.is_staff:
        raise PermissionDenied
    return render(request, "territory/organization_tree.html",
                  {"tree": organization_tree(scope=scope)})


def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    organization = organization_get(scope=scope, pk=pk)
    can_assign = scope.curator_assignable().filter(pk=pk).exists()
    curators = (RoleAssignment.objects.filter(role=Role.CURATOR, organization=organization)
                .select_related("user__participant").order_by("user__last_name"))
    form = CuratorAssignForm(request.POST or None, organization=organization)
    if request.method == "POST":
        if not can_assign:
            raise PermissionDenied
        if form.is_valid():
            participant = form.cleaned_data["participant"]
            try:
                curator_assign(organization=organization, participant=participant,
                               base_url=request.build_absolute_uri("/"))
            except RoleError as error:
                form.add_error("participant", str(error))
            else:
                messages.success(request, _("%(name)s назначен(а) куратором.")
                                 % {"name": participant})
                return redirect("territory:detail", pk=pk)
    return render(request, "territory/organization_detail.html", {
        "organization": organization, "curators": curators, "form": form,
        "can_assign": can_assign})


@require_POST
def curator_revoke_view(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    organization = get_object_or_404(scope.curator_assignable(), pk=pk)
    assignment = get_object_or_404(RoleAssignment, pk=assignment_pk, role=Role.CURATOR,
                                   organization=organization)
    curator_revoke(assignment=assignment)
    messages.success(request, _("Назначение куратора снято."))
    return redirect("territory:detail", pk=pk)
