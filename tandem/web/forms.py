from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import TemplatesSetting

from tandem.core.text import sort_key


class FormRenderer(TemplatesSetting):
    """Renders every form field with our field template (label, widget, errors, help)."""

    field_template_name = "web/forms/field.html"


class DateInput(forms.DateInput):
    """A browser date picker: it needs ISO dates whatever the language of the page."""

    input_type = "date"

    def __init__(self, attrs: dict[str, object] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def form_id(raw: str | None) -> int:
    """An id from a form or a query string; anything that is not one (letters, a number too
    long for the database) becomes 0, which finds nothing (404) — never a 500."""
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 10 else 0


def errors_text(form: forms.BaseForm, sep: str = " ") -> str:
    """All the form's errors on one line, for a message above the page."""
    return sep.join(str(e) for errors in form.errors.values() for e in errors)


class CollatedChoiceIterator(ModelChoiceIterator):
    """A select's options in Russian alphabetical order (case ignored, «ё» = «е»,
    numbers by value), whatever the database's own collation; the empty choice first."""

    def __iter__(self) -> Iterator[Any]:
        choices = list(super().__iter__())
        empty = [c for c in choices if c[0] == ""]
        rest = sorted((c for c in choices if c[0] != ""), key=lambda c: sort_key(str(c[1])))
        yield from empty + rest


def collate(field: forms.Field) -> None:
    """Puts ``field``'s options (a model choice field) in Russian alphabetical order."""
    field.iterator = CollatedChoiceIterator  # type: ignore[attr-defined]
