"""«До и после» are published when the final round is closed (docs/monitoring.md, «Правило
публикации «до / после»», rule 4; ``release.round_published``, ``gain_published_q``): an
open round is pending whatever its dates; closing publishes, reopening hides again; a
closed round — and the baseline of a closed final round — takes no submission, no reopened
questionnaire, no import, so a published figure never moves by one person's levels."""

import datetime as dt
from typing import Any

import pytest
from django.db.models import Q
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.core import release
from tandem.core.effectiveness import GainFigures
from tandem.diagnostics import imports, services, tallies
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import (
    Answer,
    Campaign,
    MunicipalityGainTally,
    Response,
    ResultImport,
    gain_published_q,
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


def _draft(campaign: Campaign, person: Participant, level: int) -> Response:
    """A complete questionnaire, not yet sent."""
    codes = campaign.framework.codes()
    response = Response.objects.create(campaign=campaign, participant=person,
                                       status=Response.Status.DRAFT, answered=len(codes))
    Answer.objects.bulk_create([Answer(response=response, competency=c, self_level=level,
                                       level=level) for c in codes])
    return response


def _views(world: World) -> list[GainFigures]:
    """The curator's organization (its tallies) and the region (its municipalities' sums)."""
    return [gains_by_area(scope=scope_for(user), filters=Filters(), today=DAY)
            for user in (world.alice, world.olga)]


def test_the_core_rule_and_its_query_twin_publish_closed_rounds_only() -> None:
    assert release.round_published(True) and not release.round_published(False)
    assert gain_published_q() == Q(status=Campaign.Status.CLOSED)
    assert gain_published_q("campaign__") == Q(campaign__status=Campaign.Status.CLOSED)


def test_closing_publishes_and_reopening_hides_again(world: World, client: Any) -> None:
    """Three teachers of A through both rounds; the final round's planned end is long
    past and it is still open: pending, saying the planned end. The curator closes it:
    published, for the curator and the region alike (the municipalities' sums heard the
    closing), and the region's dashboard seen before shows it at once (its cache heard
    it). Reopened: pending again; closed again: the same figure."""
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))[:3]
    initial = _initial(world.org_a)
    today = timezone.localdate()  # the dashboard's day
    final = _final(initial, "Итоговая", today - dt.timedelta(days=40),
                   today - dt.timedelta(days=20), closed=False)
    codes = ensure_default_framework().codes()
    for i, person in enumerate(people):
        _submit(initial, person, dict.fromkeys(codes, 1))
        _submit(final, person, dict.fromkeys(codes, 2 + i % 2))
    tallies.rebuild()
    pending = GainFigures(pending_until=final.ends_on)
    assert _views(world) == [pending, pending]
    assert set(MunicipalityGainTally.objects.values_list("status", flat=True)) == {"open"}
    client.force_login(world.olga)
    page = client.get("/monitoring/").content.decode()
    assert "после завершения итоговой диагностики" in page and "chart/gains." not in page

    services.campaign_close(campaign=final)
    assert tallies.stale() == []
    page = client.get("/monitoring/").content.decode()
    assert "после завершения итоговой диагностики" not in page and "chart/gains." in page
    published = _views(world)
    assert all(f.areas and f.pending_until is None for f in published)
    assert published[0].areas == published[1].areas
    assert {g.mean_before for g in published[0].areas} == {1.0}

    services.campaign_reopen(campaign=Campaign.objects.get(pk=final.pk), reason="Проверка")
    assert tallies.stale() == []
    assert _views(world) == [pending, pending]
    services.campaign_close(campaign=Campaign.objects.get(pk=final.pk))
    assert _views(world) == published


