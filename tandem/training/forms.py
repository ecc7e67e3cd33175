from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.core import training as core
from tandem.diagnostics.models import Competency
from tandem.people.models import Participant
from tandem.resources.models import Resource
from tandem.territory.models import Municipality
from tandem.training.models import CRITERION_LABELS, SCORE_LABELS, Case, CaseParticipant
from tandem.web.forms import (
    DateInput,
    IdChoiceField,
    IdMultipleChoiceField,
    collate,
    id_formfield,
)
from tandem.web.templatetags.typography import number_kept

LEVEL_CHOICES = [("", "—"), ("0", "0"), ("1", "1"), ("2", "2"), ("3", "3")]


class CaseForm(forms.ModelForm[Case]):
    class Meta:
        model = Case
        formfield_callback = id_formfield
        fields = ["title", "context", "municipality", "starts_on", "ends_on", "resources"]
        widgets = {"context": forms.Textarea(attrs={"rows": 6}), "starts_on": DateInput(),
                   "ends_on": DateInput(), "resources": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, municipalities: QuerySet[Municipality],
                 resources: QuerySet[Resource], municipality_required: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities  # type: ignore[attr-defined]
        self.fields["municipality"].required = municipality_required
        self.fields["municipality"].help_text = _("Пусто — кейс региона.")
        self.fields["resources"].queryset = resources.order_by("level", "title")  # type: ignore[attr-defined]
        self.fields["resources"].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] <= data["starts_on"]:
            self.add_error("ends_on", _("Окончание должно быть позже начала."))
        return data


class PersonForm(forms.ModelForm[CaseParticipant]):
    """One of the case's people; the levels come as one select per competency
    (``level_<code>``), see :meth:`levels`."""

    class Meta:
        model = CaseParticipant
        formfield_callback = id_formfield
        fields = ["name", "age_band", "experience_years", "position", "subject", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, competencies: list[Competency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.competencies = competencies
        current = self.instance.levels if self.instance.pk else {}
        for c in competencies:
            self.fields[f"level_{c.code}"] = forms.ChoiceField(
                label=c.name, choices=LEVEL_CHOICES, required=False,
                initial=str(current[c.code]) if c.code in current else "")

    def level_fields(self) -> list[tuple[Competency, forms.BoundField]]:
        return [(c, self[f"level_{c.code}"]) for c in self.competencies]

    def levels(self) -> dict[str, int]:
        return {c.code: int(self.cleaned_data[f"level_{c.code}"]) for c in self.competencies
                if self.cleaned_data.get(f"level_{c.code}") not in (None, "")}

    def person_data(self) -> dict[str, Any]:
        return {**{f: self.cleaned_data[f] for f in self.Meta.fields}, "levels": self.levels()}


class TeamForm(forms.Form):
    case = IdChoiceField(label=_("Кейс"), queryset=Case.objects.none())
    name = forms.CharField(label=_("Название команды"), required=False, max_length=120)
    members = IdMultipleChoiceField(label=_("Участники"), required=False,
                                             queryset=Participant.objects.none(),
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, cases: QuerySet[Case], people: QuerySet[Participant],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]
        self.fields["members"].queryset = people  # type: ignore[attr-defined]
        collate(self.fields["members"])
        self.fields["members"].label_from_instance = (  # type: ignore[attr-defined]
            lambda p: number_kept(
                f"{p.full_name} — {p.organization.short_name or p.organization.name}"))


class SplitForm(forms.Form):
    count = forms.IntegerField(label=_("Сколько команд"), min_value=1, max_value=50)
    cases = IdMultipleChoiceField(label=_("Кейсы (по очереди командам)"),
                                           queryset=Case.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = cases  # type: ignore[attr-defined]


class ScoreForm(forms.Form):
    """A score (0–2) and a comment per criterion, and the overall feedback."""

    feedback = forms.CharField(label=_("Общий отзыв команде"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in core.CRITERIA:
            self.fields[f"score_{criterion}"] = forms.TypedChoiceField(
                label=CRITERION_LABELS[criterion], coerce=int, widget=forms.RadioSelect,
                choices=[(k, f"{k} — {v}") for k, v in SCORE_LABELS.items()])
            self.fields[f"comment_{criterion}"] = forms.CharField(
                label=_("Комментарий"), required=False, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}))

    def scores(self) -> dict[str, tuple[int, str]]:
        return {c: (self.cleaned_data[f"score_{c}"], self.cleaned_data[f"comment_{c}"])
                for c in core.CRITERIA}
