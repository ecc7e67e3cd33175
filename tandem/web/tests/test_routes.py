"""{% route %} prints exactly what {% url %} prints (tandem/web/templatetags/routes.py)."""
import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix
from hypothesis import given
from hypothesis import strategies as st

from tandem.web.templatetags.routes import route_url

KEYED = ["pairs:detail", "pairs:order_docx", "maps:detail", "reminders:send_now",
         "people:detail", "diagnostics:campaign", "territory:region_edit"]


@given(name=st.sampled_from(KEYED), pk=st.integers(min_value=0, max_value=10**12))
def test_a_keyed_route_is_the_reverse(name, pk):
    assert route_url(name, pk) == reverse(name, args=[pk])


def test_worked_examples():
    assert route_url("pairs:detail", 7) == reverse("pairs:detail", args=[7])
    assert route_url("territory:tree") == reverse("territory:tree")
    assert route_url("monitoring:chart", "gains", "svg") == reverse(
        "monitoring:chart", args=["gains", "svg"])


def test_the_sentinel_itself_and_its_neighbours_as_keys():
    for pk in (9_876_543_210, 9_876_543_211, 98_765_432_109_876_543_210):
        assert route_url("pairs:detail", pk) == reverse("pairs:detail", args=[pk])


def test_what_is_not_a_key_goes_to_reverse_and_fails_as_it_does():
    with pytest.raises(NoReverseMatch):
        route_url("pairs:detail", -1)
    with pytest.raises(NoReverseMatch):
        route_url("no-such-view")
    assert route_url("pairs:detail", "12") == reverse("pairs:detail", args=["12"])


def test_the_script_prefix_counts():
    try:
        set_script_prefix("/sub/")
        assert route_url("pairs:detail", 3) == reverse("pairs:detail", args=[3])
        assert route_url("pairs:detail", 3).startswith("/sub/")
    finally:
        clear_script_prefix()
    assert route_url("pairs:detail", 3) == reverse("pairs:detail", args=[3])


def test_the_tag_prints_what_url_prints():
    pair = type("P", (), {"pk": 41})()
    ctx = {"p": pair}
    url = Template("{% url 'pairs:detail' p.pk %}|{% url 'territory:tree' %}").render(Context(ctx))
    route = Template("{% load routes %}{% route 'pairs:detail' p.pk %}|{% route 'territory:tree' %}"
                     ).render(Context(ctx))
    assert route == url
