"""The technologies table (tandem/maps/selectors.py ``technologies_used``) sums the tallies
kept per pair's organization (tandem/maps/tallies.py): whatever writes rows, pairs and
people, the kept sum equals the count over the rows, and the dashboard reads no row."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.maps import services, tallies
from tandem.maps.models import (
    Map,
    Row,
    TechnologyMunicipalityTally,
    TechnologyTally,
    TechnologyTallyMark,
)
from tandem.maps.selectors import (
    _technology_table,
    technologies_counts_live,
    technologies_used,
)
from tandem.pairs.models import Pair
from tandem.territory.models import Municipality, Organization
from tandem.testing import (
    MunicipalityFactory,
    OrganizationFactory,
    ParticipantFactory,
    RegionFactory,
    World,
    bulk_participants,
)
from tandem.web.signals import figures_changed

pytestmark = pytest.mark.django_db

TECHNOLOGIES = ["", "case", "project", "ai_tools"]
COMPETENCIES = ["ict.ai_lessons", "ict.online_tests", "method.lesson_design"]
PERSONAS = ("olga", "erin", "dave", "alice", "charlie")


def _row(the_map: Map, technology: str, competency: str = COMPETENCIES[0]) -> Row:
    return Row.objects.create(
        map=the_map, direction="ab", competency=competency, title="Задача", current_level=0,
        target_level=2, partner_level=3, task="Задача", deadline=dt.date(2026, 12, 1),
        product="Продукт", evidence="Показ", technology=technology)


def _filters(world: World) -> list[Filters]:
    return [Filters(), Filters(organization_id=world.org_a.pk),
            Filters(municipality_id=world.municipality_b.pk),
            Filters(sector=Organization.Sector.SUPPLEMENTARY),
            Filters(region_id=world.region.pk),
            Filters(date_from=dt.date(2027, 3, 1), date_to=dt.date(2027, 12, 31)),
            Filters(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 10, 1))]


def _scopes(world: World) -> list[tuple[str, Scope]]:
    """The personas' scopes and the federal operator's view of every region (the
    monitoring's ``Scope(everything=True)``)."""
    return [*((name, scope_for(getattr(world, name))) for name in PERSONAS),
            ("federal", Scope(user_id=None, everything=True))]


def _kept_equals_live(world: World) -> None:
    assert not TechnologyTallyMark.objects.exists()  # the kept path is the one read
    for name, scope in _scopes(world):
        for filters in _filters(world):
            assert technologies_used(scope, filters) == _technology_table(
                technologies_counts_live(scope, filters)), (name, filters)


# «away»: a member moves to another region's organization; «orgmove»: an organization
# moves to the other municipality (or, by value, changes its sector, or goes to the
# other region) — the municipalities' sums follow; «rezone»: municipality B moves to the
# other region and back — the regions' sums (TechnologyRegionTally) follow.
STEPS = ["add", "retech", "update", "term", "reorg", "move", "delrow", "delpair", "away",
         "orgmove", "rezone"]


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 20),
                                st.integers(0, 11)), min_size=1, max_size=10))
def test_kept_technologies_equal_the_rows_after_any_writes(
        world: World, django_capture_on_commit_callbacks,
        steps: list[tuple[str, int, int]]) -> None:
    # Each example in a savepoint rolled back at its end: the world's people are shared.
    with transaction.atomic():
        _run_steps(world, django_capture_on_commit_callbacks, steps)
        transaction.set_rollback(True)


