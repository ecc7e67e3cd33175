"""The pair, map, meeting and people figures kept per organization
(tandem/monitoring/tallies.py) add up to exactly what the live computation gives, whatever
writes them; the dashboard reads them only when they are current."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.diagnostics import services as diagnostics
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import Campaign, Response
from tandem.maps import lifecycle
from tandem.maps.models import Map, Meeting, Row
from tandem.maps.services import (
    MapError,
    map_draft,
    meeting_add,
    row_delete,
    row_done,
    row_update,
)
from tandem.monitoring import effectiveness, selectors, tallies
from tandem.monitoring.effectiveness import unit_counts, unit_summary
from tandem.monitoring.models import PairTally, PairTallyMark, PairTallyState
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.territory.models import Organization
from tandem.testing import World, build_map, build_pairs, start_map
from tandem.web.signals import figures_changed, hourly

pytestmark = pytest.mark.django_db


def _today(world: World) -> dt.date:
    """The day the kept figures describe: the region's own date."""
    return tallies.today_of([world.org_a.pk])[world.org_a.pk]


def _views(world: World) -> list[tuple[Scope, Filters]]:
    """Every unit a dashboard of the world shows, through its persona's scope."""
    olga, dave = scope_for(world.olga), scope_for(world.dave)
    return [(olga, Filters()), (olga, Filters(municipality_id=world.municipality_a.pk)),
            (olga, Filters(municipality_id=world.municipality_b.pk)),
            (olga, Filters(organization_id=world.org_a.pk)),
            (olga, Filters(organization_id=world.org_b.pk)),
            (olga, Filters(sector=world.org_b.sector)), (olga, Filters(region_id=world.region.pk)),
            (scope_for(world.alice), Filters()), (scope_for(world.charlie), Filters()),
            (dave, Filters())]


def _after_commit() -> None:
    """What the job does once the writer's transaction commits (the tests run inside one
    that never does): it was scheduled, and it runs."""
    assert any(item[1] is tallies.enqueue_refresh for item in connection.run_on_commit)
    tallies.refresh()


def _months(groups: list[dict[str, object]]) -> dict[tuple[object, ...], object]:
    return {(tallies._as_date(g["m0"]), tallies._as_date(g["m1"]),  # type: ignore[arg-type]
             g["status"]): g["n"] for g in groups}


def _assert_kept_equal_live(world: World) -> None:
    day = _today(world)
    for scope, filters in _views(world):
        kept = tallies.summary(filters.organizations(scope), filters, day)
        assert kept is not None, filters
        assert kept == unit_counts(scope=scope, filters=filters, today=day), filters
        # The dashboard's reading (each organization for its own region's today, the
        # pairs' sums and the zones in one statement): the same figures, of no older day.
        assert tallies.dated_summary(filters.organizations(scope), filters, day) == (
            kept, None), filters
        # «Pairs by month»: the kept rows add up to the live grouped count.
        assert _months(tallies.month_groups(filters.organizations(scope))) == _months(
            selectors._month_groups(effectiveness.pairs_in(scope=scope, filters=filters))
        ), filters
    _assert_regional_equal_live(world)
    assert tallies.stale() == []


def _assert_regional_equal_live(world: World) -> None:
    """The municipalities' sums stand for the organizations' rows in the region's and the
    country's standard views (whole regions, any sector) and equal the live counts: the
    unit's figures, its pairs by month and the active people per unit compared."""
    day = _today(world)
    region, country = scope_for(world.olga), Scope(user_id=world.olga.pk, everything=True)
    sectors = [None, *Organization.objects.values_list("sector", flat=True).distinct()]
    for scope, by_region in ((region, False), (country, True)):
        for sector in sectors:
            filters = Filters(sector=sector)
            orgs = filters.organizations(scope)
            kept = tallies.regional(region_ids=None if scope.everything else scope.region_ids,
                                    sector=sector, by_region=by_region, organizations=orgs,
                                    day=day)
            assert kept is not None, (scope, sector)
            assert kept.counts == unit_counts(scope=scope, filters=filters, today=day)
            assert _months(kept.months) == _months(selectors._month_groups(
                effectiveness.pairs_in(scope=scope, filters=filters))), (scope, sector)
            unit = "municipality__region_id" if by_region else "municipality_id"
            live = dict(Participant.objects.filter(is_active=True, organization__in=orgs)
                        .values_list(f"organization__{unit}").order_by()
                        .annotate(n=Count("pk")))
            assert {pk: n for pk, n in kept.people.items() if n} == live, (scope, sector)