def test_a_closed_round_and_its_baseline_take_no_change_of_a_submitted_questionnaire(
        world: World, client: Any) -> None:
    """A closed final round: its questionnaire is not reopened alone (the page says to
    reopen the round first, and offers no button), its baseline's questionnaires are
    neither reopened, submitted nor imported — each would move the published figure by
    one person. Reopening the final round lets them again."""
    _organizations(world)  # five people in A
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))[:4]
    initial = _initial(world.org_a)
    final = _final(initial, "Итоговая", dt.date(2027, 4, 1), dt.date(2027, 4, 20),
                   closed=False)
    codes = ensure_default_framework().codes()
    finals = [_submit(final, person, dict.fromkeys(codes, 2)) for person in people]
    bases = [_submit(initial, person, dict.fromkeys(codes, 1)) for person in people[:3]]
    late = _draft(initial, people[3], 0)
    tallies.rebuild()
    services.campaign_close(campaign=final)
    before = _views(world)
    assert before[0].areas

    with pytest.raises(services.DiagnosticsError, match="Сначала откройте снова всю"):
        services.response_reopen(response=finals[0])
    with pytest.raises(services.DiagnosticsError, match=r"«Итоговая».*завершена"):
        services.response_reopen(response=bases[0])
    with pytest.raises(services.DiagnosticsError, match=r"«Итоговая».*завершена"):
        services.response_submit(response=late)
    upload = ResultImport.objects.create(
        campaign=initial, uploaded_by=world.alice, filename="r.csv",
        content=f"email;{codes[0]}\n{people[3].email};3\n".encode())
    with pytest.raises(imports.ImportRefused, match=r"«Итоговая».*завершена"):
        imports.commit(upload=upload, scope=scope_for(world.alice))
    assert _views(world) == before
    assert Response.objects.get(pk=late.pk).status == Response.Status.DRAFT

    client.force_login(world.alice)
    page = client.get(f"/diagnostics/q/{finals[0].pk}/").content.decode()
    assert "сначала откройте снова всю диагностику" in page
    assert "Открыть анкету снова" not in page
    answer = client.post(f"/diagnostics/q/{finals[0].pk}/reopen/", follow=True)
    assert "Сначала откройте снова всю диагностику" in answer.content.decode()
    assert Response.objects.get(pk=finals[0].pk).locked

    services.campaign_reopen(campaign=Campaign.objects.get(pk=final.pk), reason="Поздняя")
    services.response_submit(response=late)
    services.response_reopen(response=bases[0])
    assert tallies.stale() == []


# -- the invariant ------------------------------------------------------------------------
# Random writes of four teachers — each with a complete final questionnaire (a draft) and
# a submitted baseline — and the curator closing the round at some point. Every write is
# tried through the services (a refused one changes nothing). Whenever the round is open
# nothing is published; once it is closed, every later published state is the same figure:
# no two published states of the round differ by any person's answers, let alone by fewer
# than MIN_PEOPLE. (Reopening the round is left out here: what changed while it was open
# is published at the next closing only when at least MIN_PEOPLE people changed — rule 5,
# tests/test_gains_steps.py.)
STEPS = st.lists(st.tuples(st.sampled_from(["submit", "reopen", "reopen_base",
                                            "submit_base", "close"]),
                           st.integers(0, 3)), min_size=1, max_size=8)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_no_two_published_states_of_a_round_differ_by_fewer_than_min_people(
        world: World, steps: list[tuple[str, int]]) -> None:
    _organizations(world)  # five people in A
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))[:4]
    assert len(people) == 4
    initial = _initial(world.org_a)
    final = _final(initial, "Итоговая", dt.date(2027, 4, 1), dt.date(2027, 4, 20),
                   closed=False)
    codes = ensure_default_framework().codes()
    bases = [_submit(initial, p, dict.fromkeys(codes, i % 4)) for i, p in enumerate(people)]
    finals = [_draft(final, p, (i + 1) % 4) for i, p in enumerate(people)]
    tallies.rebuild()
    published: list[tuple[frozenset[int], list[GainFigures]]] = []
    try:
        for action, i in steps:
            response = (finals if action in ("submit", "reopen") else bases)[i]
            write = {"submit": services.response_submit, "submit_base": services.response_submit,
                     "reopen": services.response_reopen,
                     "reopen_base": services.response_reopen}.get(action)
            try:
                if write is None:  # the curator closes the round
                    services.campaign_close(campaign=Campaign.objects.get(pk=final.pk))
                else:
                    write(response=response)
            except services.DiagnosticsError:
                pass
            views = _views(world)
            closed = Campaign.objects.get(pk=final.pk).status == Campaign.Status.CLOSED
            if not closed:
                assert all(not v.areas and v.left_out == 0 for v in views)
                continue
            # Who is in the figure: both questionnaires submitted.
            submitted = set(Response.objects.filter(
                status=Response.Status.SUBMITTED).values_list("participant_id", "campaign_id"))
            who = frozenset(p.pk for p in people if {(p.pk, initial.pk), (p.pk, final.pk)}
                            <= submitted)
            assert all(v.pending_until is None for v in views)
            for earlier_who, earlier in published:
                changed = len(earlier_who ^ who)
                assert changed == 0 or changed >= release.MIN_PEOPLE
                assert earlier == views
            published.append((who, views))
        assert tallies.stale() == []
    finally:
        Campaign.objects.filter(pk__in=[initial.pk, final.pk]).delete()


