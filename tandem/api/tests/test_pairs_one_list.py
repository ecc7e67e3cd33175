"""One list of a scope's pairs (``pairs.selectors.pairs_search_pages``) behind the pairs
page ``/pairs/`` and the API's ``/api/v1/pairs/``: for every persona — curators, both
coordinators, region operators of one and of two regions (pairs seen from B's side
included), the federal operator, a teacher, an outsider — both list the same pairs in the
same order with the same filters; the API's page is cut before its figures; a member's
name is found by the people's search (``search_name``: ё = е, any case)."""

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import Scope, scope_for
from tandem.accounts.models import User
from tandem.api.services import api_token_issue
from tandem.api.tests.conftest import error
from tandem.core.text import normalize_name
from tandem.pairs.models import Pair
from tandem.pairs.selectors import NEWEST, PairPages, pair_q, pairs_search, pairs_search_pages
from tandem.pairs.tests.pair_lists import TERM, far_organization, new_people
from tandem.territory.models import Organization
from tandem.testing import OrganizationFactory, UserFactory, World

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="/pairs/(\d+)/"')


def _personas(world: World, far: Organization) -> dict[str, User]:
    both = UserFactory.create(username="both-regions")
    far_operator = UserFactory.create(username="far-operator")
    federal = UserFactory.create(username="federal")
    outsider = UserFactory.create(username="outsider")
    other = far.municipality.region
    RoleAssignment.objects.bulk_create([
        RoleAssignment(user=both, role=Role.REGION_OPERATOR, region=world.region),
        RoleAssignment(user=both, role=Role.REGION_OPERATOR, region=other),
        RoleAssignment(user=far_operator, role=Role.REGION_OPERATOR, region=other),
        RoleAssignment(user=federal, role=Role.FEDERAL_OPERATOR)])
    return {u.username: u for u in (world.alice, world.bob, world.charlie, world.dave,
                                    world.erin, world.olga, both, far_operator, federal,
                                    outsider)}


def _web(user: User, query: dict[str, Any]) -> list[int]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("pairs:list"), query, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return [int(pk) for pk in LINK.findall(response.content.decode())]


def _api(client: APIClient, query: dict[str, Any], size: int = 3) -> tuple[int, list[int]]:
    """Every page of the API's list, ``size`` a page: its count and its pairs in order."""
    ids: list[int] = []
    page, count = 1, 0
    while True:
        response = client.get("/api/v1/pairs/", {**query, "page": page, "page_size": size})
        assert response.status_code == 200, response.content
        body = response.json()
        count = body["count"]
        ids += [p["id"] for p in body["results"]]
        if body["next"] is None:
            return count, ids
        page += 1


def _api_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
    return client


def _rule(user: User, **filters: Any) -> list[int]:
    """The oracle: the access rule (``pair_q``), newest first, filtered by hand."""
    pairs = Pair.objects.filter(pair_q(scope=scope_for(user))).order_by(*NEWEST)
    out = []
    for pair in pairs.select_related("a", "b"):
        if filters.get("status") and pair.status != filters["status"]:
            continue
        if filters.get("organization") and filters["organization"] not in (
                pair.a_organization_id, pair.b_organization_id):
            continue
        if filters.get("q") and not all(
                any(word in m.search_name for m in (pair.a, pair.b))
                for word in normalize_name(filters["q"]).split()[:3]):
            continue
        out.append(pair.pk)
    return out


@pytest.mark.django_db(transaction=False)
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    pairs=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8), st.integers(0, 3),
                             st.sampled_from(Pair.Status.values)),
                   min_size=1, max_size=9),
    status=st.sampled_from(["", *Pair.Status.values]),
    organization=st.integers(0, 3) | st.none(),
    q=st.sampled_from(["", "каролева", "КАРОЛЁВА", "чарлин олегович", "Бобров"]),
)
def test_the_page_and_the_api_list_the_same_pairs_in_the_same_order(
        world: World, pairs: list[tuple[int, int, int, str]], status: str,
        organization: int | None, q: str) -> None:
    """Two regions, pairs across them (seen from B's side), creation times with ties; for
    every persona and filters, the pairs page, the API (walked 3 a page) and the access
    rule filtered by hand give the same pairs in the same order."""
    with transaction.atomic():
        far = far_organization()
        organizations = [world.org_a, world.org_b, far,
                         OrganizationFactory.create(municipality=world.municipality_a,
                                                    code="third")]
        people = [world.bob_p, world.carol_p, world.charlie_p,
                  *new_people(far, 3),
                  *new_people(organizations[3], 3)]
        made = []
        for i, j, day, pair_status in dict.fromkeys(
                (min(i, j), max(i, j), d, s) for i, j, d, s in pairs if i != j):
            if Pair.objects.filter(a=people[i], b=people[j]).exists():
                continue
            made.append(Pair.objects.create(a=people[i], b=people[j], status=pair_status,
                                            organization=people[i].organization, **TERM))
            Pair.objects.filter(pk=made[-1].pk).update(  # ties on purpose
                created_at=dt.datetime(2026, 12, 1 + day, tzinfo=dt.UTC))
        for name, user in _personas(world, far).items():
            scope = scope_for(user)
            mine = {o.pk for o in scope.organizations()} if scope.is_staff else set()
            filters: dict[str, Any] = {"status": status, "q": q}
            chosen = organizations[organization] if organization is not None else None
            if chosen is not None and chosen.pk in mine:
                filters["organization"] = chosen.pk
            query = {k: v for k, v in filters.items() if v}
            expected = _rule(user, **filters)
            web = _web(user, query)
            count, api = _api(_api_client(user), query)
            assert web == expected, (name, query)
            assert api == web and count == len(web), (name, query)
        transaction.set_rollback(True)