def _run_steps(world: World, capture: Any, steps: list[tuple[str, int, int]]) -> None:
    with capture(execute=True):
        a = [ParticipantFactory.create(organization=world.org_a) for _ in range(3)]
        b = [ParticipantFactory.create(organization=world.org_b) for _ in range(3)]
        term = {"starts_on": dt.date(2026, 10, 1), "ends_on": dt.date(2027, 5, 31)}
        pairs = [Pair.objects.create(a=a[0], b=a[1], organization=world.org_a, **term),
                 Pair.objects.create(a=b[0], b=b[1], organization=world.org_b, **term),
                 # a municipal-pool pair: A's organization owns it, both see it
                 Pair.objects.create(a=a[2], b=b[2], organization=world.org_a, **term)]
        for pair in pairs:
            _row(Map.objects.create(pair=pair), "case")
        far = OrganizationFactory.create(municipality=MunicipalityFactory.create(
            region=RegionFactory.create(name="Другая область", code="far"),
            name="Дальний город", code="far-city"), name="Дальняя школа", code="far-school")
        for step, who, value in steps:
            rows = list(Row.objects.filter(map__pair__in=pairs).order_by("pk"))
            alive = list(Pair.objects.filter(pk__in=[p.pk for p in pairs]).order_by("pk"))
            if not alive:
                break
            pair = alive[who % len(alive)]
            row = rows[who % len(rows)] if rows else None
            technology = TECHNOLOGIES[value % len(TECHNOLOGIES)]
            if step == "add":
                _row(pair.map, technology, COMPETENCIES[value % len(COMPETENCIES)])
            elif step == "retech" and row is not None:
                row.technology, row.competency = technology, COMPETENCIES[value % 3]
                row.save()
            elif step == "update" and row is not None:  # the editor's update() path
                Row.objects.filter(pk=row.pk).update(technology=technology)
                services._rows_written(row.map)
            elif step == "term":
                pair.starts_on = dt.date(2026, 1 + value, 1)
                pair.ends_on = dt.date(2027, 1 + value, 28)
                pair.save()
            elif step == "reorg":
                pair.organization = world.org_b if value % 2 else world.org_a
                pair.save()
            elif step == "move":
                person = (a + b)[value % 6]
                person.organization = (world.org_b if person.organization_id == world.org_a.pk
                                       else world.org_a)
                person.save()
            elif step == "away":
                person = (a + b)[value % 6]
                person.organization = far
                person.save()
            elif step == "orgmove":
                org = Organization.objects.get(pk=(world.org_a, world.org_b)[who % 2].pk)
                if value % 3 == 0:
                    org.sector = (Organization.Sector.SCHOOL
                                  if org.sector == Organization.Sector.SUPPLEMENTARY
                                  else Organization.Sector.SUPPLEMENTARY)
                elif value % 3 == 1:
                    org.municipality_id = (world.municipality_b.pk
                                           if org.municipality_id == world.municipality_a.pk
                                           else world.municipality_a.pk)
                else:
                    org.municipality_id = far.municipality_id
                org.save()
            elif step == "rezone":  # after the job summed what waits (else it sums anew)
                tallies.refresh()
                municipality = Municipality.objects.get(pk=world.municipality_b.pk)
                municipality.region_id = (far.municipality.region_id
                                          if municipality.region_id == world.region.pk
                                          else world.region.pk)
                municipality.save()
            elif step == "delrow" and row is not None:
                row.delete()
            elif step == "delpair":  # its map first: the audit trail of a row names its pair
                Map.objects.filter(pair=pair).delete()
                pair.delete()
    assert tallies.stale() == []
    _kept_equals_live(world)


def test_a_worked_example_by_area_and_period(world: World) -> None:
    a = [ParticipantFactory.create(organization=world.org_a) for _ in range(2)]
    pair = Pair.objects.create(a=a[0], b=a[1], organization=world.org_a,
                               starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2027, 5, 31))
    the_map = Map.objects.create(pair=pair)
    for technology in ("case", "case", "project", ""):
        _row(the_map, technology)
    tallies.refresh()  # the job (the test's transaction never commits to run it)
    assert dict(TechnologyTally.objects.values_list("technology", "rows")) == {
        "case": 2, "project": 1}
    olga = scope_for(world.olga)
    used = technologies_used(olga, Filters())
    # One area (the competency's), most used first; the row without a technology counts
    # nowhere.
    assert [u.rows for u in used] == [2, 1]
    assert len({u.area for u in used}) == 1
    assert used == _technology_table({(COMPETENCIES[0], "case"): 2,
                                      (COMPETENCIES[0], "project"): 1})
    # A period after the pair's term: nothing; B's curator sees none of A's pairs.
    assert technologies_used(olga, Filters(date_from=dt.date(2027, 6, 1))) == []
    assert technologies_used(scope_for(world.charlie), Filters()) == []


