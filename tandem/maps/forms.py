from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core import maps as core
from tandem.core.programmes import TECHNOLOGIES
from tandem.maps.models import FORM_LABELS, Evidence, Meeting, Row
from tandem.web.attachments import AttachmentForm
from tandem.web.forms import DateInput, id_formfield

LEVELS = [(i, str(i)) for i in range(4)]


class RowForm(forms.Form):
    title = forms.CharField(label=_("Дефицит (компетенция)"), max_length=200)
    current_level = forms.TypedChoiceField(label=_("Сейчас"), choices=LEVELS, coerce=int)
    target_level = forms.TypedChoiceField(label=_("Цель"), choices=LEVELS, coerce=int)
    task = forms.CharField(label=_("Задача"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=_("Срок"), widget=DateInput())
    product = forms.CharField(label=_("Результат или продукт"), max_length=300)
    evidence = forms.CharField(label=_("Как будет показан"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    technology = forms.ChoiceField(label=_("Технология"), required=False, choices=[])
    # Shown in a training map's editor only: which deficit of the case the row addresses.
    competency = forms.ChoiceField(label=_("Дефицит из кейса"), required=False, choices=[])
    # Last: the field's name shadows the `forms` module inside the class body.
    forms = forms.MultipleChoiceField(label=_("Формы и методы"), required=False,
                                      choices=[(f, FORM_LABELS[f]) for f in core.FORMS],
                                      widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, competencies: list[tuple[str, str]] | None = None,
                 technologies: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["technology"].choices = [  # type: ignore[attr-defined]
            ("", "—"), *(technologies if technologies is not None else TECHNOLOGIES)]
        if competencies:
            field = self.fields["competency"]
            field.choices = [("", "—"), *competencies]  # type: ignore[attr-defined]
            field.required = True


class MeetingForm(forms.ModelForm[Meeting]):
    class Meta:
        model = Meeting
        formfield_callback = id_formfield  # «led_by»: a forged or huge id is a form error
        fields = ["date", "time", "planned", "format", "topic", "led_by", "duration_minutes",
                  "notes"]
        widgets = {"date": DateInput(), "time": forms.TimeInput(attrs={"type": "time"}),
                   "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: object, people: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["led_by"].queryset = people  # type: ignore[attr-defined]


class DoneForm(AttachmentForm):
    """The evidence of a done task: a file or a link (web/attachments.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, max_upload_mb=Evidence.max_upload_mb, **kwargs)


class ReflectionForm(forms.Form):
    direction = forms.ChoiceField(choices=Row.Direction.choices, widget=forms.HiddenInput)
    text = forms.CharField(label=_("Рефлексия"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=5000)
