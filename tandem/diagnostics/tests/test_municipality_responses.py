"""The municipalities' kept sums of questionnaires (``MunicipalityResponseTally``): what a
region's and the country's dashboards read for completion, equal to the organizations'
questionnaires after every kind of write; and the diagnostics' state read once with the
dashboard's cache version."""

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.diagnostics import services, tallies
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import (
    Campaign,
    MunicipalityResponseTally,
    Response,
    ResponseTally,
    TallyState,
)
from tandem.monitoring import selectors, versions
from tandem.people.models import Participant
from tandem.testing import World, build_diagnostics

pytestmark = pytest.mark.django_db

STATUSES = [Response.Status.NEW, Response.Status.DRAFT, Response.Status.SUBMITTED]


def _round(campaign: Campaign) -> dict[str, object]:
    return {"kind": campaign.kind, "starts_on": campaign.starts_on, "ends_on": campaign.ends_on}


def _live_completion(world: World, *, sector: str | None = None,
                     ) -> dict[int, tuple[int, int, int, int]]:
    """Per municipality of the region: initial questionnaires handed out and submitted,
    final ones handed out and submitted — counted from the questionnaires themselves."""
    counts: dict[int, list[int]] = {}
    for response in Response.objects.select_related("campaign", "participant__organization"):
        organization = response.participant.organization
        if sector and organization.sector != sector:
            continue
        item = counts.setdefault(organization.municipality_id, [0, 0, 0, 0])
        final = 2 if response.campaign.kind == Campaign.Kind.FINAL else 0
        item[final] += 1
        item[final + 1] += response.status == Response.Status.SUBMITTED
    return {pk: (a, b, c, d) for pk, (a, b, c, d) in counts.items()}


def _shown(data: selectors.DashboardData) -> dict[int, tuple[int, int, int, int]]:
    return {c.unit.pk: (c.invited, c.submitted, c.final_invited, c.final_submitted)
            for c in data.completion if c.invited or c.final_invited}


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(statuses=st.lists(st.sampled_from(STATUSES), min_size=1, max_size=7),
       final=st.booleans(), sector=st.sampled_from([None, "school", "supplementary"]))
def test_the_region_shows_the_questionnaires_counted_live(
        world: World, statuses: list[str], final: bool, sector: str | None) -> None:
    """Whatever questionnaires the region's people have (any status, an initial or a
    final round), the region's completion read from the municipalities' sums is what
    counting them gives, and the stored sums are what a rebuild computes."""
    framework = ensure_default_framework()
    people = list(Participant.objects.order_by("pk"))
    campaign = Campaign.objects.create(
        title="Раунд", region=world.region, framework=framework,
        kind=Campaign.Kind.FINAL if final else Campaign.Kind.INITIAL,
        starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2026, 10, 31))
    Response.objects.bulk_create([Response(campaign=campaign, participant=person, status=status)
                                  for person, status in zip(people, statuses, strict=False)])
    tallies.rebuild()
    assert tallies.stale() == []
    data = selectors.compute_dashboard(scope=scope_for(world.olga), filters=Filters(sector=sector))
    assert data.level == selectors.REGION
    assert _shown(data) == _live_completion(world, sector=sector)
    campaign.delete()
    assert tallies.stale() == []


def test_a_worked_example_of_the_sums(world: World) -> None:
    """build_diagnostics: in A's municipality three questionnaires of one round (one
    submitted, one being filled in, one not started), in B's one not started."""
    dw = build_diagnostics(world)
    rows = {(row.municipality_id, row.sector): (row.invited, row.submitted)
            for row in MunicipalityResponseTally.objects.filter(**_round(dw.campaign_a))}
    assert rows == {(world.municipality_a.pk, world.org_a.sector): (3, 1),
                    (world.municipality_b.pk, world.org_b.sector): (1, 0)}
    data = selectors.compute_dashboard(scope=scope_for(world.olga), filters=Filters())
    assert _shown(data) == {world.municipality_a.pk: (3, 1, 0, 0),
                            world.municipality_b.pk: (1, 0, 0, 0)}
    assert data.respondents == 1


