from django import forms
from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Renders every form field with our field template (label, widget, errors, help)."""

    field_template_name = "web/forms/field.html"


class DateInput(forms.DateInput):
    """A browser date picker: it needs ISO dates whatever the language of the page."""

    input_type = "date"

    def __init__(self, attrs: dict[str, object] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
