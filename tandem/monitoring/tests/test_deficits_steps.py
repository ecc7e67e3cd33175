"""Rule 5 of the release rule, «steps of three», for the deficit and strength shares
(docs/monitoring.md, «Правило публикации дефицитов», «Остаточный риск во времени»;
``release.republish_parts``): a cell group's published state (organization, campaign —
its competencies the parts) moves to its current sums only when every competency whose
contribution changed did so for at least three people. So saving a share before and
after one person's submission, withdrawal or deletion gives nothing: the share stays,
or it moves by at least three people's answers."""

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.core import diagnostics as core
from tandem.diagnostics import tallies
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import Answer, Campaign, PublishedAnswerMember, Response
from tandem.monitoring import selectors
from tandem.people.models import Participant
from tandem.territory.models import Organization
from tandem.testing import ParticipantFactory, World

pytestmark = pytest.mark.django_db

SCHOOL = Organization.Sector.SCHOOL


def _campaign(organization: Organization) -> Campaign:
    return Campaign.objects.create(title="Вх", organization=organization,
                                   framework=ensure_default_framework(),
                                   starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2026, 9, 30))


def _submit(campaign: Campaign, person: Participant, level: int) -> Response:
    """A submitted questionnaire of ``person`` with every competency at ``level`` (a
    writer touches its organization, as the services do)."""
    response = Response.objects.create(campaign=campaign, participant=person,
                                       status=Response.Status.SUBMITTED)
    Answer.objects.bulk_create([Answer(response=response, competency=code, self_level=level,
                                       level=level, wants_to_learn=level == 2)
                                for code in campaign.framework.codes()])
    tallies.touch([person.organization_id], now=True)
    return response


def _school_c(world: World) -> Organization:
    c, _new = Organization.objects.get_or_create(
        code="school-c", defaults={"municipality": world.municipality_a, "name": "Школа В",
                                   "short_name": "Школа В", "sector": SCHOOL})
    return c


def _people(organization: Organization, n: int) -> list[Participant]:
    """``n`` people of the organization made for these tests (not the world's own: a
    Hypothesis example deletes some, and its examples share one database)."""
    mine = Participant.objects.filter(organization=organization, surname__startswith="Шаг")
    for i in range(n - mine.count()):
        ParticipantFactory.create(organization=organization, surname=f"Шаг{i}")
    return list(mine.order_by("pk"))[:n]


VIEWS = ("alice", "erin", "olga", "olga-period")


def _shown(world: World) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Every deficit and strength share, left-out count and mentors count the curator of
    A, A's coordinator and the region (without and with a period: the organizations'
    path) see: (view, kind, area, unit) → what is shown."""
    found: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for view in VIEWS:
        user = getattr(world, view.split("-")[0])
        filters = Filters(date_from=dt.date(2026, 1, 1)) if view.endswith("period") else Filters()
        data = selectors.compute_dashboard(scope=scope_for(user), filters=filters)
        for kind, shares in (("deficit", data.deficit_share), ("strength", data.strength_share)):
            for area, row in shares.items():
                for unit, share in zip(data.units, row, strict=True):
                    found[(view, kind, area, unit.pk)] = (share.mean, share.answers,
                                                         share.left_out)
        found[(view, "left out")] = (data.deficits_left_out,)
    return found


def _share(world: World, view: str = "olga") -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {key: value for key, value in _shown(world).items() if key[0] == view}


def test_one_submission_after_three_moves_no_share(world: World) -> None:
    """The attack of the documented risk: the region's share of A's municipality saved
    before and after a fourth teacher's submission differed by her answers."""
    people = _people(world.org_a, 6)
    campaign = _campaign(world.org_a)
    for person in people[:3]:
        _submit(campaign, person, 1)
    before = _shown(world)
    assert any(value[0] is not None for value in before.values())
    _submit(campaign, people[3], 3)  # a fourth: her strengths alone
    assert _shown(world) == before
    _submit(campaign, people[4], 3)
    assert _shown(world) == before
    _submit(campaign, people[5], 3)  # the third of the step: the cell moves whole
    after = _shown(world)
    assert after != before
    # The whole step: six people's answers where three were shown.
    assert all(value[1] == 2 * before[key][1] for key, value in after.items()
               if key[1] == "deficit" and value[0] is not None)
    assert tallies.stale() == []