def test_a_first_draft_leaves_the_municipalities_sums_as_they_were(
        world: World, django_capture_on_commit_callbacks) -> None:
    """A questionnaire's first save recounts only its organization's row (not started →
    being filled in): handed out and submitted, all the municipalities keep, do not
    change."""
    dw = build_diagnostics(world)
    before = list(MunicipalityResponseTally.objects.values_list(
        "municipality_id", "sector", "invited", "submitted").order_by("pk"))
    code = dw.campaign_a.framework.codes()[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.answers_save(response=dw.alice_r, values={code: services.AnswerInput(2)})
    assert ResponseTally.objects.get(organization=world.org_a, campaign=dw.campaign_a).draft == 2
    assert list(MunicipalityResponseTally.objects.values_list(
        "municipality_id", "sector", "invited", "submitted").order_by("pk")) == before
    assert tallies.stale() == []


def test_an_organization_that_moves_takes_its_questionnaires_along(
        world: World, django_capture_on_commit_callbacks) -> None:
    dw = build_diagnostics(world)
    with django_capture_on_commit_callbacks(execute=True):
        world.org_a.municipality = world.municipality_b
        world.org_a.save()
    assert not MunicipalityResponseTally.objects.filter(
        municipality=world.municipality_a).exists()
    moved = MunicipalityResponseTally.objects.get(
        municipality=world.municipality_b, sector=world.org_a.sector, **_round(dw.campaign_a))
    assert (moved.invited, moved.submitted) == (3, 1)
    assert tallies.stale() == []
    data = selectors.compute_dashboard(scope=scope_for(world.olga), filters=Filters())
    assert _shown(data) == _live_completion(world)


def test_a_round_nobody_submitted_in_moves_when_its_dates_change(world: World) -> None:
    """Regression: a campaign whose questionnaires are all still open has no answers'
    tallies, only the questionnaires' — its new dates must still move its municipality
    sums (a round change redoes the organizations with any tally of the campaign)."""
    framework = ensure_default_framework()
    campaign = Campaign.objects.create(title="Никто не сдал", organization=world.org_b,
                                       framework=framework, starts_on=dt.date(2026, 9, 1),
                                       ends_on=dt.date(2026, 9, 30))
    Response.objects.create(campaign=campaign, participant=world.charlie_p)
    tallies.rebuild([world.org_b.pk])
    campaign.ends_on = dt.date(2026, 11, 30)
    campaign.save()
    assert MunicipalityResponseTally.objects.filter(
        municipality=world.municipality_b, **_round(campaign)).exists()
    assert tallies.stale() == []
    campaign.delete()
    assert not MunicipalityResponseTally.objects.exists()
    assert tallies.stale() == []


def test_a_check_finds_a_municipality_sum_nobody_touched(world: World) -> None:
    build_diagnostics(world)
    row = MunicipalityResponseTally.objects.filter(municipality=world.municipality_a).get()
    MunicipalityResponseTally.objects.filter(pk=row.pk).update(submitted=row.submitted + 1)
    assert [item for item in tallies.stale() if item[0] == "MunicipalityResponseTally"]


@pytest.mark.parametrize("user", ["olga", "erin", "charlie"])
def test_the_region_reads_the_municipalities_the_others_their_organizations(
        world: World, user: str) -> None:
    build_diagnostics(world)
    with CaptureQueriesContext(connection) as queries:
        selectors.compute_dashboard(scope=scope_for(getattr(world, user)), filters=Filters())
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    kept, summed = (ResponseTally._meta.db_table, MunicipalityResponseTally._meta.db_table)
    reads_kept = f'FROM "{kept}"' in sql or f"FROM `{kept}`" in sql
    assert (summed in sql, reads_kept) == ((True, False) if user == "olga" else (False, True))


@pytest.mark.parametrize("user", ["olga", "erin", "charlie"])
def test_the_first_view_reads_the_tally_state_once_with_the_version(
        world: World, user: str, django_capture_on_commit_callbacks) -> None:
    """``TallyState`` is read by the cache's version only; the figures computed under that
    version show the same «as of» and waiting organizations as ``tallies.state``."""
    from django.core.cache import cache

    dw = build_diagnostics(world)
    with django_capture_on_commit_callbacks(execute=False):  # marked, the job not run
        tallies.touch([world.org_b.pk])
    TallyState.objects.filter(organization=world.org_a).update(
        refreshed_at=dt.datetime(2026, 10, 1, 9, 30, 15, 123456, tzinfo=dt.UTC))
    scope = scope_for(getattr(world, user))
    cache.clear()
    state = tallies.state(Filters().organizations(scope))
    with CaptureQueriesContext(connection) as queries:
        data = selectors.dashboard_data(scope=scope, filters=Filters())
    table = TallyState._meta.db_table
    assert len([q for q in queries.captured_queries if table in q["sql"]]) == 1
    assert (data.tallied_at, data.tallies_waiting) == state
    assert state[1] == (0 if user == "erin" else 1)
    assert dw.campaign_a.pk  # the figures are those of the world's diagnostics
    version = selectors.data_version(scope, Filters())
    assert isinstance(version, versions.Version) and version.tally_state == state


# -- before / after: the municipalities' sums of gains (MunicipalityGainTally) -----------
def _finals(world: World, levels: list[tuple[int, int, int]], *, shared: bool) -> None:
    """An initial and a final round in each organization (``shared``: the same dates in
    both, so one municipality row sums two campaigns when they share a municipality);
    ``levels``: (person index, level before, level after) — a level of each competency's
    first three codes, the third left without a level after."""
    from tandem.diagnostics.models import Answer

    framework = ensure_default_framework()
    codes = framework.codes()[:3]
    people = list(Participant.objects.order_by("pk"))
    for k, organization in enumerate((world.org_a, world.org_b)):
        initial = Campaign.objects.create(
            title="Входная", organization=organization, framework=framework,
            starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2026, 9, 30))
        final = Campaign.objects.create(
            title="Итоговая", kind=Campaign.Kind.FINAL, organization=organization,
            framework=framework, baseline=initial,
            starts_on=dt.date(2027, 4, 1 if shared else 1 + k), ends_on=dt.date(2027, 5, 20),
            status=Campaign.Status.CLOSED)  # closed: its «before / after» are published
        for index, before, after in levels:
            person = people[index % len(people)]
            if person.organization_id != organization.pk:
                continue
            for campaign, level in ((initial, before), (final, after)):
                response, _new = Response.objects.get_or_create(
                    campaign=campaign, participant=person,
                    defaults={"status": Response.Status.SUBMITTED, "answered": 3})
                Answer.objects.bulk_create([
                    Answer(response=response, competency=code, self_level=level,
                           level=None if campaign is final and i == 2 else level)
                    for i, code in enumerate(codes)], ignore_conflicts=True)
    tallies.rebuild()


