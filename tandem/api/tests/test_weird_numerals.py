"""#13 item 10: «²», other non-ASCII digits and ids no database holds, posted to the
forms and the API, are a form error or the API's JSON 400/404 — never a 500, never HTML.
(A full-width «１» is NFKC-equal to «1» and Python reads it as 1: not weird, left out.)"""

import unicodedata
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tandem.accounts.models import User
from tandem.api.tests.conftest import error
from tandem.testing import World, build_diagnostics, build_school
from tandem.web.forms import MAX_ID, form_id, form_int

Api = Callable[[User | None], APIClient]

WEIRD = st.one_of(
    st.sampled_from(["²", "٣", "³4", "-²", "1e3", " ", "0x1", str(2**63), str(2**64),
                     "9" * 40, "-" + "9" * 30, str(MAX_ID + 1)]),
    # Digits of other scripts, superscripts, Roman numerals… (not plain ASCII ones).
    st.text(alphabet=st.characters(categories=["Nd", "No", "Nl"], max_codepoint=0xFFFF),
            min_size=1, max_size=4).filter(
                lambda t: not unicodedata.normalize("NFKC", t).isascii()),
)
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@given(raw=WEIRD)
@SETTINGS
def test_the_one_parser_never_raises(raw: str) -> None:
    value = form_int(raw, signed=True)
    assert value is None or (isinstance(value, int) and raw.strip().lstrip("-").isascii())
    assert 0 <= form_id(raw) <= MAX_ID


def test_worked_examples() -> None:
    assert form_int("²") is None and form_id("²") == 0
    assert form_int("12") == 12 and form_int("-3", signed=True) == -3
    assert form_int("-3") is None and form_id(str(2**63)) == 0


@given(raw=WEIRD)
@SETTINGS
def test_participant_form_organization(client: Client, world: World, raw: str) -> None:
    client.force_login(world.alice)
    data = {"organization": raw, "surname": "Иванова", "name": "Ирина", "position": "учитель",
            "experience_years": "3", "age_band": "25-34", "email": "irina@example.org",
            "line_manager": raw}
    response = client.post(reverse("people:create"), data)
    assert response.status_code == 200  # the form again, with its errors
    assert "Выберите" in response.content.decode() or "Проверьте" in response.content.decode()


@given(raw=WEIRD)
@SETTINGS
def test_questionnaire_level_and_priority(client: Client, world: World, raw: str) -> None:
    dw = build_diagnostics(world)
    client.force_login(world.bob)
    code = dw.bob_r.campaign.framework.codes()[0]
    for name in ("questionnaire", "autosave"):
        response = client.post(reverse(f"diagnostics:{name}", kwargs={"pk": dw.bob_r.pk}),
                               {"code": code, f"level-{code}": raw, f"prio-{code}": raw,
                                f"seen-{code}": "1"})
        assert response.status_code < 500, (name, raw)


@given(raw=WEIRD)
@SETTINGS
def test_school_registration_with_a_huge_id(client: Client, world: World, raw: str) -> None:
    school = build_school(world)
    client.force_login(world.olga)
    response = client.post(reverse("school:register", kwargs={"pk": school.event.pk}),
                           {"participants": raw})
    assert response.status_code < 500


@given(raw=WEIRD)
@example(raw="۱")  # an Extended Arabic-Indic one: int() reads it as 1 (CI found it)
@SETTINGS
def test_api_participant_with_weird_numbers_is_json_400(api: Api, world: World,
                                                        raw: str) -> None:
    response = api(world.alice).post("/api/v1/participants/", {
        "organization": raw, "surname": "Иванова", "name": "Ирина", "position": "учитель",
        "experience_years": raw, "age_band": "25-34", "email": "irina2@example.org"},
        format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert error(response)["code"] == "validation_error"


def test_a_value_error_in_the_api_is_a_json_400() -> None:
    from rest_framework.test import APIRequestFactory

    from tandem.api.errors import handler

    for exc in (ValueError("invalid literal for int()"), OverflowError("too large")):
        response = handler(exc, {"request": APIRequestFactory().get("/")})
        assert response is not None and response.status_code == 400
        assert response.data["error"]["code"] == "bad_value"


@pytest.mark.parametrize("raw", ["²", str(2**64)])
def test_api_list_filter(api: Api, world: World, raw: str) -> None:
    response = api(world.alice).get(f"/api/v1/participants/?organization={raw}")
    assert response.status_code == 400
    assert error(response)["code"] == "validation_error"
