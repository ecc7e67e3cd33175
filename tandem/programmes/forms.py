from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.core import programmes as core
from tandem.programmes.models import Programme
from tandem.web.forms import DateInput

CAPACITY_CHOICES = [(i, str(i)) for i in range(1, core.MAX_CAPACITY + 1)]


class GoalsForm(forms.Form):
    goals = forms.CharField(label=_("Цель"), widget=forms.Textarea(attrs={"rows": 3}),
                            max_length=3000,
                            error_messages={"required": _("Поле «Цель»: опишите цель.")})
    tasks = forms.CharField(label=_("Задачи"), widget=forms.Textarea(attrs={"rows": 5}),
                            max_length=5000, help_text=_("Каждая задача — с новой строки."),
                            error_messages={"required": _("Поле «Задачи»: нужна хотя бы "
                                                          "одна задача.")})


class FormsForm(forms.Form):
    field_order = ["forms", "forms_other"]
    forms_other = forms.CharField(label=_("Свои формы и методы"), required=False,
                                  max_length=3000, widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("Каждая — с новой строки."))
    # Last: the field's name shadows the `forms` module inside the class body.
    forms = forms.MultipleChoiceField(
        label=_("Формы и методы из списка"), required=False,
        choices=[(_("Формы наставничества"), list(core.FORMS)),
                 (_("Методы работы пар"), list(core.METHODS))],
        widget=forms.CheckboxSelectMultiple)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("forms") and not str(data.get("forms_other", "")).strip():
            raise forms.ValidationError(_("Поле «Формы и методы»: выберите из списка или "
                                          "впишите свои."))
        return data


GAP_ERROR = _("Поле «Разница в стаже»: от 0 до %(max)s лет.") % {
    "max": core.MAX_EXPERIENCE_GAP}


class PairPreferencesForm(forms.Form):
    """Who may pair with whom (tandem.core.programmes.PairPreferences): the fields the
    programme's rules and the pair formation's run form share. Left empty, a field is the
    rule «any»."""

    min_experience_gap = forms.IntegerField(
        label=_("Разница в педагогическом стаже, не меньше (лет)"), min_value=0,
        max_value=core.MAX_EXPERIENCE_GAP, required=False, initial=0,
        help_text=_("0 — любая. Стаж, который не указан, правилу не удовлетворяет."),
        error_messages={"min_value": GAP_ERROR, "max_value": GAP_ERROR,
                        "invalid": _("Поле «Разница в стаже»: целое число лет от 0 до 40.")})
    age_groups = forms.ChoiceField(
        label=_("Возрастные группы"), required=False, initial=Programme.AgeGroups.ANY,
        choices=Programme.AgeGroups.choices,
        error_messages={"invalid_choice": _("Поле «Возрастные группы»: выберите из списка.")})
    subject = forms.ChoiceField(
        label=_("Предмет или направление"), required=False, initial=Programme.Subject.ANY,
        choices=Programme.Subject.choices,
        error_messages={"invalid_choice": _("Поле «Предмет или направление»: выберите из "
                                            "списка.")})
    place = forms.ChoiceField(
        label=_("Где работает пара"), required=False, initial=Programme.Place.ANY,
        choices=Programme.Place.choices,
        help_text=_("«В одном здании» — только коллеги одной организации с одним зданием в "
                    "карточке; пары из разных школ тогда не формируются."),
        error_messages={"invalid_choice": _("Поле «Где работает пара»: выберите из списка.")})

    def clean_min_experience_gap(self) -> int:
        return self.cleaned_data.get("min_experience_gap") or 0

    def clean_age_groups(self) -> str:
        return self.cleaned_data.get("age_groups") or Programme.AgeGroups.ANY

    def clean_subject(self) -> str:
        return self.cleaned_data.get("subject") or Programme.Subject.ANY

    def clean_place(self) -> str:
        return self.cleaned_data.get("place") or Programme.Place.ANY