def test_a_change_not_yet_rebuilt_is_counted_live(
        world: World, django_capture_on_commit_callbacks) -> None:
    a = [ParticipantFactory.create(organization=world.org_a) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pair = Pair.objects.create(a=a[0], b=a[1], organization=world.org_a,
                                   starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2027, 5, 31))
        _row(Map.objects.create(pair=pair), "case")
        _row(pair.map, "case")
    assert callbacks.count(tallies.enqueue_refresh) == 1  # one job for the transaction
    assert TechnologyTallyMark.objects.filter(organization_id=world.org_a.pk).exists()
    assert sum(u.rows for u in technologies_used(scope_for(world.olga), Filters())) == 2
    tallies.enqueue_refresh()  # the job, as the worker runs it
    assert not TechnologyTallyMark.objects.exists()
    assert sum(u.rows for u in technologies_used(scope_for(world.olga), Filters())) == 2
    assert tallies.stale() == []


def _grow(world: World, n: int) -> None:
    for org in (world.org_a, world.org_b):
        people = list(bulk_participants(org, 2 * n).order_by("-pk")[:2 * n])
        pairs = Pair.objects.bulk_create([
            Pair(a=people[2 * i], b=people[2 * i + 1], organization=org,
                 starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2027, 5, 31))
            for i in range(n)])
        maps = Map.objects.bulk_create([Map(pair=p) for p in pairs])
        Row.objects.bulk_create([Row(
            map=m, direction="ab", competency=COMPETENCIES[i % 3], title="Задача",
            current_level=0, target_level=2, partner_level=3, task="Задача",
            deadline=dt.date(2026, 12, 1), product="Продукт", evidence="Показ",
            technology=TECHNOLOGIES[1 + i % 3]) for i, m in enumerate(maps)])
    tallies.rebuild()  # written in bulk: the figures once


@pytest.mark.parametrize("persona", ["olga", "erin", "alice"])
def test_the_dashboard_reads_no_map_row_and_its_count_of_queries_stays(
        client: Client, world: World, persona: str) -> None:
    from django.core.cache import cache

    client.force_login(getattr(world, persona))
    rows = connection.ops.quote_name(Row._meta.db_table)
    url = reverse("monitoring:index")

    def queries() -> list[str]:
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    _grow(world, 5)
    small = queries()
    _grow(world, 300)
    large = queries()
    assert len(small) == len(large)
    scope = scope_for(getattr(world, persona))
    with CaptureQueriesContext(connection) as ctx:
        used = technologies_used(scope, Filters())
    assert used and sum(u.rows for u in used) > 0
    assert [q["sql"] for q in ctx.captured_queries if rows in q["sql"]] == []
    # The page's table is the kept one.
    assert sum(u.rows for u in used) == sum(technologies_counts_live(scope, Filters()).values())
    assert len(large) > 0


def test_one_sequence_of_writes(world: World, django_capture_on_commit_callbacks) -> None:
    _run_steps(world, django_capture_on_commit_callbacks,
               [(step, i, 3 * i + 1) for i, step in enumerate(STEPS)])
    assert tallies.stale() == []
    _kept_equals_live(world)


def test_the_command_checks_rebuilds_and_refreshes_the_technologies(world: World) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    a = [ParticipantFactory.create(organization=world.org_a) for _ in range(2)]
    pair = Pair.objects.create(a=a[0], b=a[1], organization=world.org_a,
                               starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2027, 5, 31))
    row = _row(Map.objects.create(pair=pair), "case")
    # The test's transaction never commits: the marks wait for a run of the command.
    with pytest.raises(CommandError, match=r"технологии: [1-9]"):
        call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())
    call_command("tallies", "--rebuild", stdout=StringIO(), stderr=StringIO())
    call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())
    Row.objects.filter(pk=row.pk).update(technology="project")  # nobody told the tallies
    # Two rows of the organization's tallies, two of its municipality's sums and two of
    # its region's.
    with pytest.raises(CommandError, match="технологии: 6"):
        call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("tallies", "--rebuild", stdout=out, stderr=StringIO())
    assert "Технологии: пересчитано организаций" in out.getvalue()
    call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())
    tallies.touch([world.org_b.pk])  # marked: the check names it, --refresh answers it
    with pytest.raises(CommandError, match="технологии: 1"):
        call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())
    call_command("tallies", stdout=StringIO(), stderr=StringIO())
    call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())


