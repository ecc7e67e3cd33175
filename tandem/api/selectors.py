"""Reads the API adds to the apps' selectors: figures per pair, maps of visible pairs
(both start from ``pairs_visible``, so the scope decides as everywhere else), and the
API keys (before any scope: the key is what says who the user is)."""

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from tandem.access.scope import Scope
from tandem.accounts.models import User
from tandem.api.models import ApiToken, key_hash
from tandem.maps.models import Map, Row
from tandem.pairs.filters import PairFilters
from tandem.pairs.models import Pair
from tandem.pairs.selectors import PairPages, pair_q, pairs_search_pages, pairs_visible
from tandem.people.models import Participant
from tandem.web.order import by_keys


def pairs_listed(*, scope: Scope, filters: PairFilters | None = None,
                 today: dt.date | None = None) -> PairPages:
    """The API's list of pairs: the pairs page's own list
    (``pairs.selectors.pairs_search_pages``: the same pairs, filters — accepted by
    ``pairs.filters`` — and order, on PostgreSQL a region operator's by parts), whose page
    is cut before any figure is computed; the page's pairs then come with their figures
    (:func:`pairs_page`)."""
    pages = pairs_search_pages(
        scope=scope, **(filters or PairFilters()).search(),
        rows=lambda ids: pairs_page(scope=scope, ids=ids, today=today))
    assert isinstance(pages, PairPages)  # rows given: always the pages
    return pages


def pair_with_figures(*, scope: Scope, today: dt.date | None = None) -> QuerySet[Pair]:
    """Visible pairs, to pick by id, with the per-pair figures of
    ``Pair.objects.with_progress`` on ``today`` (tasks done and overdue per direction,
    meetings held and missed), in the same query: the dashboard's meanings of done,
    overdue, held and planned (docs/rules.md)."""
    return pairs_visible(scope=scope).with_progress(today or timezone.localdate())


def pairs_page(*, scope: Scope, ids: list[int], today: dt.date | None = None) -> list[Pair]:
    """The pairs ``ids`` (a page of :func:`pairs_listed`, already cut), with their people
    and figures, in that order: one query by primary key, the figures of these pairs
    only (issue #16: figures for every pair before the page was cut, 0.91 s at 100,000).
    The rule of :func:`pairs_visible` once more, each pair's organizations asked by key
    (``correlated``: 50 pairs by primary key, not the region's 5,000 organizations hashed),
    and only the joins the list shows — the members and their organizations, not the
    pair's organization (its id is on the pair) nor its curator."""
    return by_keys(ids, Pair.objects.filter(pair_q(scope=scope, correlated=True), pk__in=ids)
                   .select_related("a__organization", "b__organization")
                   .only(*PAGE_FIELDS).with_progress(today or timezone.localdate()))


# The columns of a page of pairs: the pair's own, and of its members what
# ``serializers.PersonSerializer`` shows (7 of 25 columns, 2 of 9 of the organization).
PAGE_FIELDS = (*(f.name for f in Pair._meta.concrete_fields),
               *(f"{m}__{f}" for m in ("a", "b")
                 for f in (*Participant.NAME_FIELDS, "position", "organization",
                           "organization__short_name")))


def maps_visible(*, scope: Scope) -> QuerySet[Map]:
    """Maps of the pairs the user may see (``pairs.selectors.pair_q``), with rows and
    their resources prefetched."""
    rows = Row.objects.prefetch_related("resources").order_by("direction", "order", "pk")
    return (Map.objects.filter(pair_q(scope=scope, via="pair"), pair__isnull=False)
            .prefetch_related(Prefetch("rows", queryset=rows)).order_by("-pk"))


def api_token_for_key(key: str) -> ApiToken | None:
    """The token of this key, with its user, or None."""
    return ApiToken.objects.select_related("user").filter(digest=key_hash(key)).first()


def api_token_of(*, user: User) -> ApiToken | None:
    """The user's own key (its hint and dates), or None."""
    return ApiToken.objects.filter(user=user).first()
