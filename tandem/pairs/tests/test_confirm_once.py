"""A member who has confirmed the pair is not asked again while the partner has not,
and a confirmation is answered truthfully — waiting for the partner, begun now, running
before — with the step that follows; a second one writes nothing."""

from auditlog.models import LogEntry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.maps import lifecycle
from tandem.maps.models import Map
from tandem.maps.services import map_draft
from tandem.notifications.models import Notification
from tandem.pairs.models import Pair
from tandem.pairs.services import ALREADY_CONFIRMED, AlreadyConfirmed
from tandem.testing import World, build_map, build_pairs, start_map

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
    map_draft(pair)
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

    assert str(lifecycle.ALREADY_RUNNING) in page
    assert str(lifecycle.NEXT_AGREE_MAP) in page  # her map is a draft she has not agreed
    assert "Спасибо! Вы подтвердили участие" not in page
    assert str(lifecycle.AWAITING_PARTNER) not in page
    assert writes == []
    assert (LogEntry.objects.count(), Notification.objects.count()) == (entries, bells)
    assert Pair.objects.get(pk=pair.pk).a_confirmed_at == pair.a_confirmed_at


def _said_after_pressing(client: Client, pair: Pair) -> str:
    response = client.post(reverse("maps:pair_confirm", kwargs={"pk": pair.pk}))
    assert response["Location"] == reverse("pairs:detail", kwargs={"pk": pair.pk})
    return client.get(response["Location"]).content.decode()


def test_a_second_press_while_the_partner_is_awaited_says_so(client: Client,
                                                             world: World) -> None:
    pair: Pair = build_pairs(world).pair  # type: ignore[assignment]  # Alice ⇄ Dmitry
    lifecycle.pair_confirm(pair=pair, participant=world.alice_p)
    client.force_login(world.alice)
    page = _said_after_pressing(client, pair)
    assert str(ALREADY_CONFIRMED) in page and str(lifecycle.AWAITING_PARTNER) in page
    assert "Спасибо!" not in page and str(lifecycle.ALREADY_RUNNING) not in page


def test_the_second_member_to_confirm_is_told_the_pair_began_and_what_next(
        client: Client, world: World) -> None:
    pairs = build_pairs(world)
    pair: Pair = pairs.pair  # type: ignore[assignment]  # Alice ⇄ Dmitry
    lifecycle.pair_confirm(pair=pair, participant=pairs.dmitry)
    client.force_login(world.alice)
    page = _said_after_pressing(client, pair)
    assert str(lifecycle.CONFIRMED_BEGAN) in page
    assert Pair.objects.get(pk=pair.pk).status == Pair.Status.ACTIVE


def test_the_first_member_to_confirm_is_thanked_and_told_the_partner_is_awaited(
        client: Client, world: World) -> None:
    pair: Pair = build_pairs(world).pair  # type: ignore[assignment]  # Alice ⇄ Dmitry
    client.force_login(world.alice)
    page = _said_after_pressing(client, pair)
    assert str(lifecycle.CONFIRMED) in page and "ждём подтверждения партнёра" in page


def test_confirming_a_pair_the_curator_already_started_says_it_runs(client: Client,
                                                                    world: World) -> None:
    """Bob's page was open while the curator started the pair's map (the pair runs
    without his confirmation): his press records his consent, but he is not thanked as
    if the pair now began — the page says it already works and what to do in it."""
    pair: Pair = build_map(world)  # type: ignore[assignment]  # Bob ⇄ Carol, a draft map
    start_map(pair, world)
    assert Pair.objects.get(pk=pair.pk).status == Pair.Status.ACTIVE
    client.force_login(world.bob)
    page = _said_after_pressing(client, pair)
    assert str(lifecycle.CONFIRMED_RUNNING) in page
    assert str(lifecycle.NEXT[Map.Status.IN_PROGRESS]) in page
    assert "Спасибо!" not in page
    mine = Pair.objects.get(pk=pair.pk)
    assert (mine.a_confirmed_at if mine.a_id == world.bob_p.pk
            else mine.b_confirmed_at) is not None  # his consent is kept


def test_the_next_step_follows_the_map(world: World) -> None:
    """A running pair's member is told the step its map is at: agree it (or wait for the
    partner's agreement), the curator's approval, its start, the work itself."""
    pair: Pair = build_map(world)  # type: ignore[assignment]  # Bob ⇄ Carol
    the_map = Map.objects.get(pair=pair)
    lifecycle.pair_confirm(pair=pair, participant=world.carol_p)
    said = lifecycle.pair_confirm(pair=pair, participant=world.bob_p)  # the words, no more
    assert isinstance(said, str)
    assert said.endswith(str(lifecycle.NEXT_AGREE_MAP))

    def again(participant: object) -> str:
        try:
            lifecycle.pair_confirm(pair=pair, participant=participant)  # type: ignore[arg-type]
        except AlreadyConfirmed as told:
            return str(told)
        raise AssertionError("a second confirmation was accepted")

    lifecycle.map_agree(the_map=the_map, participant=world.bob_p)
    assert again(world.bob_p).endswith(str(lifecycle.NEXT_PARTNER_AGREES))
    assert again(world.carol_p).endswith(str(lifecycle.NEXT_AGREE_MAP))
    lifecycle.map_agree(the_map=the_map, participant=world.carol_p)
    assert again(world.bob_p).endswith(str(lifecycle.NEXT[Map.Status.AGREED]))
    lifecycle.map_approve(the_map=the_map, user=world.alice)
    assert again(world.carol_p).endswith(str(lifecycle.NEXT[Map.Status.APPROVED]))
    lifecycle.map_start(the_map=the_map)
    assert again(world.bob_p).endswith(str(lifecycle.NEXT[Map.Status.IN_PROGRESS]))
