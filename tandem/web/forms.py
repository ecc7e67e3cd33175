from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Renders every form field with our field template (label, widget, errors, help)."""

    field_template_name = "web/forms/field.html"