def test_tally_and_live_table_agree_after_an_out_of_date_save(world: World) -> None:
    """A save from an out-of-date copy of a member (a move on the web, then a roster
    import's older copy saved back): the kept tallies and the live table read the same
    member organizations (the pair's own columns), so they still agree."""
    from tandem.maps import tallies as technology_tallies
    from tandem.maps.selectors import technologies_counts_live, technologies_used
    from tandem.people.models import Participant

    pair = Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a,
                               starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31))
    the_map = Map.objects.create(pair=pair)
    Row.objects.create(map=the_map, direction=Row.Direction.A_TO_B, competency="ict.ai_lessons",
                       title="Строка", current_level=0, target_level=2, partner_level=3,
                       task="Задача", deadline=dt.date(2027, 1, 15), product="П",
                       evidence="Показ", technology="case")
    stale = Participant.objects.get(pk=world.carol_p.pk)
    mover = Participant.objects.get(pk=world.carol_p.pk)
    mover.organization = world.org_b
    mover.save()
    stale.position = "учитель"
    stale.save()
    technology_tallies.refresh()
    assert technology_tallies.stale() == []
    scope_b = scope_for(world.dave)  # coordinator of B's municipality
    live = technologies_counts_live(scope_b, None)
    kept = sum(u.rows for u in technologies_used(scope_b, None))
    assert sum(live.values()) == kept, (live, kept)


def _more_organizations(world: World, n: int) -> list[int]:
    """``n`` more organizations of A's municipality, two people each: a pair of its own
    and a pair with someone of the previous organization (of two organizations, as a
    municipal pool makes), each with rows of one or two technologies (and one without);
    returns their ids."""
    from tandem.testing import OrganizationFactory

    previous = world.org_a
    ids = []
    for i in range(n):
        org = OrganizationFactory.create(municipality=world.municipality_a,
                                         code=f"tech-{i}", name=f"Школа {i}")
        people = [ParticipantFactory.create(organization=org, surname=f"Технов{i}-{k}",
                                            email=f"tech{i}-{k}@example.org")
                  for k in range(3)]
        partner = ParticipantFactory.create(organization=previous, surname=f"Партнёр{i}",
                                            email=f"partner{i}@example.org")
        term = {"starts_on": dt.date(2026, 10 - i % 3, 1), "ends_on": dt.date(2027, 5, 31)}
        own = Pair.objects.create(a=people[0], b=people[1], organization=org, **term)
        shared = Pair.objects.create(a=people[2], b=partner, organization=org, **term)
        for k, technology in enumerate(TECHNOLOGIES[: 2 + i % 3]):
            _row(Map.objects.get_or_create(pair=own)[0], technology, COMPETENCIES[k % 3])
        _row(Map.objects.create(pair=shared), TECHNOLOGIES[1 + i % 3], COMPETENCIES[i % 3])
        previous = org
        ids.append(org.pk)
    return ids


def _kept() -> set[tuple[object, ...]]:
    return set(TechnologyTally.objects.values_list(*tallies.KEY, "rows"))


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.integers(1, 7), chosen=st.sets(st.integers(0, 7)))
def test_any_batching_of_the_organizations_keeps_the_same_tallies(
        world: World, monkeypatch: pytest.MonkeyPatch, batch: int, chosen: set[int]) -> None:
    """The rebuild is set-based over its batch (one grouped read of the rows, one insert):
    cut into batches of any size — a shared pair's two organizations in one batch or in
    two — any subset of them marked, the tallies are those of one batch, and equal the
    live table."""
    from tandem.territory.models import Organization

    if not Organization.objects.filter(code="tech-0").exists():  # shared by the examples
        _more_organizations(world, 6)
        tallies.rebuild()
    whole = _kept()
    assert whole
    ids = sorted(Organization.objects.values_list("pk", flat=True))
    monkeypatch.setattr(tallies, "organizations_per_batch", lambda: batch)
    TechnologyTally.objects.filter(organization_id__in=ids[::2]).delete()  # lost
    marked = [ids[i % len(ids)] for i in chosen]
    figures_changed.send(sender=None, organization_ids=marked)
    assert tallies.refresh() == len(set(marked))
    assert not TechnologyTallyMark.objects.exists()
    assert tallies.rebuild() == len(ids)
    assert _kept() == whole
    assert tallies.stale() == []
    _kept_equals_live(world)


