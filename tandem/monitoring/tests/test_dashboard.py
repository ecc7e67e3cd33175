"""Dashboards: levels and drill-down inside the scope, filters, the aggregates against the
core's rules, pairs by month, stuck pairs, the cache, and the charts."""

import datetime as dt
from collections import defaultdict

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.core import diagnostics as core
from tandem.core import release
from tandem.core.release import Released
from tandem.diagnostics import tallies
from tandem.diagnostics.models import Answer, PublishedAnswer, PublishedAnswerMember, Response
from tandem.maps.models import Map, Meeting
from tandem.monitoring import selectors
from tandem.monitoring.forms import BAD_DATE, DATES_REVERSED, FiltersForm
from tandem.pairs.models import Pair
from tandem.testing import (
    MunicipalityFactory,
    OrganizationFactory,
    ParticipantFactory,
    RegionFactory,
    World,
    build_diagnostics,
    bulk_participants,
    bulk_responses,
)

URL = "/monitoring/"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _page(client: Client, user: object, query: str = "") -> str:
    client.force_login(user)  # type: ignore[arg-type]
    response = client.get(URL + query)
    assert response.status_code == 200
    return response.content.decode()


def test_region_operator_compares_municipalities(client: Client, world: World) -> None:
    build_diagnostics(world)
    body = _page(client, world.olga)
    assert "Регион: муниципалитеты рядом" in body
    assert f"?municipality={world.municipality_a.pk}" in body  # a drill-down link
    assert "Город А" in body and "Район Б" in body


def test_drill_down_to_a_municipality_and_an_organization(client: Client,
                                                          world: World) -> None:
    build_diagnostics(world)
    body = _page(client, world.olga, f"?municipality={world.municipality_a.pk}")
    assert "Муниципалитет: организации рядом" in body
    assert "Школа А" in body and "Дом творчества Б" not in body
    body = _page(client, world.olga, f"?municipality={world.municipality_a.pk}"
                                     f"&organization={world.org_a.pk}")
    assert "Пары, которым нужна помощь" in body


def test_coordinator_sees_own_municipality_only(client: Client, world: World) -> None:
    build_diagnostics(world)
    body = _page(client, world.erin)
    assert "Муниципалитет: организации рядом" in body
    assert "Школа А" in body and "Дом творчества Б" not in body


@pytest.mark.parametrize(("persona", "param", "unit"), [
    ("erin", "municipality", "municipality_b"),
    ("erin", "organization", "org_b"),
    ("alice", "organization", "org_b"),
    ("charlie", "municipality", "municipality_a"),
])
def test_forged_unit_outside_the_scope_is_404(client: Client, world: World, persona: str,
                                              param: str, unit: str) -> None:
    client.force_login(getattr(world, persona))
    pk = getattr(world, unit).pk
    for url in (URL, reverse("monitoring:chart", args=["deficits", "svg"]),
                reverse("monitoring:report", args=["participants"])):
        assert client.get(f"{url}?{param}={pk}").status_code == 404


def test_unit_of_another_region_is_404_for_the_region_operator(client: Client,
                                                               world: World) -> None:
    elsewhere = OrganizationFactory.create(
        municipality=MunicipalityFactory.create(region=RegionFactory.create()))
    client.force_login(world.olga)
    assert client.get(f"{URL}?organization={elsewhere.pk}").status_code == 404
    assert client.get(f"{URL}?municipality={elsewhere.municipality_id}").status_code == 404


@pytest.mark.parametrize(("query", "message"), [
    ("?date_from=31.02.2026", BAD_DATE),
    ("?date_from=вчера", BAD_DATE),
    ("?date_from=2027-01-01&date_to=2026-01-01", DATES_REVERSED),
    ("?organization=abc", "Выберите значение из списка."),
    ("?sector=космос", "Такой сферы нет: выберите сферу из списка."),
])
def test_bad_filter_values_are_a_russian_message(client: Client, world: World, query: str,
                                                 message: str) -> None:
    body = _page(client, world.olga, query)
    assert str(message) in body


def test_bad_filters_on_a_report_redirect_with_the_message(client: Client,
                                                           world: World) -> None:
    client.force_login(world.olga)
    response = client.get(reverse("monitoring:report", args=["pairs"]) + "?date_to=13.13.2026",
                          follow=True)
    assert str(BAD_DATE) in response.content.decode()


def test_teacher_has_no_dashboard(client: Client, world: World) -> None:
    client.force_login(world.bob)
    assert client.get(URL).status_code == 404


