"""A web process warms up before its first request: every template compiled into the cached
loader, the URL resolver built (tandem/web/warm.py)."""

from typing import Any

from django.template import engines
from django.urls import get_resolver

from tandem.web.warm import template_names, warm_up


def _cached_loader() -> Any:
    engine = engines["django"].engine  # type: ignore[attr-defined]
    return next(loader for loader in engine.template_loaders
                if hasattr(loader, "get_template_cache"))


def test_every_template_is_compiled_and_the_urls_built() -> None:
    names = template_names()
    assert "base.html" in names or any(n.endswith("/base.html") for n in names)
    assert "django/forms/widgets/select.html" in names
    loader = _cached_loader()
    loader.reset()
    assert warm_up() == len(names)  # every template of the project compiles
    cached = set(loader.get_template_cache)
    assert set(names) <= cached
    assert get_resolver()._populated  # type: ignore[attr-defined]
