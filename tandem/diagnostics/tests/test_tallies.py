"""The figures kept per organization (tandem/diagnostics/tallies.py) stay equal to what the
answers give, whatever writes them; pages read them and never the answers table."""

import datetime as dt
from collections import defaultdict

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.core import release
from tandem.diagnostics import services, tallies
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import (
    Answer,
    AnswerTally,
    Campaign,
    MunicipalityAnswerTally,
    PublishedAnswer,
    Response,
    ResponseTally,
    StrongBest,
    StrongTally,
    TallyState,
)
from tandem.monitoring import selectors
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.territory.models import Region
from tandem.testing import ParticipantFactory, World, build_diagnostics

pytestmark = pytest.mark.django_db


def _campaign(world: World, *, with_expert: bool = True) -> Campaign:
    framework = ensure_default_framework()
    return Campaign.objects.create(title="Входная", organization=None,
                                   municipality=None, region=world.region,
                                   framework=framework, starts_on=dt.date(2026, 9, 1),
                                   ends_on=dt.date(2026, 12, 31), with_expert=with_expert)


def _round(campaign: Campaign) -> dict[str, object]:
    """The key of a campaign's round in the municipalities' sums."""
    return {"kind": campaign.kind, "starts_on": campaign.starts_on, "ends_on": campaign.ends_on}


def _answer_all(response: Response, level: int) -> None:
    codes = response.campaign.framework.codes()
    services.answers_save(response=response, values={
        code: services.AnswerInput((level + i) % 4, can_teach=(level + i) % 4 >= 2,
                                   wants_to_learn=i % 3 == 0)
        for i, code in enumerate(codes)})


def _other_region() -> Region:
    from tandem.testing import RegionFactory

    return Region.objects.filter(code="other").first() or RegionFactory.create(
        name="Другая", code="other")


# Each step is what a person does through the product's services.
STEPS = ["submit", "draft", "reopen", "expert", "move", "delete", "add", "rezone"]
PROGRESS_USERS = ("olga", "erin", "dave", "alice", "charlie", "bob")


def _progress_kept_equals_live(world: World, campaigns: list[Campaign]) -> None:
    """The campaigns' progress each staff member (and a teacher: nothing) reads from the
    kept figures is what counting their questionnaires gives."""
    from tandem.diagnostics import selectors as diagnostics_selectors

    for name in PROGRESS_USERS:
        scope = scope_for(getattr(world, name))
        assert diagnostics_selectors.campaigns_progress(campaigns=campaigns, scope=scope) == (
            diagnostics_selectors.campaigns_progress_live(campaigns=campaigns, scope=scope)
        ), name


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 20), st.integers(0, 3)),
                      min_size=1, max_size=8))
