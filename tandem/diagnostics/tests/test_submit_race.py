"""Two teachers of one organization writing to two campaigns at the same moment, and a
campaign changing its round or closing while someone submits (review finding,
PostgreSQL): nobody deadlocks. A submission locked its questionnaire joined with the
campaign and framework ``FOR UPDATE`` — all three rows — and the tallies' rebuild then
held the organization's campaigns ``FOR SHARE`` in id order: each waited for the other's
campaign. Now it locks its own row only and reads its campaign ``FOR SHARE``."""

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from tandem.diagnostics import services, tallies
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import (
    Answer,
    Campaign,
    FrameworkVersion,
    MunicipalityAnswerTally,
    Response,
    ResponseTally,
)
from tandem.people.models import Participant
from tandem.testing import HeldRace, ParticipantFactory, World, build_world

pytestmark = pytest.mark.django_db(transaction=True)

SKIP = "гонка двух транзакций бывает только на PostgreSQL (SQLite пишет по очереди)"


def _answered(campaign: Campaign, participant: Participant,
              status: str = Response.Status.DRAFT) -> Response:
    """A questionnaire with every competency answered (ready to submit)."""
    response = Response.objects.create(campaign=campaign, participant=participant,
                                       status=status)
    codes = campaign.framework.codes()
    Answer.objects.bulk_create([
        Answer(response=response, competency=code, self_level=i % 4, level=i % 4)
        for i, code in enumerate(codes)])
    response.answered = len(codes)
    response.save(update_fields=["answered"])
    return response


def _three_submitted(world: World, campaign: Campaign) -> None:
    """Three submitted questionnaires of A (Alice is left for the other campaign): a
    group of one or two is never published (rule 5 of the deficit shares), so one person's
    would be in no municipality's sums under either dates."""
    for person in (world.bob_p, world.carol_p,
                   ParticipantFactory.create(organization=world.org_a, surname="Третья")):
        _answered(campaign, person, status=Response.Status.SUBMITTED)


def _two_campaigns(world: World, *, same_framework: bool) -> tuple[Campaign, Campaign]:
    f1 = ensure_default_framework()
    f2 = f1 if same_framework else FrameworkVersion.objects.create(
        number=f1.number + 1, snapshot=f1.snapshot)
    return (
        Campaign.objects.create(title="Входная", region=world.region, framework=f1,
                                starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2026, 12, 31)),
        Campaign.objects.create(title="Итоговая", region=world.region, framework=f2,
                                starts_on=dt.date(2027, 3, 1), ends_on=dt.date(2027, 5, 31)))


def _at_once(monkeypatch: pytest.MonkeyPatch, *calls: Callable[[], Any]) -> list[BaseException]:
    """Runs ``calls`` in threads of their own, each in its transaction; all of them hold
    their questionnaire's locks before any goes on to the tallies (a barrier in
    ``tallies.touch_responses`` / ``recount_progress``). The errors raised."""
    barrier = threading.Barrier(len(calls), timeout=10)
    errors: list[BaseException] = []

    def meeting(original: Callable[..., Any]) -> Callable[..., Any]:
        def wait_then(*args: Any, **kwargs: Any) -> Any:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:  # the other one is stuck: let the DB say
                pass
            return original(*args, **kwargs)
        return wait_then

    monkeypatch.setattr(tallies, "touch_responses", meeting(tallies.touch_responses))
    monkeypatch.setattr(tallies, "recount_progress", meeting(tallies.recount_progress))

    def run(call: Callable[[], Any]) -> None:
        try:
            with transaction.atomic():
                call()
        except BaseException as e:  # reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors



def _writing_then_closing(call: Callable[[], Any], campaign: Campaign) -> HeldRace:
    """``call`` in a transaction held open, then the campaign's closing beside it."""
    def first(hold: Callable[[], None]) -> None:
        with transaction.atomic():
            call()
            hold()
    return HeldRace(first, lambda: services.campaign_close(
        campaign=Campaign.objects.get(pk=campaign.pk)))

@pytest.mark.parametrize("same_framework", [False, True], ids=["two-frameworks", "one"])
def test_two_submissions_to_two_campaigns_in_one_organization(
        monkeypatch: pytest.MonkeyPatch, same_framework: bool) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(SKIP)
    world = build_world()
    c1, c2 = _two_campaigns(world, same_framework=same_framework)
    r1, r2 = _answered(c1, world.alice_p), _answered(c2, world.bob_p)  # both of org_a
    tallies.rebuild([world.org_a.pk])
    errors = _at_once(monkeypatch, lambda: services.response_submit(response=r1),
                      lambda: services.response_submit(response=r2))
    assert not errors, [repr(e) for e in errors]
    assert set(Response.objects.filter(pk__in=[r1.pk, r2.pk]).values_list(
        "status", flat=True)) == {Response.Status.SUBMITTED}
    assert tallies.stale() == []


