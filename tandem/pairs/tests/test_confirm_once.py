"""A member who has confirmed the pair is not asked again while the partner has not,
and a second confirmation is answered truthfully, with nothing written."""

from auditlog.models import LogEntry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.maps import lifecycle
from tandem.notifications.models import Notification
from tandem.pairs.models import Pair
from tandem.pairs.services import ALREADY_CONFIRMED
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


def test_confirming_a_running_pair_again_says_so_and_writes_nothing(client: Client,
                                                                    world: World) -> None:
    """A second press (the form sent again, another tab) is not thanked as a first one:
    the page says it was done before, and nothing is saved, audited or told."""
    pairs = build_pairs(world)
    pair: Pair = pairs.pair  # type: ignore[assignment]  # Alice ⇄ Dmitry
    lifecycle.pair_confirm(pair=pair, participant=world.alice_p)
    lifecycle.pair_confirm(pair=pair, participant=pairs.dmitry)
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ACTIVE
    entries, bells = LogEntry.objects.count(), Notification.objects.count()
    client.force_login(world.alice)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("maps:pair_confirm", kwargs={"pk": pair.pk}))
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
              and "django_session" not in q["sql"]]
    page = client.get(response["Location"]).content.decode()

    assert str(ALREADY_CONFIRMED) in page
    assert "Спасибо! Вы подтвердили участие" not in page
    assert writes == []
    assert (LogEntry.objects.count(), Notification.objects.count()) == (entries, bells)
    assert Pair.objects.get(pk=pair.pk).a_confirmed_at == pair.a_confirmed_at
