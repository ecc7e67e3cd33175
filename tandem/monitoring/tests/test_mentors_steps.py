"""Rule 5 of the release rule, «steps of three», for the potential mentors («Где искать
наставников», «кто может научить»; docs/monitoring.md, «Кто может научить»): a cell
(organization, campaign, area) counts the **published** people of its group
(``PublishedAnswerMember``), whose areas' parts move only when at least three people's
changed (``tallies.answer_area_parts``, ``release.republish_parts``). So saving the
dashboard before and after one questionnaire of a person strong in an area tells nothing
of her: the number of mentors stays, or it moves by at least three people's answers."""

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.diagnostics import services, tallies
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import Campaign, Response, StrongTally
from tandem.monitoring import selectors
from tandem.monitoring.tests.test_deficits_steps import (
    STEPS,
    Answers,
    _answers,
    _campaign,
    _of_unit,
    _people,
    _school_c,
    _submit,
    _unit_orgs,
    everyone,
    moved_by_three,
    play,
    published,
)
from tandem.people.models import Participant
from tandem.territory.models import Organization
from tandem.testing import World

pytestmark = pytest.mark.django_db

# The curator of A, A's coordinator, the region — each without and with a period (the
# period reads the organizations' cells per campaign, StrongTally; the standard view the
# best round, StrongBest, and the municipalities' sums, MunicipalityStrong).
VIEWS = ("alice", "alice-period", "erin", "erin-period", "olga", "olga-period")


def _mentors(world: World) -> dict[tuple[Any, ...], Any]:
    """Every mentors figure the views show: (view, "mentors", area, unit) → the number;
    (view, "places") → the places listed («Где искать наставников»)."""
    found: dict[tuple[Any, ...], Any] = {}
    for view in VIEWS:
        user = getattr(world, view.split("-")[0])
        filters = Filters(date_from=dt.date(2026, 1, 1)) if view.endswith("period") else Filters()
        data = selectors.compute_dashboard(scope=scope_for(user), filters=filters)
        for area, row in data.mentors.items():
            for unit, n in zip(data.units, row, strict=True):
                found[(view, "mentors", area, unit.pk)] = n
        found[(view, "places")] = tuple(data.mentor_places)
    return found


def _with_levels(campaign: Campaign, people: list[Participant], level: int) -> None:
    for person in people:
        _submit(campaign, person, level)


def test_one_strong_person_moves_no_mentor_figure_the_third_does(world: World) -> None:
    """The attack of the documented risk: three people of A who teach no one (level 1)
    published; a fourth strong in every area (level 3) submits — saved before and after,
    the mentors differed by her (1 in every area). Now nothing moves until the third
    strong person completes the step: then three mentors at once."""
    people = _people(world.org_a, 6)
    campaign = _campaign(world.org_a)
    _with_levels(campaign, people[:3], 1)
    before = _mentors(world)
    assert before and all(n == 0 for key, n in before.items() if key[1] == "mentors")
    _submit(campaign, people[3], 3)
    assert _mentors(world) == before
    _submit(campaign, people[4], 3)
    assert _mentors(world) == before
    _submit(campaign, people[5], 3)  # the third of the step
    after = _mentors(world)
    moved = {key: n for key, n in after.items() if key[1] == "mentors" and n != before[key]}
    assert moved and set(moved.values()) == {3}
    assert {key[0] for key in moved} == set(VIEWS)
    assert all(after[(view, "places")] and not before[(view, "places")] for view in VIEWS)
    assert tallies.stale() == []


def test_a_withdrawal_or_deletion_of_one_strong_person_moves_nothing(world: World) -> None:
    """Six people published in two steps (three strong); one of the strong withdraws her
    questionnaire, another leaves: two changed people — the mentors stay at three."""
    people = _people(world.org_a, 6)
    campaign = _campaign(world.org_a)
    responses = [_submit(campaign, person, level)
                 for person, level in zip(people, (3, 3, 1, 1, 1, 3), strict=True)]
    before = _mentors(world)
    assert before[("alice", "mentors", "ict", world.org_a.pk)] == 3
    assert any(n for key, n in before.items() if key[1] == "mentors")
    services.response_reopen(response=Response.objects.get(pk=responses[0].pk))
    tallies.refresh()
    assert _mentors(world) == before
    Participant.objects.filter(pk=people[1].pk).delete()
    tallies.refresh()
    assert _mentors(world) == before
    assert tallies.stale() == []


def test_a_group_of_two_shows_no_mentors_and_the_third_publishes_it(world: World) -> None:
    """Two strong people in a campaign: no mentors (they were not counted before either —
    fewer than three levelled); one who teaches no one publishes the group: two mentors,
    in steps of three people."""
    people = _people(world.org_a, 3)
    campaign = _campaign(world.org_a)
    _with_levels(campaign, people[:2], 3)
    assert not StrongTally.objects.filter(campaign=campaign).exists()
    _submit(campaign, people[2], 1)
    assert set(StrongTally.objects.filter(campaign=campaign).values_list(
        "people", "levelled")) == {(2, 3)}
    assert tallies.stale() == []


