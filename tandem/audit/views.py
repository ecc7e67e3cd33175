from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tandem.access.scope import scope_for
from tandem.audit.selectors import SYSTEM, audit_entries, describe_entries

MODEL_CHOICES = [
    ("", _("все записи")),
    ("participant", _("участники")),
    ("roleassignment", _("назначения ролей")),
    ("organization", _("организации")),
    ("municipality", _("муниципалитеты")),
    ("region", _("регионы")),
    ("pair", _("пары")),
    ("pairrule", _("правила подбора")),
    ("pairorder", _("приказы")),
    ("campaign", _("диагностики")),
    ("resource", _("ресурсы")),
]


def audit_log(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require("can_view_audit")
    model = request.GET.get("model", "")
    if model not in dict(MODEL_CHOICES):
        model = ""
    page = Paginator(audit_entries(scope=scope, model=model), 50).get_page(
        request.GET.get("page"))
    return render(request, "audit/audit_log.html", {
        "page": page, "rows": describe_entries(page.object_list), "model": model,
        "model_choices": MODEL_CHOICES, "system": SYSTEM})
