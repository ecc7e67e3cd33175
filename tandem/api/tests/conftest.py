from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from tandem.accounts.models import User
from tandem.api.services import api_token_issue


@pytest.fixture
def api() -> Callable[[User | None], APIClient]:
    """``api(user)``: a client that sends ``user``'s API key (none for None)."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
        return client

    return make


def error(response: Any) -> dict[str, Any]:
    """The ``error`` object of an error body, checking its shape on the way."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message_ru", "message_en", "fields"}, body
    return body["error"]  # type: ignore[no-any-return]