def test_the_third_person_publishes_a_new_cell_and_fewer_count_nowhere(world: World) -> None:
    people = _people(world.org_a, 3)
    campaign = _campaign(world.org_a)
    empty = _shown(world)
    _submit(campaign, people[0], 0)
    _submit(campaign, people[1], 0)
    # One or two people: not even their count is shown as left out (rule 5, as «до / после»).
    assert _shown(world) == empty
    _submit(campaign, people[2], 0)
    shown = _share(world)
    assert any(value[0] == 100.0 and value[1] % 3 == 0 < value[1]
               for key, value in shown.items() if key[1] == "deficit")
    assert tallies.stale() == []


def test_a_deletion_of_one_moves_nothing(world: World) -> None:
    people = _people(world.org_a, 4)
    campaign = _campaign(world.org_a)
    for i, person in enumerate(people):
        _submit(campaign, person, i % 4)
    before = _shown(world)
    Participant.objects.filter(pk=people[3].pk).delete()
    tallies.refresh()
    assert _shown(world) == before
    assert tallies.stale() == []


def test_a_withdrawal_of_one_moves_nothing(world: World) -> None:
    from tandem.diagnostics import services

    people = _people(world.org_a, 4)
    campaign = _campaign(world.org_a)
    responses = [_submit(campaign, person, i % 4) for i, person in enumerate(people)]
    before = _shown(world)
    services.response_reopen(response=Response.objects.get(pk=responses[0].pk))
    tallies.refresh()
    assert _shown(world) == before
    assert tallies.stale() == []


def test_swaps_inside_an_area_do_not_complete_a_step(world: World) -> None:
    """Review of h/heat5 (reproduced there): the shares are shown by area, the parts were
    competencies only — three people swapping two competencies' levels of one area
    «changed» in both though the area's figure did not move, and released a fourth
    person's real change alone (the area's share moved by exactly her answer). The
    areas' parts (``tallies.answer_area_parts``) hold it."""
    from tandem.diagnostics import services

    x, y = "ict.office_cloud", "ict.ai_lessons"
    people = _people(world.org_a, 6)
    campaign = _campaign(world.org_a)
    start = [{x: 1, y: 1}, {x: 3, y: 1}, {x: 3, y: 1}, {x: 1, y: 3}, {x: 1, y: 1}, {x: 1, y: 1}]
    responses = []
    for person, levels in zip(people, start, strict=True):
        response = _submit(campaign, person, 2)
        for answer in Answer.objects.filter(response=response, competency__in=levels):
            answer.level = answer.self_level = levels[answer.competency]
            answer.save()
        responses.append(response)
    tallies.refresh()
    before = _shown(world)
    assert any(key[2:3] == ("ict",) and shown[0] is not None
               for key, shown in before.items()), "the area's share is shown"
    for response, levels in ((responses[0], {x: 3}),            # the real change
                             (responses[1], {x: 1, y: 3}),      # swaps: the area's figure
                             (responses[2], {x: 1, y: 3}),      # stays as it was
                             (responses[3], {x: 3, y: 1})):
        services.response_reopen(response=Response.objects.get(pk=response.pk))
        tallies.refresh()
        assert _shown(world) == before
        for answer in Answer.objects.filter(response=response, competency__in=levels):
            answer.level = answer.self_level = levels[answer.competency]
            answer.save()
        services.response_submit(response=Response.objects.get(pk=response.pk))
        tallies.refresh()
        assert _shown(world) == before
    assert tallies.stale() == []


# -- the invariant: A (6 people) and C (3 people) in A's municipality, one campaign each;
# steps of one person each — submit a questionnaire (one level for all competencies),
# change an area's levels of one's questionnaire (withdraw it, change, submit it again),
# withdraw it, or leave (deleted). Whenever a figure of any view differs from what it
# showed last, the people whose **published** part of the figure's area (the groups of
# the view's unit: ``PublishedAnswerMember``) differ between the two moments are at least
# three — and, where the unit is one organization (one group: the curator's and the
# coordinator's columns), so are the people whose answers in it differ. A unit of two
# groups is not held to the second: one group's publication moves the figure while the
# other's changes are held, and the answers recorded then already hold those held
# changes, so the other group's step of three, when it comes, differs from them by fewer
# people (no one saw the held ones: the rule's steps are from the published state).
AREAS = ("ict", "method")
STEPS = st.lists(st.tuples(st.sampled_from(["submit", "change", "withdraw", "leave"]),
                           st.integers(0, 8), st.sampled_from(AREAS), st.integers(0, 3)),
                 min_size=1, max_size=8)
