"""A search box's text with a NUL (``?q=%00``): PostgreSQL refuses NUL in text, and three
pages answered 500 there (review finding); read through ``web.forms.search_text``."""

import pytest
from django.test import Client
from django.urls import reverse

from tandem.testing import World
from tandem.web.forms import search_text


def test_search_text_drops_nul_and_spaces_and_keeps_a_hundred_characters() -> None:
    assert search_text(" школа\x00 №1 ") == "школа №1"
    assert search_text(None) == "" and search_text("я" * 300) == "я" * 100


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["territory:tree", "roster:import", "pairs:list",
                                  "people:list"])
def test_a_nul_in_the_search_is_not_a_server_error(client: Client, world: World,
                                                   name: str) -> None:
    client.force_login(world.olga)
    assert client.get(reverse(name), {"q": "шк\x00ола"}).status_code == 200