def test_tallies_equal_the_answers_after_any_writes(
        world: World, django_capture_on_commit_callbacks, steps: list[tuple[str, int, int]],
) -> None:
    # A fresh campaign per example: the world's people are shared by the examples.
    campaign = _campaign(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_add(campaign=campaign, participants=Participant.objects.filter(
            organization__in=[world.org_a, world.org_b]))
        for step, who, level in steps:
            responses = list(campaign.responses.order_by("pk"))
            if not responses:
                break
            response = responses[who % len(responses)]
            if step == "submit" and not response.locked:
                _answer_all(response, level)
                services.response_submit(response=response)
            elif step == "draft" and not response.locked:
                code = campaign.framework.codes()[level]
                services.answers_save(response=response,
                                      values={code: services.AnswerInput(level)})
            elif step == "reopen" and response.locked:
                if response.organization_id != response.participant.organization_id:
                    # Moved since answering it: refused (REOPEN_MOVED), a rule of its own
                    # with its own tests — here a step that writes nothing.
                    with pytest.raises(services.DiagnosticsError):
                        services.response_reopen(response=response)
                    continue
                services.response_reopen(response=response)
            elif step == "expert" and response.locked:
                code = campaign.framework.codes()[level]
                services.expert_levels_save(response=response, levels={code: level})
            elif step == "move":
                person = response.participant
                person.organization = (world.org_b if person.organization_id == world.org_a.pk
                                       else world.org_a)
                person.save()
            elif step == "delete":
                response.participant.delete()
            elif step == "add":
                newcomer = ParticipantFactory.create(organization=world.org_b)
                services.campaign_add(campaign=campaign, participants=[newcomer])
            elif step == "rezone":  # B's municipality to another region and back
                municipality = world.municipality_b
                municipality.refresh_from_db()
                municipality.region = (world.region if municipality.region_id != world.region.pk
                                       else _other_region())
                municipality.save()
    # The regions' sums among them: of the municipalities' sums by region.
    assert tallies.stale() == []
    _progress_kept_equals_live(world, [campaign])
    campaign.delete()


def test_the_progress_counts_new_drafts_and_submitted_for_each_scope(
        world: World, django_capture_on_commit_callbacks) -> None:
    dw = build_diagnostics(world)
    from tandem.diagnostics.selectors import Progress, campaign_progress

    def progress(user: str) -> Progress:
        return campaign_progress(campaign=dw.campaign_a, scope=scope_for(getattr(world, user)))

    # School A's campaign: Carol submitted, Bob fills in, Alice has not started.
    assert progress("alice") == progress("erin") == progress("olga") == Progress(3, 1, 1, 1)
    assert progress("charlie") == progress("dave") == Progress(0, 0, 0, 0)  # school B's
    assert progress("bob") == Progress(0, 0, 0, 0)  # a teacher manages nobody
    # Alice's first answer makes hers a draft; Bob's submission, his a submitted one.
    with django_capture_on_commit_callbacks(execute=True):
        code = dw.campaign_a.framework.codes()[0]
        services.answers_save(response=dw.alice_r, values={code: services.AnswerInput(2)})
        assert progress("olga") == Progress(3, 0, 2, 1)
        _answer_all(dw.bob_r, 1)
        services.response_submit(response=dw.bob_r)
    assert progress("olga") == Progress(3, 0, 1, 2)
    _progress_kept_equals_live(world, list(Campaign.objects.all()))
    assert tallies.stale() == []


def test_the_figures_count_what_the_rules_say(world: World) -> None:
    dw = build_diagnostics(world)
    codes = dw.campaign_a.framework.codes()
    # Carol's questionnaire is submitted: one row per competency she answered.
    rows = {t.competency: t for t in AnswerTally.objects.filter(
        organization=world.org_a, campaign=dw.campaign_a)}
    assert set(rows) == set(codes)
    carol = {a.competency: a for a in Answer.objects.filter(response=dw.carol_r)}
    for code, tally in rows.items():
        mark = carol[code].mark
        assert (tally.answers, tally.answered, tally.deficit, tally.strong) == (
            1, 1, int(mark.deficit), int(mark.strength))
    # Bob's draft counts nowhere; the municipality's sums hold A's published cells —
    # Carol alone answered, so her group (A, the campaign) is not published (rule 5: it
    # is, once three people answered): no level of hers is summed, none counted as left
    # out.
    summed = {t.competency: (t.answered, t.deficit, t.left_out)
              for t in MunicipalityAnswerTally.objects.filter(
                  municipality=world.municipality_a, **_round(dw.campaign_a))}
    assert summed == {}
    # Nor are her strengths: the potential mentors are of the published people (rule 5).
    assert not StrongTally.objects.filter(organization=world.org_a).exists()
    # Two more of A with no strength (every level 0) publish the group: her strong areas
    # count her once each, of three people who levelled them.
    for i in range(2):
        response = Response.objects.create(
            campaign=dw.campaign_a, status=Response.Status.SUBMITTED,
            participant=ParticipantFactory.create(organization=world.org_a, surname=f"Ноль{i}"))
        Answer.objects.bulk_create(Answer(response=response, competency=code, level=0,
                                          self_level=0) for code in codes)
    tallies.touch([world.org_a.pk], now=True)
    strong_areas = {a.competency.split(".", 1)[0] for a in carol.values() if a.mark.strength}
    assert strong_areas
    assert set(StrongTally.objects.filter(organization=world.org_a).values_list(
        "area", "people", "levelled")) == {(area, 1, 3) for area in strong_areas}


def _heat_map_sums() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """What the heat maps read: the answers' sums per organization (:class:`AnswerTally`)
    and per municipality (:class:`MunicipalityAnswerTally`)."""
    counts = ("competency", "answers", "answered", "deficit", "strong")
    return (sorted(AnswerTally.objects.values_list("organization_id", "campaign_id", *counts)),
            sorted(MunicipalityAnswerTally.objects.values_list(
                "municipality_id", "sector", "kind", "starts_on", "ends_on", *counts,
                "left_out")))


def test_a_person_who_moves_leaves_her_answers_where_she_gave_them(
        world: World, django_capture_on_commit_callbacks) -> None:
    """A submitted questionnaire counts in the organization its person was in when she
    answered it (``Response.organization``), never her organization now: Carol answered
    in A (municipality A) and moves to B (municipality B) — the heat maps' sums of A, of
    its municipality and of B are what they were, nothing of hers goes to B. Bob's draft
    follows him when he moves (not submitted, it counts where he is): A hands out one
    questionnaire fewer, B one more, a draft."""
    from tandem.testing import bulk_responses

    dw = build_diagnostics(world)
    # Two more answer in A beside Carol: A's group is published (rule 5).
    newcomers = [ParticipantFactory.create(organization=world.org_a, surname=f"Люд{i}").pk
                 for i in range(2)]
    bulk_responses(dw.campaign_a, Participant.objects.filter(pk__in=newcomers))
    shown = _heat_map_sums()
    assert MunicipalityAnswerTally.objects.filter(municipality=world.municipality_a).exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        world.carol_p.organization = world.org_b
        world.carol_p.save()
    assert callbacks.count(tallies.enqueue_refresh) == 0  # nothing of hers moved
    tallies.refresh()
    assert _heat_map_sums() == shown
    assert not MunicipalityAnswerTally.objects.filter(municipality=world.municipality_b,
                                                      **_round(dw.campaign_a)).exists()
    assert Response.objects.get(pk=dw.carol_r.pk).organization_id == world.org_a.pk
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        world.bob_p.organization = world.org_b
        world.bob_p.save()
    assert callbacks.count(tallies.enqueue_refresh) == 1  # one job for the transaction
    assert Response.objects.get(pk=dw.bob_r.pk).organization_id == world.org_b.pk
    assert _heat_map_sums() == shown  # a draft's answers count nowhere
    progress = {org: (invited, draft, submitted) for org, invited, draft, submitted in
                ResponseTally.objects.filter(campaign=dw.campaign_a).values_list(
                    "organization_id", "invited", "draft", "submitted")}
    # A: Carol's, the two newcomers' and one more handed out; B: Bob's draft.
    assert progress == {world.org_a.pk: (4, 0, 3), world.org_b.pk: (1, 1, 0)}
    assert tallies.stale() == []


def test_many_organizations_wait_for_the_job_and_the_page_says_so(
        world: World, settings, django_capture_on_commit_callbacks) -> None:
    settings.TANDEM_TALLIES_SYNC_MAX = 1
    campaign = _campaign(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.campaign_add(campaign=campaign, participants=Participant.objects.all())
    assert callbacks.count(tallies.enqueue_refresh) == 1  # one job for the transaction
    waiting = set(TallyState.objects.filter(dirty_since__isnull=False).values_list(
        "organization_id", flat=True))
    assert waiting == {world.org_a.pk, world.org_b.pk}
    data = selectors.compute_dashboard(scope=scope_for(world.olga), filters=Filters())
    assert data.tallies_waiting == 2
    client = Client()
    client.force_login(world.olga)
    page = client.get(reverse("monitoring:index")).content.decode()
    assert "Ещё 2 организации ждут пересчёта" in page
    tallies.enqueue_refresh()  # the job, as the worker runs it
    assert not TallyState.objects.filter(dirty_since__isnull=False).exists()
    assert tallies.stale() == []
    data = selectors.compute_dashboard(scope=scope_for(world.olga), filters=Filters())
    assert data.tallies_waiting == 0
    assert sum(c.invited for c in data.completion) == Participant.objects.count()


def test_a_rolled_back_write_leaves_no_mark_and_no_job(
        world: World, django_capture_on_commit_callbacks) -> None:
    build_diagnostics(world)
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            tallies.touch([world.org_a.pk])
            raise RuntimeError
    assert callbacks == []
    assert not TallyState.objects.filter(dirty_since__isnull=False).exists()


@pytest.mark.parametrize("user", ["olga", "erin", "alice"])
def test_no_dashboard_or_deficit_map_reads_the_answers(world: World, user: str) -> None:
    dw = build_diagnostics(world)
    client = Client()
    client.force_login(getattr(world, user))
    answers = connection.ops.quote_name(Answer._meta.db_table)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("monitoring:index")).status_code == 200
    assert queries.captured_queries
    # What still reads answers reads those of the unit's pairs' members (whether a
    # pair's planned rows were reached), through the pairs — never a unit's diagnostics.
    pairs = connection.ops.quote_name(Pair._meta.db_table)
    assert [q["sql"] for q in queries.captured_queries
            if answers in q["sql"] and pairs not in q["sql"]] == []
    # The map by organizations (a region's campaign) sums the tallies too.
    scope = scope_for(world.olga)
    with CaptureQueriesContext(connection) as queries:
        from tandem.diagnostics import selectors as diagnostics_selectors

        old = diagnostics_selectors.MAP_MAX_PEOPLE
        diagnostics_selectors.MAP_MAX_PEOPLE = 0
        try:
            result = diagnostics_selectors.deficit_map(campaign=dw.campaign_a, scope=scope)
        finally:
            diagnostics_selectors.MAP_MAX_PEOPLE = old
    assert result.by == "organizations" and result.respondents == 1
    assert not [q for q in queries.captured_queries if answers in q["sql"]]



@pytest.mark.parametrize("sector", [None, "school"])
def test_a_region_reads_its_municipalities_sums_as_its_organizations_add_up(
        world: World, sector: str | None) -> None:
    from tandem.testing import bulk_responses

    dw = build_diagnostics(world)
    # B: four people, published; A: Carol alone, hidden (the release rule).
    for i in range(2):
        ParticipantFactory.create(organization=world.org_b, surname=f"Люд{i}")
    bulk_responses(dw.campaign_b, Participant.objects.filter(organization=world.org_b))
    filters = Filters(sector=sector)
    region = selectors.compute_dashboard(scope=scope_for(world.olga), filters=filters)
    assert region.level == selectors.REGION
    # The same shares from the organizations' published counts (rule 5), cell by cell
    # under the release rule, added up by municipality.
    sums: dict[tuple[str, int], release.Sums] = defaultdict(release.Sums)
    for t in PublishedAnswer.objects.filter(campaign__kind=Campaign.Kind.INITIAL).select_related(
            "organization"):
        if sector and t.organization.sector != sector:
            continue
        key = (t.competency.split(".", 1)[0], t.organization.municipality_id)
        sums[key] += release.summed([release.Cell(t.pk, t.deficit, t.answered, t.answered)])
    shown = set()
    for area, shares in region.deficit_share.items():
        for unit, share in zip(region.units, shares, strict=True):
            assert share == release.share_released(sums[(area, unit.pk)]), (area, unit.name)
            if not share.withheld:
                shown.add(unit.pk)
            elif share.left_out:
                assert unit.pk == world.municipality_a.pk
    assert shown == ({world.municipality_b.pk} if sector is None else set())


def test_an_organization_that_moves_takes_its_sums_to_the_other_municipality(
        world: World, django_capture_on_commit_callbacks) -> None:
    from tandem.testing import bulk_responses

    dw = build_diagnostics(world)
    newcomers = [ParticipantFactory.create(organization=world.org_a, surname=f"Люд{i}").pk
                 for i in range(2)]  # three in A: its group published (rule 5)
    bulk_responses(dw.campaign_a, Participant.objects.filter(pk__in=newcomers))
    with django_capture_on_commit_callbacks(execute=True):
        world.org_a.municipality = world.municipality_b
        world.org_a.save()
    assert not MunicipalityAnswerTally.objects.filter(municipality=world.municipality_a).exists()
    assert MunicipalityAnswerTally.objects.filter(municipality=world.municipality_b,
                                                  **_round(dw.campaign_a)).exists()
    assert tallies.stale() == []


def test_a_baseline_shared_by_two_final_rounds_counts_for_the_latest_only(
        world: World) -> None:
    """Two final rounds may share a baseline (allowed), but a person's baseline levels
    enter one cell only — their latest final round of it (the one ending last; of two
    ending on one day, the later made): were they in both, the difference of the two
    cells' sums would be that person's levels (review finding, 2026-12-06;
    docs/monitoring.md «Правило публикации «до / после»»). The server's rebuild and the
    Python reference agree."""
    from tandem.diagnostics.models import GainTally

    framework = ensure_default_framework()
    code = framework.codes()[0]
    initial = Campaign.objects.create(title="Входная", organization=world.org_a,
                                      framework=framework, starts_on=dt.date(2026, 9, 1),
                                      ends_on=dt.date(2026, 9, 30))
    finals = [Campaign.objects.create(title=f"Итоговая {i}", kind=Campaign.Kind.FINAL,
                                      organization=world.org_a, framework=framework,
                                      baseline=initial, starts_on=dt.date(2027, 3, i),
                                      ends_on=dt.date(2027, 5, 25)) for i in (1, 2)]
    for campaign, level in ((initial, 1), (finals[0], 2), (finals[1], 3)):
        response = Response.objects.create(campaign=campaign, participant=world.bob_p,
                                           status=Response.Status.SUBMITTED, answered=1)
        Answer.objects.create(response=response, competency=code, self_level=level,
                              level=level)
    tallies.rebuild([world.org_a.pk])
    rows = {t.campaign_id: (t.before_sum, t.before_n, t.after_sum, t.after_n, t.people)
            for t in GainTally.objects.filter(competency=code)}
    assert rows == {finals[1].pk: (1, 1, 3, 1, 1)}
    assert tallies.stale() == []
    # The first round ending later: it is the latest now, the second's cell goes.
    finals[0].ends_on = dt.date(2027, 5, 30)
    finals[0].save()  # its organizations' tallies rebuilt (tallies.TRACKED)
    rows = {t.campaign_id: (t.before_sum, t.before_n, t.after_sum, t.after_n, t.people)
            for t in GainTally.objects.filter(competency=code)}
    assert rows == {finals[0].pk: (1, 1, 2, 1, 1)}
    assert tallies.stale() == []


def test_many_submissions_of_one_request_rebuild_once_at_the_end(world: World) -> None:
    campaign = _campaign(world)
    services.campaign_add(campaign=campaign, participants=Participant.objects.filter(
        organization__in=[world.org_a, world.org_b]))
    responses = list(campaign.responses.order_by("pk"))
    with tallies.together():
        for i, response in enumerate(responses):
            _answer_all(response, i)
            services.response_submit(response=response)
        # Nothing rebuilt yet: the submissions were only collected.
        assert not AnswerTally.objects.filter(campaign=campaign).exists()
    assert AnswerTally.objects.filter(campaign=campaign).exists()
    assert tallies.stale() == []


def test_the_check_only_reads_and_finds_a_figure_nobody_touched(world: World) -> None:
    """``tandem tallies --check`` may run while people work: it writes nothing, and still
    sees a tally that no longer matches the answers."""
    diag = build_diagnostics(world)
    # Two more of A answer beside Carol: her cells are counted into the municipality's
    # sums (the release rule), so a change of hers shows there too.
    from tandem.testing import bulk_responses

    newcomers = [ParticipantFactory.create(organization=world.org_a, surname=f"Люд{i}").pk
                 for i in range(2)]
    bulk_responses(diag.campaign_a, Participant.objects.filter(pk__in=newcomers))
    with CaptureQueriesContext(connection) as queries:
        assert tallies.stale() == []
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    # An answer changed behind the services' back (no touch): the check names the rows.
    from tandem.diagnostics.models import Answer

    answer = Answer.objects.filter(response=diag.carol_r, level=0).first()
    assert answer is not None
    Answer.objects.filter(pk=answer.pk).update(level=3, self_level=3)
    differences = tallies.stale()
    # The organization's current rows and its people differ; the municipality's sums are
    # of the published state (rule 5), which no rebuild moved.
    assert differences and {row[0] for row in differences} >= {"AnswerTally", "AnswerMember"}


def test_the_migration_fills_new_and_draft_from_the_statuses(world: World) -> None:
    """``diagnostics/0006`` fills the new columns of tallies built before it."""
    from importlib import import_module

    from django.apps import apps

    from tandem.diagnostics.models import ResponseTally

    build_diagnostics(world)
    ResponseTally.objects.update(new=0, draft=0)  # as the columns were added
    assert tallies.stale() != []
    import_module("tandem.diagnostics.migrations.0006_response_tally_new_draft").fill(apps, None)
    assert tallies.stale() == []


@pytest.mark.parametrize("user", ["olga", "erin", "alice"])
def test_the_campaigns_page_reads_no_questionnaire(world: World, user: str) -> None:
    """The list of campaigns with their progress sums the kept figures."""
    build_diagnostics(world)
    client = Client()
    client.force_login(getattr(world, user))
    responses = connection.ops.quote_name(Response._meta.db_table)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("diagnostics:campaigns"))
    assert page.status_code == 200
    assert [q["sql"] for q in queries.captured_queries if responses in q["sql"]] == []


