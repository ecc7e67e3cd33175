"""The audit log page's filter: what changed, and the day to jump to."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.access.forms import DATE_FORMATS

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

BAD_DAY = _("«По дату»: укажите дату в виде ДД.ММ.ГГГГ или ГГГГ-ММ-ДД — показаны самые "
            "новые записи.")


class AuditFilterForm(forms.Form):
    """``model`` — the kind of record (anything else: all of them, as before the form);
    ``day`` — the page of the entries at and before the end of that day, in the user's
    time zone (:func:`tandem.audit.selectors.day_cursor`)."""

    model = forms.ChoiceField(label=_("Что"), required=False, choices=MODEL_CHOICES)
    day = forms.DateField(label=_("По дату"), required=False, input_formats=DATE_FORMATS,
                          error_messages={"invalid": BAD_DAY},
                          widget=forms.DateInput(attrs={"type": "date"}))

    def values(self) -> tuple[str, dt.date | None]:
        """The kind and the day as given, each only when valid (an unknown kind is all
        of them, a bad day none: its message is under its field)."""
        self.is_valid()
        return (str(self.cleaned_data.get("model") or ""), self.cleaned_data.get("day"))
