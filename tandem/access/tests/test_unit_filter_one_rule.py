"""One rule for the territory filters of every list (``access.forms.unit_filter``, issue
#16 follow-up), as ``pairs/tests/test_filters_one_meaning.py`` shows it for the pairs: the
participants (``/participants/``, ``/api/v1/participants/``: ``municipality`` and
``organization``) and the resources (``/resources/``, ``/api/v1/resources/``:
``organization``). For the region operator, the federal operator, a municipal
coordinator, a curator and a teacher, over any values (theirs, another municipality's,
another region's, forged, not a number): the API answers 400 exactly when a value is
refused, naming those parameters with the messages the page shows; otherwise both list
the same rows — those of the access rule filtered by hand."""

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
from tandem.people.models import Participant
from tandem.resources.models import Resource
from tandem.resources.selectors import resources_visible
from tandem.territory.models import Organization
from tandem.testing import World, build_resources

pytestmark = pytest.mark.django_db

LISTS = {  # page, API, the parameters it takes, a row's link on the page
    "participants": ("people:list", "/api/v1/participants/", ("municipality", "organization"),
                     re.compile(r'href="/participants/(\d+)/"')),
    "resources": ("resources:catalogue", "/api/v1/resources/", ("organization",),
                  re.compile(r'href="/resources/(\d+)/"')),
}


def _setting(world: World) -> Units:
    """Once per test (the examples share it): the units of the filters
    (``unit_filters.units``), with a resource of each of their organizations."""
    setting = units(world)
    if setting.made:
        build_resources(world)
        for code in ("far-school", "third"):
            org = Organization.objects.get(code=code)
            Resource.objects.create(title=f"Ресурс {org.code}", kind="material",
                                    level="organization", organization=org)
    return setting


def _rows(kind: str, user: User, filters: dict[str, Any], *, page: bool) -> set[int]:
    """The rows listed with the accepted ``filters``, by hand (the page lists the active
    ones only; the API all)."""
    scope = scope_for(user)
    municipality, organization = filters.get("municipality"), filters.get("organization")
    if kind == "participants":
        people = scope.participants(Participant.objects.select_related("organization"))
        return {p.pk for p in people
                if (not page or p.is_active)
                and (municipality is None or p.organization.municipality_id == municipality)
                and (organization is None or p.organization_id == organization)}
    return {r.pk for r in resources_visible(scope=scope)
            if (not page or r.is_active)
            and (organization is None or r.organization_id == organization)}


def _web(kind: str, user: User, query: dict[str, Any]) -> tuple[list[str], set[int]] | None:
    name, _api, _parameters, link = LISTS[kind]
    client = Client()
    client.force_login(user)
    response = client.get(reverse(name), query)
    if response.status_code in (302, 403):  # a teacher's participants: their own card;
        return None  # the federal operator: none of anyone's people
    assert response.status_code == 200
    body = response.content.decode()
    return ([unescape(m) for m in unit_filters.REFUSED.findall(body)],
            {int(pk) for pk in link.findall(body)})


def _api(kind: str, user: User, query: dict[str, Any]
         ) -> tuple[int, dict[str, list[str]], set[int]]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
    response = client.get(LISTS[kind][1], {**query, "page_size": 100})
    body = response.json()
    if response.status_code != 200:
        return response.status_code, body["error"]["fields"], set()
    return 200, {}, {p["id"] for p in body["results"]}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@example(kind="participants", persona="alice", municipality=None, organization="B")
@example(kind="resources", persona="alice", municipality=None, organization="B")
@example(kind="participants", persona="olga", municipality="B", organization="A")
@example(kind="resources", persona="bob", municipality=None, organization="A")
@given(
    kind=st.sampled_from(sorted(LISTS)),
    persona=st.sampled_from(unit_filters.PERSONAS),
    municipality=st.sampled_from([None, "A", "B", "far", "forged", "word"]),
    organization=st.sampled_from([None, "A", "B", "third", "far", "forged", "word"]),
)
def test_the_same_values_mean_the_same_on_the_page_and_in_the_api(
        world: World, kind: str, persona: str, municipality: str | None,
        organization: str | None) -> None:
    setting = _setting(world)
    user = setting.users[persona]
    parameters = LISTS[kind][2]
    query = {name: setting.values[name][value] for name, value
             in (("municipality", municipality), ("organization", organization))
             if value is not None and name in parameters}
    refused = unit_filters.refused(user, query)
    accepted = {k: v for k, v in query.items() if k not in refused}
    code, fields, api = _api(kind, user, query)
    if refused:
        assert code == 400 and set(fields) == refused, (kind, persona, query, fields)
    else:
        assert code == 200, (kind, persona, query, fields)
        assert api == _rows(kind, user, accepted, page=False), (kind, persona, query)
    web = _web(kind, user, query)
    if web is None:
        assert kind == "participants" and persona in ("bob", "federal")
        return
    said, listed = web
    page_refused, page_accepted = refused, accepted
    if unit_filters.form_drops(user, query):
        page_refused = refused - {"organization"}
        page_accepted = {k: v for k, v in accepted.items() if k != "organization"}
    messages = [m for name, ms in fields.items() if name in page_refused for m in ms]
    assert said == ([" ".join(messages)] if messages else []), (kind, persona, query, said)
    assert listed == _rows(kind, user, page_accepted, page=True), (kind, persona, query)


def test_a_curator_s_foreign_organization_is_refused_not_an_empty_list(
        world: World) -> None:
    """Worked example (both answered an empty 200 in the API, the page ignored it without
    a word): the curator of A asks for B's organization."""
    _setting(world)
    query = {"organization": world.org_b.pk}
    message = "Такой организации нет среди ваших: фильтр по организации не применён."
    for kind in LISTS:
        assert _api(kind, world.alice, query)[:2] == (400, {"organization": [message]}), kind
        web = _web(kind, world.alice, query)
        assert web is not None
        assert web[0] == [message], kind
        assert web[1] == _rows(kind, world.alice, {}, page=True) != set(), kind


def test_a_teacher_s_own_organization_is_refused_as_hers(world: World) -> None:
    """A teacher filters by no organization: her own is refused too — on the page and in
    the API with one message that says it is hers (not «нет среди ваших»); another one
    with «нет среди ваших»."""
    _setting(world)
    own = str(OWN_ORGANIZATION_NOT_FILTERED)
    for organization, message in [(world.org_a.pk, own),
                                  (world.org_b.pk, str(ORGANIZATION_NOT_YOURS))]:
        query = {"organization": organization}
        assert _api("resources", world.bob, query)[:2] == (
            400, {"organization": [message]}), organization
        web = _web("resources", world.bob, query)
        assert web is not None and web[0] == [message], organization
