"""Rule 5 of the release rule, «steps of three», for «до / после» (docs/monitoring.md,
«Правило публикации «до / после»»; ``release.republish``): a cell's published figure
(organization, final round) moves to its current sums only when at least three people's
levels in it differ from what it showed — so a round reopened and closed again, a person
moving to another organization, deleted or anonymised, moves no figure by one or two
people's levels; and the municipalities' sums are those of the published cells."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.api.services import api_token_issue
from tandem.core import release
from tandem.core.effectiveness import GainFigures
from tandem.diagnostics import services, tallies
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import (
    Answer,
    Campaign,
    GainMember,
    MunicipalityGainTally,
    PublishedGain,
    PublishedGainMember,
    Response,
    gain_cell_q,
    gain_counted_q,
)
from tandem.monitoring.effectiveness import gains_by_area
from tandem.monitoring.tests.test_gains_release import (
    DAY,
    _final,
    _initial,
    _organizations,
    _submit,
)
from tandem.people.models import Participant
from tandem.testing import World

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/monitoring/summary/"


def _views(world: World) -> list[GainFigures]:
    """The curator of A (its cells), A's municipal coordinator and the region operator
    (the municipalities' sums)."""
    return [gains_by_area(scope=scope_for(user), filters=Filters(), today=DAY)
            for user in (world.alice, world.erin, world.olga)]


def _api(world: World) -> list[tuple[Any, Any]]:
    """«До / после» of the API's summary, for the same three."""
    found = []
    for user in (world.alice, world.erin, world.olga):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
        body = client.get(SUMMARY).json()
        found.append((body["gains_by_area"], body["gains_left_out"]))
    return found


def _chart(client: Any) -> str:
    """The region's «до / после» chart as the page shows it (its drawing ids aside)."""
    svg = client.get("/monitoring/chart/gains.svg").content.decode()
    return re.sub(r'(id|href|clip-path|xlink:href)="[^"]*"', "", svg)


def _round(world: World, n: int = 5) -> tuple[Campaign, Campaign, list[Response]]:
    """A's initial and final round (open), ``n`` teachers through both; the final
    questionnaires returned."""
    _organizations(world)  # five people in A
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))[:n]
    initial = _initial(world.org_a)
    final = _final(initial, "Итоговая", dt.date(2027, 4, 1), dt.date(2027, 4, 20),
                   closed=False)
    codes = ensure_default_framework().codes()
    finals = []
    for i, person in enumerate(people):
        _submit(initial, person, dict.fromkeys(codes, i % 2))
        finals.append(_submit(final, person, dict.fromkeys(codes, 2 + i % 2)))
    tallies.rebuild()
    return initial, final, finals


def _change(responses: list[Response], level: int) -> None:
    """Each of these final questionnaires opened again (the round is open), its levels
    changed, and sent again — through the services, as a curator and a teacher would."""
    for response in responses:
        services.response_reopen(response=Response.objects.get(pk=response.pk))
        Answer.objects.filter(response=response).update(self_level=level, level=level)
        services.response_submit(response=Response.objects.get(pk=response.pk))


def _reclose(final: Campaign, changed: list[Response], level: int = 0) -> None:
    services.campaign_reopen(campaign=Campaign.objects.get(pk=final.pk), reason="Исправить")
    _change(changed, level)
    services.campaign_close(campaign=Campaign.objects.get(pk=final.pk))


def test_one_teacher_changing_her_final_questionnaire_between_two_closings_moves_nothing(
        world: World, client: Any) -> None:
    """The review's window of rule 4: reopen, one teacher changes her final questionnaire,
    close again. The organization's, the municipality's and the region's figures — on the
    dashboard's chart and through the API — are the ones shown before; ``tallies --check``
    finds the current sums right and nothing left to publish."""
    _initial_round, final, finals = _round(world)
    services.campaign_close(campaign=Campaign.objects.get(pk=final.pk))
    client.force_login(world.olga)
    shown = (_views(world), _api(world), _chart(client))
    assert all(v.areas for v in shown[0]) and shown[0][0].areas == shown[0][2].areas

    _reclose(final, finals[:1])
    assert (_views(world), _api(world), _chart(client)) == shown
    assert tallies.stale() == []
    # Two more (two then, apart from the first: still fewer than three from the shown).
    _reclose(final, finals[1:2])
    assert (_views(world), _api(world), _chart(client)) == shown
    assert tallies.stale() == []


def test_three_teachers_changing_their_questionnaires_move_the_figure(world: World) -> None:
    """Three changed questionnaires between two closings: the figure moves to the current
    sums, for the organization, the municipality and the region alike."""
    _initial_round, final, finals = _round(world)
    services.campaign_close(campaign=Campaign.objects.get(pk=final.pk))
    shown = _views(world)
    _reclose(final, finals[:3])
    moved = _views(world)
    assert moved != shown
    assert moved[0].areas == moved[1].areas == moved[2].areas
    # the current sums: two people at 2 or 3 after and three at 0
    assert {g.mean_after for g in moved[0].areas} == {round((2 + 3) / 5, 2)}
    assert tallies.stale() == []


