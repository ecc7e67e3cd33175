"""The selects written in Python (``web.forms.select_html``) are the characters Django's
select templates give: every choice, group, value, label and attribute, escaped alike."""

from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.web.forms import FormRenderer, select_html

RENDERER = FormRenderer()
TEXT = st.text(alphabet="аёЁz<>&\"' 7-", max_size=6)
VALUE = st.one_of(TEXT, st.integers(-5, 2_000_000))
LABEL = st.one_of(TEXT, st.integers(-5, 2_000_000), TEXT.map(mark_safe))
CHOICE = st.tuples(VALUE, LABEL)
GROUP = st.tuples(TEXT.filter(bool), st.lists(CHOICE, max_size=3))
ATTR = st.one_of(st.booleans(), TEXT, st.integers(0, 10**6), TEXT.map(mark_safe))


def by_templates(widget: forms.Select, name: str, value: object) -> str:
    context = widget.get_context(name, value, None)
    return TemplatesSetting.render(RENDERER, widget.template_name, context)


def quick(widget: forms.Select, name: str, value: object) -> str:
    return RENDERER.render(widget.template_name, widget.get_context(name, value, None))


def test_a_municipality_select_as_the_templates_give_it() -> None:
    widget = forms.Select(attrs={"class": "autosubmit", "aria-label": "Муниципалитет"},
                          choices=[("", gettext_lazy("все муниципалитеты")), (3, "Ишим"),
                                   (7, "Тобольск & «Ко»")])
    html = quick(widget, "municipality", "7")
    assert html == by_templates(widget, "municipality", "7")
    assert html.startswith('<select name="municipality" class="autosubmit" '
                           'aria-label="Муниципалитет">')
    assert '<option value="7" selected>Тобольск &amp; «Ко»</option>' in html


@settings(max_examples=300, deadline=None)
@given(choices=st.lists(st.one_of(CHOICE, GROUP), max_size=5),
       attrs=st.dictionaries(st.sampled_from(["class", "hx-get", "required", "data-x"]),
                             ATTR, max_size=3),
       value=st.one_of(st.none(), VALUE, st.lists(VALUE, max_size=2)),
       name=TEXT, multiple=st.booleans())
def test_every_select_is_what_the_templates_give(choices: list[Any],
                                                 attrs: dict[str, object], value: object,
                                                 name: str, multiple: bool) -> None:
    widget = (forms.SelectMultiple if multiple else forms.Select)(attrs=attrs,
                                                                  choices=choices)
    assert quick(widget, name, value) == by_templates(widget, name, value)


def test_another_option_template_is_left_to_the_templates() -> None:
    class Marked(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    widget = Marked(choices=[(1, "один")])
    assert select_html(widget.get_context("n", 1, None)["widget"]) is None
    assert quick(widget, "n", 1) == by_templates(widget, "n", 1)
