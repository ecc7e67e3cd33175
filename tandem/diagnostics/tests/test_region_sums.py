"""The regions' sums of answers (:class:`RegionAnswerTally`): exactly the sums of their
municipalities' sums, whatever writes them, and what the country's dashboard reads
instead of every municipality's rows (issue #16)."""

import datetime as dt
import importlib
import types
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tandem.access import filters as access_filters
from tandem.access.filters import Filters
from tandem.access.scope import Scope
from tandem.diagnostics import tallies
from tandem.diagnostics.models import (
    AnswerTally,
    Campaign,
    MunicipalityAnswerTally,
    MunicipalityGainTally,
    RegionAnswerTally,
    RegionGainTally,
)
from tandem.monitoring import selectors
from tandem.people.models import Participant
from tandem.testing import (
    HeldRace,
    MunicipalityFactory,
    OrganizationFactory,
    ParticipantFactory,
    RegionFactory,
    World,
    build_diagnostics,
    build_world,
    bulk_participants,
    bulk_responses,
)

COUNTRY = Scope(user_id=None, everything=True)
LOCAL = f'"{MunicipalityAnswerTally._meta.db_table}"'


def _two_regions(world: World) -> Any:
    """Answers in both municipalities of the world's region (B's cells counted, Carol's
    alone in A not: the release rule) and in a second region of two municipalities."""
    dw = build_diagnostics(world)
    for i in range(2):
        ParticipantFactory.create(organization=world.org_b, surname=f"Люд{i}")
    bulk_responses(dw.campaign_b, Participant.objects.filter(organization=world.org_b))
    far = RegionFactory.create(name="Дальняя", code="far")
    for name in ("Дальний", "Ближний"):
        school = OrganizationFactory.create(
            municipality=MunicipalityFactory.create(region=far, name=name), code=f"o-{name}")
        bulk_participants(school, 4)
        campaign = Campaign.objects.create(
            title="Входная", region=far, framework=dw.campaign_b.framework,
            starts_on=dw.campaign_b.starts_on, ends_on=dw.campaign_b.ends_on)
        bulk_responses(campaign, Participant.objects.filter(organization=school))
    return far


def _figures(data: selectors.DashboardData) -> tuple[Any, ...]:
    return (data.units, data.deficit_share, data.strength_share, data.completion)