def _final_round(world: World) -> Campaign:
    """A regional final round running now, handed to everyone of the world."""
    day = _today(world)
    campaign = Campaign.objects.create(
        title="Итоговая", region=world.region, framework=ensure_default_framework(),
        kind=Campaign.Kind.FINAL, starts_on=day - dt.timedelta(days=20),
        ends_on=day + dt.timedelta(days=150))
    diagnostics.campaign_add(campaign=campaign, participants=Participant.objects.all())
    return campaign


def _answer_final(final: Campaign, person: Participant, level: int) -> None:
    """The person submits the final round at ``level`` in every competency (closing the
    rows that target no more)."""
    response = Response.objects.get(campaign=final, participant=person)
    if not response.locked:
        diagnostics.answers_save(response=response, values={
            code: diagnostics.AnswerInput(level, can_teach=False, wants_to_learn=False)
            for code in final.framework.codes()})
        diagnostics.response_submit(response=response)


# Each step is what a person does through the product's services (or, for a meeting
# removed and a participant who leaves, through the model, as the pages do).
STEPS = ["draft", "start", "done", "delete_row", "meeting", "unmeet", "move", "leave",
         "complete", "end_early", "answer", "relocate", "resector"]


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 30), st.integers(0, 3)),
                      min_size=1, max_size=10))
def test_kept_figures_equal_the_live_ones_after_any_writes(
        world: World, django_capture_on_commit_callbacks, steps: list[tuple[str, int, int]],
) -> None:
    if not Pair.objects.exists():  # the world is shared by the examples: once
        build_map(world)
        tallies.rebuild()
    final = Campaign.objects.filter(kind=Campaign.Kind.FINAL).first() or _final_round(world)
    day = _today(world)
    for step, who, level in steps:
        with django_capture_on_commit_callbacks(execute=True):  # diagnostics' own job
            pairs = list(Pair.objects.order_by("pk"))
            pair = pairs[who % len(pairs)]
            the_map = Map.objects.filter(pair=pair).first()
            rows = list(Row.objects.filter(map__pair=pair).order_by("pk"))
            people = list(Participant.objects.order_by("pk"))
            person = people[who % len(people)]
            try:
                if step == "draft" and the_map is None:
                    map_draft(pair)
                elif step == "start" and the_map is not None:
                    start_map(pair, world)
                elif step == "done" and rows:
                    row_done(row=rows[level % len(rows)], upload=None,
                             link="https://example.org/work", user=None,
                             when=day - dt.timedelta(days=level))
                elif step == "delete_row" and rows and the_map and the_map.editable:
                    row_delete(row=rows[level % len(rows)])
                elif step == "meeting":
                    meeting_add(pair=pair, user=None, data={
                        "date": pair.starts_on + dt.timedelta(days=level % 2),
                        "topic": "Встреча", "planned": level >= 2})
                elif step == "unmeet":
                    meeting = Meeting.objects.filter(pair=pair).order_by("pk").first()
                    if meeting:
                        meeting.delete()
                elif step == "move":  # a pair of two organizations: the municipal pool's
                    person.organization = (world.org_b if person.organization_id == world.org_a.pk
                                           else world.org_a)
                    person.save()
                elif step == "leave":
                    person.is_active = not person.is_active
                    person.save()
                elif step == "complete" and the_map is not None:
                    lifecycle.map_complete(the_map=the_map)
                elif step == "end_early" and the_map is not None:
                    lifecycle.map_end_early(the_map=the_map, reason="Переезд")
                elif step == "answer":
                    _answer_final(final, person, level)
                elif step == "relocate":  # an organization moves to the other municipality
                    org = Organization.objects.get(pk=person.organization_id)
                    org.municipality = (world.municipality_a
                                        if org.municipality_id == world.municipality_b.pk
                                        else world.municipality_b)
                    org.save()
                elif step == "resector":
                    org = Organization.objects.get(pk=person.organization_id)
                    org.sector = (Organization.Sector.SPORT if org.sector != "sport"
                                  else Organization.Sector.SCHOOL)
                    org.save()
            except MapError:
                pass  # a step the map's state refuses changes nothing
        tallies.refresh()  # the job after each step's commit
        _assert_kept_equal_live(world)


def test_a_pair_of_two_organizations_counts_once_in_the_region_and_once_in_each(
        world: World) -> None:
    build_pairs(world)
    world.alice_p.organization = world.org_b  # Alice ⇄ Dmitry: B's and A's
    world.alice_p.save()
    _after_commit()
    assert list(PairTally.objects.values_list("organization_a", "organization_b",
                                              "pairs_total")) == [
        (world.org_b.pk, world.org_a.pk, 1)]
    day = _today(world)
    olga = scope_for(world.olga)
    for filters in (Filters(), Filters(organization_id=world.org_a.pk),
                    Filters(organization_id=world.org_b.pk)):
        kept = tallies.summary(filters.organizations(olga), filters, day)
        assert kept is not None
        assert kept["pairs_total"] == 1 == Pair.objects.formed().of_unit(
            filters.organizations(olga)).count()
    # Two people in a pair in the region, one in each organization.
    region = tallies.summary(Filters().organizations(olga), Filters(), day)
    assert region is not None and region["participants_in_pairs"] == 2
    assert region["pairs_waiting"] == 1 == Pair.objects.filter(status=Pair.Status.APPROVED).count()
    _assert_kept_equal_live(world)


