"""#14, 7: the participant's card links to their diagnostic profiles, their pairs and the
pairs' maps — only what the viewer may open (each link answers 200 to them), through the
registry of directory/links.py, with a query count that does not grow with the links."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.diagnostics.models import Response
from tandem.maps.models import Map
from tandem.pairs.models import Pair
from tandem.testing import ParticipantFactory, World, build_pairs

CARD_VIEWERS = ("alice", "erin", "olga", "bob")  # may open Bob's or Dmitry's card (or not)


def _links(html: str) -> list[tuple[str, str]]:
    box = re.search(r'<article id="person-links">(.*?)</article>', html, re.S)
    assert box is not None
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', box.group(1))


def _card(client: Client, pk: int) -> tuple[int, str]:
    response = client.get(reverse("people:detail", kwargs={"pk": pk}))
    return response.status_code, response.content.decode()


@pytest.mark.django_db
def test_the_card_links_to_profile_pair_and_map(client: Client, world: World) -> None:
    pw = build_pairs(world)
    the_pair = Pair.objects.get(a=world.alice_p, b=pw.dmitry)
    Map.objects.create(pair=the_pair)
    client.force_login(world.alice)
    # Dmitry: his pair with Alice and its map.
    status, html = _card(client, pw.dmitry.pk)
    assert status == 200
    links = dict(_links(html))
    pair_url = reverse("pairs:detail", kwargs={"pk": the_pair.pk})
    map_url = reverse("maps:detail", kwargs={"pair_pk": the_pair.pk})
    names = f"{world.alice_p.short_name} ⇄ {pw.dmitry.short_name}"
    assert links[pair_url] == f"Пара: {names}"
    assert links[map_url] == f"Карта пары: {names}"
    assert "Анкет диагностики пока нет." in html
    # Bob: his submitted questionnaire's profile; no pair yet.
    status, html = _card(client, world.bob_p.pk)
    response = Response.objects.get(participant=world.bob_p)
    assert dict(_links(html)) == {
        reverse("diagnostics:profile", kwargs={"pk": response.pk}): "Профиль: Входная А"}
    assert "Пар пока нет." in html


@pytest.mark.django_db
def test_every_link_on_the_card_opens_for_its_viewer(client: Client, world: World) -> None:
    pw = build_pairs(world)
    the_pair = Pair.objects.get(a=world.alice_p, b=pw.dmitry)
    Map.objects.create(pair=the_pair)
    Pair.objects.create(a=world.bob_p, b=world.carol_p, organization=world.org_a,
                        starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31))
    opened = 0
    for persona in CARD_VIEWERS:
        client.force_login(getattr(world, persona))
        for person in (world.bob_p, world.carol_p, pw.dmitry):
            status, html = _card(client, person.pk)
            if status != 200:
                continue
            for url, _text in _links(html):
                assert client.get(url).status_code == 200, (persona, url)
                opened += 1
    assert opened >= 6
    # Organization B's curator sees neither the card nor anything behind it.
    client.force_login(world.charlie)
    assert _card(client, world.bob_p.pk)[0] == 404


@pytest.mark.django_db
def test_the_cards_query_count_does_not_grow_with_its_links(client: Client,
                                                            world: World) -> None:
    pw = build_pairs(world)
    client.force_login(world.alice)
    url = reverse("people:detail", kwargs={"pk": pw.dmitry.pk})

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(12):
        partner = ParticipantFactory.create(organization=world.org_a, surname=f"Партнёр{i}",
                                            email=f"p{i}@example.org")
        pair = Pair.objects.create(a=pw.dmitry, b=partner, organization=world.org_a,
                                   starts_on=dt.date(2026, 12, 1),
                                   ends_on=dt.date(2027, 5, 31))
        Map.objects.create(pair=pair)
    assert count() == small
    assert len(_links(client.get(url).content.decode())) == 1 + 2 * 12  # the first pair has no map
