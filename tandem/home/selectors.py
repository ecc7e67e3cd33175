"""What the dashboard shows: a handful of aggregate queries, whatever the data size —
and, for staff, kept in the shared cache by unit (:func:`staff_overview`)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from tandem.access.scope import Scope
from tandem.directory.selectors import RegionNode, organization_tree
from tandem.monitoring import versions
from tandem.monitoring.selectors import CACHE_SECONDS, scope_key
from tandem.people.models import Participant, by_name, consent_q
from tandem.web.panels import STAFF, RenderedPanel, panels_for
from tandem.web.personal_cache import personal_key


@dataclass(frozen=True)
class Totals:
    organizations: int
    municipalities: int
    participants: int
    with_consent: int
    without_consent: int
    with_login: int

    @property
    def consent_percent(self) -> int:
        return round(100 * self.with_consent / self.participants) if self.participants else 0


def totals_of(tree: list[RegionNode]) -> Totals:
    """The overview's totals: the sums of the territory tree's municipalities
    (:func:`tandem.directory.selectors.organization_tree` — the kept people counts of
    exactly ``scope.organizations()``, tandem/people/counts.py). The tree beside them on
    the page and on ``/organizations/`` shows the same figures by municipality: one
    computation, so the two cannot differ, and no query of their own."""
    municipalities = [m for region in tree for m in region.municipalities]
    participants = sum(m.participant_count for m in municipalities)
    with_consent = sum(m.consent_count for m in municipalities)
    return Totals(
        organizations=sum(m.organization_count for m in municipalities),
        municipalities=len(municipalities), participants=participants,
        with_consent=with_consent, without_consent=participants - with_consent,
        with_login=sum(m.login_count for m in municipalities),
    )


def dashboard_totals(*, scope: Scope) -> Totals:
    return totals_of(organization_tree(scope=scope))


def missing_consent(*, scope: Scope, limit: int = 8) -> list[Participant]:
    """The first participants who still lack a written consent, for the curator's to-do,
    in Russian alphabetical order (the normalised name picks them, ``by_name`` orders).
    Said as a condition on the row itself (not «not among those with consent»), so that
    the partial index ``participant_no_consent_name`` walks the names in order instead of
    hashing every consenting person of the region (issue #16)."""
    qs = (scope.manageable_participants(Participant.objects.filter(is_active=True))
          .exclude(consent_q())
          .select_related("organization").order_by("search_name", "pk"))
    return sorted(qs[:limit], key=by_name)


def recent_campaigns(*, scope: Scope, limit: int = 4) -> list[tuple[object, object]]:
    from tandem.diagnostics.selectors import campaigns_progress, campaigns_visible

    campaigns = list(campaigns_visible(scope=scope).filter(status="open")[:limit])
    progress = campaigns_progress(campaigns=campaigns, scope=scope)
    return [(c, progress[c.pk]) for c in campaigns]


def dashboard_context(*, scope: Scope) -> dict[str, object]:
    """The staff part of the overview, computed (not cached)."""
    if not scope.is_staff:
        return {}
    return {**_figures(scope), "missing_consent": missing_consent(scope=scope)}


def _figures(scope: Scope) -> dict[str, object]:
    """What of the staff part the cache keeps: figures by unit, the units' names and the
    campaigns — nobody's name. The people without consent (:func:`missing_consent`)
    are read live at every view (one indexed query of at most eight rows): whole rows of
    people — e-mail, phone — have no place in a shared cache (tandem/web/personal_cache.py)."""
    tree = organization_tree(scope=scope)
    return {"totals": totals_of(tree), "tree": tree,
            "campaigns": recent_campaigns(scope=scope)}


@dataclass(frozen=True)
class StaffOverview:
    """What the overview shows a staff user: its own figures and the panels kept by unit
    (``Panel.by_unit``, tandem/web/panels.py); from :func:`staff_overview`, with the
    people without consent (read live, never kept)."""

    context: dict[str, object]
    panels: list[RenderedPanel]


def overview_key(scope: Scope, today: dt.date, version: str) -> str:
    """The cache key: whose (the scope's roles and units — never another user's or
    unit's entry; its time zone), which day (the reminders' rules take it), and the data
    version of its organizations."""
    raw = f"{scope_key(scope)}|{scope.time_zone}|{today.isoformat()}|{version}"
    # Its panels name people (the reminders' pairs): under the prefix the anonymisation
    # deletes (tandem/web/personal_cache.py).
    return personal_key("home", raw)


def staff_overview(*, scope: Scope, request: Any, today: dt.date) -> StaffOverview:
    """The staff part of the overview from the shared cache when nothing of the scope's
    organizations changed since: the monitoring dashboard's version by unit
    (:func:`tandem.monitoring.versions.version`: one statement and the layout's row) — an
    audited record of these organizations, of their regions or of everything, or their
    diagnostics and satisfaction figures rebuilt. An edit in another organization keeps the
    entry; what writes no audit entry and rebuilds no figures is seen when the entry
    expires, after the monitoring dashboard's ``CACHE_SECONDS`` (the same bound for both
    pages)."""
    version = versions.version(scope.organizations())
    key = overview_key(scope, today, version)
    found: StaffOverview | None = cache.get(key)
    if found is None:
        found = StaffOverview(_figures(scope),
                              panels_for(request, scope, STAFF, by_unit=True, today=today))
        cache.set(key, found, CACHE_SECONDS)
    return StaffOverview({**found.context, "missing_consent": missing_consent(scope=scope)},
                         found.panels)