def test_the_api_and_the_page_share_the_organization_filter(world: World) -> None:
    """A municipal-pool pair (A of the first organization, B of the second) is found by
    B's organization in the API as on the page (the API filtered by the pair's own
    organization before)."""
    pool = Pair.objects.create(a=world.carol_p, b=world.charlie_p, organization=world.org_a,
                               **TERM)
    query = {"organization": world.org_b.pk}
    assert _web(world.olga, query) == [pool.pk]
    assert _api(_api_client(world.olga), query) == (1, [pool.pk])


def test_a_member_is_found_by_the_people_s_search(world: World) -> None:
    """ё = е and any case, by any of surname, name, patronymic: the people's search
    (``search_name``), on the page and in the API (which had no search before)."""
    pair = Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a,
                               **TERM)
    other = Pair.objects.create(a=world.alice_p, b=world.charlie_p, organization=world.org_a,
                                **TERM)
    client = _api_client(world.olga)
    for text in ("каролева", "КАРОЛЁВА", "олегович", "Бобров Карина"):
        assert _web(world.olga, {"q": text}) == [pair.pk], text
        assert _api(client, {"q": text}) == (1, [pair.pk]), text
    assert _api(client, {"q": "Чарлин"}) == (1, [other.pk])


def test_an_unknown_status_is_refused_by_the_api(api: Any, world: World) -> None:
    response = api(world.olga).get("/api/v1/pairs/", {"status": "lost"})
    assert response.status_code == 400
    assert "status" in error(response)["fields"]


def test_an_outsider_lists_no_pair(world: World) -> None:
    Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a, **TERM)
    outsider = UserFactory.create(username="outsider")
    assert _web(outsider, {}) == []
    assert _api(_api_client(outsider), {}) == (0, [])
    assert _api(_api_client(world.olga), {})[0] == 1