def test_a_change_and_its_undoing_count_for_nothing(world: World) -> None:
    """A teacher who changes her levels and, before the next closing, puts them back is
    no change (her digest is the same): with two others changed, still no step."""
    _initial_round, final, finals = _round(world)
    services.campaign_close(campaign=Campaign.objects.get(pk=final.pk))
    shown = _views(world)
    services.campaign_reopen(campaign=Campaign.objects.get(pk=final.pk), reason="Исправить")
    _change(finals[:3], 0)
    _change(finals[:1], 2)  # the first one's levels as they were (2 + 0 % 2)
    services.campaign_close(campaign=Campaign.objects.get(pk=final.pk))
    assert _views(world) == shown


def test_a_teacher_moving_to_another_organization_moves_neither_figure(world: World) -> None:
    """After the round closed, a teacher of A goes to B (another municipality), her
    questionnaires with her: A's cell loses one person, B's (of the same round) gains one.
    A's figure — its levels and people — is the one shown before, for A's curator and
    coordinator and the region; B's shows no level of hers: her cell of one is small, only
    counted among the people left out (a number of people, no level); the current sums
    follow the answers (``stale`` is empty)."""
    _initial_round, final, finals = _round(world)
    services.campaign_close(campaign=Campaign.objects.get(pk=final.pk))
    users = (world.alice, world.erin, world.olga, world.charlie, world.dave)
    before = [gains_by_area(scope=scope_for(user), filters=Filters(), today=DAY)
              for user in users]
    person = Participant.objects.get(pk=finals[-1].participant_id)
    person.organization = world.org_b
    person.save()
    tallies.refresh()
    after = [gains_by_area(scope=scope_for(user), filters=Filters(), today=DAY)
             for user in users]
    assert after[:2] == before[:2]  # A's curator and coordinator: the same figure
    assert (after[2].areas, after[2].left_out) == (before[2].areas, 1)  # the region
    assert [(f.areas, f.left_out) for f in after[3:]] == [((), 1), ((), 1)]  # B
    assert [(f.areas, f.left_out) for f in before[3:]] == [((), 0), ((), 0)]
    assert GainMember.objects.filter(organization=world.org_b).count() == 1
    assert not PublishedGain.objects.filter(organization=world.org_b).filter(
        gain_counted_q()).exists()
    assert tallies.stale() == []


def test_three_people_leaving_a_closed_cell_move_it_whole(world: World) -> None:
    """Three of A's five leave after the closing — two deleted, then one moving to B (the
    third leaving is a step): two left — a small cell, withheld, its two people left out
    (and the third one in B's cell of one)."""
    _initial_round, final, finals = _round(world)
    services.campaign_close(campaign=Campaign.objects.get(pk=final.pk))
    shown = _views(world)
    for response in finals[3:]:
        Participant.objects.filter(pk=response.participant_id).delete()
        tallies.refresh()
        assert _views(world) == shown
    third = Participant.objects.get(pk=finals[2].participant_id)
    third.organization = world.org_b
    third.save()
    tallies.refresh()
    after = _views(world)
    assert all(not v.areas for v in after)
    # A's two; the region also counts the third, alone in B's cell
    assert [v.left_out for v in after] == [2, 2, 3]
    assert tallies.stale() == []


def test_a_small_cell_counts_its_people_left_out_and_is_published_with_its_third(
        world: World) -> None:
    """A cell never published keeps its current sums as published while it has fewer than
    three people (its levels enter nothing, its people are left out) — until its third
    person: then it is published whole."""
    _initial_round, final, _finals = _round(world, n=2)
    services.campaign_close(campaign=Campaign.objects.get(pk=final.pk))
    assert all(not v.areas and v.left_out == 2 for v in _views(world))
    assert not PublishedGainMember.objects.exists()
    newcomer = Participant.objects.filter(organization=world.org_b).order_by("-pk").first()
    assert newcomer is not None
    initial = Campaign.objects.get(finals=final)
    codes = ensure_default_framework().codes()
    _submit(initial, newcomer, dict.fromkeys(codes, 1))
    _submit(final, newcomer, dict.fromkeys(codes, 3))
    newcomer.organization = world.org_a  # joins A with both rounds behind her
    newcomer.save()
    tallies.refresh()
    assert all(v.areas and v.left_out == 0 for v in _views(world))
    assert PublishedGainMember.objects.filter(organization=world.org_a).count() == 3
    assert tallies.stale() == []


# -- the invariant ------------------------------------------------------------------------
# Random submissions and withdrawals of final questionnaires, teachers moving between A
# and B, the round reopened and closed: every two consecutive published states of each
# cell differ by at least three people (their digests), the figures read only the
# published states, and each municipality's sums are those of its published cells.
STEPS = st.lists(st.tuples(st.sampled_from(["submit", "withdraw", "move", "reopen",
                                            "close"]),
                           st.integers(0, 5), st.integers(0, 3)), min_size=1, max_size=10)