def _everyone_as_organizations(world: World) -> Scope:
    """The region's organizations as a curator's list: read from their own tallies."""
    from tandem.territory.models import Organization

    return Scope(user_id=world.olga.pk, organization_ids=frozenset(
        Organization.objects.values_list("pk", flat=True)))


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(levels=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 3), st.integers(0, 3)),
                       min_size=1, max_size=6),
       shared=st.booleans(), sector=st.sampled_from([None, "school", "supplementary"]))
def test_the_regions_gains_are_its_organizations_gains(
        world: World, levels: list[tuple[int, int, int]], shared: bool, sector: str | None,
) -> None:
    """Before / after by area of a region (its municipalities' sums by final round) is
    what summing its organizations' own gains gives — means and people — and the stored
    sums are what a rebuild computes."""
    from tandem.monitoring.effectiveness import gains_by_area

    _finals(world, levels, shared=shared)
    assert tallies.stale() == []
    filters = Filters(sector=sector)
    day = dt.date(2027, 5, 25)
    region = gains_by_area(scope=scope_for(world.olga), filters=filters, today=day)
    assert region == gains_by_area(scope=_everyone_as_organizations(world), filters=filters,
                                   today=day)
    Campaign.objects.all().delete()
    assert tallies.stale() == []


def test_a_worked_example_of_the_gains(world: World) -> None:
    """Three people of A (levels 1 → 3, 2 → 2, 0 → 1), one of B (0 → 3), one final round
    with the same dates in both: A's municipality sums 3 before and 6 after over three
    people; B's cell of one person enters no sum (release rule: fewer than 3) — its row
    holds zeros and one person left out; the region's figure is A's, one person left out."""
    from tandem.diagnostics.models import MunicipalityGainTally
    from tandem.monitoring.effectiveness import gains_by_area

    people = list(Participant.objects.order_by("pk"))
    a = [i for i, p in enumerate(people) if p.organization_id == world.org_a.pk][:3]
    b = [i for i, p in enumerate(people) if p.organization_id == world.org_b.pk][:1]
    _finals(world, [(a[0], 1, 3), (a[1], 2, 2), (a[2], 0, 1), (b[0], 0, 3)], shared=True)
    code = ensure_default_framework().codes()[0]
    rows = {row.municipality_id: (row.before_sum, row.before_n, row.after_sum, row.after_n,
                                  row.people, row.left_out)
            for row in MunicipalityGainTally.objects.filter(competency=code)}
    assert rows == {world.municipality_a.pk: (3, 3, 6, 3, 3, 0),
                    world.municipality_b.pk: (0, 0, 0, 0, 0, 1)}
    gains = gains_by_area(scope=scope_for(world.olga), filters=Filters(),
                          today=dt.date(2027, 5, 25))
    assert gains.areas and all(g.people == 3 for g in gains.areas) and gains.left_out == 1
    first = gains.areas[0]
    assert (first.mean_before, first.mean_after) == (1.0, 2.0)


