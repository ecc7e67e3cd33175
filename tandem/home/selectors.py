"""What the dashboard shows: a handful of aggregate queries, whatever the data size."""

from dataclasses import dataclass

from django.db.models import Count, Sum

from tandem.access.scope import Scope
from tandem.core.text import sort_key
from tandem.directory.selectors import organization_tree
from tandem.people import counts
from tandem.people.models import Participant, by_name, consent_q
from tandem.territory.models import Organization


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


def dashboard_totals(*, scope: Scope) -> Totals:
    orgs = scope.organizations(Organization.objects.all()).aggregate(
        organizations=Count("pk"), municipalities=Count("municipality", distinct=True))
    # A staff user manages the people of exactly ``scope.organizations()``: their kept
    # counts (tandem/people/counts.py), not a count of the region's people.
    people = counts.totals(scope.organizations())
    return Totals(
        organizations=orgs["organizations"], municipalities=orgs["municipalities"],
        participants=people["active"], with_consent=people["with_consent"],
        without_consent=people["active"] - people["with_consent"],
        with_login=people["with_login"],
    )


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


# Past this many organizations the overview lists municipalities, not organizations: a
# region of 300,000 teachers has 5,456 of them, and drawing each with two links cost the
# overview most of its Python time (issue #16, docs/performance.md). The whole tree is a
# link away («Организации», territory:tree).
TREE_ORGANIZATIONS = 200


@dataclass(frozen=True)
class MunicipalityLine:
    name: str
    organizations: int
    participants: int
    with_consent: int


def municipality_lines(*, scope: Scope) -> list[MunicipalityLine]:
    """The municipalities of the user's organizations with their sums (organizations,
    active people, with both consents — the kept counts, tandem/people/counts.py), in
    Russian order. One grouped query."""
    rows = (scope.organizations(Organization.objects.all()).order_by()
            .values("municipality", "municipality__name")
            .annotate(n=Count("pk"), people=Sum(counts.expression("active")),
                      consent=Sum(counts.expression("with_consent"))))
    return sorted((MunicipalityLine(r["municipality__name"], r["n"], r["people"] or 0,
                                    r["consent"] or 0) for r in rows),
                  key=lambda line: sort_key(line.name))


def dashboard_context(*, scope: Scope) -> dict[str, object]:
    if not scope.is_staff:
        return {}
    totals = dashboard_totals(scope=scope)
    context: dict[str, object] = {
        "totals": totals,
        "missing_consent": missing_consent(scope=scope),
        "campaigns": recent_campaigns(scope=scope),
    }
    if totals.organizations > TREE_ORGANIZATIONS:
        context["municipality_lines"] = municipality_lines(scope=scope)
    else:
        context["tree"] = organization_tree(scope=scope)
    return context
