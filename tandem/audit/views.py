from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tandem.access.scope import scope_for
from tandem.audit.selectors import SYSTEM, audit_page, describe_entries

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
    # Newer and older pages by the place of the entry beside them (keyset), no count.
    page = audit_page(scope=scope, model=model, older=request.GET.get("older"),
                      newer=request.GET.get("newer"))
    return render(request, "audit/audit_log.html", {
        "page": page, "rows": describe_entries(page.entries), "model": model,
        "model_choices": MODEL_CHOICES, "system": SYSTEM,
        # An empty page reached by a cursor (a stale or edited link) still leads back.
        "moved": bool(request.GET.get("older") or request.GET.get("newer"))})