# -- the invariant (as test_deficits_steps' for the shares): A (6 people) and C (3 people,
# in A's municipality too), one initial campaign each; steps of one person each — submit
# (one level for all competencies: 3 is a strength), change an area's levels (withdraw,
# change, submit again: two steps), withdraw, leave. Whenever a mentors figure of any
# view differs from what it showed last, the people whose published part of the
# figure's area (a list of places: of any area) in the view's unit differ between the two
# moments are at least three; where the unit is one organization, so are the people
# whose answers in it differ (why not where it is two: test_deficits_steps).
def _moved_by_three(world: World, last: dict[tuple[Any, ...], tuple[Any, Answers]],
                    steps: list[Any]) -> None:
    shown = _mentors(world)
    areas = set(ensure_default_framework().area_of().values())
    answers = {area: _answers(area) for area in areas}
    parts = {area: published(area) for area in areas}
    for key, value in shown.items():
        view = key[0].split("-")[0]
        if key[1] == "places":  # of every area, in the view's organizations
            orgs = {"alice": {world.org_a.pk},
                    "erin": _unit_orgs(world, "olga", world.municipality_a.pk),
                    }.get(view) or set(Organization.objects.values_list("pk", flat=True))
            checks = [(("published", *key), parts)] + ([(key, answers)] if len(orgs) == 1
                                                       else [])
            for name, per_area in checks:
                moved_by_three(last, name, value, everyone(
                    {area: {o: per_area[area].get(o, {}) for o in orgs} for area in areas}),
                    steps)
            continue
        orgs = _unit_orgs(world, view, key[3])
        moved_by_three(last, ("published", *key), value, _of_unit(parts[key[2]], orgs),
                       steps)
        if len(orgs) == 1:
            moved_by_three(last, key, value, _of_unit(answers[key[2]], orgs), steps)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
@example(steps=[("submit", 3, "ict", 3)])
@example(steps=[("change", 0, "ict", 3), ("change", 1, "method", 3), ("change", 2, "ict", 3)])
@example(steps=[("leave", 6, "ict", 0), ("submit", 3, "ict", 3), ("withdraw", 7, "ict", 0)])
def test_a_mentors_figure_moves_only_by_the_answers_of_at_least_three_people(
        world: World, steps: list[tuple[str, int, str, int]]) -> None:
    c = _school_c(world)
    people = [*_people(world.org_a, 6), *_people(c, 3)]
    campaigns = {world.org_a.pk: _campaign(world.org_a), c.pk: _campaign(c)}
    area_of = ensure_default_framework().area_of()
    responses: dict[int, int] = {}
    for i, person in enumerate([*people[:3], *people[6:]]):
        responses[person.pk] = _submit(campaigns[person.organization_id], person, 3 - i % 3).pk
    last: dict[tuple[Any, ...], tuple[Any, Answers]] = {}
    play(steps, people, campaigns, responses, area_of,
         seen=lambda: _moved_by_three(world, last, steps))


def test_0024_mentors_become_the_published_ones_and_the_check_agrees(world: World) -> None:
    """An installation before 0024 held the mentors of the answers now (a fourth, strong,
    person counted though her group still shows three); the migration makes them the
    published people's — what a rebuild makes since — and ``tandem tallies --check``
    finds nothing."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from tandem.diagnostics.models import MunicipalityStrong, StrongBest

    people = _people(world.org_a, 4)
    campaign = _campaign(world.org_a)
    for person, level in zip(people, (3, 1, 1), strict=False):
        _submit(campaign, person, level)
    published = _mentors(world)
    assert published[("olga", "mentors", "ict", world.municipality_a.pk)] == 1
    _submit(campaign, people[3], 3)  # held: one changed person
    # The tables as the code before 0024 left them: of the answers now (two strong).
    StrongTally.objects.filter(campaign=campaign).update(people=2, levelled=4)
    StrongBest.objects.filter(organization=world.org_a).update(people=2)
    MunicipalityStrong.objects.filter(municipality=world.municipality_a).update(people=2)
    assert _mentors(world) != published
    migration = import_module("tandem.diagnostics.migrations.0024_published_mentors")
    migration.forwards(apps, SimpleNamespace(connection=connection))
    assert _mentors(world) == published
    assert tallies.stale() == []


def test_the_tail_of_a_text_is_read_in_no_area_on_the_server_as_in_python(
        world: World) -> None:
    """Worked example (review of h/mentors5): a person's text ends early (the trailing
    «no level» slots are cut) and carries the answers of no version's competency after a
    second bar — «7|xx…x=7»: the tail's digit stands where a later competency of the
    version (of another area) has its place. It counts in no area — ``_strong_sql``
    reads the version's places only before the second bar, as ``_strong`` does."""
    from django.db import connection

    from tandem.diagnostics.models import PublishedAnswerMember

    campaign = _campaign(world.org_a)
    codes = tallies.answer_codes([campaign.framework_id])[campaign.framework_id]
    area_of = tallies.shown_areas()

    def area(code: str) -> str:
        return tallies.area_shown(area_of, code)

    # «7» is place 1 after the head, «|» 2, the code's L letters 3…2+L, «=» 3+L, the
    # digit 4+L: the place of the version's competency number 3+L (from 0).
    length = next(n for n in range(1, len(codes) - 3) if area(codes[3 + n]) != area(codes[0]))
    PublishedAnswerMember.objects.create(
        organization=world.org_a, campaign=campaign, person=1,
        digest=f"{campaign.framework_id}|7|{'x' * length}=7")
    sql, params = tallies._strong_sql([world.org_a.pk])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        server = {(row[2], row[3], row[4]) for row in cursor.fetchall()}
    python = {(t.area, t.people, t.levelled) for t in tallies._strong([world.org_a.pk])}
    assert server == python == {(area(codes[0]), 1, 1)}
