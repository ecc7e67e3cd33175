"""The OpenAPI schema is valid and lists every endpoint; errors keep one shape."""

from collections.abc import Callable

import yaml
from django.test import Client
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from tandem.accounts.models import User
from tandem.api.tests.conftest import error
from tandem.testing import World

Api = Callable[[User | None], APIClient]


def test_the_schema_is_valid_openapi_and_lists_the_endpoints(api: Api, world: World) -> None:
    response = api(world.bob).get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate_schema(schema)
    assert set(schema["paths"]) >= {
        "/api/v1/regions/", "/api/v1/municipalities/", "/api/v1/organizations/",
        "/api/v1/participants/", "/api/v1/participants/{id}/",
        "/api/v1/participants/{id}/deactivate/", "/api/v1/framework/",
        "/api/v1/campaigns/", "/api/v1/campaigns/{id}/results/", "/api/v1/pairs/",
        "/api/v1/maps/", "/api/v1/resources/", "/api/v1/resources/{id}/"}
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    # The pairs page's filters, the municipality among them (pairs.filters), in Russian.
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/pairs/"]["get"]["parameters"]}
    assert {"municipality", "organization", "status", "q"} <= set(parameters)
    assert parameters["municipality"]["description"].startswith("id муниципалитета")
    assert parameters["municipality"]["schema"]["type"] == "integer"


def test_the_schema_wants_credentials(world: World) -> None:
    assert APIClient().get("/api/schema/").status_code == 401


def test_the_docs_page_is_served_from_here(client: Client, world: World) -> None:
    client.force_login(world.alice)
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "https://" not in page.replace("https://github", "")
    # The inline script a CSP forbids is served as a file instead.
    assert "<script>" not in page


def test_method_not_allowed_has_the_same_shape(api: Api, world: World) -> None:
    response = api(world.alice).delete("/api/v1/participants/")
    assert response.status_code == 405
    assert error(response)["code"] == "method_not_allowed"


def test_a_body_that_is_not_json_is_a_parse_error(api: Api, world: World) -> None:
    response = api(world.alice).post("/api/v1/participants/", "{oops",
                                     content_type="application/json")
    assert response.status_code == 400
    assert error(response)["code"] == "parse_error"
