from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

SCALE_CHOICES = [(i, str(i)) for i in range(1, 11)]
REQUIRED = _("Поле «%(field)s»: выберите оценку от 1 до 10.")
TOO_LONG = _("Поле «%(field)s»: не больше 3000 знаков.")

# (field, question); the sections of the page group them by role.
AS_MENTEE = [
    ("mentee_benefit", _("Насколько полезно то, чему вас научил партнёр?")),
    ("mentee_support", _("Насколько вы довольны поддержкой партнёра?")),
]
AS_MENTOR = [
    ("mentor_satisfaction", _("Насколько вы довольны своей работой наставника?")),
    ("mentor_engagement", _("Насколько вовлечён партнёр, когда учится у вас?")),
]
OVERALL = [("recommend", _("Порекомендуете ли вы реверсивное наставничество коллегам?"))]
TEXTS = [("text_good", _("Что было самым полезным?")),
         ("text_improve", _("Что стоит изменить?"))]


class SurveyForm(forms.Form):
    """1–10 scales and two free texts; every scale is required, texts are optional."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in AS_MENTEE + AS_MENTOR + OVERALL:
            self.fields[name] = forms.TypedChoiceField(
                label=label, choices=SCALE_CHOICES, coerce=int, widget=forms.RadioSelect,
                error_messages={"required": REQUIRED % {"field": label},
                                "invalid_choice": REQUIRED % {"field": label}})
        for name, label in TEXTS:
            self.fields[name] = forms.CharField(
                label=label, required=False, max_length=3000,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={"max_length": TOO_LONG % {"field": label}})

    def group(self, items: list[tuple[str, Any]]) -> list[forms.BoundField]:
        return [self[name] for name, _label in items]

    @property
    def mentee_fields(self) -> list[forms.BoundField]:
        return self.group(AS_MENTEE)

    @property
    def mentor_fields(self) -> list[forms.BoundField]:
        return self.group(AS_MENTOR)

    @property
    def overall_fields(self) -> list[forms.BoundField]:
        return self.group(OVERALL)

    @property
    def text_fields(self) -> list[forms.BoundField]:
        return self.group(TEXTS)