def test_a_rebuild_costs_the_same_statements_for_any_number_of_organizations(
        world: World) -> None:
    """No statement per organization: a batch's tallies are one grouped read and one
    insert, whether it holds 2 organizations or 12."""
    from tandem.territory.models import Organization

    a = [ParticipantFactory.create(organization=world.org_a) for _ in range(2)]
    pair = Pair.objects.create(a=a[0], b=a[1], organization=world.org_a,
                               starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2027, 5, 31))
    _row(Map.objects.create(pair=pair), "case")  # something to write at 2 organizations
    statements = []
    for more in (0, 10):
        _more_organizations(world, more)
        ids = list(Organization.objects.values_list("pk", flat=True))
        figures_changed.send(sender=None, organization_ids=ids)
        with CaptureQueriesContext(connection) as queries:
            assert tallies.refresh() == len(ids)
        statements.append(len(queries.captured_queries))
        assert tallies.stale() == []
    assert Organization.objects.count() == 12
    assert TechnologyTally.objects.exists()
    assert statements[0] == statements[1]


@pytest.mark.parametrize("who", ["olga", "federal"])
def test_a_region_and_the_country_read_the_municipalities_sums(world: World, who: str) -> None:
    """The standard view of whole regions (the region operator, the federal operator)
    sums ``TechnologyMunicipalityTally`` — not the organizations' tallies, not the rows —
    and an organization that moves to another municipality or sector takes its rows
    along (counted live until the rebuild answers its mark)."""
    from tandem.maps.models import TechnologyMunicipalityTally

    _grow(world, 4)
    scope = (Scope(user_id=None, everything=True) if who == "federal"
             else scope_for(world.olga))
    detail = connection.ops.quote_name(TechnologyTally._meta.db_table)
    rows = connection.ops.quote_name(Row._meta.db_table)
    with CaptureQueriesContext(connection) as ctx:
        used = technologies_used(scope, Filters())
    assert used and sum(u.rows for u in used) == 8
    assert [q["sql"] for q in ctx.captured_queries
            if detail in q["sql"] or rows in q["sql"]] == []
    assert TechnologyMunicipalityTally.objects.filter(
        municipality=world.municipality_a).aggregate(n=Sum("rows"))["n"] == 4

    org = Organization.objects.get(pk=world.org_a.pk)
    org.municipality = world.municipality_b
    org.save()
    assert TechnologyTallyMark.objects.filter(
        organization_id=org.pk, municipality_id=world.municipality_a.pk).exists()
    by_municipality = Filters(municipality_id=world.municipality_b.pk)
    # Waiting: counted live, already in the new municipality.
    assert sum(u.rows for u in technologies_used(scope, by_municipality)) == 8
    tallies.refresh()
    assert not TechnologyTallyMark.objects.exists()
    assert not TechnologyMunicipalityTally.objects.filter(
        municipality=world.municipality_a).exists()
    assert sum(u.rows for u in technologies_used(scope, by_municipality)) == 8
    assert technologies_used(scope, Filters(municipality_id=world.municipality_a.pk)) == []
    assert tallies.stale() == []
    _kept_equals_live(world)


# -- review findings (h/fedmon2) -----------------------------------------------------------
TERM = {"starts_on": dt.date(2026, 10, 1), "ends_on": dt.date(2027, 5, 31)}


def _pair_of(organization: Organization, a_org: Organization, b_org: Organization,
             technologies: tuple[str, ...] = ("case",)) -> Pair:
    a = ParticipantFactory.create(organization=a_org)
    b = ParticipantFactory.create(organization=b_org)
    if a.pk > b.pk:
        a, b = b, a
    pair = Pair.objects.create(a=a, b=b, organization=organization, **TERM)
    the_map = Map.objects.create(pair=pair)
    for technology in technologies:
        _row(the_map, technology)
    return pair


