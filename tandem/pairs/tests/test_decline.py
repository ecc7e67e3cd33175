"""Issue #14, defect 6: a member may decline an approved pair with a reason (mentoring
needs written consent); the pair returns to the curator, both go back to the pool, the
figures leave it out; after confirming, the page says the partner is awaited."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.maps import lifecycle
from tandem.maps.models import Map
from tandem.monitoring.effectiveness import pairs_in
from tandem.pairs import selectors, services
from tandem.pairs.models import Pair
from tandem.pairs.querysets import DECLINED, FORMED
from tandem.testing import World, build_map, build_resources


@pytest.fixture
def pair(world: World) -> Pair:
    build_resources(world)
    return build_map(world)  # type: ignore[return-value]


def test_the_status_constants_match_the_model() -> None:
    assert DECLINED == Pair.Status.DECLINED
    assert set(FORMED) == set(Pair.Status.values) - {DECLINED}


def test_declining_asks_once_needs_a_reason_and_tells_the_curator(
        client: Client, world: World, pair: Pair,
        django_capture_on_commit_callbacks: object) -> None:
    pair.curator = world.alice
    pair.save()
    client.force_login(world.bob)
    html = client.get(reverse("pairs:detail", kwargs={"pk": pair.pk})).content.decode()
    assert "Отказаться от пары" in html and "Подтверждаю участие" in html
    url = reverse("maps:pair_decline", kwargs={"pk": pair.pk})
    html = client.post(url, {"reason": "ухожу в декрет"}).content.decode()
    assert "Отказаться от пары?" in html and "Вы снова попадёте в пул" in html
    assert Pair.objects.get(pk=pair.pk).status == Pair.Status.APPROVED
    html = client.post(url, {"reason": " ", "confirmed": "1"}).content.decode()
    assert "почему вы отказываетесь" in html.lower()
    assert Pair.objects.get(pk=pair.pk).status == Pair.Status.APPROVED
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.post(url, {"reason": "ухожу в декрет", "confirmed": "1"})
    fresh = Pair.objects.get(pk=pair.pk)
    assert fresh.status == Pair.Status.DECLINED and fresh.declined_by == world.bob_p
    assert fresh.ended_reason == "ухожу в декрет"
    assert Map.objects.get(pair=pair).status == Map.Status.ENDED_EARLY
    assert not lifecycle.map_reopenable(Map.objects.get(pair=pair))
    assert any("ухожу в декрет" in m.body and m.to == [world.alice.email]
               for m in mail.outbox)
    # The curator sees who and why, and the way to a new pair.
    client.force_login(world.alice)
    html = client.get(reverse("pairs:detail", kwargs={"pk": pair.pk})).content.decode()
    assert "ухожу в декрет" in html and "К подбору пар" in html
    # Both are free again; a declined pair is not a pair in the figures.
    busy = selectors.busy_counts(selectors.busy_participants())
    assert busy[world.bob_p.pk] == 0
    filters = Filters(organization_id=world.org_a.pk, date_from=dt.date(2020, 1, 1),
                      date_to=dt.date(2030, 1, 1))
    assert not pairs_in(scope=scope_for(world.alice), filters=filters).filter(
        pk=pair.pk).exists()


def test_a_declined_pair_cannot_be_confirmed_and_an_active_one_not_declined(
        world: World, pair: Pair) -> None:
    lifecycle.pair_confirm(pair=pair, participant=world.bob_p)
    lifecycle.pair_confirm(pair=pair, participant=world.carol_p)
    with pytest.raises(services.PairsError, match="прекратить её досрочно"):
        lifecycle.pair_decline(pair=pair, participant=world.bob_p, reason="передумал",
                               base_url="http://x/")
    other = Pair.objects.create(a=world.alice_p, b=world.someone_b,
                                organization=world.org_a, starts_on=pair.starts_on,
                                ends_on=pair.ends_on)
    lifecycle.pair_decline(pair=other, participant=world.alice_p, reason="нет",
                           base_url="http://x/")
    with pytest.raises(services.PairsError, match="не ждёт"):
        lifecycle.pair_confirm(pair=other, participant=world.someone_b)
    with pytest.raises(services.PairsError, match="участник"):
        lifecycle.pair_decline(pair=pair, participant=world.alice_p, reason="x",
                               base_url="http://x/")


def test_after_confirming_the_page_says_the_partner_is_awaited(
        client: Client, world: World, pair: Pair) -> None:
    client.force_login(world.bob)
    client.post(reverse("maps:pair_confirm", kwargs={"pk": pair.pk}))
    html = client.get(reverse("pairs:detail", kwargs={"pk": pair.pk})).content.decode()
    assert "ждём подтверждения партнёра" in html
    assert "Подтверждаю участие" not in html