def test_a_completed_pair_whose_final_round_reached_every_target(world: World) -> None:
    pair: Pair = build_map(world)  # type: ignore[assignment]
    start_map(pair, world)
    final = _final_round(world)
    tallies.refresh()
    for person in (world.bob_p, world.carol_p):
        _answer_final(final, person, 3)  # the answers close every row of the map
    lifecycle.map_complete(the_map=Map.objects.get(pair=pair))
    _after_commit()
    olga = scope_for(world.olga)
    kept = tallies.summary(Filters().organizations(olga), Filters(), _today(world))
    assert kept is not None
    planned = Row.objects.filter(map__pair=pair).count()
    assert (kept["pairs_completed"], kept["pairs_completed_all_closed"]) == (1, 1)
    assert kept["rows_closed"] == kept["rows_planned"] == planned > 0
    _assert_kept_equal_live(world)


def test_the_dashboard_computes_live_when_the_kept_figures_cannot_stand_for_it(
        world: World) -> None:
    build_pairs(world)
    tallies.rebuild()
    day = _today(world)
    olga = scope_for(world.olga)
    orgs = Filters().organizations(olga)
    assert tallies.summary(orgs, Filters(), day) is not None
    # A period chosen: the live computation.
    period = Filters(date_from=day - dt.timedelta(days=30), date_to=day)
    assert tallies.summary(period.organizations(olga), period, day) is None
    # Another day than the one they were built for.
    assert tallies.summary(orgs, Filters(), day + dt.timedelta(days=1)) is None
    # A change marked and not yet rebuilt: the job runs after the commit.
    figures_changed.send(sender=None, organization_ids=[world.org_b.pk])
    assert tallies.summary(orgs, Filters(), day) is None
    a = Filters(organization_id=world.org_a.pk)  # A alone is still read from its figures
    assert tallies.summary(a.organizations(olga), a, day) is not None
    _after_commit()
    assert tallies.summary(orgs, Filters(), day) is not None


def test_the_hourly_run_rebuilds_for_the_regions_new_day(world: World) -> None:
    build_pairs(world)
    tallies.rebuild()
    tomorrow = tallies.today_of([world.org_a.pk])[world.org_a.pk] + dt.timedelta(days=1)
    assert set(PairTallyState.objects.values_list("as_of", flat=True)) == {
        tomorrow - dt.timedelta(days=1)}
    hourly.send(sender=None)  # the same day: nothing to redo
    assert tallies.refresh() == 0
    assert tallies.refresh(now=dt.datetime.combine(
        tomorrow, dt.time(12), tzinfo=dt.UTC)) == PairTallyState.objects.count()
    assert set(PairTallyState.objects.values_list("as_of", flat=True)) == {tomorrow}


def test_the_standard_view_reads_no_pair_row_meeting_or_answer(world: World) -> None:
    pair = build_map(world)
    start_map(pair, world)
    _after_commit()
    olga = scope_for(world.olga)
    day = _today(world)
    with CaptureQueriesContext(connection) as ctx:
        summary = unit_summary(scope=olga, filters=Filters(), today=day)
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    for table in ("pairs_pair", "maps_row", "maps_meeting", "diagnostics_answer"):
        assert f'"{table}"' not in tables, table
    assert summary.pairs_total == 2 and summary.tasks_planned == Row.objects.filter(
        map__pair__isnull=False).count() > 0


def test_kept_figures_cost_the_same_queries_at_any_size(world: World) -> None:
    from tandem.monitoring.tests.test_query_counts import _grow
    from tandem.testing import build_diagnostics

    build_diagnostics(world)
    olga = scope_for(world.olga)
    counts = []
    for people in (10, 300):
        _grow(world, people)  # in bulk: no model signal, so rebuilt by hand
        tallies.rebuild()
        day = _today(world)
        with CaptureQueriesContext(connection) as ctx:
            unit_summary(scope=olga, filters=Filters(), today=day)
        assert tallies.summary(Filters().organizations(olga), Filters(), day) is not None
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_a_save_that_changes_nothing_counted_marks_nothing(world: World) -> None:
    build_pairs(world)
    tallies.rebuild()
    marked = PairTallyMark.objects.all()
    carol = Participant.objects.get(pk=world.carol_p.pk)
    carol.email = "karina@example.org"
    carol.save()
    pair = Pair.objects.get(a=world.alice_p)
    pair.a_confirmed_at = timezone.now()  # a member confirms: no figure changes
    pair.save()
    assert not marked.exists()
    carol.is_active = False
    carol.save()
    assert list(marked.values_list("organization_id", flat=True)) == [world.org_a.pk]