def test_the_hourly_run_rebuilds_a_mark_whose_job_was_lost(world: World) -> None:
    """The job enqueued at commit is the only other path that clears a mark: a worker
    down or a failed rebuild left it for good, and its organizations counted live."""
    from tandem.web.signals import hourly

    _pair_of(world.org_a, world.org_a, world.org_a, ("case", "project"))
    assert TechnologyTallyMark.objects.exists()  # the test's transaction never commits
    hourly.send(sender=None)
    assert not TechnologyTallyMark.objects.exists()
    assert tallies.stale() == []
    _kept_equals_live(world)


def test_a_move_back_and_forth_in_one_transaction_keeps_its_marks(world: World) -> None:
    """A → B, rebuild, back to A, rebuild, to B again — all in one transaction: the third
    move marks again (the memory of moves was one per municipality and a rebuild forgot
    only the organizations' one, so the last move's mark was lost and B missed it)."""
    _pair_of(world.org_a, world.org_a, world.org_a, ("case",) * 3)
    tallies.refresh()
    for target in (world.municipality_b, world.municipality_a, world.municipality_b):
        organization = Organization.objects.get(pk=world.org_a.pk)
        organization.municipality = target
        organization.save()
        assert TechnologyTallyMark.objects.filter(organization_id=organization.pk,
                                                  municipality_id__isnull=False).exists()
        tallies.refresh()
        assert tallies.stale() == []
    assert set(TechnologyMunicipalityTally.objects.values_list(
        "municipality_id", "rows")) >= {(world.municipality_b.pk, 3)}
    _kept_equals_live(world)


def _far_region(world: World) -> Organization:
    region = RegionFactory.create(name="Дальняя область", code="far")
    municipality = MunicipalityFactory.create(region=region, name="Дальний город",
                                              code="far-city")
    return OrganizationFactory.create(municipality=municipality, name="Дальняя школа",
                                      code="far-school")


@pytest.mark.parametrize("period", [False, True])
def test_an_operator_who_teaches_in_another_region_sees_their_own_pair(
        world: World, period: bool) -> None:
    """``pairs_visible`` shows a staff member their own pairs too: Olga (operator of the
    region) teaches in another region's school, in a pair of one of her region's
    organizations — the kept sums asked only whether a member works in her region (both
    paths: the municipalities' sums without a period, the organizations' with one)."""
    far = _far_region(world)
    olga = ParticipantFactory.create(organization=far, user=world.olga)
    other = ParticipantFactory.create(organization=far)
    a, b = sorted([olga, other], key=lambda p: p.pk)
    pair = Pair.objects.create(a=a, b=b, organization=world.org_a, **TERM)
    _row(Map.objects.create(pair=pair), "case")
    _pair_of(world.org_a, world.org_a, world.org_b, ("project",))  # counted either way
    tallies.refresh()
    scope = scope_for(world.olga)
    assert scope.own_participant_id == olga.pk and scope.region_ids
    filters = (Filters(date_from=dt.date(2026, 1, 1), date_to=dt.date(2027, 12, 31))
               if period else Filters())
    live = _technology_table(technologies_counts_live(scope, filters))
    assert sum(use.rows for use in live) == 2
    assert technologies_used(scope, filters) == live
    for other_filters in (Filters(region_id=world.region.pk),
                          Filters(municipality_id=world.municipality_a.pk),
                          Filters(municipality_id=world.municipality_b.pk)):
        assert technologies_used(scope, other_filters) == _technology_table(
            technologies_counts_live(scope, other_filters)), other_filters