# Two final rounds on one baseline: a person counts in the latest final of it they
# submitted, so a submission in an open final later than a closed one would move that
# person out of the closed round's published figure (review finding 2026-12-06). Finals
# of a baseline close from the latest back and reopen from the earliest on
# (``release.final_blocked_by``): between two changes of which rounds are closed, the
# published figure never moves.
SECOND_STEPS = st.lists(st.tuples(st.sampled_from(["submit", "submit_second", "close",
                                                   "close_second", "reopen_round",
                                                   "reopen_second_round"]),
                                  st.integers(0, 3)), min_size=1, max_size=9)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=SECOND_STEPS, second_later=st.booleans())
# «Closed empty, reopened, one person answers, closed»: found by chance only (review of
# h/leftout) — the gap (0д) every run checks.
@example(steps=[("close_second", 0), ("reopen_second_round", 0), ("submit_second", 0),
                ("close_second", 0)], second_later=True)
def test_a_second_final_on_the_baseline_never_moves_a_published_figure(
        world: World, steps: list[tuple[str, int]], second_later: bool) -> None:
    _organizations(world)
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))[:4]
    initial = _initial(world.org_a)
    first = _final(initial, "Итоговая 1", dt.date(2027, 4, 1), dt.date(2027, 4, 20),
                   closed=False)
    second = _final(initial, "Итоговая 2", dt.date(2027, 4, 1),
                    dt.date(2027, 5, 20) if second_later else dt.date(2027, 4, 10),
                    closed=False)
    codes = ensure_default_framework().codes()
    for i, p in enumerate(people):
        _submit(initial, p, dict.fromkeys(codes, i % 4))
    drafts = {first.pk: [_draft(first, p, (i + 1) % 4) for i, p in enumerate(people)],
              second.pk: [_draft(second, p, (i + 2) % 4) for i, p in enumerate(people)]}
    tallies.rebuild()
    published: dict[frozenset[int], list[Any]] = {}
    try:
        for action, i in steps:
            round_ = second if "second" in action else first
            try:
                if action.startswith("submit"):
                    services.response_submit(response=drafts[round_.pk][i])
                elif action.startswith("close"):
                    services.campaign_close(campaign=Campaign.objects.get(pk=round_.pk))
                else:
                    services.campaign_reopen(campaign=Campaign.objects.get(pk=round_.pk),
                                             reason="проверка")
            except services.DiagnosticsError:
                pass
            closed = frozenset(Campaign.objects.filter(
                pk__in=[first.pk, second.pk], status=Campaign.Status.CLOSED)
                .values_list("pk", flat=True))
            # the figures and «вне цифр» (when the pending ones end is no figure; left_out
            # moved by one answer until 2026-12-06 —
            # test_left_out_moves_by_one_answer_after_an_empty_close below)
            views = [(v.areas, v.left_out) for v in _views(world)]
            if closed in published:
                assert published[closed] == views
            published[closed] = views
        # No open final ends after a closed one of the same baseline.
        rounds = sorted(Campaign.objects.filter(pk__in=[first.pk, second.pk]),
                        key=lambda c: (c.ends_on, c.pk))
        statuses = [c.status for c in rounds]
        assert statuses != [Campaign.Status.CLOSED, Campaign.Status.OPEN]
        assert tallies.stale() == []
    finally:
        Campaign.objects.filter(pk__in=[initial.pk, first.pk, second.pk]).delete()