@pytest.mark.parametrize("name", ["completion", "deficits", "strengths", "pairs", "gains",
                                  "satisfaction"])
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_every_chart_draws(client: Client, world: World, name: str, fmt: str) -> None:
    build_diagnostics(world)
    client.force_login(world.olga)
    response = client.get(reverse("monitoring:chart", args=[name, fmt]))
    assert response.status_code == 200
    assert response["Content-Type"] == {"svg": "image/svg+xml", "png": "image/png"}[fmt]
    body = response.content
    assert body.startswith(b"\x89PNG") if fmt == "png" else b"<svg" in body


def test_unknown_chart_is_404(client: Client, world: World) -> None:
    client.force_login(world.olga)
    assert client.get(reverse("monitoring:chart", args=["nothing", "svg"])).status_code == 404


# -- the aggregates against the core's rules -----------------------------------------------
def _python_shares(world: World) -> dict[tuple[str, int], tuple[Released, Released]]:
    """Deficit and strength shares per (area, organization) from every answer, by the
    core's own is_deficit / is_strength, under the release rule applied to cells
    (organization, campaign, competency) built here from the answers themselves."""
    cells: dict[tuple[int, int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    answers = Answer.objects.filter(response__status=Response.Status.SUBMITTED,
                                    level__isnull=False).select_related("response__participant")
    for a in answers:
        key = (a.response.participant.organization_id, a.response.campaign_id, a.competency)
        cells[key][0] += 1
        cells[key][1] += core.is_deficit(a.level, a.wants_to_learn)
        cells[key][2] += core.is_strength(a.level, a.can_teach)
    deficit: dict[tuple[str, int], release.Sums] = defaultdict(release.Sums)
    strong: dict[tuple[str, int], release.Sums] = defaultdict(release.Sums)
    for (org, campaign, code), (n, d, s) in cells.items():
        unit = (code.split(".", 1)[0], org)
        deficit[unit] += release.summed([release.Cell((org, campaign, code), d, n, n)])
        strong[unit] += release.summed([release.Cell((org, campaign, code), s, n, n)])
    return {k: (release.share_released(deficit[k]), release.share_released(strong[k]))
            for k in deficit}


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(st.lists(st.tuples(st.integers(0, 3), st.booleans(), st.booleans()),
                                min_size=1, max_size=12), min_size=3, max_size=3))
def test_heatmap_shares_follow_the_core_rules(
        world: World, people: list[list[tuple[int, bool, bool]]]) -> None:
    # Carol, Bob and Alice of A each answer the first few competencies (as many as drawn):
    # the competencies all three answered are published, the others hidden.
    dw = build_diagnostics(world) if world.diag is None else world.diag
    responses = [dw.carol_r, dw.bob_r, dw.alice_r]
    Response.objects.filter(pk__in=[r.pk for r in responses]).update(
        status=Response.Status.SUBMITTED)
    Answer.objects.filter(response__in=responses).delete()
    codes = dw.campaign_a.framework.codes()
    Answer.objects.bulk_create([
        Answer(response=response, competency=codes[i], level=level,
               self_level=level, can_teach=teach, wants_to_learn=learn)
        for response, levels in zip(responses, people, strict=True)
        for i, (level, teach, learn) in enumerate(levels[:len(codes)])])
    # Each example is the group's first publication (rule 2 is what this compares; rule 5,
    # «steps of three» between examples sharing the database, has its own tests:
    # test_deficits_steps.py) — the published state of the example before forgotten.
    for published in (PublishedAnswer, PublishedAnswerMember):
        published.objects.filter(organization=world.org_a).delete()
    tallies.rebuild([world.org_a.pk])  # answers written past the services
    data = selectors.compute_dashboard(scope=scope_for(world.erin), filters=Filters())
    expected = _python_shares(world)
    column = [u.pk for u in data.units].index(world.org_a.pk)
    nothing = release.share_released(release.Sums())
    for area, _name in data.areas:
        got = (data.deficit_share[area][column], data.strength_share[area][column])
        assert got == expected.get((area, world.org_a.pk), (nothing, nothing)), area


def test_potential_mentors_count_people_not_answers(world: World) -> None:
    dw = build_diagnostics(world)
    # Carol is strong (level 3) in several ICT competencies, Bob in two: two people.
    Answer.objects.filter(response=dw.bob_r).update(level=3)
    Response.objects.filter(pk=dw.bob_r.pk).update(status=Response.Status.SUBMITTED)
    tallies.rebuild([world.org_a.pk])  # written past the services
    # Two submitted in A's round: by the release rule its mentors are withheld.
    data = selectors.compute_dashboard(scope=scope_for(world.alice), filters=Filters())
    assert data.mentors_withheld == [True]
    assert all(v == [0] for v in data.mentors.values())
    # Alice submits too, a level (nothing strong) to every competency Carol or Bob
    # answered, Bob levels them all: three people levelled each area, its mentors count.
    codes = set(Answer.objects.filter(response__in=[dw.carol_r, dw.bob_r])
                .values_list("competency", flat=True))
    for r in (dw.alice_r, dw.bob_r):
        Answer.objects.filter(response=r).delete()
    Answer.objects.bulk_create([Answer(response=r, competency=code, level=level)
                                for r, level in ((dw.alice_r, 1), (dw.bob_r, 3))
                                for code in sorted(codes)])
    Response.objects.filter(pk=dw.alice_r.pk).update(status=Response.Status.SUBMITTED)
    tallies.rebuild([world.org_a.pk])
    data = selectors.compute_dashboard(scope=scope_for(world.alice), filters=Filters())
    assert data.mentors_withheld == [False]
    strong_people: dict[str, set[int]] = defaultdict(set)
    for a in Answer.objects.filter(response__status=Response.Status.SUBMITTED):
        if core.is_strength(a.level, a.can_teach):
            strong_people[a.competency.split(".", 1)[0]].add(a.response.participant_id)
    for area, _name in data.areas:
        assert data.mentors[area] == [len(strong_people.get(area, set()))]


def test_completion_counts_submitted_questionnaires(world: World) -> None:
    dw = build_diagnostics(world)
    data = selectors.compute_dashboard(scope=scope_for(world.olga), filters=Filters())
    by_unit = {c.unit.pk: c for c in data.completion}
    a = by_unit[world.municipality_a.pk]
    assert (a.invited, a.submitted) == (Response.objects.filter(
        campaign=dw.campaign_a).count(), 1)  # Carol only
    assert by_unit[world.municipality_b.pk].submitted == 0


def test_period_filter_leaves_out_campaigns_outside_it(world: World) -> None:
    build_diagnostics(world)
    data = selectors.compute_dashboard(
        scope=scope_for(world.olga), filters=Filters(date_from=dt.date(2027, 1, 1)))
    assert data.respondents == 0
    assert sum(c.invited for c in data.completion) == 0


# -- pairs by month and stuck pairs --------------------------------------------------------
def _pair(world: World, start: dt.date, end: dt.date, status: str) -> Pair:
    a, b = (ParticipantFactory.create(organization=world.org_a) for _ in range(2))
    return Pair.objects.create(a=a, b=b, organization=world.org_a, starts_on=start,
                               ends_on=end, status=status)


def test_pairs_by_month_counts_each_month_of_the_term(world: World) -> None:
    _pair(world, dt.date(2026, 10, 20), dt.date(2026, 12, 5), Pair.Status.ACTIVE)
    _pair(world, dt.date(2026, 11, 1), dt.date(2027, 1, 31), Pair.Status.ACTIVE)
    _pair(world, dt.date(2026, 11, 15), dt.date(2026, 11, 30), Pair.Status.ENDED_EARLY)
    data = selectors.compute_dashboard(scope=scope_for(world.alice), filters=Filters())
    assert data.months == [dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1),
                           dt.date(2027, 1, 1)]
    assert data.pairs_by_month[Pair.Status.ACTIVE] == [1, 2, 2, 1]
    assert data.pairs_by_month[Pair.Status.ENDED_EARLY] == [0, 1, 0, 0]
    assert data.pair_status[Pair.Status.ACTIVE] == 2