Answers = dict[int, tuple[Any, ...]]


def _answers(area: str) -> dict[int, dict[int, tuple[Any, ...]]]:
    """Per organization, per person: their answers of area ``area`` in submitted
    questionnaires counted there (competency, level, can teach, wants to learn)."""
    found: dict[int, dict[int, list[Any]]] = {}
    for org, person, code, level, teach, learn in Answer.objects.filter(
            response__status=Response.Status.SUBMITTED,
            competency__startswith=f"{area}.").values_list(
                "response__organization_id", "response__participant_id", "competency",
                "level", "can_teach", "wants_to_learn").order_by():
        found.setdefault(org, {}).setdefault(person, []).append(
            (code, level, level is not None and level >= core.STRENGTH_MIN and teach, learn))
    return {org: {p: tuple(sorted(a)) for p, a in people.items()}
            for org, people in found.items()}


def published(area: str) -> dict[int, dict[int, tuple[Any, ...]]]:
    """Per organization, per person: their published part of area ``area`` in each of
    their groups (campaign, the part — ``tallies.answer_area_parts`` of the digest
    published, ``PublishedAnswerMember``) — what the figures are made of."""
    read = tallies.answer_member_reader()
    found: dict[int, dict[int, list[Any]]] = {}
    for org, campaign, person, digest in PublishedAnswerMember.objects.values_list(
            "organization_id", "campaign_id", "person", "digest").order_by():
        part = read(digest).get(tallies.AREA_PART + area)
        if part is not None:
            found.setdefault(org, {}).setdefault(person, []).append((campaign, part))
    return {org: {p: tuple(sorted(a)) for p, a in people.items()}
            for org, people in found.items()}


def everyone(per_area: dict[str, dict[int, dict[int, tuple[Any, ...]]]]) -> Answers:
    """Per person, their items of every area in every organization (``per_area``: area →
    organization → person → items): a figure over all areas of the whole region."""
    every = set(Organization.objects.values_list("pk", flat=True))
    found: Answers = {}
    for area in sorted(per_area):
        for person, items in _of_unit(per_area[area], every).items():
            found[person] = (*found.get(person, ()), items)
    return found


def _of_unit(answers: dict[int, dict[int, tuple[Any, ...]]], orgs: set[int]) -> Answers:
    mine: dict[int, tuple[Any, ...]] = {}
    for org in sorted(orgs):
        for person, items in answers.get(org, {}).items():
            mine[person] = (*mine.get(person, ()), (org, items))
    return mine


def _unit_orgs(world: World, view: str, unit: int) -> set[int]:
    if view == "alice" or view == "erin":
        return {unit}
    return set(Organization.objects.filter(municipality_id=unit).values_list("pk", flat=True))


def moved_by_three(last: dict[tuple[Any, ...], tuple[Any, Answers]], key: tuple[Any, ...],
                   value: Any, now: Answers, steps: Sequence[tuple[str, int, str, int]]) -> None:
    """The invariants' check of one figure ``key`` now showing ``value`` of the answers
    ``now``: if it moved since it was last seen, at least 3 people's answers differ from
    those of then; ``last`` keeps what each figure showed and of which answers. Shared by
    the shares' and the mentors' invariants (test_mentors_steps)."""
    if key in last and last[key][0] != value:
        then = last[key][1]
        changed = {p for p in then.keys() | now.keys() if then.get(p) != now.get(p)}
        assert len(changed) >= 3, (key, last[key][0], value, changed, steps)
    if key not in last or last[key][0] != value:
        last[key] = (value, now)


