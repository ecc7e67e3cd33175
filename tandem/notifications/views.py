from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.notifications import selectors, services


def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_mine(user=request.user),  # type: ignore[arg-type]
                     30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.notification_get(user=request.user, pk=pk)  # type: ignore[arg-type]
    return redirect(services.notification_open(notification=notification))


@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    n = services.notifications_read_all(user=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Отмечено прочитанными: %(n)s.") % {"n": n})
    return redirect("notifications:list")
