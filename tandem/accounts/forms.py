from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Неверный логин или пароль. Обратите внимание: после пяти неудачных "
                           "попыток вход приостанавливается на 15 минут."),
    }
