"""Panels of the home page, registered by the apps that own their content.

The home page (tandem/home) sits above every app and shows what each of them has for the
signed-in user; an app adds a panel by registering it in its ``AppConfig.ready``:

    register_panel(Panel(key="reminders", template="reminders/_dashboard.html",
                         context=reminders_context, place=STAFF, order=50))

``context(request, scope)`` returns the template's context, or None when the panel has
nothing for this user (it is then not rendered). ``place`` says where the panel stands:
in the staff part of the page or in the teacher's own part. This is the one mechanism for
home-page panels: no template tags reaching into other apps.

``by_unit``: the panel's context depends only on the scope, the day (in the user's time
zone) and the data of the scope's organizations — audited records of theirs (or of their
regions, or of everything) and their kept figures — never on the request itself. The
overview then keeps it with its own figures in the shared cache, versioned by unit
(``tandem.home.selectors.overview``; ``tandem/monitoring/versions.py``), and the day
being part of the entry's key, such a panel is handed that day: its ``context`` is called
``context(None, scope, today=…)`` — no request: the warm-up computes the same entry with
none (``tandem.home.selectors.warm_overview``) — and must not read the clock itself. What such a
panel shows that the version does not cover (the name of a person of an organization
outside the scope, renamed there) it leaves out of the kept context and fills in at every
view: ``live(context)`` (:func:`shown_now`; one cheap query, at most)."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

STAFF = "staff"
OWN = "own"


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    # (request, scope); a panel kept by unit: (None, scope, today=…)
    context: Callable[..., dict[str, Any] | None]
    place: str
    order: int = 100
    by_unit: bool = False
    # A panel kept by unit: what of its context is read at every view, given the kept
    # context (what the version does not cover: names of people of other organizations).
    live: Callable[[dict[str, Any]], dict[str, Any]] | None = None


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    template: str
    context: dict[str, Any]
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    if panel.place not in (STAFF, OWN):
        raise ValueError(f"unknown panel place: {panel.place}")
    _PANELS[panel.key] = panel


def panels_for(request: Any, scope: Any, place: str, by_unit: bool | None = None,
               today: dt.date | None = None) -> list[RenderedPanel]:
    """The panels of one place with something to show, in their order; ``by_unit``: only
    those that are (True) or are not (False) kept by unit — handed ``today`` (the day of
    the cache entry they go into; the user's local date when not given)."""
    result = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if panel.place != place or (by_unit is not None and panel.by_unit != by_unit):
            continue
        if panel.by_unit:
            context = panel.context(None, scope, today=today or timezone.localdate())
        else:
            context = panel.context(request, scope)
        if context is not None:
            result.append(RenderedPanel(panel.key, panel.template, context, panel.order))
    return result


def shown_now(panels: list[RenderedPanel]) -> list[RenderedPanel]:
    """Kept panels as shown at this view: each through its ``live`` step, if it has one."""
    result = []
    for rendered in panels:
        panel = _PANELS.get(rendered.key)
        live = panel.live if panel is not None else None
        result.append(rendered if live is None else
                      RenderedPanel(rendered.key, rendered.template, live(rendered.context),
                                    rendered.order))
    return result


def in_order(*groups: list[RenderedPanel]) -> list[RenderedPanel]:
    """Rendered panels of several groups (kept and live) in their one order."""
    return sorted((p for group in groups for p in group), key=lambda p: (p.order, p.key))