def test_a_rebuild_changes_the_municipalitys_sums_by_difference(world: World) -> None:
    """A refresh of one organization reads its own tallies and its municipality's sums,
    never the tallies of the municipality's other organizations (the whole table was
    read under the municipality's lock: 120–150 ms at 300,000 teachers); a move still
    sums the municipalities it concerns again whole."""
    neighbour = OrganizationFactory.create(municipality=world.municipality_a,
                                           name="Соседняя школа", code="neighbour")
    _pair_of(neighbour, neighbour, world.org_b, ("case",) * 2)
    _pair_of(world.org_a, world.org_a, world.org_a, ("case", "project"))
    tallies.refresh()
    _pair_of(world.org_a, world.org_a, neighbour, ("case",))
    with CaptureQueriesContext(connection) as queries:
        assert tallies.refresh() == 1
    read = [q["sql"] for q in queries.captured_queries
            if q["sql"].startswith("SELECT") and '"maps_technologytally"' in q["sql"]]
    assert read and all('"territory_organization"' not in sql for sql in read), read
    assert tallies.stale() == []
    _kept_equals_live(world)
    organization = Organization.objects.get(pk=neighbour.pk)
    organization.sector = Organization.Sector.SUPPLEMENTARY
    organization.save()
    tallies.refresh()
    assert tallies.stale() == []
    _kept_equals_live(world)
    # An organization that goes takes its tallies along (cascade): its municipality is
    # summed again whole, not by a difference it no longer has.
    gone = OrganizationFactory.create(municipality=world.municipality_a, name="Закрытая",
                                      code="gone")
    _pair_of(gone, world.org_a, world.org_b, ("project",) * 2)
    tallies.refresh()
    Map.objects.filter(pair__organization=gone).delete()  # first: rows' audit names pairs
    Pair.objects.filter(organization=gone).delete()
    Organization.objects.get(pk=gone.pk).delete()
    tallies.refresh()
    assert tallies.stale() == []
    _kept_equals_live(world)


@pytest.mark.django_db(transaction=True)
def test_the_tallies_are_built_again_after_the_migrations_back_and_forth() -> None:
    """``tandem migrate maps 0003`` drops the tallies (0008) and their sums (0011); forward
    again 0008 marks every organization with pairs and left them empty till the job built
    them — ``tandem tallies --check`` failed right after ``migrate`` (1,728 rows on a
    seeded database). 0011 now builds the marked organizations before it sums them."""
    from django.db.migrations.executor import MigrationExecutor

    from tandem.testing import build_world

    world = build_world()
    _pair_of(world.org_a, world.org_a, world.org_b, ("case", "project", ""))
    _pair_of(world.org_b, world.org_b, world.org_b, ("case",))
    _pair_of(world.org_a, world.org_b, world.org_b, ("ai_tools", "case"))
    tallies.rebuild()
    kept = _kept()
    assert kept and tallies.stale() == []
    for back in (True, False):
        executor = MigrationExecutor(connection)
        executor.migrate([("maps", "0003_task_library_and_row_technology")] if back
                         else executor.loader.graph.leaf_nodes())
    assert not TechnologyTallyMark.objects.exists()
    assert _kept() == kept
    assert tallies.stale() == []


def test_a_regions_sums_are_read_apart_from_its_peoples_member_rows(world: World) -> None:
    """The region's view reads the municipalities' own sums (``a_organization`` empty) in
    a part of their own — by the municipality's index — and the rows naming the members'
    organizations apart: one filter ``a is null OR a in … OR b in …`` read the whole
    country's table (89,302 rows, issue #16). The figures stay the live ones, with a
    pair of another region's organization whose members are the region's people (its
    sums name their organizations) in the table."""
    from tandem.testing import MunicipalityFactory, OrganizationFactory, RegionFactory

    a = [ParticipantFactory.create(organization=world.org_a) for _ in range(2)]
    own = Map.objects.create(pair=Pair.objects.create(
        a=a[0], b=a[1], organization=world.org_a, starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2027, 5, 31)))
    elsewhere = OrganizationFactory.create(code="far-1", municipality=MunicipalityFactory.create(
        region=RegionFactory.create(name="Дальняя", code="far"), name="Дальний"))
    _pair_of(elsewhere, world.org_a, world.org_b, ("case", "project"))
    _row(own, "case")
    tallies.refresh()
    assert TechnologyMunicipalityTally.objects.filter(a_organization_id__isnull=False).exists()
    olga = scope_for(world.olga)
    with CaptureQueriesContext(connection) as ctx:
        used = technologies_used(olga, Filters())
    (statement,) = [q["sql"] for q in ctx.captured_queries
                    if "maps_technologymunicipalitytally" in q["sql"]]
    assert '"a_organization_id" IS NULL OR' not in statement
    assert used == _technology_table(technologies_counts_live(olga, Filters()))
    assert sum(u.rows for u in used) == 1
