"""Fixtures of the monitoring tests."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.tasks import default_task_backend
from django.test import override_settings

DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def queue() -> Iterator[Any]:
    """Tasks kept in a queue (a worker's set-up), not run by the process."""
    with override_settings(TASKS=DUMMY):
        default_task_backend.clear()  # type: ignore[attr-defined]
        yield default_task_backend
        default_task_backend.clear()  # type: ignore[attr-defined]
