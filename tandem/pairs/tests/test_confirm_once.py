"""A member who has confirmed the pair is not asked again while the partner has not."""

from django.test import Client
from django.urls import reverse

from tandem.pairs.models import Pair
from tandem.testing import World, build_pairs

ASK = "Подтверждаю участие"


def test_the_confirm_button_goes_away_once_pressed(client: Client, world: World) -> None:
    pair: Pair = build_pairs(world).pair  # type: ignore[assignment]  # Alice ⇄ Dmitry
    url = reverse("pairs:detail", kwargs={"pk": pair.pk})
    client.force_login(world.alice)
    assert ASK in client.get(url).content.decode()

    client.post(reverse("maps:pair_confirm", kwargs={"pk": pair.pk}))
    pair.refresh_from_db()
    assert pair.status == Pair.Status.APPROVED  # Dmitry has not confirmed yet
    page = client.get(url).content.decode()
    assert ASK not in page
    assert "ждём" in page  # the partner's confirmation is still awaited
