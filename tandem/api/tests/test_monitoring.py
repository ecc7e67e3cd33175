"""Monitoring figures through the API: the same numbers as unit_summary / pair_figures
(and the dashboard) for the caller's scope, the dashboard's filters checked the same way,
outsiders refused, a bounded number of queries."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.accounts.models import User
from tandem.core.effectiveness import PairFigures, UnitSummary
from tandem.maps.models import Map, Row
from tandem.monitoring import effectiveness as eff
from tandem.monitoring.tests.test_effectiveness import Effect, build_effect, grow
from tandem.pairs.models import Pair
from tandem.surveys.models import Survey
from tandem.testing import World, build_resources, build_training

from .conftest import error

Api = Callable[[User | None], APIClient]
SUMMARY = "/api/v1/monitoring/summary/"
PAIRS = "/api/v1/monitoring/pairs/"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def effect(world: World) -> Effect:
    return build_effect(world)


def _survey(pair: Pair, person: Any, score: int) -> None:
    Survey.objects.create(pair=pair, participant=person, stage=Survey.Stage.FINAL,
                          due_on=pair.ends_on,
                          submitted_at=dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC),
                          mentee_benefit=score, mentor_satisfaction=score - 1,
                          recommend=score)


def _check_summary(body: dict[str, Any], expected: UnitSummary) -> None:
    """Every figure of the body against the adapter's own ``UnitSummary``."""
    assert body["participants_active"] == expected.participants_active
    assert body["participants_in_pairs"] == expected.participants_in_pairs
    assert body["involvement"] == pytest.approx(expected.involvement)
    assert body["pairs"] == {
        "total": expected.pairs_total, "waiting": expected.pairs_waiting,
        "active": expected.pairs_active, "completed": expected.pairs_completed,
        "ended_early": expected.pairs_ended_early,
        "completed_all_closed": expected.pairs_completed_all_closed,
        "active_share": expected.active_share, "completed_share": expected.completed_share,
        "ended_early_share": expected.ended_early_share,
        "success_share": expected.success_share}
    assert body["deficits"] == {"planned": expected.deficits_planned,
                                "closed": expected.deficits_closed,
                                "closed_share": expected.closed_share}
    assert body["tasks"] == {"planned": expected.tasks_planned, "done": expected.tasks_done,
                             "overdue": expected.tasks_overdue,
                             "done_share": expected.done_share}
    assert body["meetings"] == {"held": expected.meetings_held,
                                "planned": expected.meetings_planned,
                                "held_share": expected.meetings_share}
    assert body["products"] == expected.products
    for key, value in (("mentee_benefit", expected.mentee_satisfaction),
                       ("mentor_satisfaction", expected.mentor_satisfaction),
                       ("recommend", expected.recommend)):
        assert body["satisfaction"][key] == {"mean": value.mean, "answers": value.answers}
    levels = expected.kirkpatrick()
    assert [k["key"] for k in body["kirkpatrick"]] == [
        "reaction", "learning", "behaviour", "results"] == [level.key for level in levels]
    for got, level in zip(body["kirkpatrick"], levels, strict=True):
        assert got["value"] == level.value and got["unit"] == level.unit
        assert [(p["key"], p["value"]) for p in got["parts"]] == list(level.parts)
    assert [(g["area"], g["mean_before"], g["mean_after"], g["gain"], g["people"])
            for g in body["gains_by_area"]] == [
        (g.area, g.mean_before, g.mean_after, g.gain, g.people) for g in expected.gains]
    assert body["gains_left_out"] == expected.gains_left_out
    pending = expected.gains_pending_until
    assert body["gains_pending_until"] == (pending.isoformat() if pending else None)


def _check_pair(item: dict[str, Any], expected: PairFigures) -> None:
    assert item["pair"] == expected.pair_id
    assert item["organization"] == expected.organization_id
    assert item["status"] == expected.status
    assert item["deficits_planned"] == expected.deficits_planned
    assert item["deficits_closed"] == expected.deficits_closed
    assert item["all_closed"] == expected.all_closed
    assert item["tasks_overdue"] == expected.tasks_overdue
    for name in ("a_to_b", "b_to_a"):
        got, want = item[name], getattr(expected, name)
        assert (got["deficits_planned"], got["deficits_closed"], got["deficits_assessed"],
                got["tasks_done"], got["products"], got["mean_gain"]) == (
            want.deficits_planned, want.deficits_closed, want.deficits_assessed,
            want.tasks_done, want.products, want.mean_gain)
        assert [(g["competency"], g["before"], g["after"], g["closed"])
                for g in got["gains"]] == [(g.competency, g.before, g.after, g.closed)
                                           for g in want.gains]
    assert (item["meetings"]["held"], item["meetings"]["planned"]) == (
        expected.meetings.held, expected.meetings.planned)


