"""The pair list's filters — one home (issue #16): what ``q``, ``status``, ``municipality``
and ``organization`` mean and which values are refused, for the pairs page (``/pairs/``)
and the API's list (``/api/v1/pairs/``) alike. Both then read the one list
(``pairs.selectors.pairs_search_pages``) with the values accepted here, so the same values
give the same pairs.

- ``q``: a member's name, every word (``pairs.selectors._search``);
- ``status``: one of ``Pair.Status``;
- ``municipality``: one of the user's municipalities (those with an organization in their
  scope, ``access.forms.unit_choices``) — the pairs whose member works in one of its
  organizations of the scope;
- ``organization``: one of the user's organizations — the pairs whose member A or B works
  there; with a municipality, one of that municipality's.

The territory's rule is every list's (``access.forms.unit_filter``). A value that is none of
the user's — a forged or stale id, another region's unit, any unit
from a teacher or the federal operator (they have no territory to filter), an unknown
status — is refused with a Russian message for its parameter (:attr:`PairFilters.errors`),
never read as «no filter» nor applied to the pairs the user happens to see from another
side. The API answers such a request 400 (``fields`` names the parameter); the page says
the message above the list and lists without the refused filter (the message says so)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from tandem.access.forms import UnitChoices, unit_filter
from tandem.access.scope import Scope
from tandem.pairs.models import Pair
from tandem.web.forms import search_text

STATUS_UNKNOWN = _("Такого статуса пары нет: фильтр по статусу не применён.")
# The parameters, in the order their messages are shown.
PARAMETERS = ("q", "status", "municipality", "organization")


@dataclass(frozen=True)
class PairFilters:
    """The filters accepted of one request, and the messages of those refused."""

    text: str = ""
    status: str = ""
    municipality_id: int | None = None
    organization_id: int | None = None
    # The chosen municipality's organizations in the user's scope
    # (``UnitFilter.organization_ids``).
    organization_ids: tuple[int, ...] | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def search(self) -> dict[str, Any]:
        """The accepted filters as ``pairs_search_pages`` takes them."""
        return {"text": self.text, "status": self.status,
                "organization_id": self.organization_id,
                "organization_ids": self.organization_ids}

    def query(self) -> dict[str, str]:
        """The accepted filters as a query string's values (links to the other pages)."""
        return {k: str(v) for k, v in (("q", self.text), ("status", self.status),
                                       ("municipality", self.municipality_id or ""),
                                       ("organization", self.organization_id or "")) if v}


def pair_filters(scope: Scope, data: Mapping[str, Any], *,
                 units: UnitChoices | None = None) -> PairFilters:
    """Read the pair list's filters from a query string's ``data``. ``units``: the
    territory choices already read for these values (the page's filter form), else read
    by ``unit_filter`` — two queries, only when a municipality or an organization is
    given."""
    errors: dict[str, str] = {}
    status = str(data.get("status") or "").strip()
    if status and status not in Pair.Status.values:
        errors["status"], status = str(STATUS_UNKNOWN), ""
    territory = unit_filter(scope, data, units=units)
    errors.update(territory.errors)
    return PairFilters(text=search_text(data.get("q")), status=status,
                       municipality_id=territory.municipality_id,
                       organization_id=territory.organization_id,
                       organization_ids=territory.organization_ids,
                       errors={k: errors[k] for k in PARAMETERS if k in errors})