def test_a_campaign_that_changes_its_dates_or_kind_or_goes_moves_its_sums(
        world: World) -> None:
    """The municipalities' sums are keyed by round (kind and dates), and the potential
    mentors by the best initial round: a campaign that changes them, or is deleted,
    leaves every kept figure equal to a count from the answers."""
    dw = build_diagnostics(world)
    campaign = dw.campaign_a
    # Two more of A submit beside Carol: a round of three, its mentors counted.
    from tandem.testing import bulk_responses

    newcomers = [ParticipantFactory.create(organization=world.org_a, surname=f"Люд{i}").pk
                 for i in range(2)]
    bulk_responses(campaign, Participant.objects.filter(pk__in=newcomers))
    assert StrongBest.objects.filter(organization=world.org_a).exists()
    campaign.ends_on += dt.timedelta(days=30)
    campaign.save()
    assert MunicipalityAnswerTally.objects.filter(
        municipality=world.municipality_a, **_round(campaign)).exists()
    assert tallies.stale() == []
    campaign.kind = Campaign.Kind.FINAL
    campaign.save()
    assert not StrongBest.objects.filter(organization=world.org_a).exists()
    assert tallies.stale() == []
    campaign.kind = Campaign.Kind.INITIAL
    campaign.save()
    assert tallies.stale() == []
    campaign.delete()
    assert not MunicipalityAnswerTally.objects.filter(**_round(campaign)).exists()
    assert tallies.stale() == []


