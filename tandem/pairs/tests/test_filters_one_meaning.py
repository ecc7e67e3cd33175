"""One meaning for the pair list's filters (``pairs.filters``, issue #16): the pairs page
``/pairs/`` and the API's ``/api/v1/pairs/`` read ``q``, ``status``, ``municipality`` and
``organization`` alike. For the region operator, the federal operator, a municipal
coordinator, a curator and a teacher, over any values (theirs, another municipality's,
another region's, forged): the API answers 400 exactly when a value is refused, naming
those parameters with the messages the page shows; otherwise both list the same pairs —
those of the access rule filtered by hand."""

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tandem.access.forms import ORGANIZATION_NOT_YOURS, OWN_ORGANIZATION_NOT_FILTERED
from tandem.access.scope import scope_for
from tandem.access.tests import unit_filters
from tandem.access.tests.unit_filters import Units, units
from tandem.accounts.models import User
from tandem.api.services import api_token_issue
from tandem.core.text import normalize_name
from tandem.pairs.models import Pair
from tandem.pairs.selectors import NEWEST, pair_q
from tandem.pairs.tests.pair_lists import TERM, new_people
from tandem.testing import World

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="/pairs/(\d+)/"')


def _setting(world: World) -> Units:
    """Once per test (the examples share it): the units of the filters
    (``unit_filters.units``), pairs across their four organizations and the teacher
    Bob's own."""
    setting = units(world)
    if setting.made:
        here = new_people(world.org_a, 3)
        people = [world.bob_p, world.carol_p, world.charlie_p, *here, *setting.far_people,
                  *setting.third_people]
        for k, (i, j) in enumerate([(0, 1), (0, 5), (1, 2), (3, 8), (4, 6), (6, 3), (7, 9),
                                    (2, 7), (9, 4), (5, 8), (8, 2), (1, 6)]):
            pair = Pair.objects.create(a=people[i], b=people[j],
                                       organization=people[i].organization,
                                       status=Pair.Status.values[k % 3], **TERM)
            Pair.objects.filter(pk=pair.pk).update(  # the test's own stamps: an order
                created_at=dt.datetime(2026, 12, 1 + k % 4, tzinfo=dt.UTC))
    return setting


def _oracle(user: User, filters: dict[str, Any]) -> tuple[set[str], list[int]]:
    """The refused parameters and the pairs listed with the others, worked out by hand:
    a unit is the user's when it is (of) an organization of their scope."""
    scope = scope_for(user)
    mine = unit_filters.mine(user)
    refused = unit_filters.refused(user, filters)
    if filters.get("status") and filters["status"] not in Pair.Status.values:
        refused.add("status")
    municipality, organization = filters.get("municipality"), filters.get("organization")
    out = []
    for pair in (Pair.objects.filter(pair_q(scope=scope)).order_by(*NEWEST)
                 .select_related("a", "b")):
        members = {pair.a_organization_id, pair.b_organization_id}
        if "status" not in refused and filters.get("status") \
                and pair.status != filters["status"]:
            continue
        if "organization" not in refused and organization is not None \
                and organization not in members:
            continue
        if "municipality" not in refused and municipality is not None and not any(
                mine.get(o) == municipality for o in members):
            continue
        if filters.get("q") and not any(normalize_name(filters["q"]) in m.search_name
                                        for m in (pair.a, pair.b)):
            continue
        out.append(pair.pk)
    return refused, out


def _web(user: User, query: dict[str, Any]) -> tuple[list[str], list[int]]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("pairs:list"), query)
    assert response.status_code == 200
    body = response.content.decode()
    said = [unescape(m) for m in unit_filters.REFUSED.findall(body)]
    return said, [int(pk) for pk in LINK.findall(body)]


