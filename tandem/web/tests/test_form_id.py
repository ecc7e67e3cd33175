from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tandem.testing import World
from tandem.web.forms import form_id


def test_form_id_takes_plain_ascii_numbers_only() -> None:
    assert form_id("42") == 42
    assert form_id("²") == 0  # a Unicode digit: isdigit() says yes, int() says no
    assert form_id("٣") == 0
    assert form_id("9" * 25) == 0  # too long for the database's integer
    assert form_id("") == form_id(None) == form_id("-1") == 0
    assert form_id(" 1 ") == 1  # spaces around a number typed into a form are forgiven


@given(st.text(max_size=30))
def test_form_id_never_raises(raw: str) -> None:
    assert form_id(raw) >= 0


def test_odd_years_and_ids_are_no_500(client: Client, world: World) -> None:
    client.force_login(world.olga)
    assert client.get(reverse("programmes:overview") + "?year=²").status_code == 200
    client.force_login(world.alice)
    response = client.post(reverse("programmes:create"), {"organization": "²", "year": "²"})
    assert response.status_code == 404