@pytest.mark.parametrize("persona", ["alice", "erin", "olga"])
def test_summary_is_the_unit_summary_of_the_scope(api: Api, world: World, effect: Effect,
                                                   persona: str) -> None:
    user = getattr(world, persona)
    response = api(user).get(SUMMARY)
    assert response.status_code == 200, response.content
    expected = eff.unit_summary(scope=scope_for(user), filters=Filters())
    _check_summary(response.json(), expected)
    # The worked pair of docs/effectiveness.md is in it: five planned deficits.
    assert expected.pairs_completed == 1
    assert response.json()["deficits"]["planned"] == 5


def test_summary_with_filters_equals_the_filtered_unit(api: Api, world: World,
                                                        effect: Effect) -> None:
    grow(world, 12, seed=3, organization=world.org_b)
    query = f"?municipality={world.municipality_a.pk}&date_to=2027-02-01"
    body = api(world.olga).get(SUMMARY + query).json()
    filters = Filters(municipality_id=world.municipality_a.pk, date_to=dt.date(2027, 2, 1))
    _check_summary(body, eff.unit_summary(scope=scope_for(world.olga), filters=filters))
    everything = api(world.olga).get(SUMMARY).json()
    assert everything["pairs"]["total"] > body["pairs"]["total"]


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.none() | st.dates(dt.date(2026, 6, 1), dt.date(2027, 9, 1)),
       length=st.none() | st.integers(0, 400))
def test_any_period_gives_the_unit_summary_and_pair_figures_of_that_period(
        api: Api, world: World, start: dt.date | None, length: int | None) -> None:
    if not Pair.objects.exists():
        grow(world, 15, seed=11)
    end = (start or dt.date(2026, 9, 1)) + dt.timedelta(days=length) if length else None
    query = "&".join(f"{k}={v}" for k, v in (("date_from", start), ("date_to", end)) if v)
    filters = Filters(date_from=start, date_to=end)
    scope = scope_for(world.erin)
    client = api(world.erin)
    _check_summary(client.get(f"{SUMMARY}?{query}").json(),
                   eff.unit_summary(scope=scope, filters=filters))
    body = client.get(f"{PAIRS}?page_size=500&{query}").json()
    expected = eff.pair_figures(scope=scope, filters=filters)
    assert [i["pair"] for i in body["results"]] == [f.pair_id for f in expected]
    for item, figures in zip(body["results"], expected, strict=True):
        _check_pair(item, figures)


def test_withheld_satisfaction_is_null_with_the_count(api: Api, world: World,
                                                      effect: Effect) -> None:
    _survey(effect.pair, world.bob_p, 9)
    _survey(effect.pair, world.carol_p, 6)
    body = api(world.alice).get(SUMMARY).json()
    # The release rule: a cell of two people enters no figure (docs/surveys.md).
    assert body["satisfaction"]["mentee_benefit"] == {"mean": None, "answers": 0}
    assert body["kirkpatrick"][0]["value"] is None
    other = Pair.objects.create(a=world.alice_p, b=world.carol_p, organization=world.org_a,
                                starts_on=effect.pair.starts_on, ends_on=effect.pair.ends_on)
    _survey(other, world.alice_p, 10)
    body = api(world.alice).get(SUMMARY).json()
    assert body["satisfaction"]["mentee_benefit"]["answers"] == 3
    assert body["satisfaction"]["mentee_benefit"]["mean"] == round((9 + 6 + 10) / 3, 1)  # rounded


def test_pairs_are_the_pair_figures_of_the_scope(api: Api, world: World,
                                                 effect: Effect) -> None:
    grow(world, 7, seed=5)
    for persona in ("alice", "erin"):
        user = getattr(world, persona)
        expected = eff.pair_figures(scope=scope_for(user), filters=Filters())
        body = api(user).get(PAIRS + "?page_size=3").json()
        assert body["count"] == len(expected) == 8
        items = list(body["results"])
        page = 1
        while body["next"]:
            page += 1
            body = api(user).get(f"{PAIRS}?page_size=3&page={page}").json()
            items += body["results"]
        assert [i["pair"] for i in items] == [f.pair_id for f in expected]
        for item, figures in zip(items, expected, strict=True):
            _check_pair(item, figures)