def test_rows_written_past_the_model_signals_mark_their_pair(world: World) -> None:
    """The draft's rows (``bulk_create``) and an edited row (``update()``) send
    ``figures_changed`` themselves."""
    pair: Pair = build_map(world)  # type: ignore[assignment]
    tallies.rebuild()
    row = Row.objects.filter(map__pair=pair).order_by("pk").first()
    assert row is not None
    data = {f: getattr(row, f) for f in ("title", "current_level", "target_level", "task",
                                         "forms", "deadline", "product", "evidence")}
    data["deadline"] = row.deadline - dt.timedelta(days=1)
    row_update(row=row, data=data, version=row.version, user=None)
    assert list(PairTallyMark.objects.values_list("organization_id", flat=True)) == [
        world.org_a.pk]
    _after_commit()
    _assert_kept_equal_live(world)


def test_a_partner_organizations_mark_sends_a_shared_pair_live(world: World) -> None:
    """An answer or a move marks only its own organization: a unit whose pair is shared
    with a marked organization reads live until that one is rebuilt (review finding)."""
    build_pairs(world)
    world.alice_p.organization = world.org_b  # Alice ⇄ Dmitry: B's and A's
    world.alice_p.save()
    _after_commit()
    day = _today(world)
    olga = scope_for(world.olga)
    a = Filters(organization_id=world.org_a.pk)
    assert tallies.summary(a.organizations(olga), a, day) is not None
    figures_changed.send(sender=None, organization_ids=[world.org_b.pk])
    assert tallies.summary(a.organizations(olga), a, day) is None
    _after_commit()
    assert tallies.summary(a.organizations(olga), a, day) is not None


def test_a_rebuild_removes_only_the_marks_it_read(world: World,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Writers only insert marks (no lock to wait on); a write that lands while a rebuild
    sums keeps its mark for the next rebuild."""
    build_pairs(world)
    figures_changed.send(sender=None, organization_ids=[world.org_a.pk])
    summing = effectiveness.pair_groups

    def a_write_lands_meanwhile(*args: object, **kwargs: object) -> object:
        PairTallyMark.objects.create(organization_id=world.org_a.pk)
        return summing(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(effectiveness, "pair_groups", a_write_lands_meanwhile)
    tallies.rebuild([world.org_a.pk])
    assert PairTallyMark.objects.filter(organization_id=world.org_a.pk).count() == 1
    monkeypatch.setattr(effectiveness, "pair_groups", summing)
    tallies.refresh()
    assert not PairTallyMark.objects.exists()


def test_the_check_only_reads(world: World) -> None:
    """``tandem tallies --check`` may run while people work: it writes and locks
    nothing, and still sees figures nobody marked."""
    build_pairs(world)
    tallies.rebuild()
    with CaptureQueriesContext(connection) as queries:
        assert tallies.stale() == []
    assert [q["sql"] for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            or "FOR UPDATE" in q["sql"].upper()] == []
    Pair.objects.filter(a=world.alice_p).update(status=Pair.Status.ACTIVE)  # behind its back
    assert any(row[0] == "PairTally" for row in tallies.stale())


def test_one_command_keeps_both_kinds_of_figures(world: World) -> None:
    """``tandem tallies``: diagnostics and pair figures, rebuilt and checked together."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    build_pairs(world)
    out = StringIO()
    call_command("tallies", "--rebuild", stdout=out, stderr=StringIO())
    assert "Диагностика: пересчитано" in out.getvalue() and "Пары: пересчитано" in out.getvalue()
    call_command("tallies", "--check", stdout=out, stderr=StringIO())
    assert "Цифры совпадают с пересчётом." in out.getvalue()
    Pair.objects.filter(a=world.alice_p).update(status=Pair.Status.ACTIVE)  # behind its back
    with pytest.raises(CommandError, match=r"пары: [1-9]"):
        call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())
    call_command("tallies", stdout=StringIO(), stderr=StringIO())  # --refresh: nothing marked
    call_command("tallies", "--rebuild", stdout=StringIO(), stderr=StringIO())
    call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())