def _moved_by_three(world: World, last: dict[tuple[Any, ...], tuple[Any, Answers]],
                    steps: Sequence[Any]) -> None:
    shown = _shown(world)
    areas = set(ensure_default_framework().area_of().values())
    answers = {area: _answers(area) for area in areas}
    parts = {area: published(area) for area in areas}
    for key, value in shown.items():
        if key[1] == "left out":
            moved_by_three(last, ("published", *key), value, everyone(parts), steps)
            continue
        orgs = _unit_orgs(world, key[0], key[3])
        moved_by_three(last, ("published", *key), value, _of_unit(parts[key[2]], orgs),
                       steps)
        if len(orgs) == 1:
            moved_by_three(last, key, value, _of_unit(answers[key[2]], orgs), steps)


def play(steps: Sequence[tuple[str, int, str, int]], people: list[Participant],
         campaigns: dict[int, Campaign], responses: dict[int, int], area_of: dict[str, str],
         *, seen: Callable[[], None]) -> None:
    """Plays the Hypothesis invariants' steps — «submit», «change» (an area's levels),
    «withdraw», «leave» — one person each (``people[i % len]``; ``responses``: a
    person's questionnaire), refreshes the figures and calls ``seen`` before the first
    step and after each (and between the withdrawal and the new submission of a change:
    two changes, each seen); at the end the kept figures equal a rebuild; the steps'
    campaigns and people are removed whatever happened. Shared by the shares' and the
    mentors' invariants (test_mentors_steps)."""
    from tandem.diagnostics import services

    gone: set[int] = set()
    try:
        seen()
        for action, i, area, level in steps:
            person = people[i % len(people)]
            if person.pk in gone:
                continue
            response = (Response.objects.filter(pk=responses[person.pk]).first()
                        if person.pk in responses else None)
            if action == "submit" and response is None:
                responses[person.pk] = _submit(campaigns[person.organization_id], person,
                                               level).pk
            elif action == "change" and response is not None:
                if response.status == Response.Status.SUBMITTED:
                    # Two changes of one person each — her questionnaire withdrawn, then
                    # submitted again: each is seen (a figure may move between them).
                    services.response_reopen(response=response)
                    tallies.refresh()
                    seen()
                for answer in Answer.objects.filter(response=response):
                    if area_of.get(answer.competency) == area:
                        answer.level = answer.self_level = level
                        answer.save()
                services.response_submit(response=Response.objects.get(pk=response.pk))
            elif (action == "withdraw" and response is not None
                  and response.status == Response.Status.SUBMITTED):
                services.response_reopen(response=response)
            elif action == "leave":
                Participant.objects.filter(pk=person.pk).delete()
                gone.add(person.pk)
            tallies.refresh()
            seen()
        assert tallies.stale() == []
    finally:
        Campaign.objects.filter(pk__in=[c.pk for c in campaigns.values()]).delete()
        Participant.objects.filter(surname__startswith="Шаг").delete()
        tallies.rebuild()


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
@example(steps=[("submit", 3, "ict", 3)])
@example(steps=[("leave", 0, "ict", 0), ("submit", 3, "ict", 0), ("change", 1, "ict", 3)])
@example(steps=[("change", 0, "ict", 3), ("change", 1, "ict", 3), ("change", 2, "method", 3)])
def test_a_share_shown_moves_only_by_the_answers_of_at_least_three_people(
        world: World, steps: list[tuple[str, int, str, int]]) -> None:
    c = _school_c(world)
    people = [*_people(world.org_a, 6), *_people(c, 3)]
    campaigns = {world.org_a.pk: _campaign(world.org_a), c.pk: _campaign(c)}
    framework = ensure_default_framework()
    area_of = framework.area_of()
    responses: dict[int, int] = {}
    for i, person in enumerate([*people[:3], *people[6:]]):
        responses[person.pk] = _submit(campaigns[person.organization_id], person, i % 4).pk
    last: dict[tuple[Any, ...], tuple[Any, Answers]] = {}
    play(steps, people, campaigns, responses, area_of,
         seen=lambda: _moved_by_three(world, last, steps))


def _migration_0023() -> Any:
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from tandem.diagnostics.models import AnswerMember, PublishedAnswer, PublishedAnswerMember

    for model in (AnswerMember, PublishedAnswer, PublishedAnswerMember):
        model.objects.all().delete()  # as before 0023
    migration = import_module("tandem.diagnostics.migrations.0023_published_answers")
    migration.forwards(apps, SimpleNamespace(connection=connection))


