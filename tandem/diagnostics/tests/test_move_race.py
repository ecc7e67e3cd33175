"""A questionnaire handed out or reopened while its person is moving (PostgreSQL: SQLite
has one writer at a time). The move updates the person's row, then their questionnaires
not submitted that it sees (``tallies._participant_moved``); the hand-out and the
reopening read the person's organization ``FOR SHARE`` (``people.models.organizations_now``), so
one waits for the other — never a questionnaire left in the organization they left
(review of h/gaincell)."""

from collections.abc import Callable

import pytest
from django.db import connection

from tandem.diagnostics import services, tallies
from tandem.diagnostics.models import Response, ResponseTally
from tandem.testing import HeldRace, World, build_diagnostics, moving

pytestmark = pytest.mark.django_db(transaction=True)


def _mover(world: World) -> Callable[[Callable[[], None]], None]:
    return moving(world.carol_p, world.org_b)  # Carol moves from A to B and holds


def test_a_questionnaire_handed_out_during_a_move_follows_the_person(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a race of two writers: PostgreSQL only")
    dw = build_diagnostics(world)
    campaign = dw.campaign_b  # Carol is not in it yet

    race = HeldRace(_mover(world),
                    lambda: services.campaign_add(campaign=campaign,
                                                  participants=[world.carol_p]))
    race.start()
    waited = race.second_waits()
    race.finish()
    assert waited
    response = Response.objects.get(campaign=campaign, participant=world.carol_p)
    assert response.organization_id == world.org_b.pk
    tallies.refresh()
    assert not ResponseTally.objects.filter(campaign=campaign, organization=world.org_a,
                                            invited__gt=0).exists()
    assert tallies.stale() == []


def test_a_reopening_during_a_move_is_refused(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a race of two writers: PostgreSQL only")
    dw = build_diagnostics(world)
    outcome: list[str] = []

    def reopen() -> None:
        try:
            services.response_reopen(response=dw.carol_r)
            outcome.append("reopened")
        except services.DiagnosticsError as error:
            outcome.append(str(error))

    race = HeldRace(_mover(world), reopen)
    race.start()
    waited = race.second_waits()
    race.finish()
    assert waited
    assert outcome == [str(services.REOPEN_MOVED)]
    response = Response.objects.get(pk=dw.carol_r.pk)
    assert (response.status, response.organization_id) == (Response.Status.SUBMITTED,
                                                           world.org_a.pk)
    tallies.refresh()
    assert ResponseTally.objects.get(campaign=dw.campaign_a,
                                     organization=world.org_a).draft == 1  # Bob's only
    assert tallies.stale() == []