def test_an_organization_that_moves_takes_its_gains_along(
        world: World, django_capture_on_commit_callbacks) -> None:
    from tandem.diagnostics.models import MunicipalityGainTally

    people = list(Participant.objects.order_by("pk"))
    a = [i for i, p in enumerate(people) if p.organization_id == world.org_a.pk][:2]
    _finals(world, [(a[0], 1, 3), (a[1], 2, 2)], shared=True)
    assert MunicipalityGainTally.objects.filter(municipality=world.municipality_a).exists()
    with django_capture_on_commit_callbacks(execute=True):
        world.org_a.municipality = world.municipality_b
        world.org_a.save()
    assert not MunicipalityGainTally.objects.filter(municipality=world.municipality_a).exists()
    assert MunicipalityGainTally.objects.filter(municipality=world.municipality_b).exists()
    assert tallies.stale() == []


def test_the_regions_gains_read_no_organizations_tallies(world: World) -> None:
    """The region reads its own sums (``RegionGainTally``, kept from its municipalities'),
    a municipality its organizations' published cells (rule 5) — neither the current
    ``GainTally``."""
    from tandem.diagnostics.models import (
        GainTally,
        MunicipalityGainTally,
        PublishedGain,
        RegionGainTally,
    )
    from tandem.monitoring.effectiveness import gains_by_area

    people = list(Participant.objects.order_by("pk"))
    _finals(world, [(i, 1, 2) for i in range(len(people))], shared=False)
    for scope, reads in ((scope_for(world.olga), RegionGainTally),
                         (scope_for(world.erin), PublishedGain)):
        with CaptureQueriesContext(connection) as queries:
            assert gains_by_area(scope=scope, filters=Filters(),
                                 today=dt.date(2027, 5, 25)).areas
        tables = {model: f'"{model._meta.db_table}"' for model in (
            GainTally, PublishedGain, MunicipalityGainTally, RegionGainTally)}
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        assert [model for model, table in tables.items() if table in sql] == [reads]


def test_the_migration_fills_the_sums_from_the_organizations_tallies(world: World) -> None:
    """``diagnostics/0010`` fills both new tables, ``0011``, ``0012`` and ``0013`` redo the
    gains' sums by the release rule, ``0015`` the answers' and mentors' sums and the counted
    rounds (no answer read), ``0016`` the people who levelled each mentors' cell: as a
    rebuild would."""
    from importlib import import_module

    from django.apps import apps

    from tandem.diagnostics.models import (
        AnswerMember,
        MunicipalityGainTally,
        PublishedAnswer,
        PublishedAnswerMember,
        RegionAnswerTally,
        RegionGainTally,
        StrongTally,
    )

    people = list(Participant.objects.order_by("pk"))
    _finals(world, [(i, i % 4, (i + 1) % 4) for i in range(len(people))], shared=True)
    build_diagnostics(world)
    MunicipalityResponseTally.objects.all().delete()  # as the tables were created
    MunicipalityGainTally.objects.all().delete()
    assert tallies.stale() != []
    import_module("tandem.diagnostics.migrations.0010_municipality_response_and_gain_sums"
                  ).fill(apps, None)
    assert MunicipalityGainTally.objects.exists()
    assert tallies.stale() != []  # the small cell of B summed in
    import_module("tandem.diagnostics.migrations.0011_gain_sums_of_counted_cells"
                  ).counted_cells_only(apps, None)
    # 0012: a competency of a counted cell enters the sums only when levelled by three
    # people before and after (the random questionnaires leave some blank)
    import_module("tandem.diagnostics.migrations."
                  "0012_gains_latest_final_and_levelled_competencies").forwards(apps, None)
    assert tallies.stale() != []  # the closed finals' sums without their status
    # 0013: the sums keep their rounds' status (an open round's are pending)
    editor = SimpleNamespace(connection=connection,  # its one use: execute a statement
                             execute=lambda sql: connection.cursor().execute(sql))
    import_module("tandem.diagnostics.migrations.0013_gain_sums_by_round_status"
                  ).forwards(apps, editor)
    # 0015: the answers' and the mentors' sums by the release rule, the counted rounds —
    # from the state before it (every cell summed: Carol alone in A's round counted in).
    m0015 = import_module("tandem.diagnostics.migrations.0015_answer_sums_of_counted_cells")
    m0015.every_cell(apps, None)
    assert tallies.stale() != []
    m0015.counted_cells_only(apps, None)
    # 0016: the mentors' cells by the people who levelled the area, filled from the answers
    StrongTally.objects.update(levelled=0)  # the column as added
    assert tallies.stale() != []
    import_module("tandem.diagnostics.migrations.0016_levelled_people_of_mentor_cells"
                  ).levelled_cells_only(apps, None)
    # 0021: the regions' sums, of the municipalities' sums as they stand.
    RegionAnswerTally.objects.all().delete()  # as the tables were created
    RegionGainTally.objects.all().delete()
    import_module("tandem.diagnostics.migrations.0021_region_answer_sums").fill(apps, editor)
    # 0023: the deficit shares' published state (rule 5). Until it, the municipalities'
    # answer sums are of every group's stored counts (Carol alone in A's round counted in,
    # as left out); the rebuild's sums are of the published groups only (a group of one
    # was never published) — so they differ until 0023 publishes what was shown, each
    # group a small one too, and then agree with a rebuild to the row.
    assert tallies.stale() != []
    for model in (AnswerMember, PublishedAnswer, PublishedAnswerMember):
        model.objects.all().delete()  # as the tables were created
    import_module("tandem.diagnostics.migrations.0023_published_answers").forwards(
        apps, SimpleNamespace(connection=connection))
    assert PublishedAnswer.objects.filter(organization=world.org_a).exists()
    # 0024: the mentors of the published people (rule 5) — until it, of the answers
    # (Carol alone in A's round, strong, had a row).
    assert tallies.stale() != []
    import_module("tandem.diagnostics.migrations.0024_published_mentors").forwards(
        apps, SimpleNamespace(connection=connection))
    assert tallies.stale() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("target", ["0012_gains_latest_final_and_levelled_competencies",
                                    "0010_municipality_response_and_gain_sums"])
