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


class ResultsFilterForm(forms.Form):
    """The period, municipality, organization and sector of the results page; the choices
    come from the user's scope, so a foreign id is simply not a valid choice."""

    date_from = forms.DateField(label=_("С"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("По"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    municipality: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Муниципалитет"), queryset=None, required=False, empty_label=_("все"))
    organization: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Организация"), queryset=None, required=False, empty_label=_("все"))
    sector = forms.ChoiceField(label=_("Сфера"), required=False)

    def __init__(self, *args: Any, scope: Any, **kwargs: Any) -> None:
        from tandem.territory.models import Organization

        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = scope.municipalities().order_by("name")  # type: ignore[attr-defined]
        self.fields["organization"].queryset = (  # type: ignore[attr-defined]
            scope.organizations().order_by("short_name"))
        self.fields["sector"].choices = [("", _("все")), *Organization.Sector.choices]  # type: ignore[attr-defined]

    def filters(self) -> Any:
        from tandem.access.filters import Filters

        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(date_from=data["date_from"], date_to=data["date_to"],
                       municipality_id=data["municipality"].pk if data["municipality"] else None,
                       organization_id=data["organization"].pk if data["organization"] else None,
                       sector=data["sector"] or None)
