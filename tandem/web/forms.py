from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.db import models
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import TemplatesSetting
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs
from django.utils.translation import gettext_lazy

from tandem.core.text import sort_key

# The empty choice of every select (Django's own «---------» is machine talk; its 6.1 label
# has no Russian yet): set for model fields in WebConfig.ready, used by hand-made choices.
BLANK_CHOICE = gettext_lazy("— выберите —")


def search_text(raw: object, limit: int = 100) -> str:
    """A search box's text as read from a query string: at most ``limit`` characters,
    without NUL (PostgreSQL refuses it in text: a ``?q=%00`` was a 500 on three pages)
    and the spaces around it."""
    return str(raw or "").replace("\x00", "")[:limit].strip()

# The largest id any of our databases holds (a signed 32-bit AutoField on both; SQLite
# itself would overflow only above 2⁶³, PostgreSQL's integer above 2³¹).
MAX_ID = 2**31 - 1
# The largest small number a form field parses (levels, priorities, counts).
MAX_SMALL = 10**6


SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


class FormRenderer(TemplatesSetting):
    """Renders every form field with our field template (label, widget, errors, help).

    A select of Django's own templates is written in Python (:func:`select_html`), the
    same characters as those templates give: a template include per option cost 40 µs, and
    the filters of a region's lists have selects of 57 municipalities and of hundreds of
    positions (10 ms of the participants page's 44 ms of CPU on ``t300k``, issue #16)."""

    field_template_name = "web/forms/field.html"

    def render(self, template_name: str, context: dict[str, Any],
               request: Any = None) -> str:
        if template_name == SELECT_TEMPLATE:
            quick = select_html(context["widget"])
            if quick is not None:
                return quick
        return super().render(template_name, context, request)


def _shown(value: object) -> str:
    """``{{ value }}`` in a template (``render_value_in_context``): an aware date and time
    in the user's time zone, localized, made a string, escaped unless already safe — an
    object's own ``__html__`` is not trusted, as the template does not trust it."""
    shown = localize(template_localtime(value))
    if not isinstance(shown, str):
        shown = str(shown)
    return conditional_escape(shown)


def _formatted(value: object) -> str:
    """``{{ value|stringformat:'s' }}`` in a template (the filter keeps a safe string
    safe)."""
    return conditional_escape(value if isinstance(value, SafeData) else str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    """Django's ``django/forms/widgets/attrs.html``."""
    return "".join(
        f" {_shown(name)}" if value is True else f' {_shown(name)}="{_formatted(value)}"'
        for name, value in attrs.items() if value is not False)


def select_html(widget: dict[str, Any]) -> str | None:
    """What ``django/forms/widgets/select.html`` renders for this widget context (stripped,
    as the renderer returns it), or None when an option has another template (then the
    templates render it)."""
    parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in options:
            if option.get("template_name") != OPTION_TEMPLATE:
                return None
            parts.append(f'\n  <option value="{_formatted(option["value"])}"'
                         f'{_attrs(option["attrs"])}>{_shown(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def options_html(choices: Iterable[tuple[object, object]], current: object) -> SafeString:
    """The ``<option>``s of flat ``choices``, the one whose value reads as ``current``
    chosen: what a template loop over a field's choices prints —
    ``<option value="{{ value }}"{% if value|stringformat:"s" == current %} selected{% endif
    %}>{{ label }}</option>`` (``current``: ``field.value|default_if_none:""|stringformat:"s"``)
    — for a page that writes its select by hand (the monitoring filters): a coordinator's
    243 organizations cost the loop a quarter of the cached dashboard's rendering."""
    chosen = "" if current is None else str(current)
    return mark_safe("".join(  # noqa: S308 - every value and label is escaped by _shown
        f'<option value="{_shown(value)}"{" selected" if str(value) == chosen else ""}>'
        f"{_shown(label)}</option>" for value, label in choices))


class DateInput(forms.DateInput):
    """A browser date picker: it needs ISO dates whatever the language of the page."""

    input_type = "date"

    def __init__(self, attrs: dict[str, object] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def form_int(raw: object, *, signed: bool = False, limit: int = MAX_SMALL) -> int | None:
    """The one parser of whole numbers typed into a form or a query string: ASCII digits
    only (``"²".isdigit()`` is true, ``int("²")`` fails), an optional minus when
    ``signed``, at most ``limit`` in size; anything else is None — never a 500."""
    if raw is None:
        return None
    text = str(raw).strip()
    digits = text[1:] if signed and text.startswith("-") else text
    if not (digits and digits.isascii() and digits.isdigit()) or len(digits) > 12:
        return None
    value = int(text)
    return value if abs(value) <= limit else None


def form_id(raw: str | None) -> int:
    """An id from a form or a query string; anything that is not one (letters, «²», a
    number too large for the database) becomes 0, which finds nothing (404)."""
    return form_int(raw, limit=MAX_ID) or 0


class IdChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice of one object by id that answers "not among the choices" to anything that
    is not an id the database can hold (on SQLite an id above 2⁶³ raised OverflowError)."""

    def to_python(self, value: Any) -> Any:
        model = self.queryset.model if self.queryset is not None else None
        if value in self.empty_values or (model is not None and isinstance(value, model)):
            return super().to_python(value)
        if self.to_field_name is None and form_int(value, limit=MAX_ID) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"],
                                        code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """:class:`IdChoiceField` for several objects."""

    def _check_values(self, value: Iterable[Any]) -> Any:
        if self.to_field_name is None:
            for item in value:
                if form_int(item, limit=MAX_ID) is None:
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice",
                        params={"value": str(item)[:20]})
        return super()._check_values(value)  # type: ignore[misc]


def id_formfield(db_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """A ModelForm's ``Meta.formfield_callback``: foreign keys and many-to-many fields get
    the id-safe choice fields above."""
    if isinstance(db_field, models.ForeignKey):
        return db_field.formfield(form_class=IdChoiceField, **kwargs)
    if isinstance(db_field, models.ManyToManyField):
        return db_field.formfield(form_class=IdMultipleChoiceField, **kwargs)
    return db_field.formfield(**kwargs)


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


class WholeNumberField(forms.IntegerField):
    """An IntegerField that reads only ASCII digits, through the one parser
    (:func:`form_int`): «۱» or «²» is «not a whole number», never 1 or 2."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        number = form_int(value, signed=True, limit=MAX_ID)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number
