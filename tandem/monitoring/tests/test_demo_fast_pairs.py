"""The large demo region's fast pairing (regions past PAIRS_UP_TO), which gives the
30,000-person dashboard realistic pairs, maps and meetings."""

from collections import Counter

import pytest
from django.db.models import Q

from tandem.demo import services
from tandem.demo.services import YOUNG_BANDS, demo_region_create
from tandem.maps.models import Map, Meeting, Row
from tandem.pairs.models import Pair


@pytest.mark.slow
def test_fast_pairing_makes_reverse_pairs_with_maps(db: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "PAIRS_UP_TO", 100)  # 400 people take the fast path
    demo_region_create(participants=400, seed=3)
    pairs = list(Pair.objects.select_related("a", "b"))
    assert pairs
    people = Counter(p for pair in pairs for p in (pair.a_id, pair.b_id))
    assert max(people.values()) == 1  # nobody is in two pairs
    for pair in pairs:
        assert pair.a.organization_id == pair.b.organization_id == pair.organization_id
        assert pair.a.age_band in YOUNG_BANDS and pair.b.age_band not in YOUNG_BANDS
        assert pair.a_teaches_b and pair.b_teaches_a  # both sides learn
        assert pair.confirmed == (pair.status != Pair.Status.APPROVED)
    statuses = Counter(p.status for p in pairs)
    assert statuses[Pair.Status.ACTIVE] > statuses[Pair.Status.APPROVED] > 0
    assert Map.objects.filter(pair__isnull=False).count() == len(pairs)  # not training maps
    assert not Map.objects.filter(~Q(status=Map.Status.DRAFT),
                                  pair__status=Pair.Status.APPROVED).exists()
    assert Row.objects.filter(map__pair__in=pairs).count() >= 2 * len(pairs)
    # Some running pairs have met, some have not (the curator's stuck pairs).
    met = set(Meeting.objects.values_list("pair_id", flat=True))
    active = {p.pk for p in pairs if p.status == Pair.Status.ACTIVE}
    assert active & met and active - met