def _api(user: User, query: dict[str, Any]) -> tuple[int, dict[str, list[str]], list[int]]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
    response = client.get("/api/v1/pairs/", {**query, "page_size": 100})
    body = response.json()
    if response.status_code != 200:
        return response.status_code, body["error"]["fields"], []
    return 200, {}, [p["id"] for p in body["results"]]


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@example(persona="olga", status="", municipality="B", organization="A", q="")
@given(
    persona=st.sampled_from(unit_filters.PERSONAS),
    status=st.sampled_from(["", *Pair.Status.values, "lost"]),
    municipality=st.sampled_from([None, "A", "B", "far", "forged", "word"]),
    organization=st.sampled_from([None, "A", "B", "third", "far", "forged", "word"]),
    q=st.sampled_from(["", "бобров", "каролёва"]),
)
def test_the_same_values_mean_the_same_on_the_page_and_in_the_api(
        world: World, persona: str, status: str, municipality: str | None,
        organization: str | None, q: str) -> None:
    setting = _setting(world)
    user = setting.users[persona]
    query: dict[str, Any] = {"status": status, "q": q}
    if municipality is not None:
        query["municipality"] = setting.values["municipality"][municipality]
    if organization is not None:
        query["organization"] = setting.values["organization"][organization]
    query = {k: v for k, v in query.items() if v != ""}
    by_hand = {k: v for k, v in query.items()
               if k in ("status", "q") or isinstance(v, int)}
    refused, expected = _oracle(user, by_hand)
    for name in ("municipality", "organization"):  # not a number: none of anyone's
        if name in query and not isinstance(query[name], int):
            refused.add(name)
    said, web = _web(user, query)
    code, fields, api = _api(user, query)
    # The one difference left (docs/api.md): the page's form drops, without a word, an
    # organization of the user's outside the chosen municipality of the user's — its
    # reload after another municipality was chosen (access.forms); the API refuses it.
    page_refused, page_expected = refused, expected
    if unit_filters.form_drops(user, by_hand):
        page_refused = refused - {"organization"}
        page_expected = _oracle(user, {k: v for k, v in by_hand.items()
                                       if k != "organization"})[1]
    if refused:
        assert code == 400 and set(fields) == refused, (persona, query, fields)
        messages = [m for name, ms in fields.items() if name in page_refused for m in ms]
        # The same words on the page.
        assert said == ([" ".join(messages)] if messages else []), (persona, query)
    else:
        assert code == 200 and not said, (persona, query, fields, said)
        assert api == expected, (persona, query)
    assert web == page_expected, (persona, query)


def test_a_teacher_s_organization_filter_is_refused_on_both(world: World) -> None:
    """Worked example (it was applied by the API, ignored by the page): the teacher's own
    organization is no territory of theirs to filter by — refused with words true for
    her (it is hers, but only the programme's staff filter by organization); another
    organization with «нет среди ваших»."""
    _setting(world)
    for organization, message in [(world.org_a.pk, OWN_ORGANIZATION_NOT_FILTERED),
                                   (world.org_b.pk, ORGANIZATION_NOT_YOURS)]:
        query = {"organization": organization}
        said, web = _web(world.bob, query)
        assert said == [str(message)], organization
        assert web == _oracle(world.bob, {})[1] != []
        assert _api(world.bob, query)[:2] == (400, {"organization": said})


def test_a_municipality_filters_the_api_as_the_page(world: World) -> None:
    """Worked example: the API had no municipality filter. A's municipality gives the
    pairs with a member in its organizations (the second one's too), not B's alone."""
    setting = _setting(world)
    query = {"municipality": world.municipality_a.pk}
    listed = _api(world.olga, query)[2]
    assert listed == _web(world.olga, query)[1] == _oracle(world.olga, query)[1]
    third = setting.values["organization"]["third"]
    assert any(third in (p.a_organization_id, p.b_organization_id)
               for p in Pair.objects.filter(pk__in=listed))
    only_b = Pair.objects.exclude(a_organization__municipality=world.municipality_a).exclude(
        b_organization__municipality=world.municipality_a)
    assert not set(listed) & set(only_b.values_list("pk", flat=True))


def test_a_foreign_organization_is_refused_not_applied_to_the_pairs_seen(
        world: World) -> None:
    """Worked example: the region operator sees a pair of theirs whose member B works in
    another region; that region's organization was a filter the API applied (listing the
    pair), while the page refused it — now both refuse it."""
    setting = _setting(world)
    far = setting.values["organization"]["far"]
    assert isinstance(far, int)
    assert Pair.objects.filter(pair_q(scope=scope_for(world.olga)), b_organization=far)
    query = {"organization": far}
    assert _api(world.olga, query)[:2] == (
        400, {"organization": ["Такой организации нет среди ваших: фильтр по организации "
                               "не применён."]})
    said, web = _web(world.olga, query)
    assert said and web == _oracle(world.olga, {})[1]
