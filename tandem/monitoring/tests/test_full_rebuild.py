"""A full rebuild of the pair figures (``tandem tallies --rebuild``) sums the municipalities
whole, in the database, without the difference an organization's rebuild computes — and
leaves exactly the rows the incremental path leaves (tandem/monitoring/tallies.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.monitoring import tallies
from tandem.monitoring.models import PairMunicipalityState, PairMunicipalityTally, PairTallyMark
from tandem.monitoring.tests.test_tallies import _more_organizations
from tandem.people.models import Participant
from tandem.territory.models import Municipality, Organization
from tandem.testing import World, build_pairs
from tandem.web.signals import figures_changed

pytestmark = pytest.mark.django_db


def _rows() -> dict[str, list[tuple[object, ...]]]:
    """Every kept table and every municipalities' sum, as values (ids left out)."""
    tables: dict[str, list[tuple[object, ...]]] = {}
    for sums in tallies.SUMS:
        for model, fields in ((sums.kept, (*sums.members, *sums.key)),
                              (sums.model, (*sums.places, *sums.key, *sums.values))):
            values = [v for v in sums.values if v != "organizations" or model is sums.model]
            tables[model.__name__] = sorted(
                model.objects.values_list(*dict.fromkeys((*fields, *values))),  # type: ignore[attr-defined]
                key=str)
    return tables


def _world(world: World) -> list[int]:
    build_pairs(world)
    world.alice_p.organization = world.org_b  # a pair of A's and B's organizations
    world.alice_p.save()
    _more_organizations(world, 4)
    Municipality.objects.create(region=world.region, name="Третий")
    tallies.rebuild()
    return sorted(Organization.objects.values_list("pk", flat=True))


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 2), st.booleans()),
                      max_size=4),
       leave=st.sets(st.integers(0, 30), max_size=4),
       batch=st.integers(1, 7), full_batch=st.integers(1, 7))
def test_a_full_rebuild_leaves_the_rows_of_the_incremental_path(
        world: World, monkeypatch: pytest.MonkeyPatch, moves: list[tuple[int, int, bool]],
        leave: set[int], batch: int, full_batch: int) -> None:
    """Organizations moved between three municipalities or to another sector, people who
    leave or come back, rebuilt as the writers' marks ask (in batches of any size); then
    everything rebuilt at once (in batches of any size): the same kept rows, the same
    sums, and the check finds nothing."""
    if not tallies.PairTally.objects.exists():  # the world is shared by the examples: once
        _world(world)
    ids = sorted(Organization.objects.values_list("pk", flat=True))
    municipalities = sorted(Municipality.objects.values_list("pk", flat=True))
    for which, where, resector in moves:
        org = Organization.objects.get(pk=ids[which % len(ids)])
        org.municipality_id = municipalities[where % len(municipalities)]
        if resector:
            org.sector = (Organization.Sector.SPORT if org.sector != "sport"
                          else Organization.Sector.SCHOOL)
        org.save()
    people = list(Participant.objects.order_by("pk"))
    for i in leave:
        person = people[i % len(people)]
        person.is_active = not person.is_active
        person.save()
    monkeypatch.setattr(tallies, "organizations_per_batch", lambda: batch)
    tallies.refresh(new_day=False)
    assert not PairTallyMark.objects.exists()
    incremental = _rows()
    monkeypatch.setattr(tallies, "organizations_per_batch", lambda: full_batch)
    assert tallies.rebuild() == len(ids)
    assert _rows() == incremental
    assert tallies.stale() == []


def test_a_full_rebuild_repairs_every_municipalitys_sums(world: World) -> None:
    """A worked example: a sum changed behind the rebuild's back, and one left in a
    municipality that holds no organization, are what the check reports; a full rebuild
    puts both right (as the incremental path would have left them)."""
    _world(world)
    kept = _rows()
    empty = Municipality.objects.get(name="Третий")
    row = PairMunicipalityState.objects.get(municipality=world.municipality_b)
    row.participants_active += 5
    row.save()
    PairMunicipalityTally.objects.create(municipality_a=empty, sector_a="school",
                                         municipality_b=empty, sector_b="school",
                                         as_of=row.as_of, pairs_total=1)
    found = {what[0] for what in tallies.stale()}
    assert found == {"PairMunicipalityState", "PairMunicipalityTally"}
    tallies.rebuild()
    assert _rows() == kept
    assert tallies.stale() == []


def _reads_of_pair_tallies(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries
            if q["sql"].startswith("SELECT") and 'FROM "monitoring_pairtally"' in q["sql"]]


def test_an_organizations_rebuild_does_not_read_back_the_rows_it_wrote(world: World) -> None:
    """The difference takes the rows just computed, not a second read of the table: an
    organization's rebuild reads its pair tallies once (before it replaces them)."""
    _world(world)
    figures_changed.send(sender=None, organization_ids=[world.org_a.pk])
    with CaptureQueriesContext(connection) as queries:
        tallies.refresh(new_day=False)
    assert len(_reads_of_pair_tallies(queries)) == 1
    assert tallies.stale() == []


def test_a_full_rebuild_sums_in_one_grouped_statement_and_reads_no_difference(
        world: World) -> None:
    """A full rebuild reads no organization's rows for a difference: the pair tallies
    are read once, grouped by the database into the municipalities' sums."""
    _world(world)
    with CaptureQueriesContext(connection) as queries:
        tallies.rebuild()
    reads = _reads_of_pair_tallies(queries)
    assert len(reads) == 1 and "GROUP BY" in reads[0]
    assert tallies.stale() == []


def test_a_moved_organizations_rows_are_not_read_for_a_difference(world: World) -> None:
    """An organization that moved has both its municipalities summed again whole: its
    rows are read once, by the grouped sum, not also for the difference."""
    _world(world)
    org = Organization.objects.get(pk=world.org_a.pk)
    org.municipality = Municipality.objects.get(name="Третий")
    org.save()
    with CaptureQueriesContext(connection) as queries:
        tallies.refresh(new_day=False)
    reads = _reads_of_pair_tallies(queries)
    assert len(reads) == 1 and "GROUP BY" in reads[0]
    assert tallies.stale() == []


def test_a_full_rebuild_sums_each_municipality_in_the_batches_of_its_organizations_only(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Organizations of two municipalities alternating by id: a full rebuild takes them
    municipality by municipality, so a municipality no bigger than a batch is summed in at
    most two batches (once, unless it straddles a batch's edge) — not in every batch that
    holds one of its organizations (the review of h/montally: k batches, k sums)."""
    _world(world)
    ids = sorted(Organization.objects.values_list("pk", flat=True))
    homes = [world.municipality_a.pk, world.municipality_b.pk]
    for i, pk in enumerate(ids):
        org = Organization.objects.get(pk=pk)
        org.municipality_id = homes[i % 2]
        org.save()
    tallies.refresh(new_day=False)
    kept = _rows()
    per_municipality = -(-len(ids) // 2)  # the bigger municipality fills a batch
    monkeypatch.setattr(tallies, "organizations_per_batch", lambda: per_municipality)
    summed: list[set[int]] = []
    real = tallies._resum

    def recording(municipality_ids: set[int], *, empty: bool = False) -> None:
        summed.append(set(municipality_ids))
        real(municipality_ids, empty=empty)

    monkeypatch.setattr(tallies, "_resum", recording)
    tallies.rebuild()
    batches = -(-len(ids) // per_municipality)
    times = [sum(m in group for group in summed) for m in homes]
    assert max(times) <= 2
    assert sum(times) <= len(homes) + batches - 1
    assert _rows() == kept
    assert tallies.stale() == []