def test_finals_of_a_baseline_close_from_the_latest_back_and_reopen_from_the_earliest(
        world: World) -> None:
    """The review's example: the first final closed and published, a later final with
    the same baseline — where the fourth person submits — is refused, naming the first;
    one that ends earlier is allowed. Two open finals: the earlier closes after the later,
    the later reopens after the earlier; each refusal names the other round."""
    _organizations(world)
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))[:4]
    initial = _initial(world.org_a)
    first = _final(initial, "Итоговая 1", dt.date(2027, 4, 1), dt.date(2027, 4, 20),
                   closed=False)
    codes = ensure_default_framework().codes()
    for i, p in enumerate(people):
        _submit(initial, p, dict.fromkeys(codes, 1))
        _submit(first, p, dict.fromkeys(codes, 2 if i < 3 else 3))
    tallies.rebuild()
    services.campaign_close(campaign=first)
    published = _views(world)
    assert published[0].areas
    new: dict[str, Any] = {
        "kind": Campaign.Kind.FINAL, "unit": world.org_a, "starts_on": dt.date(2027, 4, 1),
        "with_expert": False, "baseline": initial, "user": world.alice,
        "participants": Participant.objects.none(), "framework": initial.framework}
    with pytest.raises(services.DiagnosticsError, match="«Итоговая 1»"):
        services.campaign_create(title="Итоговая 2", ends_on=dt.date(2027, 5, 20), **new)
    assert _views(world) == published
    earlier = services.campaign_create(title="Итоговая 0", ends_on=dt.date(2027, 4, 10),
                                       **new)
    services.response_submit(response=_draft(earlier, people[3], 0))
    assert _views(world) == published  # an earlier final: the person stays in the first
    services.campaign_close(campaign=earlier)  # the later one is closed already
    with pytest.raises(services.DiagnosticsError, match="«Итоговая 0»"):
        services.campaign_reopen(campaign=Campaign.objects.get(pk=first.pk), reason="ошибка")
    services.campaign_reopen(campaign=Campaign.objects.get(pk=earlier.pk), reason="ошибка")
    services.campaign_reopen(campaign=Campaign.objects.get(pk=first.pk), reason="ошибка")
    with pytest.raises(services.DiagnosticsError, match="«Итоговая 1»"):
        services.campaign_close(campaign=Campaign.objects.get(pk=earlier.pk))
    services.campaign_close(campaign=Campaign.objects.get(pk=first.pk))
    services.campaign_close(campaign=Campaign.objects.get(pk=earlier.pk))


def test_the_order_of_finals_rule() -> None:
    """``release.final_blocked_by``: (order, closed, name) of a baseline's finals."""
    finals = [(1, True, "a"), (2, False, "b")]
    assert release.final_blocked_by(finals, "a") == "b"  # closed before an open later one
    assert release.final_blocked_by(finals, "b") == "a"  # open after a closed earlier one
    assert release.final_blocked_by([(1, False, "a"), (2, True, "b")], "a") is None
    assert release.final_blocked_by([(1, True, "a"), (2, True, "b")], "b") is None
    assert release.final_blocked_by([(1, True, "a")], "a") is None


def test_the_close_confirmation_of_a_final_says_what_is_published_and_frozen(
        world: World, client_for: Any) -> None:
    from django.urls import reverse

    _organizations(world)
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))[:3]
    initial = _initial(world.org_a)
    final = _final(initial, "Итоговая", dt.date(2027, 4, 1), dt.date(2027, 4, 20),
                   closed=False)
    _submit(initial, people[0], {})
    _draft(initial, people[1], 1)
    Response.objects.create(campaign=initial, participant=people[2])
    tallies.rebuild()
    page = client_for(world.alice).post(reverse("diagnostics:close", kwargs={"pk": final.pk}))
    text = page.content.decode()
    assert "станут видны региону и стране" in text
    assert "Анкеты входной «Вх» после этого не отправить" in text
    assert "не отправлено сейчас: 2 (из них черновиков: 1)" in text
    assert Campaign.objects.get(pk=final.pk).status == Campaign.Status.OPEN


# -- the closing's scope (docs/performance.md, «Закрытие итогового раунда») ----------------
# A closing changes the status only, and of everything derived only the municipalities'
# «до / после» sums are keyed by it: it redoes those of its organizations' municipalities
# and nothing else — no mentors' best round, no other sums, no organization's state row
# locked (a region-wide round held them all for seconds while submissions waited).
def _two_finals(world: World) -> tuple[Campaign, Campaign]:
    """An open final round in A (municipality A) and a closed one in Г (municipality B),
    three people each, rebuilt."""
    organizations = _organizations(world)
    codes = ensure_default_framework().codes()
    finals = []
    for organization, closed in ((organizations[0], False), (organizations[3], True)):
        initial = _initial(organization)
        final = _final(initial, f"Итоговая {organization.code}", dt.date(2027, 4, 1),
                       dt.date(2027, 4, 20), closed=False)
        people = list(Participant.objects.filter(organization=organization).order_by("pk"))
        for i, person in enumerate(people[:3]):
            _submit(initial, person, dict.fromkeys(codes, i % 2))
            _submit(final, person, dict.fromkeys(codes, 2 + i % 2))
        if closed:
            Campaign.objects.filter(pk=final.pk).update(status=Campaign.Status.CLOSED,
                                                        closed_at=timezone.now())
        finals.append(final)
    tallies.rebuild()
    return finals[0], finals[1]