def test_two_first_drafts_to_two_campaigns_in_one_organization(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A first saved answer recounts the campaign's progress under a rebuild's locks."""
    if connection.vendor != "postgresql":
        pytest.skip(SKIP)
    world = build_world()
    c1, c2 = _two_campaigns(world, same_framework=True)
    r1 = Response.objects.create(campaign=c1, participant=world.alice_p)
    r2 = Response.objects.create(campaign=c2, participant=world.bob_p)
    code = c1.framework.codes()[0]
    tallies.rebuild([world.org_a.pk])
    one = {code: services.AnswerInput(level=2, can_teach=False, wants_to_learn=False,
                                      priority=None)}
    errors = _at_once(monkeypatch, lambda: services.answers_save(response=r1, values=one),
                      lambda: services.answers_save(response=r2, values=one))
    assert not errors, [repr(e) for e in errors]
    assert set(Response.objects.filter(pk__in=[r1.pk, r2.pk]).values_list(
        "status", flat=True)) == {Response.Status.DRAFT}


def test_a_round_change_of_one_campaign_and_a_submission_to_another() -> None:
    """C2 changes its dates (its rederive: the municipality's sums) while a teacher of the
    same organization submits to C1: the submission's rebuild waits for the change, and
    the change for nothing the submission holds."""
    if connection.vendor != "postgresql":
        pytest.skip(SKIP)
    world = build_world()
    c1, c2 = _two_campaigns(world, same_framework=True)
    _three_submitted(world, c2)
    r1 = _answered(c1, world.alice_p)
    tallies.rebuild([world.org_a.pk])
    original = tallies.touch_responses

    def submit(hold: Callable[[], None]) -> None:
        def then(*args: Any, **kwargs: Any) -> Any:
            hold()  # the questionnaire and its campaign held
            return original(*args, **kwargs)
        with transaction.atomic():
            tallies.touch_responses = then  # type: ignore[assignment]
            try:
                services.response_submit(response=r1)
            finally:
                tallies.touch_responses = original  # type: ignore[assignment]

    def change() -> None:
        with transaction.atomic():
            moved = Campaign.objects.get(pk=c2.pk)
            moved.ends_on += dt.timedelta(days=30)
            moved.save()  # and its rederive: municipality A

    race = HeldRace(submit, change)
    race.start()
    race.second_waits()
    race.finish()
    assert tallies.stale() == []
    assert dt.date(2027, 6, 30) in set(MunicipalityAnswerTally.objects.filter(
        municipality=world.municipality_a).values_list("ends_on", flat=True))


def test_a_closing_waits_for_a_submission_in_progress() -> None:
    """The campaign is read ``FOR SHARE``: a closing that comes while a questionnaire is
    being submitted waits for it (the submission is not lost to a half-closed campaign),
    and a submission after the closing is refused."""
    if connection.vendor != "postgresql":
        pytest.skip(SKIP)
    world = build_world()
    c1, _ = _two_campaigns(world, same_framework=True)
    r1, r2 = _answered(c1, world.alice_p), _answered(c1, world.bob_p)
    race = _writing_then_closing(lambda: services.response_submit(response=r1), c1)
    race.start()
    assert race.second_waits()  # the closing waits for the submission's share
    race.finish()
    assert Response.objects.get(pk=r1.pk).status == Response.Status.SUBMITTED
    with pytest.raises(services.DiagnosticsError):
        services.response_submit(response=r2)


def test_a_draft_save_in_progress_does_not_hold_a_closing_off() -> None:
    """A draft save reads the campaign's status without a lock on it: the autosaves of a
    campaign's teachers cannot keep its closing waiting (PostgreSQL lets new shared locks
    past a waiting closing; review finding). The closing ends while the draft's
    transaction is still open; the draft stays a draft."""
    if connection.vendor != "postgresql":
        pytest.skip(SKIP)
    world = build_world()
    c1, _ = _two_campaigns(world, same_framework=True)
    r1 = _answered(c1, world.alice_p)
    code = c1.framework.codes()[0]
    race = _writing_then_closing(lambda: services.answers_save(
        response=r1, values={code: services.AnswerInput(level=2)}), c1)
    race.start()
    race.second.join(30)
    assert not race.second.is_alive()  # closed without waiting for the draft's transaction
    race.finish()
    assert Campaign.objects.get(pk=c1.pk).status == Campaign.Status.CLOSED
    assert Response.objects.get(pk=r1.pk).status == Response.Status.DRAFT


@pytest.mark.django_db
def test_an_expert_save_sees_a_closing_that_committed_first() -> None:
    """The curator's levels are refused once the campaign is closed, even when the view
    read the questionnaire before the closing (review finding: the status came from the
    view's object, so a closing in between was not seen)."""
    world = build_world()
    campaign, _ = _two_campaigns(world, same_framework=True)
    campaign.with_expert = True
    campaign.save(update_fields=["with_expert"])
    response = _answered(campaign, world.alice_p, status=Response.Status.SUBMITTED)
    stale = Response.objects.select_related("campaign__framework").get(pk=response.pk)
    services.campaign_close(campaign=Campaign.objects.get(pk=campaign.pk))
    code = campaign.framework.codes()[0]
    with pytest.raises(services.DiagnosticsError):
        services.expert_levels_save(response=stale, levels={code: 2})
    assert not Answer.objects.filter(response=response, expert_level__isnull=False).exists()


def _first_draft_held(response: Response) -> Callable[[Callable[[], None]], None]:
    """The first answer of a questionnaire saved (its progress recounted: ``recount_progress``
    done) in a transaction held open."""
    code = response.campaign.framework.codes()[0]
    original = tallies.recount_progress

    def first(hold: Callable[[], None]) -> None:
        def then(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            hold()  # the municipality's and the organization's figure rows held
            return result
        with transaction.atomic():
            tallies.recount_progress = then  # type: ignore[assignment]
            try:
                services.answers_save(response=response,
                                      values={code: services.AnswerInput(level=2)})
            finally:
                tallies.recount_progress = original  # type: ignore[assignment]
    return first


@pytest.mark.parametrize("closed", ["another", "its-own"])
def test_a_first_draft_save_does_not_hold_a_closing_off(closed: str) -> None:
    """A first saved answer recounts its campaign's progress without holding any
    campaign's row: a closing of another campaign of the organization (or of its own)
    ends while the first save's transaction is still open — it waited for every first
    save in any of the organization's campaigns (``FOR SHARE`` on all of them). The kept
    figures equal the live ones afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip(SKIP)
    world = build_world()
    c1, c2 = _two_campaigns(world, same_framework=True)
    r1 = Response.objects.create(campaign=c1, participant=world.alice_p)  # not started
    _answered(c2, world.bob_p, status=Response.Status.SUBMITTED)  # org A in C2 too
    tallies.rebuild([world.org_a.pk])
    target = c2 if closed == "another" else c1
    race = HeldRace(_first_draft_held(r1), lambda: services.campaign_close(
        campaign=Campaign.objects.get(pk=target.pk)))
    race.start()
    assert not race.second_waits()  # closed while the first save is still open
    race.finish()
    assert Campaign.objects.get(pk=target.pk).status == Campaign.Status.CLOSED
    assert Response.objects.get(pk=r1.pk).status == Response.Status.DRAFT
    assert tallies.stale() == []
    assert ResponseTally.objects.get(organization=world.org_a, campaign=c1).draft == 1


def test_a_round_change_beside_a_first_draft_save_of_another_campaign() -> None:
    """C2 changes its dates (its rederive locks the municipality) while a first answer
    to C1 in the same organization holds the municipality's row: the change waits for
    it, nothing waits in a circle, and every figure is right afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip(SKIP)
    world = build_world()
    c1, c2 = _two_campaigns(world, same_framework=True)
    r1 = Response.objects.create(campaign=c1, participant=world.alice_p)
    _three_submitted(world, c2)
    tallies.rebuild([world.org_a.pk])

    def change() -> None:
        with transaction.atomic():
            moved = Campaign.objects.get(pk=c2.pk)
            moved.ends_on += dt.timedelta(days=30)
            moved.save()  # and its rederive: municipality A

    race = HeldRace(_first_draft_held(r1), change)
    race.start()
    race.second_waits()
    race.finish()
    assert tallies.stale() == []
    assert dt.date(2027, 6, 30) in set(MunicipalityAnswerTally.objects.filter(
        municipality=world.municipality_a).values_list("ends_on", flat=True))
