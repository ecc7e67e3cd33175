"""The questionnaires' table of the dashboard: its rows are made in Python
(``views.completion_rows``), not by the template — what the page shows is what the
template showed: the same names (escaped), links, numbers and per cents."""

import re

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.monitoring import selectors
from tandem.monitoring.views import completion_rows
from tandem.testing import World, bulk_participants

# The rows as the template wrote them before (dashboard.html up to 2026-12-06).
TEMPLATE_ROWS = """{% load typography %}{% for item, link in drill %}
      <tr><td>{% if link %}<a href="?{{ link }}">{{ item.unit.name|number_kept }}</a>{% else %}{{ item.unit.name|number_kept }}{% endif %}</td>
        <td>{{ item.people }}</td><td>{{ item.invited }}</td>
        <td><progress value="{{ item.submitted }}" max="{{ item.invited|default:1 }}"></progress> {{ item.percent }}&nbsp;%</td>
        <td>{% if item.final_invited %}{{ item.final_percent }}&nbsp;%{% else %}—{% endif %}</td></tr>
    {% endfor %}"""  # noqa: E501


def _squeezed(html: str) -> str:
    """Whitespace between tags and runs of it do not show."""
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def _by_template(drill: list[tuple[selectors.UnitCompletion, str | None]]) -> str:
    return _squeezed(engines["django"].from_string(TEMPLATE_ROWS).render({"drill": drill}))


counts = st.integers(min_value=0, max_value=2_000_000)
# Any text, and a name whose «№» the page keeps with its number.
names = st.text(min_size=1, max_size=30) | st.just("Школа № 5") | st.just("СОШ №  12 «Юг»")


@st.composite
def rows(draw: st.DrawFn) -> tuple[selectors.UnitCompletion, str | None]:
    invited, final_invited = draw(counts), draw(counts)
    item = selectors.UnitCompletion(
        selectors.Unit(draw(st.integers(1, 10**6)), draw(names), selectors.ORGANIZATION),
        draw(counts), invited, draw(st.integers(0, invited)), final_invited,
        draw(st.integers(0, final_invited)))
    link = draw(st.none() | st.from_regex(r"[a-z_]{1,12}=[0-9A-Za-zа-я%&<>\"'+-]{0,20}",
                                          fullmatch=True))
    return item, link


@settings(max_examples=200, deadline=None)
@given(st.lists(rows(), max_size=8))
def test_the_rows_are_the_templates(drill: list[tuple[selectors.UnitCompletion, str | None]],
                                    ) -> None:
    assert _squeezed(completion_rows(drill)) == _by_template(drill)


def test_a_worked_example() -> None:
    school = selectors.UnitCompletion(
        selectors.Unit(7, 'Школа № 5 «Радуга» & <сад>', selectors.ORGANIZATION),
        people=1234, invited=1200, submitted=901, final_invited=0, final_submitted=0)
    empty = selectors.UnitCompletion(selectors.Unit(8, "Гимназия", selectors.ORGANIZATION),
                                     people=3, invited=0, submitted=0, final_invited=4,
                                     final_submitted=1)
    html = completion_rows([(school, "organization=7&sector=school"), (empty, None)])
    assert html == (
        '<tr><td><a href="?organization=7&amp;sector=school">Школа №\u00a05 «Радуга» &amp; '
        "&lt;сад&gt;</a></td><td>1234</td><td>1200</td><td><progress value=\"901\" "
        'max="1200"></progress> 75&nbsp;%</td><td>—</td></tr>\n'
        '<tr><td>Гимназия</td><td>3</td><td>0</td><td><progress value="0" max="1">'
        "</progress> 0&nbsp;%</td><td>25&nbsp;%</td></tr>")


@pytest.mark.django_db
def test_the_coordinators_page_lists_her_schools(client: Client, world: World) -> None:
    bulk_participants(world.org_a, 3)
    client.force_login(world.erin)
    page = client.get(reverse("monitoring:index")).content.decode()
    name = escape(world.org_a.short_name)
    assert f'<a href="?organization={world.org_a.pk}">{name}</a>' in page
    client.force_login(world.alice)  # a curator: her organization, no link down
    page = client.get(reverse("monitoring:index")).content.decode()
    assert f"<tr><td>{name}</td>" in page
    assert "Нет организаций по этим фильтрам." not in page