def test_the_status_migration_runs_both_ways_with_sums_in_the_table(target: str) -> None:
    """``diagnostics/0013`` alters the table after redoing its rows in the same
    transaction: PostgreSQL refuses that while the new rows' foreign-key checks are still
    pending («pending trigger events»), so the migration fires them first — back and
    forth, with a municipality sum in the table. So does ``0011`` going back (its sums
    redone, then its column dropped): ``tandem migrate territory 0004`` failed in it on
    PostgreSQL with a seeded database."""
    from django.db.migrations.executor import MigrationExecutor

    from tandem.diagnostics.models import MunicipalityGainTally
    from tandem.testing import build_world

    world = build_world()
    _finals(world, [(i, 1, 2) for i in range(6)], shared=True)
    assert MunicipalityGainTally.objects.exists()
    # Back to the target and forward to the newest of every app (what depends on
    # diagnostics comes back too: the next tests need the whole schema).
    for back in (True, False):
        executor = MigrationExecutor(connection)
        executor.migrate(
            [("diagnostics", target)] if back
            else executor.loader.graph.leaf_nodes())
    assert MunicipalityGainTally.objects.exists()
    assert tallies.stale() == []


GAINS_DAY = dt.date(2027, 5, 25)


@pytest.mark.parametrize("change", ["baseline deleted", "baseline unset", "kind round trip"])
def test_region_gains_agree_with_the_organizations_after_a_final_loses_its_baseline(
        world: World, change: str, django_capture_on_commit_callbacks: Any) -> None:
    """Review of 2026-12-05: a final round whose baseline went (the initial deleted —
    SET_NULL, no save — or unset) still counted in the municipalities' «before/after»,
    while the organizations' view reads only finals with a baseline; a final made initial
    and back lost its «before/after» on both."""
    from tandem.monitoring.effectiveness import gains_by_area

    people = list(Participant.objects.order_by("pk"))
    _finals(world, [(i, 1, 3) for i in range(len(people))], shared=True)
    assert tallies.stale() == []
    final = Campaign.objects.filter(kind=Campaign.Kind.FINAL, organization=world.org_a).get()
    with django_capture_on_commit_callbacks(execute=True):
        if change == "baseline deleted":
            Campaign.objects.filter(kind=Campaign.Kind.INITIAL,
                                    organization=world.org_a).get().delete()
        elif change == "baseline unset":
            final.baseline = None
            final.save()
        else:
            final.kind = Campaign.Kind.INITIAL
            final.save()
    if change == "kind round trip":
        tallies.rebuild([world.org_a.pk])  # a submission in A meanwhile
        with django_capture_on_commit_callbacks(execute=True):
            final.kind = Campaign.Kind.FINAL
            final.save()
    assert tallies.stale() == []
    region = gains_by_area(scope=scope_for(world.olga), filters=Filters(), today=GAINS_DAY)
    organizations = gains_by_area(scope=_everyone_as_organizations(world), filters=Filters(),
                                  today=GAINS_DAY)
    assert region == organizations