def test_stuck_pairs_name_their_reasons(world: World) -> None:
    quiet = _pair(world, dt.date(2026, 10, 1), dt.date(2027, 5, 31), Pair.Status.ACTIVE)
    Map.objects.create(pair=quiet)  # still a draft
    busy = _pair(world, dt.date(2026, 10, 1), dt.date(2027, 5, 31), Pair.Status.ACTIVE)
    Map.objects.create(pair=busy, status=Map.Status.IN_PROGRESS)
    Meeting.objects.bulk_create([Meeting(pair=busy, date=dt.date(2026, 10, 1) +
                                         dt.timedelta(days=14 * k), topic="Встреча")
                                 for k in range(5)])
    stuck = selectors.stuck_pairs(scope=scope_for(world.alice), filters=Filters(),
                                  today=dt.date(2026, 12, 1))
    by_pair = {p.pair_id: p.reasons for p in stuck}
    assert selectors.MAP_NOT_AGREED in by_pair[quiet.pk]
    assert "no_recent_meeting" in by_pair[quiet.pk]
    assert selectors.MAP_NOT_AGREED not in by_pair.get(busy.pk, ())
    assert "no_recent_meeting" not in by_pair.get(busy.pk, ())


def test_stuck_pairs_read_no_answers_and_give_the_reasons_of_the_full_figures(
        world: World) -> None:
    """The curator's list reads plans, tasks and meetings, not the answers (at 300,000
    teachers the answers cost seconds), and names the reasons the full figures give."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.core.effectiveness import stuck_reasons
    from tandem.monitoring.effectiveness import pair_figures
    from tandem.pairs.querysets import no_meeting_weeks
    from tandem.testing import build_map, start_map

    start_map(build_map(world), world)
    _pair(world, dt.date(2026, 10, 1), dt.date(2027, 5, 31), Pair.Status.ACTIVE)
    scope, day = scope_for(world.alice), dt.date(2027, 2, 1)
    with CaptureQueriesContext(connection) as ctx:
        stuck = selectors.stuck_pairs(scope=scope, filters=Filters(), today=day)
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert '"diagnostics_answer"' not in tables and '"diagnostics_response"' not in tables
    full = pair_figures(scope=scope, filters=Filters(), pairs=Pair.objects.running(),
                        today=day)
    assert len(full) == 3 and any(f.deficits_planned for f in full)
    expected = {f.pair_id: stuck_reasons(f, as_of=day, quiet_weeks=no_meeting_weeks())
                for f in full}
    assert {p.pair_id: [r for r in p.reasons if r != selectors.MAP_NOT_AGREED]
            for p in stuck} == {pk: reasons for pk, reasons in expected.items() if reasons}


def test_curator_page_lists_stuck_pairs(client: Client, world: World) -> None:
    quiet = _pair(world, dt.date(2026, 1, 10), dt.date(2027, 5, 31), Pair.Status.ACTIVE)
    body = _page(client, world.alice)
    assert reverse("pairs:detail", args=[quiet.pk]) in body
    assert "карта не согласована" in body


# -- cache ------------------------------------------------------------------------------
def test_cached_data_changes_with_the_data(world: World) -> None:
    dw = build_diagnostics(world)
    scope = scope_for(world.olga)
    first = selectors.dashboard_data(scope=scope, filters=Filters())
    assert selectors.dashboard_data(scope=scope, filters=Filters()) == first
    bulk_responses(dw.campaign_a, bulk_participants(world.org_a, 5))
    second = selectors.dashboard_data(scope=scope, filters=Filters())
    assert second.respondents == first.respondents + 5


def test_cache_is_per_scope(world: World) -> None:
    build_diagnostics(world)
    olga = selectors.dashboard_data(scope=scope_for(world.olga), filters=Filters())
    erin = selectors.dashboard_data(scope=scope_for(world.erin), filters=Filters())
    assert [u.name for u in erin.units] == ["Школа А"]
    assert {u.name for u in olga.units} == {"Город А", "Район Б"}


def test_form_offers_only_units_in_scope(world: World) -> None:
    from django.http import QueryDict

    def offered(query: str, who: object) -> list[str]:
        form = FiltersForm(QueryDict(query), scope=scope_for(who))  # type: ignore[arg-type]
        return [str(label) for value, label in form.fields["organization"].choices  # type: ignore[attr-defined]
                if value != ""]

    # Several municipalities: the organizations of the chosen one (or of the chosen
    # organization's), none before a choice — a region has thousands of them.
    assert offered("", world.olga) == []
    assert offered(f"municipality={world.municipality_a.pk}", world.olga) == ["Школа А"]
    assert offered(f"organization={world.org_b.pk}", world.olga) == ["Дом творчества Б"]
    form = FiltersForm(QueryDict(f"organization={world.org_b.pk}"), scope=scope_for(world.olga))
    assert form.filters().organization_id == world.org_b.pk
    form = FiltersForm(QueryDict(f"municipality={world.municipality_a.pk}&organization="
                                 f"{world.org_b.pk}"), scope=scope_for(world.olga))
    assert not form.is_valid() and "organization" in form.errors
    OrganizationFactory.create(municipality=world.municipality_b, name="Спортшкола Б",
                               code="sport-b")
    # One municipality (its coordinator): all of its organizations.
    assert offered("", world.dave) == ["Дом творчества Б", "Спортшкола Б"]
    form = FiltersForm(QueryDict(""), scope=scope_for(world.alice))
    assert "organization" not in form.fields and "municipality" not in form.fields
