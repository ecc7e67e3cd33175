"""A web process ready before its first request (``tandem/wsgi.py``).

Django compiles a template on its first use (then keeps it: the cached loader), builds the
URL resolver on the first request and reads the translation catalogues on the first
activation of the language. In a fresh gunicorn worker the first requests paid all of it
— ≈ 250 ms of CPU for the templates and ≈ 350 ms for the URLs and catalogues on this
machine — on top of their own work: after every start or reload of the service a user
waited for it, and a load test's «first view» of a page measured the worker's warm-up
rather than the page. ``warm_up`` does it when the process starts, before it accepts
requests (``TANDEM_WARM_UP=0`` turns it off)."""

import logging
from pathlib import Path

from django.conf import settings
from django.template import TemplateSyntaxError, engines
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import translation

log = logging.getLogger(__name__)


def template_names() -> list[str]:
    """Every HTML template of the project's own apps and DIRS, and the form widgets'
    (``django/forms/``); not the admin's or the browsable API's (switched off: JSON only),
    which would cost every worker memory for pages it seldom or never renders."""
    project = Path(__file__).resolve().parents[1]
    dirs: list[str] = list(settings.TEMPLATES[0]["DIRS"])  # type: ignore[call-overload]
    own_dirs = {str(Path(d).resolve()) for d in dirs}
    names: set[str] = set()
    for engine in engines.all():
        folders = [*getattr(engine, "dirs", [])]
        for loader in getattr(getattr(engine, "engine", None), "template_loaders", []):
            for each in [loader, *getattr(loader, "loaders", [])]:
                folders.extend(each.get_dirs() if hasattr(each, "get_dirs") else [])
        for folder in folders:
            root = Path(folder).resolve()
            ours = root.is_relative_to(project) or str(root) in own_dirs
            names.update(name for name in (str(p.relative_to(root)) for p in root.rglob("*.html"))
                         if ours or name.startswith("django/forms/"))
    return sorted(names)


def warm_up() -> int:
    """Compile every template, build the URL resolver, read the catalogues of the site's
    language. Returns how many templates were compiled; one that does not compile is
    logged (its page fails as it would have) and the others are still compiled."""
    with translation.override(settings.LANGUAGE_CODE):
        get_resolver()._populate()
        compiled = 0
        for name in template_names():
            try:
                get_template(name)
            except TemplateSyntaxError:
                log.exception("шаблон %s не компилируется", name)
                continue
            compiled += 1
    return compiled