def _gain_rows(municipality: Any) -> set[tuple[Any, ...]]:
    return set(MunicipalityGainTally.objects.filter(municipality=municipality)
               .values_list("pk", "status", "competency", "people"))


def test_closing_redoes_only_the_gain_sums_of_its_municipalities(world: World) -> None:
    """Closing A's final round: the sums after it are a full rebuild's (``stale()``);
    the statements touch no table but the municipalities' gain sums (and the campaign,
    and the reads of the waiting check), lock municipality A alone and no organization's
    state; municipality B's gain rows are the very rows they were. Reopening: the same."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.diagnostics.models import (
        AnswerTally,
        GainTally,
        MunicipalityAnswerTally,
        MunicipalityResponseTally,
        MunicipalityStrong,
        PublishedGain,
        ResponseTally,
        StrongBest,
        StrongTally,
    )

    final, _other = _two_finals(world)
    other_rows = _gain_rows(world.municipality_b)
    assert other_rows and {row[1] for row in other_rows} == {"closed"}
    untouched = [m._meta.db_table for m in (StrongBest, StrongTally, AnswerTally, ResponseTally,
                                            MunicipalityAnswerTally, MunicipalityStrong,
                                            MunicipalityResponseTally)]
    for change in ("close", "reopen"):
        campaign = Campaign.objects.get(pk=final.pk)
        with CaptureQueriesContext(connection) as queries:
            if change == "close":
                services.campaign_close(campaign=campaign)
            else:
                services.campaign_reopen(campaign=campaign, reason="Проверка")
        sql = [q["sql"] for q in queries.captured_queries]
        assert not [s for s in sql if any(f'"{table}"' in s for table in untouched)], change
        assert not [s for s in sql if s.startswith(
            'SELECT "diagnostics_tallystate"."organization_id" AS "pk"')], change
        locks = [s for s in sql if s.startswith('SELECT "territory_municipality"."id" AS "pk"')]
        assert len(locks) == 1 and str(world.municipality_b.pk) not in locks[0].split(
            "IN (")[1].split(")")[0].split(", "), (change, locks)
        # the published cells summed (closing: its cells published from the current ones)
        assert any(f'"{PublishedGain._meta.db_table}"' in s for s in sql)
        assert any(f'"{GainTally._meta.db_table}"' in s for s in sql) == (change == "close")
        assert tallies.stale() == [], change
        assert _gain_rows(world.municipality_b) == other_rows, change
        status = "closed" if change == "close" else "open"
        assert set(MunicipalityGainTally.objects.filter(
            municipality=world.municipality_a).values_list("status", flat=True)) == {status}


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["close", "reopen"]), st.booleans()),
                      min_size=1, max_size=4))
def test_any_closings_and_reopenings_leave_the_sums_of_a_full_rebuild(
        world: World, steps: list[tuple[str, bool]]) -> None:
    """Invariant: whatever closings and reopenings of two finals in two municipalities,
    the stored sums are what a rebuild from the answers gives (``tallies.stale()``)."""
    finals = _two_finals(world)
    try:
        for change, second in steps:
            campaign = Campaign.objects.get(pk=finals[second].pk)
            try:
                if change == "close":
                    services.campaign_close(campaign=campaign)
                else:
                    services.campaign_reopen(campaign=campaign, reason="Проверка")
            except services.DiagnosticsError:
                assert campaign.status == (Campaign.Status.CLOSED if change == "close"
                                           else Campaign.Status.OPEN)
            assert tallies.stale() == []
    finally:
        Campaign.objects.filter(organization__in=_organizations(world)).delete()


def test_a_final_round_does_not_close_while_its_organizations_wait_for_the_job(
        world: World, client: Any) -> None:
    """Review finding: an import of more organizations than ``TANDEM_TALLIES_SYNC_MAX``
    is rebuilt by the job after it commits; a closing just after would publish the sums
    from before it, and the job would then move the published figure. While any
    organization of the round waits, the closing is refused, saying why and what to do;
    once the job has run, it closes, with a full rebuild's sums."""
    final, _other = _two_finals(world)
    person = Participant.objects.filter(organization=world.org_a).order_by("pk")[3]
    codes = ensure_default_framework().codes()
    _submit(Campaign.objects.get(finals=final), person, dict.fromkeys(codes, 0))
    _submit(final, person, dict.fromkeys(codes, 3))
    tallies.touch([world.org_a.pk])  # marked for the job (a big import), not rebuilt
    with pytest.raises(services.DiagnosticsError, match="Цифры 1 организации этой диагностики "
                       "ещё пересчитываются"):
        services.campaign_close(campaign=Campaign.objects.get(pk=final.pk))
    assert Campaign.objects.get(pk=final.pk).status == Campaign.Status.OPEN
    client.force_login(world.olga)
    page = client.post(f"/diagnostics/{final.pk}/close/", {"confirmed": "1"}, follow=True)
    assert "Завершите диагностику через несколько минут" in page.content.decode()
    assert tallies.refresh() == 1  # the job
    services.campaign_close(campaign=Campaign.objects.get(pk=final.pk))
    assert tallies.stale() == []
    assert MunicipalityGainTally.objects.filter(
        municipality=world.municipality_a, status="closed").exists()