@pytest.mark.parametrize("user", ["olga", "charlie", "dave"])
def test_the_standard_views_mentors_are_the_live_ones(world: World, user: str) -> None:
    """The potential mentors of the standard view (kept: the best initial round per
    organization and area, its sums per municipality) are what the live reading of the
    organizations' tallies per campaign gives for a period holding every campaign."""
    dw = build_diagnostics(world)
    from tandem.testing import bulk_responses

    for i in range(2):  # B: four people, its figures published
        ParticipantFactory.create(organization=world.org_b, surname=f"Люд{i}")
    bulk_responses(dw.campaign_b, Participant.objects.filter(organization=world.org_b))
    tallies.rebuild()
    # A second initial round in A with fewer strong people: the best one counts.
    other = _campaign(world)
    services.campaign_add(campaign=other, participants=[world.carol_p])
    response = Response.objects.get(campaign=other, participant=world.carol_p)
    _answer_all(response, 0)
    services.response_submit(response=response)
    scope = scope_for(getattr(world, user))
    kept = selectors.compute_dashboard(scope=scope, filters=Filters())
    live = selectors.compute_dashboard(scope=scope, filters=Filters(
        date_from=dt.date(1900, 1, 1)))
    assert (kept.mentors, kept.mentor_places) == (live.mentors, live.mentor_places)
    assert (kept.deficit_share, kept.strength_share) == (
        live.deficit_share, live.strength_share)
    assert any(not f.withheld for shares in kept.deficit_share.values() for f in shares)
    assert any(any(v) for v in kept.mentors.values())


