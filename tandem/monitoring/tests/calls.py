"""Recording what the dashboards compute in tests: each call of
``selectors.compute_dashboard`` or ``selectors.warm`` — which view, in which time zone —
from a moment on (what a run computed rather than read from the cache)."""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pytest
from django.utils import timezone

from tandem.access.filters import Filters
from tandem.access.scope import Scope
from tandem.monitoring import selectors


@dataclass(frozen=True)
class Call:
    scope: Scope
    filters: Filters | None
    zone: str  # the time zone it ran in


def recording(monkeypatch: pytest.MonkeyPatch,
              name: Literal["compute_dashboard", "warm"],
              instead: Callable[..., Any] | None = None) -> list[Call]:
    """The calls of ``selectors.<name>`` from now on (``monkeypatch`` undoes it); each
    runs the function, or ``instead`` in its place."""
    real = getattr(selectors, name)
    signature = inspect.signature(real)
    calls: list[Call] = []

    def record(*args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(*args, **kwargs).arguments
        calls.append(Call(arguments["scope"], arguments.get("filters"),
                          timezone.get_current_timezone_name()))
        return (instead or real)(*args, **kwargs)

    monkeypatch.setattr(selectors, name, record)
    return calls