def test_0023_publishes_what_was_shown_and_builds_the_people_as_a_rebuild(
        world: World) -> None:
    from tandem.diagnostics.models import AnswerMember, PublishedAnswerMember

    people = _people(world.org_a, 6)  # two steps of three: all of it published
    campaign = _campaign(world.org_a)
    for i, person in enumerate(people):
        _submit(campaign, person, i % 4)
    shown = _shown(world)
    members = set(AnswerMember.objects.values_list("organization", "campaign", "person",
                                                   "digest"))
    _migration_0023()
    assert set(AnswerMember.objects.values_list("organization", "campaign", "person",
                                                "digest")) == members
    assert set(PublishedAnswerMember.objects.values_list(
        "organization", "campaign", "person", "digest")) == members
    assert _shown(world) == shown
    assert tallies.stale() == []


def test_0023_holds_a_change_whose_rebuild_waits_at_migration_time(world: World) -> None:
    """A change imported while the workers are stopped for the deploy (marked, not
    rebuilt): the shares showed the state before it; after the migration and the job they
    still do — the change alone does not move them (its group waits for three people)."""
    people = _people(world.org_a, 6)
    campaign = _campaign(world.org_a)
    responses = [_submit(campaign, person, i % 4) for i, person in enumerate(people)]
    shown = _shown(world)
    Answer.objects.filter(response=responses[0]).update(level=3, self_level=3)
    tallies.touch([world.org_a.pk])  # the job, later
    _migration_0023()
    tallies.refresh()
    assert _shown(world) == shown
    assert tallies.stale() == []


def _orphaned_by_0023(world: World, n: int) -> tuple[dict[tuple[Any, ...], tuple[Any, ...]],
                                                        dict[tuple[Any, ...], tuple[Any, ...]]]:
    """``n`` people of A submitted; an import withdrew all of them while the workers were
    stopped for the deploy (marked, not rebuilt); then 0023 ran: it published the stored
    counts of the group (what the shares showed) and found no one's answers to name as
    its members — an **orphan**. What was shown before anyone answered, and what the
    shares showed before 0023 by the code before it (every group's stored counts)."""
    from tandem.diagnostics.models import PublishedAnswer, PublishedAnswerMember

    nothing = _shown(world)
    people = _people(world.org_a, n)
    campaign = _campaign(world.org_a)
    responses = [_submit(campaign, person, i % 4) for i, person in enumerate(people)]
    Response.objects.filter(pk__in=[r.pk for r in responses]).update(
        status=Response.Status.DRAFT)  # the import, its rebuild waiting
    tallies.touch([world.org_a.pk])
    _migration_0023()
    # The municipalities' sums as the code before 0023 left them (of every group's stored
    # counts: what 0023 just published) — this test database was built by today's code.
    tallies._roll_up([world.municipality_a.pk])
    orphan = PublishedAnswer.objects.filter(organization=world.org_a, campaign=campaign)
    assert orphan.exists()
    assert not PublishedAnswerMember.objects.filter(organization=world.org_a).exists()
    before = _shown(world)
    return nothing, before


def test_0023_an_orphan_of_three_goes_at_the_rebuild_and_the_check_agrees(world: World) -> None:
    """Review of h/heat5: such a group stayed published without members for good, and
    ``tandem tallies --check`` reported it forever («published answers without members»).
    Three people left every competency it shows — a step of three in every part: the
    rebuild takes it out, and the check finds nothing."""
    nothing, before = _orphaned_by_0023(world, 3)
    assert before != nothing
    tallies.refresh()
    assert _shown(world) == nothing
    assert tallies.stale() == []


def test_0023_an_orphan_of_two_is_held_and_the_check_agrees(world: World) -> None:
    """Two people's stored answers (shown as left out before 0023): their leaving would
    move «вне долей» by two people's answers — the rule holds the group, and the check
    does not report what the rebuild keeps on purpose."""
    _nothing, before = _orphaned_by_0023(world, 2)
    assert before[("olga", "left out")] != (0,)
    tallies.refresh()
    assert _shown(world) == before
    assert tallies.stale() == []
