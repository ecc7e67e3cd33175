import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.programmes.forms import PairPreferencesForm
from tandem.web.forms import DateInput, IdChoiceField, IdMultipleChoiceField, collate

MONTHS_DEFAULT = 6


def _in_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, 28))


class ApproveForm(forms.Form):
    # The inputs sit outside the approve form's element (the pair checkboxes are spread
    # over the cards), so they name it with the `form` attribute.
    starts_on = forms.DateField(label=_("Начало"),
                                widget=DateInput(attrs={"form": "approve-form"}))
    ends_on = forms.DateField(label=_("Окончание"),
                              widget=DateInput(attrs={"form": "approve-form"}),
                              help_text=_("Цикл длится от 3 до 12 месяцев."))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = _in_months(today, MONTHS_DEFAULT)


def _with_school(person: Participant) -> str:
    return f"{person.full_name} ({person.organization.short_name})"


class ManualPairForm(forms.Form):
    a = IdChoiceField(label=_("Первый участник"), queryset=Participant.objects.none())
    b = IdChoiceField(label=_("Второй участник"), queryset=Participant.objects.none())

    def __init__(self, *args: object, pool: Any, by_school: bool = False,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name in ("a", "b"):
            field = self.fields[name]
            if by_school:  # a municipal pool: «Бобров Борис Олегович (Школа А)»
                field.queryset = pool.select_related("organization")  # type: ignore[attr-defined]
                field.label_from_instance = _with_school  # type: ignore[attr-defined]
            else:
                field.queryset = pool  # type: ignore[attr-defined]
            collate(field)  # «Ёлкина» among the «Е», whatever the database's collation

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("a") and data.get("a") == data.get("b"):
            raise forms.ValidationError(_("Выберите двух разных людей."))
        return data


class OrderForm(forms.Form):
    number = forms.CharField(label=_("Номер приказа"), max_length=40)
    date = forms.DateField(label=_("Дата"), widget=DateInput())
    head_name = forms.CharField(label=_("Руководитель (ФИО)"), max_length=200)
    head_position = forms.CharField(label=_("Должность руководителя"), max_length=200,
                                    initial=_("Директор"))
    pairs = IdMultipleChoiceField(
        label=_("Пары"), queryset=Pair.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Выберите хотя бы одну пару.")})

    def __init__(self, *args: object, pairs: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["pairs"].queryset = pairs  # type: ignore[attr-defined]
        self.fields["date"].initial = timezone.localdate()


class RunForm(PairPreferencesForm):
    """The rules of one engine run, pre-filled from the organization's adopted programme."""

    field_order = ["options", "reciprocity_required", "no_reporting_line", "capacity",
                   "min_experience_gap", "age_groups", "subject", "place"]

    # Marks a post that carries the options: without it (an old form, a script) the run
    # takes the defaults, rather than reading absent checkboxes as «off».
    options = forms.CharField(widget=forms.HiddenInput, initial="1", required=False)
    reciprocity_required = forms.BooleanField(
        label=_("Взаимность обязательна: каждый в паре и учит, и учится"), required=False)
    no_reporting_line = forms.BooleanField(
        label=_("Без пар с непосредственным руководителем"), required=False)
    capacity = forms.TypedChoiceField(
        label=_("Пар на одного педагога"), coerce=int, empty_value=None, required=False,
        choices=[("", _("по программам организаций"))] + [(i, str(i)) for i in range(1, 4)],
        error_messages={"invalid_choice": _("Поле «Пар на одного педагога»: от 1 до 3.")})

    def __init__(self, *args: object, per_organization: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not per_organization:
            field = self.fields["capacity"]
            field.choices = [(i, str(i)) for i in range(1, 4)]  # type: ignore[attr-defined]
            field.required = True
