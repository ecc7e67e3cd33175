"""Forms of the task library's editor (docs/task-library.md)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core import task_library as library
from tandem.core.maps import FORMS
from tandem.core.programmes import TECHNOLOGIES
from tandem.maps.models import FORM_LABELS, TaskTemplate
from tandem.maps.services import library_new_id

LEVELS = [(i, str(i)) for i in range(4)]
# The checked template's field → the form's field that shows the problem.
FIELD_OF = {"id": "source_id", "levels": "level_to"}


class TemplateForm(forms.Form):
    source_id = forms.CharField(
        label=_("Идентификатор"), max_length=120, required=False,
        help_text=_("Можно не заполнять: он составится сам из компетенции и направления. "
                    "По нему шаблон узнаётся при загрузке таблицы; после сохранения не "
                    "меняется."))
    competency = forms.ChoiceField(label=_("Компетенция"), choices=[])
    direction = forms.ChoiceField(label=_("Направление"),
                                  choices=TaskTemplate.Direction.choices)
    task = forms.CharField(label=_("Задача"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=library.MAX_TEXT)
    technology = forms.ChoiceField(label=_("Технология"), choices=TECHNOLOGIES)
    form = forms.ChoiceField(label=_("Форма работы"),
                             choices=[(f, FORM_LABELS[f]) for f in FORMS])
    product = forms.CharField(label=_("Продукт"), max_length=library.MAX_TEXT)
    evidence = forms.CharField(label=_("Как показывается результат"),
                               max_length=library.MAX_TEXT)
    weeks = forms.IntegerField(label=_("Срок, недель"), min_value=library.MIN_WEEKS,
                               max_value=library.MAX_WEEKS)
    level_from = forms.TypedChoiceField(label=_("Уровень наставляемого: от"), choices=LEVELS,
                                        coerce=int)
    level_to = forms.TypedChoiceField(label=_("Уровень наставляемого: до"), choices=LEVELS,
                                      coerce=int)
    resource_hint = forms.CharField(label=_("Подсказка по ресурсу"), required=False,
                                    max_length=library.MAX_TEXT)

    def __init__(self, *args: Any, competencies: list[tuple[str, str]],
                 fixed_id: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competency"].choices = competencies  # type: ignore[attr-defined]
        self.fixed_id = fixed_id
        if fixed_id:
            self.fields["source_id"].required = False
            self.fields["source_id"].disabled = True
            self.fields["source_id"].help_text = _(
                "По нему шаблон узнаётся при загрузке таблицы; он не меняется.")
            self.initial["source_id"] = fixed_id
        self.template: library.TaskTemplate | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        source_id = self.fixed_id or data.get("source_id", "")
        if not source_id and data.get("competency") and data.get("direction"):
            source_id = library_new_id(competency=data["competency"],
                                       direction=data["direction"])
        item = {"id": source_id,
                **{name: data.get(name) for name in (
                    "competency", "direction", "task", "technology", "form", "product",
                    "evidence", "weeks", "resource_hint")},
                "levels": [data.get("level_from"), data.get("level_to")]}
        try:
            self.template = library.parse_template(item)
        except library.LibraryError as problem:
            self.add_error(FIELD_OF.get(problem.field, problem.field)
                           if FIELD_OF.get(problem.field, problem.field) in self.fields
                           else None, library.field_problem(problem))
        return data


class LibraryFilter(forms.Form):
    competency = forms.ChoiceField(label=_("Компетенция"), required=False, choices=[])
    direction = forms.ChoiceField(label=_("Направление"), required=False,
                                  choices=[("", _("все")), *TaskTemplate.Direction.choices])

    def __init__(self, *args: Any, competencies: list[tuple[str, str]], **kwargs: Any
                 ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competency"].choices = [  # type: ignore[attr-defined]
            ("", _("все")), *competencies]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Таблица библиотеки (XLSX)"))
