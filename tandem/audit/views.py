from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tandem.access.scope import scope_for
from tandem.audit.forms import MODEL_CHOICES, AuditFilterForm
from tandem.audit.selectors import SYSTEM, audit_page, day_cursor, describe_entries


def audit_log(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require("can_view_audit")
    form = AuditFilterForm(request.GET)
    model, day = form.values()
    # Newer and older pages by the place of the entry beside them (keyset), no count;
    # «по дату» is the older page of the end of that day.
    older = day_cursor(day) if day is not None else request.GET.get("older")
    newer = None if day is not None else request.GET.get("newer")
    page = audit_page(scope=scope, model=model, older=older, newer=newer)
    return render(request, "audit/audit_log.html", {
        "page": page, "rows": describe_entries(page.entries), "model": model,
        "model_choices": MODEL_CHOICES, "system": SYSTEM, "form": form, "day": day,
        # An empty page reached by a cursor (a stale or edited link) still leads back.
        "moved": bool(older or newer),
        # A bookmark of the numbered pages (before issue #16): «?page=N» now means
        # nothing; the page says so rather than silently showing the newest entries.
        "numbered": bool(request.GET.get("page")) and not (older or newer)})