def test_the_countrys_view_reads_the_regions_answer_sums(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The federal view reads a row per region, sector, round and competency — no
    municipality's sums of answers — and shows what the municipalities' sums give."""
    far = _two_regions(world)
    assert tallies.stale() == []
    assert RegionAnswerTally.objects.filter(region=far).exists()
    with CaptureQueriesContext(connection) as queries:
        kept = selectors.compute_dashboard(scope=COUNTRY, filters=Filters())
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert f'"{RegionAnswerTally._meta.db_table}"' in read and LOCAL not in read
    # A sector chosen: the regions' sums too (a region chosen compares its
    # municipalities: theirs).
    with CaptureQueriesContext(connection) as queries:
        selectors.compute_dashboard(scope=COUNTRY, filters=Filters(sector="school"))
    assert LOCAL not in " ".join(q["sql"] for q in queries.captured_queries)
    # The municipalities' sums, as before: the same figures.
    monkeypatch.setattr(selectors, "region_sums", lambda *args: None)
    with CaptureQueriesContext(connection) as queries:
        summed = selectors.compute_dashboard(scope=COUNTRY, filters=Filters())
    assert LOCAL in " ".join(q["sql"] for q in queries.captured_queries)
    assert _figures(kept) == _figures(summed)
    assert any(not share.withheld for shares in kept.deficit_share.values()
               for share in shares)
    # A scope of whole municipalities names municipalities: their sums answer it.
    assert access_filters.region_sums(
        RegionAnswerTally, Scope(user_id=None, municipality_ids=frozenset({1})),
        Filters()) is None


def test_a_municipality_moved_to_another_region_takes_its_sums_along(world: World) -> None:
    far = _two_regions(world)
    before = RegionAnswerTally.objects.filter(region=world.region).count()
    world.municipality_b.region = far
    world.municipality_b.save()
    assert tallies.stale() == []
    assert RegionAnswerTally.objects.filter(region=world.region).count() < before
    world.municipality_b.region = world.region
    world.municipality_b.save(update_fields=["region"])
    assert tallies.stale() == []


def test_an_organization_deleted_leaves_its_regions_sums(world: World) -> None:
    far = _two_regions(world)
    campaign = Campaign.objects.filter(region=far).order_by("pk").first()
    assert campaign is not None
    school = OrganizationFactory.create(
        municipality=MunicipalityFactory.create(region=far, name="Третий"), code="gone")
    bulk_participants(school, 3)
    bulk_responses(campaign, Participant.objects.filter(organization=school))
    before = RegionAnswerTally.objects.filter(region=far).count()
    assert tallies.stale() == []
    Participant.objects.filter(organization=school).delete()
    school.delete()
    assert tallies.stale() == []
    assert 0 < RegionAnswerTally.objects.filter(region=far).count() <= before


def test_the_check_finds_a_regions_sum_nobody_touched(world: World) -> None:
    _two_regions(world)
    row = RegionAnswerTally.objects.filter(answered__gt=0).first()
    assert row is not None
    RegionAnswerTally.objects.filter(pk=row.pk).update(answered=row.answered + 1)
    assert {d[0] for d in tallies.stale()} == {"RegionAnswerTally"}


def test_the_migration_fills_them_from_the_municipalities_sums(world: World) -> None:
    from django.apps import apps

    _two_regions(world)
    from tandem.monitoring.tests.test_gains_release import _organizations, _rounds

    for organization in _organizations(world)[:2]:
        _rounds(organization, [(p, i % 3, 3) for i, p in enumerate(
            Participant.objects.filter(organization=organization))], starts=dt.date(2027, 4, 1))
    tallies.rebuild()
    stored = {model: set(model.objects.values_list(*tallies._FIELDS[model]))
              for model in (RegionAnswerTally, RegionGainTally)}
    assert all(stored.values())
    for model in stored:
        model.objects.all().delete()
    migration = importlib.import_module(
        "tandem.diagnostics.migrations.0021_region_answer_sums")
    migration.fill(apps, types.SimpleNamespace(connection=connection))
    assert {model: set(model.objects.values_list(*tallies._FIELDS[model]))
            for model in stored} == stored
    assert tallies.stale() == []


@pytest.mark.django_db(transaction=True)
def test_two_rebuilds_in_two_municipalities_of_one_region_take_turns(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Both write the region's rows: the second waits for the first to commit, then sums
    its municipality rows with its own — neither's answers lost from the region's sums,
    no deadlock (PostgreSQL; SQLite's writers take turns anyway)."""
    if connection.vendor != "postgresql":
        pytest.skip("гонка двух транзакций бывает только на PostgreSQL")
    world = build_world()
    dw = build_diagnostics(world)
    for org in (world.org_a, world.org_b):
        for i in range(3):
            ParticipantFactory.create(organization=org, surname=f"Люд{i}")
    bulk_responses(dw.campaign_a, Participant.objects.filter(organization=world.org_a))
    bulk_responses(dw.campaign_b, Participant.objects.filter(organization=world.org_b))
    # Every sum emptied behind the rebuilds' back: each rebuild puts its own
    # organization's and municipality's back, and the region's sums must hold both.
    for model in (AnswerTally, MunicipalityAnswerTally, RegionAnswerTally):
        model.objects.all().delete()
    resum = tallies._resum_regions
    holding = {"first": True}

    def first(hold: Any) -> None:
        def then_hold(regions: Any, *models: Any) -> None:
            resum(regions, *models)
            if RegionAnswerTally in (models[0] if models else ()) and holding.pop(
                    "first", False):
                hold()
        monkeypatch.setattr(tallies, "_resum_regions", then_hold)
        with transaction.atomic():
            tallies._rebuild_locked([world.org_a.pk])

    def second() -> None:
        with transaction.atomic():
            tallies._rebuild_locked([world.org_b.pk])

    race = HeldRace(first, second)
    race.start()
    try:
        assert race.second_waits()
    finally:
        race.finish()
    assert tallies.stale() == []


def test_the_countrys_and_a_regions_before_and_after_read_the_regions_sums(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """«До / после» of the country and of a whole region: from the regions' sums, no
    municipality's — the same figures as the municipalities' sums, people counted once
    per group in each municipality; an organization's still from its own cells."""
    from tandem.access.scope import scope_for
    from tandem.monitoring import effectiveness
    from tandem.monitoring.tests.test_gains_release import DAY, _organizations, _rounds

    for k, organization in enumerate(_organizations(world)):
        people = Participant.objects.filter(organization=organization).order_by("pk")
        _rounds(organization, [(p, i % 3, (i + k) % 4) for i, p in enumerate(people)],
                starts=dt.date(2027, 4, 1))
    tallies.rebuild()
    assert tallies.stale() == []
    assert RegionGainTally.objects.exists()
    local = f'"{MunicipalityGainTally._meta.db_table}"'
    shown = {}
    for name, scope in (("country", COUNTRY), ("region", scope_for(world.olga))):
        with CaptureQueriesContext(connection) as queries:
            shown[name] = effectiveness.gains_by_area(scope=scope, filters=Filters(), today=DAY)
        read = " ".join(q["sql"] for q in queries.captured_queries)
        assert f'"{RegionGainTally._meta.db_table}"' in read and local not in read, name
    assert shown["country"].areas and shown["country"] == shown["region"]
    monkeypatch.setattr(effectiveness, "region_sums", lambda *args: None)
    for name, scope in (("country", COUNTRY), ("region", scope_for(world.olga))):
        with CaptureQueriesContext(connection) as queries:
            summed = effectiveness.gains_by_area(scope=scope, filters=Filters(), today=DAY)
        assert local in " ".join(q["sql"] for q in queries.captured_queries)
        assert summed == shown[name], name


@pytest.mark.django_db(transaction=True)
def test_a_campaign_created_while_a_rebuild_holds_its_municipality_waits(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``campaign_create`` in a region with its own competencies holds the region's row
    (its competencies' version) and then rebuilds the organizations it adds; a rebuild
    holding one of their municipalities took the region's row last for the region's
    sums — «deadlock detected» (review of h/regionsums). The sums' lock is the region's
    advisory lock now: the creation waits for the rebuild, both commit."""
    if connection.vendor != "postgresql":
        pytest.skip("гонка двух транзакций бывает только на PostgreSQL")
    from tandem.diagnostics import services
    from tandem.diagnostics.defaults import ensure_default_framework
    from tandem.diagnostics.models import Competency, CompetencyArea

    world = build_world()
    build_diagnostics(world)
    framework = ensure_default_framework()
    area = CompetencyArea.objects.first()
    assert area is not None
    Competency.objects.create(area=area, code="own.x",
                              name="Своя", description="d", descriptor_0="0",
                              descriptor_1="1", descriptor_2="2", descriptor_3="3",
                              region=world.region)
    resum = tallies._resum_regions
    holding = {"first": True}

    def first(hold: Any) -> None:
        def then(regions: Any, *models: Any) -> None:
            if holding.pop("first", False):
                hold()  # holds municipality A and A's state; the region's sums not yet
            resum(regions, *models)
        monkeypatch.setattr(tallies, "_resum_regions", then)
        with transaction.atomic():
            tallies._rebuild_locked([world.org_a.pk])

    def second() -> None:
        services.campaign_create(
            title="Новая", kind="initial", unit=world.region, starts_on=dt.date(2027, 1, 1),
            ends_on=dt.date(2027, 1, 31), with_expert=False, baseline=None,
            participants=Participant.objects.filter(organization=world.org_a),
            framework=framework, user=None)

    race = HeldRace(first, second)
    race.start()
    try:
        assert race.second_waits()
    finally:
        race.finish()
    assert tallies.stale() == []


def test_a_municipality_deleted_before_the_job_leaves_its_regions_sums(world: World) -> None:
    """An organization moves from a municipality of another region (the job not run yet);
    the municipality, empty now, is deleted: its sums cascade and its region's sums are
    redone without them — the country no longer counts the organization in both regions
    (review of h/regionsums: 78 stale region rows)."""
    from tandem.territory.models import Municipality, Organization

    far = _two_regions(world)
    gone = Municipality.objects.get(region=far, name="Дальний")
    school = Organization.objects.get(municipality=gone)
    school.municipality = world.municipality_b
    school.save()
    gone.delete()
    tallies.refresh()
    assert tallies.stale() == []