def _more_organizations(world: World, n: int) -> list[int]:
    """``n`` more organizations of A's municipality, three people each, the first of each
    in an active pair with someone of the previous one (a pair of two organizations, as a
    municipal pool makes) and a row done on its map; returns their ids."""
    from tandem.testing import OrganizationFactory, ParticipantFactory

    day = _today(world)
    previous = world.org_a
    ids = []
    for i in range(n):
        org = OrganizationFactory.create(municipality=world.municipality_a,
                                         code=f"extra-{i}", name=f"Школа {i}")
        people = [ParticipantFactory.create(organization=org, surname=f"Новиков{i}-{k}",
                                            email=f"extra{i}-{k}@example.org")
                  for k in range(3)]
        partner = Participant.objects.filter(organization=previous).order_by("pk").first()
        assert partner is not None
        pair = Pair.objects.create(a=people[0], b=partner, organization=org,
                                   status=Pair.Status.ACTIVE,
                                   starts_on=day - dt.timedelta(days=40),
                                   ends_on=day + dt.timedelta(days=200))
        the_map = Map.objects.create(pair=pair)
        Row.objects.create(map=the_map, direction="ab", competency="ict.ai_lessons",
                           title="Задача", current_level=0, target_level=2, partner_level=3,
                           task="Задача", deadline=day - dt.timedelta(days=i % 3),
                           product="Продукт" if i % 2 else "", evidence="Показ")
        Meeting.objects.create(pair=pair, date=pair.starts_on + dt.timedelta(days=i),
                               topic="Встреча")
        people[2].is_active = i % 2 == 0
        people[2].save()
        previous = org
        ids.append(org.pk)
    return ids


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.integers(1, 7), chosen=st.sets(st.integers(0, 7)))
def test_any_batching_of_the_organizations_keeps_the_same_figures(
        world: World, monkeypatch: pytest.MonkeyPatch, batch: int, chosen: set[int]) -> None:
    """The rebuild is set-based over its batch (one statement per kind of figure, for all
    its organizations): cut into batches of any size — a pair's two organizations in one
    batch or in two, any subset of them marked — the figures are those of one batch, and
    equal the live ones."""
    if not PairTally.objects.exists():  # the world is shared by the examples: once
        build_pairs(world)
        world.alice_p.organization = world.org_b  # a pair of A and B
        world.alice_p.save()
        _more_organizations(world, 6)
        tallies.rebuild()
    whole = tallies._snapshot()
    ids = sorted(Organization.objects.values_list("pk", flat=True))
    monkeypatch.setattr(tallies, "organizations_per_batch", lambda: batch)
    marked = [ids[i % len(ids)] for i in chosen]
    figures_changed.send(sender=None, organization_ids=marked)
    assert tallies.refresh(new_day=False) == len(set(marked))
    assert tallies.rebuild() == len(ids)
    assert tallies._snapshot() == whole
    assert not PairTallyMark.objects.exists()
    _assert_kept_equal_live(world)