def test_left_out_moves_by_one_answer_after_an_empty_close(world: World) -> None:
    """The shortest case the invariant above found (SQLite and PostgreSQL, 2026-12-06; the
    code of the morning failed it too): a second final closed with no answer, reopened, one
    person answers, closed again — the closed rounds are the same, and «вне цифр» must be
    too (it went 0 → 1: one person's answer was told by the count). The round's first
    publication is past (``Campaign.reopened``): her cell, never published, is counted
    nowhere until three people are in it (rule 5)."""
    _organizations(world)
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))[:4]
    initial = _initial(world.org_a)
    _final(initial, "Итоговая 1", dt.date(2027, 4, 1), dt.date(2027, 4, 20), closed=False)
    second = _final(initial, "Итоговая 2", dt.date(2027, 4, 1), dt.date(2027, 5, 20),
                    closed=False)
    codes = ensure_default_framework().codes()
    for i, p in enumerate(people):
        _submit(initial, p, dict.fromkeys(codes, i % 4))
    draft = _draft(second, people[0], 2)
    tallies.rebuild()
    services.campaign_close(campaign=Campaign.objects.get(pk=second.pk))
    before = [(v.areas, v.left_out) for v in _views(world)]
    services.campaign_reopen(campaign=Campaign.objects.get(pk=second.pk), reason="проверка")
    services.response_submit(response=draft)
    services.campaign_close(campaign=Campaign.objects.get(pk=second.pk))
    assert [(v.areas, v.left_out) for v in _views(world)] == before
    assert tallies.stale() == []


def test_deleting_one_of_a_small_cell_after_the_first_closing_moves_nothing(
        world: World) -> None:
    """Two teachers of A (a small cell: no figure, «вне цифр» 2) through a closed final
    round; one of them is deleted — «вне цифр» stays 2 for the curator and the region (it
    went 2 → 1 before rule 5 held it: the count told that one person left; review of
    h/leftout)."""
    _organizations(world)
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))[:2]
    initial = _initial(world.org_a)
    final = _final(initial, "Итоговая", dt.date(2027, 4, 1), dt.date(2027, 4, 20),
                   closed=False)
    codes = ensure_default_framework().codes()
    for i, person in enumerate(people):
        _submit(initial, person, dict.fromkeys(codes, i % 2))
        _submit(final, person, dict.fromkeys(codes, 2 + i % 2))
    tallies.rebuild()
    services.campaign_close(campaign=Campaign.objects.get(pk=final.pk))
    before = [(v.areas, v.left_out) for v in _views(world)]
    assert [left_out for _areas, left_out in before] == [2, 2]
    people[0].delete()
    tallies.refresh()
    assert [(v.areas, v.left_out) for v in _views(world)] == before
    assert tallies.stale() == []
