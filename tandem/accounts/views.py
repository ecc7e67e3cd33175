"""The password-reset request, rate-limited (docs/security.md, «Ограничения частоты»)."""

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.utils.translation import gettext as _

from tandem.accounts.throttling import reset_wait


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view; too many requests from one address or for one e-mail get a 429 with
    the form and a Russian message, and no letter."""

    def form_valid(self, form: Any) -> HttpResponse:
        wait = reset_wait(self.request)
        if wait is not None:
            minutes = max(1, (wait + 59) // 60)
            form.add_error(None, _("Слишком много запросов на восстановление пароля. "
                                   "Повторите через %(minutes)s мин. или обратитесь к "
                                   "куратору своей организации.") % {"minutes": minutes})
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)