def test_a_rebuild_costs_the_same_statements_for_any_number_of_organizations(
        world: World) -> None:
    """No statement per organization: the people counts and states of a batch are one
    grouped query and one upsert, whether it holds 2 organizations or 12."""
    build_pairs(world)
    counts = []
    for more in (0, 10):
        _more_organizations(world, more)
        figures_changed.send(sender=None,
                             organization_ids=Organization.objects.values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as queries:
            tallies.refresh(new_day=False)
        counts.append(len(queries.captured_queries))
        assert PairTallyState.objects.count() == Organization.objects.count()
        _assert_kept_equal_live(world)
    assert counts[0] == counts[1]


def test_the_dashboards_standard_view_reads_its_pairs_by_month_kept(world: World) -> None:
    """A worked example: the region's standard view shows the months of the live count
    without reading the pairs; a period reads them live, and the two agree."""
    pair = build_map(world)
    start_map(pair, world)
    _after_commit()
    olga = scope_for(world.olga)
    with CaptureQueriesContext(connection) as ctx:
        kept = selectors.compute_dashboard(scope=olga, filters=Filters())
    assert not any('FROM "pairs_pair"' in q["sql"] for q in ctx.captured_queries)
    live = selectors.compute_dashboard(scope=olga, filters=Filters(
        date_from=dt.date(1900, 1, 1)))
    assert kept.months and (kept.months, kept.pairs_by_month, kept.pair_status) == (
        live.months, live.pairs_by_month, live.pair_status)
    assert sum(kept.pair_status.values()) == Pair.objects.formed().count()


def _regional(world: World, day: dt.date) -> tallies.Regional | None:
    olga = scope_for(world.olga)
    return tallies.regional(region_ids=olga.region_ids, sector=None, by_region=False,
                            organizations=Filters().organizations(olga), day=day)


def test_an_organization_moved_to_another_municipality_takes_its_sums_along(
        world: World) -> None:
    """A worked example: B's organization (with a pair of A and B, as a municipal pool
    makes) moves to A's municipality. Until the rebuild the move's mark (naming the
    municipality it left) sends the region's view to the organizations' rows; after it
    both municipalities are added up again whole and equal the live figures."""
    build_pairs(world)
    world.alice_p.organization = world.org_b  # a pair of A and B
    world.alice_p.save()
    tallies.refresh(new_day=False)
    day = _today(world)
    state = tallies.PairMunicipalityState.objects
    assert sorted(state.values_list("municipality_id", "sector", "organizations")) == [
        (world.municipality_a.pk, "school", 1), (world.municipality_b.pk, "supplementary", 1)]
    before = _regional(world, day)
    olga = scope_for(world.olga)
    assert before is not None and before.counts == unit_counts(
        scope=olga, filters=Filters(), today=day)
    assert before.counts["pairs_total"] == 1 and PairTally.objects.filter(
        organization_a=world.org_b, organization_b=world.org_a).exists()

    world.org_b.municipality = world.municipality_a
    world.org_b.save()
    assert PairTallyMark.objects.filter(organization_id=world.org_b.pk,
                                        municipality_id=world.municipality_b.pk).exists()
    assert _regional(world, day) is None  # waiting: the organizations' rows (or live)
    assert selectors.compute_dashboard(scope=olga, filters=Filters()).summary == unit_summary(
        scope=olga, filters=Filters(date_from=dt.date(1900, 1, 1)), today=day)

    tallies.refresh(new_day=False)
    assert sorted(state.values_list("municipality_id", "sector", "organizations")) == [
        (world.municipality_a.pk, "school", 1), (world.municipality_a.pk, "supplementary", 1)]
    after = _regional(world, day)
    assert after is not None and after.counts == before.counts
    assert after.people == {world.municipality_a.pk: Participant.objects.filter(
        is_active=True).count()}
    _assert_kept_equal_live(world)


def test_a_deleted_organization_leaves_its_municipalitys_sums(world: World) -> None:
    from tandem.testing import OrganizationFactory

    build_pairs(world)
    extra = OrganizationFactory.create(municipality=world.municipality_b, code="gone",
                                       name="Закрытая школа")
    tallies.rebuild()
    state = tallies.PairMunicipalityState.objects.filter(municipality=world.municipality_b)
    assert sum(state.values_list("organizations", flat=True)) == 2
    extra.delete()
    assert PairTallyMark.objects.filter(municipality_id=world.municipality_b.pk).exists()
    assert _regional(world, _today(world)) is None
    tallies.refresh(new_day=False)
    assert sum(state.values_list("organizations", flat=True)) == 1
    assert not PairTallyMark.objects.exists()
    _assert_kept_equal_live(world)


def test_a_rebuild_changes_the_sums_by_difference_and_the_check_sees_a_wrong_one(
        world: World) -> None:
    """A rebuild of one organization rewrites only the sums its rows change (the other
    municipality's row keeps its id); a sum changed behind the rebuild's back is what
    ``tandem tallies --check`` reports."""
    build_pairs(world)
    tallies.rebuild()
    state = tallies.PairMunicipalityState.objects
    other = state.get(municipality=world.municipality_b).pk
    world.carol_p.is_active = False
    world.carol_p.save()
    tallies.refresh(new_day=False)
    assert state.get(municipality=world.municipality_b).pk == other
    assert tallies.stale() == []
    row = state.get(municipality=world.municipality_a)
    row.participants_active += 1
    row.save()
    assert any(found[0] == "PairMunicipalityState" for found in tallies.stale())


def test_the_regions_view_reads_the_municipalities_sums_at_any_size(world: World) -> None:
    """The region operator's first view reads no organization's pair or people rows, and
    costs the same queries with 10 or 300 more people in each organization."""
    from tandem.monitoring.tests.test_query_counts import _grow
    from tandem.testing import build_diagnostics

    build_diagnostics(world)
    olga = scope_for(world.olga)
    counts = []
    for people in (10, 300):
        _grow(world, people)  # in bulk: no model signal, so rebuilt by hand
        tallies.rebuild()
        assert _regional(world, _today(world)) is not None
        with CaptureQueriesContext(connection) as ctx:
            data = selectors.compute_dashboard(scope=olga, filters=Filters())
        tables = " ".join(q["sql"] for q in ctx.captured_queries)
        for table in ("monitoring_pairtally", "monitoring_pairmonthtally",
                      "monitoring_pairtallystate", "people_peoplecount", "pairs_pair"):
            assert f'"{table}"' not in tables, table
        assert data.summary is not None and data.summary.participants_active == sum(
            unit.people for unit in data.completion) == Participant.objects.filter(
            is_active=True).count()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_a_municipality_summed_again_takes_no_later_tables_difference(world: World) -> None:
    """Review of 2026-12-05: a pair partner moved to a third municipality and waits for its
    rebuild while A's organization is rebuilt alone (another batch) with its pair's and its
    people's figures changed. The pairs' difference would go below zero, so _add adds the
    municipalities up again whole — in every table; the people's difference was then added
    on top (one person counted twice, no mark left to send the view to the live count)."""
    from django.db.models import Q

    from tandem.territory.models import Municipality
    from tandem.testing import ParticipantFactory

    build_pairs(world)
    world.alice_p.organization = world.org_b  # a pair of A's and B's organizations
    world.alice_p.save()
    pair = Pair.objects.filter(Q(a=world.alice_p) | Q(b=world.alice_p)).first()
    assert pair is not None
    meeting_add(pair=pair, user=None, data={"date": pair.starts_on, "topic": "Встреча",
                                            "planned": False})
    tallies.refresh(new_day=False)
    day = _today(world)
    third = Municipality.objects.create(region=world.municipality_a.region, name="Третий")
    world.org_b.municipality = third
    world.org_b.save()
    ParticipantFactory.create(organization=world.org_a, surname="Новиков", name="Н",
                              patronymic="Н", email="n@example.org")
    meeting = Meeting.objects.filter(pair=pair).first()
    assert meeting is not None
    meeting.delete()
    # B's marks without the municipality it left: A's rebuild in its own transaction, as a
    # job that read the marks before B moved would do.
    PairTallyMark.objects.filter(organization_id=world.org_b.pk,
                                 municipality_id__isnull=True).delete()
    tallies.rebuild([world.org_a.pk])
    tallies.refresh(new_day=False)  # B rebuilt: its old and new municipality summed whole
    assert not PairTallyMark.objects.exists()
    assert tallies.stale() == []
    kept = _regional(world, day)
    assert kept is not None
    assert kept.counts == unit_counts(scope=scope_for(world.olga), filters=Filters(), today=day)


def test_the_countrys_view_reads_each_regions_sums_as_of_its_own_day(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """At an hour when the regions of the country are on different dates (19:00 UTC:
    Kamchatka on the next day, Yekaterinburg not), the federal view reads the
    municipalities' sums — each region counted as of its own today, as its operator sees
    it — not every pair, row and meeting of the country (10 s on 1.5 million people,
    issue #16); the figures equal the live counts of each region on its own day."""
    from tandem.testing import (
        MunicipalityFactory,
        OrganizationFactory,
        RegionFactory,
        bulk_participants,
    )

    build_pairs(world)
    far = RegionFactory.create(name="Дальняя", code="far", time_zone="Asia/Kamchatka")
    school = OrganizationFactory.create(
        municipality=MunicipalityFactory.create(region=far, name="Дальний"), code="far-1")
    bulk_participants(school, 3)
    now = dt.datetime(2026, 12, 6, 15, 0, tzinfo=dt.UTC)  # 7 Dec there, 6 Dec here
    monkeypatch.setattr(timezone, "now", lambda: now)
    tallies.refresh()
    days = {world.region.pk: dt.date(2026, 12, 6), far.pk: dt.date(2026, 12, 7)}
    assert set(PairTallyState.objects.values_list("as_of", flat=True)) == set(days.values())

    country = Scope(user_id=None, everything=True)
    with CaptureQueriesContext(connection) as ctx:
        data = selectors.compute_dashboard(scope=country, filters=Filters())
    read = " ".join(q["sql"] for q in ctx.captured_queries)
    for table in ("pairs_pair", "maps_row", "maps_meeting", "people_participant"):
        assert f'"{table}"' not in read, table
    kept = tallies.regional(region_ids=None, sector=None, by_region=True,
                            organizations=Filters().organizations(country),
                            day=dt.date(2026, 12, 6), unit_days=days)
    assert kept is not None
    live: dict[str, int] = {}
    for region, day in days.items():
        for name, n in unit_counts(scope=Scope(user_id=None, region_ids=frozenset({region})),
                                   filters=Filters(), today=day).items():
            live[name] = live.get(name, 0) + n
    assert kept.counts == live and live["pairs_total"] > 0
    assert kept.people == {world.region.pk: Participant.objects.filter(
        is_active=True).exclude(organization=school).count(), far.pk: 3}
    assert [c.people for c in data.completion] == [
        kept.people[u.pk] for u in data.units]
    # A region not yet rebuilt for its new day: the live path, as before.
    PairTallyState.objects.filter(organization=school).update(as_of=dt.date(2026, 12, 6))
    tallies.PairMunicipalityState.objects.filter(municipality__region=far).update(
        as_of=dt.date(2026, 12, 6))
    assert tallies.regional(region_ids=None, sector=None, by_region=True,
                            organizations=Filters().organizations(country),
                            day=dt.date(2026, 12, 6), unit_days=days) is None


def test_the_countrys_sector_view_keeps_a_pair_whose_partner_is_of_another_sector(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The federal view of one sector: a school's pair with a college of another region's
    municipality that has no school (no state of that sector there) is still counted as
    of the college region's day — not «unknown», which sent the country's whole view to
    every pair, row and meeting (review of h/countrypages). A region's zone name no longer
    known is the installation's zone, not an error page."""
    from tandem.territory.models import Region
    from tandem.testing import (
        MunicipalityFactory,
        OrganizationFactory,
        ParticipantFactory,
        RegionFactory,
    )

    build_pairs(world)
    far = RegionFactory.create(name="Дальняя", code="far")
    college = OrganizationFactory.create(
        municipality=MunicipalityFactory.create(region=far, name="Дальний"), code="far-1",
        sector=Organization.Sector.COLLEGE)
    Pair.objects.create(a=world.bob_p, b=ParticipantFactory.create(organization=college),
                        organization=world.org_a, starts_on=dt.date(2026, 10, 1),
                        ends_on=dt.date(2027, 5, 31))
    now = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    tallies.refresh()
    day = dt.date(2026, 12, 6)
    country = Scope(user_id=None, everything=True)
    school = Filters(sector=Organization.Sector.SCHOOL)
    kept = tallies.regional(region_ids=None, sector=Organization.Sector.SCHOOL, by_region=True,
                            organizations=school.organizations(country), day=day,
                            unit_days={world.region.pk: day, far.pk: day})
    assert kept is not None and kept.counts["pairs_total"] > 0
    # The page's own path: the college's region is no unit of the school view (it has no
    # school), yet the municipalities' sums stand — not the organizations' rows either
    # (review of h/midnight: the page's days named only its units' regions).
    read: list[tallies.Regional | None] = []
    real = tallies.regional

    def spy(**kwargs: Any) -> tallies.Regional | None:
        read.append(real(**kwargs))
        return read[-1]

    monkeypatch.setattr(tallies, "regional", spy)
    Region.objects.filter(pk=world.region.pk).update(time_zone="Марс/Олимп")
    with CaptureQueriesContext(connection) as ctx:
        data = selectors.compute_dashboard(scope=country, filters=school)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert '"pairs_pair"' not in sql and '"monitoring_pairtally"' not in sql
    assert [r is not None for r in read] == [True]
    assert read[0] is not None and read[0].counts == kept.counts
    assert data.units and data.pairs_as_of is None


def test_pairs_by_month_read_each_side_by_its_organizations_index(world: World) -> None:
    """A unit's «pairs by month» from the kept rows: the rows whose A it holds, whose B it
    holds, less those whose both it holds — each part filtered on one organization column
    (its index), none by ``A in … OR B in …`` (a whole table of 92,106 rows read for a
    curator's one school, issue #16); the sum equals the live grouped count, a pair of A
    and B (a municipal pool) counted once in each unit that holds either."""
    build_pairs(world)
    world.alice_p.organization = world.org_b  # a pair of A and B
    world.alice_p.save()
    tallies.refresh(new_day=False)
    olga = scope_for(world.olga)
    for filters in (Filters(), Filters(organization_id=world.org_a.pk),
                    Filters(organization_id=world.org_b.pk)):
        with CaptureQueriesContext(connection) as ctx:
            kept = tallies.month_groups(filters.organizations(olga))
        (statement,) = [q["sql"] for q in ctx.captured_queries]
        assert '"organization_a_id" IN' in statement and " OR " not in statement
        assert kept and _months(kept) == _months(selectors._month_groups(
            effectiveness.pairs_in(scope=olga, filters=filters))), filters


def test_the_command_checks_and_repairs_the_regions_kept_on_pairs(world: World) -> None:
    """A pair whose kept region is not its members' (a process that died between a move's
    commit and its re-check, old code during ``migrate``): ``tandem tallies --check`` names
    it, a refresh writes it right (review of h/regionpairs: nothing checked them)."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    from tandem.testing import RegionFactory

    build_pairs(world)
    call_command("tallies", "--rebuild", stdout=StringIO(), stderr=StringIO())
    call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())
    elsewhere = RegionFactory.create(name="Другая", code="other")
    pair = Pair.objects.filter(a=world.alice_p).get()
    Pair.objects.filter(pk=pair.pk).update(region=elsewhere)  # behind its back
    with pytest.raises(CommandError, match=r"регионы пар: 1 "):
        call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())
    call_command("tallies", stdout=StringIO(), stderr=StringIO())
    call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())
    assert Pair.objects.get(pk=pair.pk).region_id == world.region.pk