# -- which organizations hold a campaign's tallies: its questionnaire counts name them all --
def _every_table(campaign_id: int) -> list[int]:
    """The organizations with any tally of the campaign, read from every table (what
    ``_campaign_organizations`` read before it read the questionnaire counts alone)."""
    from tandem.diagnostics.models import GainTally, ResponseTally

    return sorted({pk for model in (ResponseTally, AnswerTally, StrongTally, GainTally)
                   for pk in model.objects.filter(campaign_id=campaign_id)
                   .values_list("organization_id", flat=True)})


STEPS = ["submit", "reopen", "first save", "move marked", "move", "refresh", "delete",
         "rebuild tail"]


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 20)), max_size=8))
def test_the_questionnaire_counts_name_every_organization_with_a_tally_of_a_campaign(
        world: World, steps: list[tuple[str, int]]) -> None:
    """After any sequence of writes — submissions, reopenings, a first save of a draft,
    people moving (rebuilt at once, or only marked and waiting for the job), people
    deleted, a loader's rebuild of the answers' tail only — every organization with an
    answer, strong-side or gain tally of a campaign has its questionnaire count too, so
    ``_campaign_organizations`` reads that one table and finds what the union of all of
    them held."""
    dw = world.diag or build_diagnostics(world)
    world.diag = dw
    organizations = [world.org_a.pk, world.org_b.pk]
    for step, k in steps:
        responses = list(Response.objects.order_by("pk"))
        people = list(Participant.objects.order_by("pk"))
        if not responses or not people:
            break
        response, person = responses[k % len(responses)], people[k % len(people)]
        moved_since = response.organization_id != Participant.objects.filter(
            pk=response.participant_id).values_list("organization_id", flat=True).first()
        if step in ("reopen", "first save") and moved_since:
            continue  # a draft again after its person moved: refused (REOPEN_MOVED)
        if step in ("submit", "reopen"):
            Response.objects.filter(pk=response.pk).update(
                status=Response.Status.SUBMITTED if step == "submit" else Response.Status.DRAFT)
            tallies.touch_responses([response], now=True)
        elif step == "first save":
            Response.objects.filter(pk=response.pk).update(status=Response.Status.DRAFT)
            tallies.recount_progress(response)
        elif step.startswith("move"):
            other = organizations[(organizations.index(person.organization_id) + 1) % 2]
            if step == "move marked":  # the writer's mark only: the job has not run yet
                Participant.objects.filter(pk=person.pk).update(organization_id=other)
                Response.objects.filter(participant=person).exclude(  # as the move does
                    status=Response.Status.SUBMITTED).update(organization_id=other)
                tallies.touch([person.organization_id, other])
            else:
                person.organization_id = other
                person.save()
                tallies.touch([*organizations], now=True)
        elif step == "refresh":
            tallies.refresh()
        elif step == "delete":
            person.delete()
        else:
            from django.db.models import Max

            last = Answer.objects.aggregate(m=Max("pk"))["m"] or 0
            tallies.rebuild(organizations, answers_after=last)
        for campaign_id in Campaign.objects.values_list("pk", flat=True):
            assert tallies._campaign_organizations(campaign_id) == _every_table(campaign_id)
    tallies.rebuild()  # the next example starts from current figures
    assert tallies.stale() == []
