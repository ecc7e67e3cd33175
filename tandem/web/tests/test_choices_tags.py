"""``{{ field|options }}`` and ``{{ obj|display:"name" }}`` print what the template loop
and ``get_FOO_display`` printed: every value, label and choice, escaped alike."""

from typing import Any

import pytest
from django import forms
from django.template import engines
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.diagnostics.models import Campaign
from tandem.resources.models import Resource

TEXT = st.text(alphabet="аёЁz<>&\"' 7-", max_size=6)
VALUE = st.one_of(TEXT, st.integers(-5, 2_000_000))
LABEL = st.one_of(TEXT, st.integers(-5, 2_000_000), TEXT.map(mark_safe))

LOOP = engines["django"].from_string(
    '{% with current=field.value|default_if_none:""|stringformat:"s" %}'
    '{% for value, label in field.field.choices %}<option value="{{ value }}"'
    '{% if value|stringformat:"s" == current %} selected{% endif %}>{{ label }}</option>'
    "{% endfor %}{% endwith %}")
FILTER = engines["django"].from_string("{% load choices %}{{ field|options }}")


def field_of(choices: list[tuple[Any, Any]], value: object) -> forms.BoundField:
    class Form(forms.Form):
        pick = forms.ChoiceField(required=False)

    form = Form({"pick": value} if value is not None else {})
    form.fields["pick"].choices = choices  # type: ignore[attr-defined]
    return form["pick"]


def test_the_monitoring_organizations_as_the_loop_gave_them() -> None:
    field = field_of([("", gettext_lazy("все организации")), (3, "СОШ № 5 & «Ко»"),
                      (12, "Гимназия")], "12")
    html = FILTER.render({"field": field})
    assert html == LOOP.render({"field": field})
    assert html == ('<option value="">все организации</option>'
                    '<option value="3">СОШ № 5 &amp; «Ко»</option>'
                    '<option value="12" selected>Гимназия</option>')


@settings(max_examples=300, deadline=None)
@given(choices=st.lists(st.tuples(VALUE, LABEL), max_size=6),
       value=st.one_of(st.none(), VALUE))
def test_every_options_list_is_what_the_loop_gives(choices: list[tuple[Any, Any]],
                                                   value: object) -> None:
    field = field_of(choices, value)
    assert FILTER.render({"field": field}) == LOOP.render({"field": field})


def values_of(model: type, name: str) -> list[str]:
    return [value for value, _label in model._meta.get_field(name).flatchoices]  # type: ignore[attr-defined]


DISPLAY = engines["django"].from_string('{% load choices %}{{ obj|display:name }}')
GET_DISPLAY = engines["django"].from_string("{{ label }}")


@pytest.mark.parametrize(("model", "name", "values"), [
    (Campaign, "kind", [*Campaign.Kind.values, "unknown", ""]),
    (Campaign, "status", [*Campaign.Status.values, "x<y"]),
    *[(Resource, name, [*values_of(Resource, name), "z"])
      for name in ("kind", "level", "format")],
])
def test_a_label_is_what_get_display_gives(model: type, name: str, values: list[str]) -> None:
    for language in ("ru", "en"):
        with override(language):
            for value in values:
                obj = model(**{name: value})
                expected = getattr(obj, f"get_{name}_display")()
                assert DISPLAY.render({"obj": obj, "name": name}) == GET_DISPLAY.render(
                    {"label": expected})