class RulesForm(PairPreferencesForm):
    field_order = ["pair_scope", "reciprocity_required", "no_reporting_line", "capacity",
                   "min_experience_gap", "age_groups", "subject", "place"]
    pair_scope = forms.ChoiceField(label=_("Где формируются пары"),
                                   choices=Programme.PairScope.choices,
                                   widget=forms.RadioSelect)
    reciprocity_required = forms.BooleanField(
        label=_("Взаимность обязательна: каждый в паре и учит, и учится"), required=False)
    no_reporting_line = forms.BooleanField(
        label=_("Без пар с непосредственным руководителем"), required=False)
    capacity = forms.TypedChoiceField(
        label=_("Пар на одного педагога"), choices=CAPACITY_CHOICES, coerce=int,
        error_messages={"invalid_choice": _("Поле «Пар на одного педагога»: от 1 до 3.")})

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if (data.get("pair_scope") == Programme.PairScope.MUNICIPALITY
                and data.get("place") == Programme.Place.SAME_BUILDING):
            self.add_error("place", _("Поле «Где работает пара»: пары «только в одном "
                                      "здании» не формируются в муниципальном пуле, где "
                                      "коллеги из разных школ. Выберите «внутри "
                                      "организации» или «любое здание и онлайн»."))
        return data


class TechnologiesForm(forms.Form):
    technologies = forms.MultipleChoiceField(
        label=_("Технологии из списка"), required=False, choices=list(core.TECHNOLOGIES),
        widget=forms.CheckboxSelectMultiple)
    technologies_other = forms.CharField(
        label=_("Свои технологии"), required=False, max_length=3000,
        widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Каждая — с новой строки."))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("technologies") and not str(data.get("technologies_other", "")).strip():
            raise forms.ValidationError(_("Поле «Технологии восполнения дефицитов»: выберите "
                                          "из списка или впишите свои."))
        return data


SECTION_FORMS: dict[str, type[forms.Form]] = {
    "goals": GoalsForm, "forms": FormsForm, "rules": RulesForm,
    "technologies": TechnologiesForm,
}


class RoadmapRowForm(forms.Form):
    stage = forms.ChoiceField(label=_("Этап"), choices=list(core.STAGES),
                              error_messages={"required": _("Поле «Этап»: выберите этап."),
                                              "invalid_choice": _("Поле «Этап»: нет такого "
                                                                  "этапа.")})
    activity = forms.CharField(label=_("Мероприятие"), max_length=500,
                               error_messages={"required": _("Поле «Мероприятие»: опишите, "
                                                             "что будет сделано.")})
    starts_on = forms.DateField(label=_("Начало"), widget=DateInput(),
                                error_messages={"required": _("Поле «Начало»: укажите дату."),
                                                "invalid": _("Поле «Начало»: дата "
                                                             "ДД.ММ.ГГГГ.")})
    ends_on = forms.DateField(label=_("Окончание"), widget=DateInput(),
                              error_messages={"required": _("Поле «Окончание»: укажите "
                                                            "дату."),
                                              "invalid": _("Поле «Окончание»: дата "
                                                           "ДД.ММ.ГГГГ.")})
    responsible = forms.CharField(label=_("Ответственный"), max_length=200,
                                  error_messages={"required": _("Поле «Ответственный»: "
                                                                "укажите, кто отвечает.")})
    result = forms.CharField(label=_("Результат"), max_length=500,
                             error_messages={"required": _("Поле «Результат»: что получится "
                                                           "в итоге.")})

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:  # type: ignore[operator]
            self.add_error("ends_on", _("Поле «Окончание»: не раньше начала."))
        return data


class IndicatorForm(forms.Form):
    title = forms.CharField(label=_("Показатель"), max_length=300,
                            error_messages={"required": _("Поле «Показатель»: назовите "
                                                          "показатель.")})
    unit = forms.CharField(label=_("Единица"), max_length=30, required=False)
    target = forms.DecimalField(label=_("Целевое значение"), max_digits=10, decimal_places=2,
                                min_value=0,
                                error_messages={
                                    "required": _("Поле «Целевое значение»: укажите число."),
                                    "invalid": _("Поле «Целевое значение»: нужно число."),
                                    "min_value": _("Поле «Целевое значение»: не меньше 0."),
                                    "max_digits": _("Поле «Целевое значение»: слишком "
                                                    "большое число."),
                                    "max_decimal_places": _("Поле «Целевое значение»: не "
                                                            "больше двух знаков после "
                                                            "запятой."),
                                    "max_whole_digits": _("Поле «Целевое значение»: слишком "
                                                          "большое число.")})


class AdoptForm(forms.Form):
    order_number = forms.CharField(label=_("Номер приказа"), max_length=40,
                                   error_messages={"required": _("Поле «Номер приказа»: "
                                                                 "укажите номер.")})
    order_date = forms.DateField(label=_("Дата приказа"), widget=DateInput(),
                                 error_messages={"required": _("Поле «Дата приказа»: "
                                                               "укажите дату."),
                                                 "invalid": _("Поле «Дата приказа»: дата "
                                                              "ДД.ММ.ГГГГ.")})

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["order_date"].initial = timezone.localdate()
