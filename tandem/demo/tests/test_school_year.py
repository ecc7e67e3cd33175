"""The demo region looks like a school year (issue #17, item 6): diagnostics by the
programme's roadmap, pair orders on the map documents, the past seminar's materials,
varied survey texts, maps drafted from the task library."""

import datetime as dt
import random
from collections import Counter

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.demo import generator, services
from tandem.diagnostics.models import Campaign
from tandem.maps.documents import map_data
from tandem.maps.models import Map, Row
from tandem.maps.selectors import library_for
from tandem.pairs.models import Pair, PairOrder
from tandem.programmes.demo import ROADMAP
from tandem.school.demo import PAST_SEMINAR_KEY
from tandem.school.models import Event
from tandem.surveys import demo as surveys_demo
from tandem.surveys.models import Survey
from tandem.territory.models import Region

SMALL = generator.MIN_PARTICIPANTS + 25


@given(seed=st.integers(min_value=0, max_value=10_000),
       sizes=st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=3))
@settings(max_examples=40, deadline=None)
def test_texts_never_repeat_more_than_twice(seed: int, sizes: list[int]) -> None:
    parts = [[f"часть{i}-{j}" for j in range(n)] for i, n in enumerate(sizes)]
    texts = surveys_demo.texts_for(parts, random.Random(seed))
    counts = Counter(texts)
    assert max(counts.values()) == surveys_demo.MAX_REPEATS
    # Every combination is there: the supply is as large as it can be.
    total = 1
    for n in sizes:
        total *= n
    assert len(counts) == total


def test_demo_diagnostics_follow_the_roadmap() -> None:
    stages = {s: (f, t) for s, _a, f, t, _w, _r in ROADMAP}
    assert services.INITIAL_DATES[0] == services.DEMO_YEAR_START + dt.timedelta(
        days=stages["diagnostics"][0])
    assert services.FINAL_DATES[1] == services.DEMO_YEAR_START + dt.timedelta(
        days=stages["final"][1])
    assert {d.month for d in services.INITIAL_DATES} <= {9, 10}
    assert {d.month for d in services.FINAL_DATES} <= {4, 5}


def _check_region() -> None:
    campaigns = Campaign.objects.all()
    assert campaigns.filter(kind=Campaign.Kind.FINAL).exists()
    for c in campaigns:
        months = {c.starts_on.month, c.ends_on.month}
        assert months <= ({9, 10} if c.kind == Campaign.Kind.INITIAL else {4, 5}), c.title

    # Every organization with pairs has one order that fixes all of them.
    pairs = Pair.objects.all()
    assert pairs.exists()
    for org_id in set(pairs.values_list("organization_id", flat=True)):
        order = PairOrder.objects.get(organization_id=org_id)
        assert set(order.pairs.values_list("pk", flat=True)) == set(
            pairs.filter(organization_id=org_id).values_list("pk", flat=True))
        assert order.date < min(pairs.filter(organization_id=org_id)
                                .values_list("starts_on", flat=True))
    the_map = Map.objects.filter(pair__isnull=False).first()
    assert the_map is not None
    assert map_data(the_map).order_ref.startswith("Приказ № ")

    # Maps from the library: nearly every row names its template and its technology.
    rows = Row.objects.filter(map__pair__isnull=False)
    library = {t.id: t for t in library_for(region_id=Region.objects.get().pk)}
    with_template = rows.exclude(template_id="")
    assert with_template.count() >= 0.9 * rows.count()
    for row in with_template.select_related("map__pair"):
        template = library[row.template_id]
        assert template.competency == row.competency
        assert row.task == template.task
        assert row.technology == template.technology
        start, end = row.map.term
        assert start <= row.deadline <= end
    # Nothing is marked done on a day still to come.
    assert not rows.filter(done_at__gt=timezone.localdate()).exists()
    # No two rows of one map take the same template.
    for map_id in set(rows.values_list("map_id", flat=True)):
        ids = list(with_template.filter(map_id=map_id).values_list("template_id", flat=True))
        assert len(ids) == len(set(ids))

    # Survey texts: none more than twice in an organization.
    texts: Counter[tuple[int, str]] = Counter()
    for org_id, good, improve in Survey.objects.values_list(
            "pair__organization_id", "text_good", "text_improve"):
        for text in (good, improve):
            if text:
                texts[(org_id, text)] += 1
    assert texts, "the demo's surveys have free texts"
    assert max(texts.values()) <= 2

    seminar = Event.objects.get(demo_key=PAST_SEMINAR_KEY)
    assert seminar.materials.count() >= 3
    assert all(m.link for m in seminar.materials.all())


@pytest.mark.django_db
def test_a_small_demo_region_looks_like_a_school_year() -> None:
    services.demo_region_create(participants=SMALL, seed=3)
    _check_region()


@pytest.mark.django_db
def test_the_bulk_maps_of_a_big_region_come_from_the_library_too(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Past PAIRS_UP_TO people the demo pairs greedily and writes maps in bulk; a small
    region with the threshold lowered goes the same way."""
    monkeypatch.setattr(services, "PAIRS_UP_TO", 10)
    services.demo_region_create(participants=SMALL, seed=5)
    assert not Pair.objects.filter(run__isnull=False).exists()  # the bulk path ran
    _check_region()