def test_training_maps_never_appear(api: Api, world: World, effect: Effect) -> None:
    build_resources(world)
    build_training(world)
    training_map = Map.objects.filter(team__isnull=False).first()
    assert training_map is not None
    Row.objects.create(map=training_map,
                       direction=Row.Direction.A_TO_B, competency="ict.ai_lessons",
                       title="Учебная строка", current_level=0, target_level=2,
                       partner_level=3, task="Задача", deadline=dt.date(2026, 12, 20))
    assert Map.objects.filter(pair__isnull=True).exists()
    body = api(world.olga).get(PAIRS).json()
    assert body["count"] == Pair.objects.count() == 1
    assert [i["pair"] for i in body["results"]] == [effect.pair.pk]
    summary = api(world.olga).get(SUMMARY).json()
    assert summary["tasks"]["planned"] == Row.objects.filter(map__pair__isnull=False).count()


@pytest.mark.parametrize("persona", ["charlie", "dave"])
def test_outsiders_get_nothing_of_organization_a(api: Api, world: World, effect: Effect,
                                                 persona: str) -> None:
    client = api(getattr(world, persona))
    summary = client.get(SUMMARY).json()
    assert summary["pairs"]["total"] == 0 and summary["deficits"]["planned"] == 0
    assert client.get(PAIRS).json()["results"] == []
    for url in (SUMMARY, PAIRS):
        for query in (f"?organization={world.org_a.pk}",
                      f"?municipality={world.municipality_a.pk}"):
            response = client.get(url + query)
            assert response.status_code == 404, (url, query)
            assert error(response)["code"] == "not_found"


def test_anonymous_gets_401_and_a_teacher_403(api: Api, world: World, effect: Effect) -> None:
    for url in (SUMMARY, PAIRS):
        assert error(api(None).get(url))["code"] == "not_authenticated"
        response = api(world.bob).get(url)
        assert response.status_code == 403
        assert error(response)["code"] == "permission_denied"


@pytest.mark.parametrize(("query", "name"), [
    ("date_from=вчера", "date_from"),
    ("date_to=2027-13-01", "date_to"),
    ("date_from=2027-03-01&date_to=2027-01-01", "date_to"),
    ("organization=abc", "organization"),
    ("organization=-1", "organization"),
    ("municipality=1.5", "municipality"),
    ("sector=moon", "sector"),
])
@pytest.mark.parametrize("persona", ["alice", "olga"])
def test_malformed_filters_are_a_russian_400_naming_the_parameter(
        api: Api, world: World, query: str, name: str, persona: str) -> None:
    for url in (SUMMARY, PAIRS):
        response = api(getattr(world, persona)).get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        body = error(response)
        assert list(body["fields"]) == [name]
        assert name in body["message_ru"]
        assert any("а" <= ch <= "я" for ch in body["fields"][name][0].lower())


def test_summary_is_the_dashboards_cached_summary(api: Api, world: World,
                                                  effect: Effect) -> None:
    """Served from the dashboard's cache: once the page computed it, the API counts
    nothing itself."""
    from tandem.monitoring import selectors

    scope = scope_for(world.alice)
    data = selectors.dashboard_data(scope=scope, filters=Filters())
    assert data.summary is not None
    with CaptureQueriesContext(connection) as ctx:
        body = api(world.alice).get(SUMMARY).json()
    _check_summary(body, data.summary)
    # The cache version is one statement that also counts the unit's organizations
    # waiting for a rebuild (monitoring/versions.py, with TallyState): the key, not figures.
    counted = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()
               and "monitoring_unitchange" not in q["sql"]]
    assert not counted, counted


def _pairs_queries(client: APIClient) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(PAIRS + "?page_size=500")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_pairs_list_queries_do_not_grow_with_the_pairs(api: Api, world: World) -> None:
    client = api(world.erin)
    client.get(PAIRS)  # the key's «last used» is written once, on the first call
    grow(world, 10, seed=1)
    small = _pairs_queries(client)
    grow(world, 40, seed=2)
    assert client.get(PAIRS).json()["count"] == 50
    assert _pairs_queries(client) == small


def test_the_summary_withholds_before_and_after_of_fewer_than_three(api: Api,
                                                                    world: World) -> None:
    """Two teachers of A through both rounds: the API, like the dashboard, gives no area's
    levels — to the region operator, the coordinator or the curator — and says that two
    people were left out (the release rule, docs/monitoring.md)."""
    from tandem.diagnostics import tallies
    from tandem.monitoring.tests.test_gains_release import _rounds
    from tandem.people.models import Participant

    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))[:2]
    _rounds(world.org_a, [(p, 1, 2) for p in people], starts=dt.date(2026, 10, 1),
            ends=dt.date(2026, 10, 31))  # ended by the real today
    tallies.rebuild()
    for user in (world.olga, world.erin, world.alice):
        body = api(user).get(SUMMARY).json()
        assert (body["gains_by_area"], body["gains_left_out"]) == ([], 2)
