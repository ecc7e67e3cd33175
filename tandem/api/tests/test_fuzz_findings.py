"""What schemathesis (bin/api-fuzz) found: odd ids and parameters are 400/404, never 500;
every error an operation can give is in the schema."""

from collections.abc import Callable

import pytest
import yaml
from rest_framework.test import APIClient

from tandem.accounts.models import User
from tandem.api.tests.conftest import error
from tandem.testing import World

Api = Callable[[User | None], APIClient]
HUGE = "95944026659019426190115408445440"


@pytest.mark.parametrize("pk", ["null,null", "-1", HUGE, "1e3"])
@pytest.mark.parametrize(("method", "path"), [
    ("get", "participants/{}/"), ("patch", "participants/{}/"), ("put", "participants/{}/"),
    ("post", "participants/{}/deactivate/"), ("post", "participants/{}/reactivate/"),
    ("get", "resources/{}/"), ("patch", "resources/{}/"), ("put", "resources/{}/"),
    ("get", "campaigns/{}/results/"), ("post", "campaigns/{}/results/"),
    ("get", "campaigns/{}/"), ("get", "pairs/{}/"), ("get", "maps/{}/"),
    ("get", "regions/{}/"), ("get", "municipalities/{}/"), ("get", "organizations/{}/"),
])
def test_an_id_that_is_not_a_stored_number_is_404(api: Api, world: World, method: str,
                                                  path: str, pk: str) -> None:
    url = "/api/v1/" + path.format(pk)
    response = getattr(api(world.alice), method)(url, {}, format="json")
    assert response.status_code == 404, (url, response.content[:300])
    assert error(response)["code"] == "not_found"


@pytest.mark.parametrize("query", [
    f"organization={HUGE}", "organization=-1", f"page_size=-{HUGE}",
    f"updated_since=0161-02-28T06:50:50Z&page_size=-2839102805605024256&organization={HUGE}",
    "updated_since=9999-12-31T23:59:59-23:59", "updated_since=0001-01-01T00:00:00+14:00",
    f"page={HUGE}",
])
@pytest.mark.parametrize("path", ["participants/", "resources/", "pairs/", "maps/",
                                  "organizations/", "municipalities/"])
def test_odd_list_parameters_are_refused_not_500(api: Api, world: World, path: str,
                                                 query: str) -> None:
    response = api(world.alice).get(f"/api/v1/{path}?{query}")
    assert response.status_code in (200, 400, 404), (query, response.content[:300])
    if response.status_code != 200:
        assert error(response)["code"] in ("validation_error", "not_found")


@pytest.mark.parametrize("competencies", [[{}], [1], {"a": 1}, [None]])
def test_competencies_that_are_not_codes_are_400(api: Api, world: World,
                                                 competencies: object) -> None:
    response = api(world.alice).post("/api/v1/resources/", {
        "owner": f"o:{world.org_a.pk}", "title": "Курс", "kind": "course",
        "level": "organization", "format": "online", "competencies": competencies},
        format="json")
    assert response.status_code == 400, response.content[:300]
    assert "competencies" in error(response)["fields"]


@pytest.mark.parametrize("path", ["campaigns/0.5/", "maps/0.5/", "pairs/1.0/results/",
                                  "no-such-thing/", ""])
def test_an_unknown_api_address_is_a_json_404(api: Api, world: World, path: str) -> None:
    response = api(world.alice).get(f"/api/v1/{path}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error(response)["code"] == "not_found"


def test_without_the_slash_it_still_redirects(api: Api, world: World) -> None:
    response = api(world.alice).get("/api/v1/regions")
    assert response.status_code == 301
    assert response["Location"].endswith("/api/v1/regions/")


def test_every_operation_documents_its_errors(api: Api, world: World) -> None:
    schema = yaml.safe_load(api(world.alice).get("/api/schema/").content)
    assert "Error" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"400", "401", "403", "404"} <= set(operation["responses"]), (method, path)
            assert operation["responses"]["404"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"}
            if "requestBody" in operation:
                assert "415" in operation["responses"], (method, path)


@pytest.mark.parametrize("value", [[None, None], {"a": 1}, 5, True, 0.5])
def test_a_date_that_is_not_text_is_400(api: Api, world: World, value: object) -> None:
    response = api(world.alice).post("/api/v1/participants/", {
        "organization": world.org_a.pk, "surname": "Новикова", "name": "Нина",
        "position": "учитель", "experience_years": 3, "age_band": "25-34",
        "email": "nina@example.org", "mentoring_consent_date": value}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert "mentoring_consent_date" in error(response)["fields"]


def test_numbers_and_booleans_still_arrive(api: Api, world: World) -> None:
    response = api(world.alice).post("/api/v1/resources/", {
        "owner": f"o:{world.org_a.pk}", "title": "Курс", "kind": "course",
        "level": "organization", "format": "online", "competencies": [],
        "is_active": False}, format="json")
    assert response.status_code in (201, 400), response.content[:300]
    if response.status_code == 400:
        assert "is_active" not in error(response)["fields"]


def test_a_post_with_a_cookie_to_an_unknown_address_is_a_json_404(world: World) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "x" * 32
    response = client.post("/api/v1/participants/0.5/deactivate/", {}, format="json")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
