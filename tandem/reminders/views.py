"""«Напомнить»: the curator sends a pair's open reminders now instead of waiting for the
daily run. The same rule as the run: each event is e-mailed once (ReminderLog), so a
second press the same day sends nothing and says so."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.access.scope import scope_for
from tandem.pairs.selectors import pair_manageable_only
from tandem.reminders.services import reminders_send


@require_POST
def send_now(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    pairs = pair_manageable_only(scope=scope, pk=pk)
    result = reminders_send(today=timezone.localdate(), pairs=pairs,
                            base_url=request.build_absolute_uri("/"))
    if result.emails:
        messages.success(request, _("Напоминание отправлено: писем — %(n)s.") % {
            "n": result.emails})
    elif result.events:
        messages.warning(request, _("Напоминание записано, но письмо отправить некому: у "
                                    "участников нет адреса или согласия на обработку "
                                    "данных, или они отключили письма-напоминания. "
                                    "Свяжитесь с ними сами."))
    else:
        messages.info(request, _("Всё, что сейчас открыто у этой пары, уже было "
                                 "отправлено: повторно письма не уходят."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "dashboard"
    return redirect(back)