def _published() -> dict[tuple[int, int], dict[int, str]]:
    cells: dict[tuple[int, int], dict[int, str]] = {}
    for org, campaign, person, digest in PublishedGainMember.objects.values_list(
            "organization_id", "campaign_id", "person", "digest"):
        cells.setdefault((org, campaign), {})[person] = digest
    return cells


def _municipality_sums_are_those_of_the_published_cells() -> None:
    sums: dict[tuple[Any, ...], list[int]] = {}
    people: dict[tuple[Any, ...], dict[tuple[int, int], int]] = {}
    for row in PublishedGain.objects.select_related("organization", "campaign"):
        group = (row.organization.municipality_id, row.organization.sector,
                 row.campaign.kind, row.campaign.starts_on, row.campaign.ends_on,
                 row.campaign.status)
        counted = release.level_counted(row.people, row.before_n, row.after_n)
        item = sums.setdefault((*group, row.competency), [0, 0, 0, 0])
        for i, value in enumerate((row.before_sum, row.before_n, row.after_sum, row.after_n)):
            item[i] += value if counted else 0
        if release.enough(row.people):
            people.setdefault(group, {})[(row.organization_id, row.campaign_id)] = row.people
    stored = {(r.municipality_id, r.sector, r.kind, r.starts_on, r.ends_on, r.status,
               r.competency): ([r.before_sum, r.before_n, r.after_sum, r.after_n], r.people)
              for r in MunicipalityGainTally.objects.all()}
    assert stored == {key: (values, sum(people.get(key[:-1], {}).values()))
                      for key, values in sums.items()}
    # the query twins agree with the rule on the published rows
    assert set(PublishedGain.objects.filter(gain_cell_q()).values_list("pk", flat=True)) == {
        row.pk for row in PublishedGain.objects.all() if release.enough(row.people)}


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_consecutive_published_states_of_a_cell_differ_by_at_least_three_people(
        world: World, steps: list[tuple[str, int, int]]) -> None:
    _organizations(world)
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))[:5]
    initial = _initial(world.org_a)
    final = _final(initial, "Итоговая", dt.date(2027, 4, 1), dt.date(2027, 4, 20),
                   closed=False)
    codes = ensure_default_framework().codes()
    for i, person in enumerate(people):
        _submit(initial, person, dict.fromkeys(codes, i % 4))
    finals = {person.pk: _submit(final, person, dict.fromkeys(codes, (i + 1) % 4))
              for i, person in enumerate(people[:3])}
    tallies.rebuild()
    history: list[dict[tuple[int, int], dict[int, str]]] = [_published()]
    try:
        for action, i, level in steps:
            person = people[i % len(people)]
            round_open = Campaign.objects.get(pk=final.pk).status == Campaign.Status.OPEN
            if action == "submit" and round_open:
                response = finals.get(person.pk)
                if response is None:
                    finals[person.pk] = _submit(final, person, dict.fromkeys(codes, level))
                    tallies.touch([person.organization_id], now=True)
                elif not Response.objects.get(pk=response.pk).locked:
                    Answer.objects.filter(response=response).update(level=level,
                                                                    self_level=level)
                    services.response_submit(response=Response.objects.get(pk=response.pk))
            elif action == "withdraw" and round_open and person.pk in finals:
                response = Response.objects.get(pk=finals[person.pk].pk)
                if response.locked:
                    services.response_reopen(response=response)
            elif action == "move":
                person.refresh_from_db()
                person.organization = (world.org_b if person.organization_id == world.org_a.pk
                                       else world.org_a)
                person.save()
                tallies.refresh()
            elif action in ("reopen", "close"):
                campaign = Campaign.objects.get(pk=final.pk)
                try:
                    if action == "close":
                        services.campaign_close(campaign=campaign)
                    else:
                        services.campaign_reopen(campaign=campaign, reason="Проверка")
                except services.DiagnosticsError:
                    pass
            now = _published()
            for cell in set(now) | set(history[-1]):
                before, after = history[-1].get(cell, {}), now.get(cell, {})
                changed = release.people_changed(before, after)
                assert changed == 0 or changed >= release.MIN_PEOPLE, (action, cell)
            history.append(now)
            _municipality_sums_are_those_of_the_published_cells()
        assert tallies.stale() == []
    finally:
        for person in people:
            person.refresh_from_db()
            if person.organization_id != world.org_a.pk:
                person.organization = world.org_a
                person.save()
        Campaign.objects.filter(pk__in=[initial.pk, final.pk]).delete()
        tallies.rebuild()


@pytest.mark.parametrize("case", [
    test_a_teacher_moving_to_another_organization_moves_neither_figure,
    test_three_people_leaving_a_closed_cell_move_it_whole])
def test_organizations_compared_one_at_a_time_give_the_same(
        world: World, monkeypatch: pytest.MonkeyPatch, case: Callable[[World], None]) -> None:
    """``tallies._unpublished`` compares the members a batch of organizations at a time
    (memory bounded by the batch, not the region): with batches of one organization, the
    worked examples above end the same."""
    monkeypatch.setattr(tallies, "UNPUBLISHED_BATCH", 1)
    case(world)
