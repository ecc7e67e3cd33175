"""Issue #14, item 12: the bell. A member is told when the curator proposes a pair and
when the partner confirms; the curator when a member declines and when a map is agreed;
each person sees only their own, opens one (read) or all; the bell counts unread ones."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.maps import lifecycle
from tandem.maps.models import Map
from tandem.notifications.models import Notification
from tandem.notifications.services import notify
from tandem.pairs.models import Pair
from tandem.pairs.services import AlreadyConfirmed
from tandem.testing import World, build_map, build_resources


@pytest.fixture
def pair(world: World) -> Pair:
    build_resources(world)
    return build_map(world)  # type: ignore[return-value]


def _texts(user: Any) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("text", flat=True))


def test_the_life_of_a_pair_rings_the_right_bells(client: Client, world: World,
                                                  pair: Pair) -> None:
    # Proposed: Bob has a login (Carol has none: nobody to tell).
    assert any("Куратор предложил пару" in t for t in _texts(world.bob))
    client.force_login(world.bob)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'class="bell-count" aria-hidden="true">1<' in html
    assert "Уведомления: 1 новое" in html
    # Carol confirms: Bob is told, once, even if she presses twice.
    lifecycle.pair_confirm(pair=pair, participant=world.carol_p)
    with pytest.raises(AlreadyConfirmed):
        lifecycle.pair_confirm(pair=pair, participant=world.carol_p)
    assert sum("Каролёва К.С. подтвердила участие" in t for t in _texts(world.bob)) == 1
    # Both agree the map: the curator is told to approve it.
    lifecycle.pair_confirm(pair=pair, participant=world.bob_p)
    the_map = Map.objects.get(pair=pair)
    lifecycle.map_agree(the_map=the_map, participant=world.bob_p)
    lifecycle.map_agree(the_map=the_map, participant=world.carol_p)
    assert any("согласована обоими" in t for t in _texts(world.alice))
    # Bob opens his: read, and he lands on the pair.
    first = Notification.objects.filter(user=world.bob).order_by("pk").first()
    assert first is not None
    response = client.post(reverse("notifications:open", kwargs={"pk": first.pk}))
    assert response.status_code == 302 and response["Location"] == first.url
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(user=world.bob, read_at__isnull=True).exists()
    assert "bell-count" not in client.get(reverse("dashboard")).content.decode()
    # Nobody opens another's notification.
    alices = Notification.objects.filter(user=world.alice).first()
    assert alices is not None
    assert client.post(reverse("notifications:open", kwargs={"pk": alices.pk})).status_code == 404
    assert Notification.objects.get(pk=alices.pk).read_at is None


def test_a_decline_tells_the_curator(world: World, pair: Pair) -> None:
    lifecycle.pair_decline(pair=pair, participant=world.bob_p, reason="переезд",
                           base_url="http://x/")
    assert any("переезд" in t for t in _texts(world.alice))


def test_a_notification_leads_inside_the_product_only(world: World) -> None:
    for url in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            notify(users=[world.bob], kind="pair_proposed", text="x", url=url)
    assert notify(users=[world.bob, world.bob, None], kind="pair_proposed", text="x",
                  url="/pairs/") == 1