def _more(world: World, far: Organization, n: int) -> None:
    here = new_people(world.org_a, n)
    there = new_people(far, n)
    Pair.objects.bulk_create([Pair(a=x, b=y, organization=world.org_a, **TERM)
                              for x, y in zip(here, there, strict=True)])
    Pair.objects.bulk_create([Pair(a=y, b=x, organization=far, **TERM)  # seen from B
                              for x, y in zip(here[: n // 2], there[n // 2:], strict=True)])


def _queries(client: APIClient, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("who", ["olga", "both-regions", "erin", "alice"])
def test_the_api_list_takes_as_many_queries_at_any_size(world: World, who: str) -> None:
    """The same number of queries with 10 and 300 pairs (pairs seen from B's side among
    them), for one region, two regions, a coordinator and a curator."""
    far = far_organization()
    user = _personas(world, far)[who]
    client = _api_client(user)
    urls = ["/api/v1/pairs/?page_size=5&page=2",
            f"/api/v1/pairs/?page_size=5&municipality={world.municipality_a.pk}",
            f"/api/v1/pairs/?page_size=5&municipality={world.municipality_a.pk}"
            f"&organization={world.org_a.pk}&status=approved&q=a"]
    _more(world, far, 10)
    client.get(urls[0])  # warm the token's last_used_at
    small = [len(_queries(client, url)) for url in urls]
    _more(world, far, 300)
    assert [len(_queries(client, url)) for url in urls] == small


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the parts: PostgreSQL only")
def test_the_api_reads_a_region_operator_s_list_by_parts(world: World) -> None:
    """On PostgreSQL the API's list of an operator of two regions is read by parts (one
    ``UNION ALL``, each region its own range), as the page's, not by ``region IN (…)``
    (the country walked newest first, issue #16)."""
    far = far_organization()
    _more(world, far, 4)
    statements = _queries(_api_client(_personas(world, far)["both-regions"]),
                          "/api/v1/pairs/?page_size=5")
    listing = [s for s in statements if "pairs_pair" in s and "UNION ALL" in s]
    assert len(listing) == 2  # the count and the page's keys


@pytest.mark.parametrize(("who", "queries"), [("alice", 1), ("erin", 2)])
def test_pairs_search_pages_without_rows_is_the_page_s_queryset(
        world: World, who: str, queries: int) -> None:
    """The page's own reading: one query a page when the list is one part (a curator);
    a coordinator's — the union of A's and B's sides, in no index's order — the page's
    keys, then its rows by key (two: not all of a municipality's pairs joined to their
    people before the sort keeps 50, h/slow; on PostgreSQL the keys in a block of their
    own without parallel workers, h/coordpairs: its statements not counted)."""
    Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a, **TERM)
    pages = pairs_search_pages(scope=scope_for(getattr(world, who)))
    with CaptureQueriesContext(connection) as ctx:
        assert [p.a_id for p in pages[0:50]] == [world.carol_p.pk]
    control = ("BEGIN", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET LOCAL")
    assert len([q for q in ctx.captured_queries
                if not q["sql"].upper().startswith(control)]) == queries


def test_a_name_is_read_from_the_names_kept_on_the_pair(world: World) -> None:
    """The search reads the members' names kept on the pair (``Pair.names``), one LIKE a
    word on the pair's own row (on PostgreSQL by the trigram index) — not a probe of each
    pair's two members by key, one EXISTS a word (a region's 45,000 pairs read for a rare
    name, 470–525 ms, issue #16), nor ``a IN (people named …)``."""
    Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a, **TERM)
    pages = pairs_search_pages(scope=scope_for(world.olga), text="Каролёва Борис")
    with CaptureQueriesContext(connection) as ctx:
        assert len(pages[0:50]) == 1
    statement = ctx.captured_queries[-1]["sql"].replace("::text", "")
    assert "EXISTS" not in statement
    assert statement.count('"pairs_pair"."names" LIKE') == 2


def _deep(world: World) -> dict[str, tuple[Scope, PairPages]]:
    """An operator of two regions and one of a region with pairs seen from B's side, 36
    pairs on three instants only (ties of ``created_at`` across the parts): their lists
    by parts."""
    far = far_organization()
    _more(world, far, 12)
    base = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
    for k in range(3):  # the test's own rewrite of the stamps (not the app's code)
        Pair.objects.filter(pk__in=[pk for pk in Pair.objects.values_list("pk", flat=True)
                                    if pk % 3 == k]).update(
            created_at=base - dt.timedelta(minutes=k))
    personas = _personas(world, far)
    out = {}
    for who in ("both-regions", "olga"):
        scope = scope_for(personas[who])
        pages = pairs_search_pages(scope=scope)
        assert isinstance(pages, PairPages) and len(pages.parts) == 2, who
        out[who] = scope, pages
    return out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the parts: PostgreSQL only")
def test_a_deep_page_by_parts_is_the_plain_query_s_page(world: World) -> None:
    """Worked example: a page beyond the first, its pairs tied on ``created_at`` across
    the parts, is the page of the plain ``region IN (…) OR id IN (…)`` query, in its
    order (newest first, then the higher number), at every page of 5 and at the end."""
    for who, (scope, pages) in _deep(world).items():
        plain = list(pairs_search(scope=scope).order_by(*NEWEST)
                     .values_list("pk", flat=True))
        assert len(plain) > 15 and pages.count() == len(plain), who
        for start in range(0, len(plain) + 5, 5):
            assert pages.ids(start, start + 5) == plain[start:start + 5], (who, start)
            assert [p.pk for p in pages[start:start + 5]] == plain[start:start + 5]
        assert pages.ids(7, None) == plain[7:], who


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the parts: PostgreSQL only")
def test_a_page_s_keys_are_one_statement_returning_only_the_page(world: World) -> None:
    """A deep page's keys: one statement, merged and cut by PostgreSQL — it returns the
    page's 5 keys, not the first ``stop`` (15) keys of each part to merge in Python
    (a deep page's cost grew with its depth, issue #16)."""
    for who, (_scope, pages) in _deep(world).items():
        fetched: list[int] = []

        def count_rows(execute: Any, sql: str, params: Any, many: bool,
                       context: dict[str, Any], fetched: list[int] = fetched) -> Any:
            result = execute(sql, params, many, context)
            fetched.append(context["cursor"].rowcount)
            return result

        with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(count_rows):
            keys = pages.ids(10, 15)
        assert len(keys) == 5, who
        assert len(ctx.captured_queries) == 1, who
        assert fetched == [5], (who, fetched)
        assert ctx.captured_queries[0]["sql"].endswith("LIMIT 5 OFFSET 10"), who
