"""Pages issue the same number of SQL queries whatever the data size."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.testing import (
    OrganizationFactory,
    World,
    build_diagnostics,
    bulk_participants,
    bulk_responses,
)
from tandem.web.personal_cache import personal_cache

PAGES = [
    ("alice", "dashboard"), ("erin", "dashboard"), ("olga", "dashboard"), ("bob", "dashboard"),
    ("alice", "people:list"), ("olga", "people:list"),
    ("alice", "territory:tree"), ("olga", "territory:tree"),
    ("olga", "audit:log"),
]


def _count(client: Client, url: str, *, cold: bool = True) -> int:
    """The page's queries; ``cold``: with an empty cache (the overview keeps its staff
    part in the shared cache, tandem/home/selectors.py: computed, not read, here)."""
    if cold:
        cache.clear()
        personal_cache().clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(world: World, per_org: int) -> None:
    for org in (world.org_a, world.org_b):
        bulk_participants(org, per_org)


@pytest.mark.parametrize(("persona", "name"), PAGES)
def test_query_count_does_not_grow_with_data(client: Client, world: World, persona: str,
                                             name: str) -> None:
    client.force_login(getattr(world, persona))
    url = reverse(name)
    _grow(world, 10)  # about 20 participants in all
    small = _count(client, url)
    _grow(world, 990)  # about 2,000
    for i in range(5):
        org = OrganizationFactory.create(municipality=world.municipality_a, name=f"Школа А{i}",
                                  code=f"a-extra-{i}")
        bulk_participants(org, 10)
    large = _count(client, url)
    assert small == large


@pytest.mark.parametrize("persona", ["alice", "erin", "olga", "bob"])
def test_the_overview_from_the_cache_is_cheaper_and_does_not_grow(
        client: Client, world: World, persona: str) -> None:
    """The overview kept by unit and the teacher's own part kept per user
    (tandem/home/selectors.py: ``overview``): read from the cache, the same few queries at
    20 and 2,000 people, and fewer than computing it (a teacher's page keeps nothing)."""
    client.force_login(getattr(world, persona))
    url = reverse("dashboard")
    _grow(world, 10)
    cold = _count(client, url)
    warm = _count(client, url, cold=False)
    _grow(world, 990)
    _count(client, url)  # computed again for the new data, then read
    assert _count(client, url, cold=False) == warm
    if persona == "bob":  # a teacher's page keeps nothing (home.selectors.overview)
        assert warm == cold
    else:
        assert warm < cold


@pytest.mark.parametrize("persona", ["alice", "olga"])
def test_card_query_count_is_fixed(client: Client, world: World, persona: str) -> None:
    client.force_login(getattr(world, persona))
    url = reverse("people:detail", kwargs={"pk": world.carol_p.pk})
    small = _count(client, url)
    _grow(world, 1000)
    assert _count(client, url) == small


@pytest.mark.parametrize("persona", ["alice", "olga"])
def test_diagnostics_pages_do_not_grow(client: Client, world: World, persona: str) -> None:
    dw = build_diagnostics(world)
    client.force_login(getattr(world, persona))
    urls = [reverse("diagnostics:campaigns"),
            reverse("diagnostics:campaign", kwargs={"pk": dw.campaign_a.pk}),
            reverse("diagnostics:map", kwargs={"pk": dw.campaign_a.pk})]
    bulk_responses(dw.campaign_a, bulk_participants(world.org_a, 17))
    small = [_count(client, url) for url in urls]
    bulk_responses(dw.campaign_a, bulk_participants(world.org_a, 20))
    assert [_count(client, url) for url in urls] == small
    # Past 60 respondents the map switches from people (their answers read, ≤ 60 of them:
    # the totals from the same answers as the columns) to organizations (the kept sums):
    # a count of its own, the same at 2,000 and at 2,500.
    bulk_responses(dw.campaign_a, bulk_participants(world.org_a, 1963))
    large = [_count(client, url) for url in urls]
    bulk_responses(dw.campaign_a, bulk_participants(world.org_a, 500))
    assert [_count(client, url) for url in urls] == large
    assert large[0] == small[0]  # the list of campaigns does not show the map


def test_resource_catalogue_does_not_grow(client: Client, world: World) -> None:
    from tandem.diagnostics.models import Competency
    from tandem.resources.models import Resource
    from tandem.testing import build_resources

    build_resources(world)
    client.force_login(world.olga)
    url = reverse("resources:catalogue")
    small = _count(client, url)
    competencies = list(Competency.objects.all()[:3])
    for i in range(120):
        resource = Resource.objects.create(title=f"Ресурс {i}", kind="material",
                                           level="region", region=world.region)
        resource.competencies.set(competencies)
    assert _count(client, url) == small


def test_pair_pages_do_not_grow(client: Client, world: World) -> None:
    import datetime as dt

    from tandem.pairs.models import Pair
    from tandem.testing import build_pairs

    pairs_world = build_pairs(world)
    client.force_login(world.alice)
    urls = [reverse("pairs:list"), reverse("pairs:formation"),
            reverse("pairs:run", kwargs={"pk": pairs_world.run.pk})]  # type: ignore[attr-defined]

    def grow(n: int) -> None:
        people = list(bulk_participants(world.org_a, 2 * n).order_by("-pk")[: 2 * n])
        Pair.objects.bulk_create([
            Pair(a=people[2 * i], b=people[2 * i + 1], organization=world.org_a,
                 starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31))
            for i in range(n)])

    grow(5)
    small = [_count(client, url) for url in urls]
    grow(150)
    assert [_count(client, url) for url in urls] == small


@pytest.mark.parametrize("name", ["people:list", "pairs:list"])
def test_territory_filters_do_not_grow(client: Client, world: World, name: str) -> None:
    """The region operator's list filtered by a municipality, by an organization, or not
    at all: the select holds one municipality's organizations at most (issue #16), and the
    number of queries does not follow the number of people or organizations."""
    client.force_login(world.olga)
    base = reverse(name)
    urls = [base, f"{base}?municipality={world.municipality_a.pk}",
            f"{base}?organization={world.org_a.pk}",
            f"{base}?municipality={world.municipality_b.pk}&organization={world.org_a.pk}"]
    _grow(world, 10)
    small = [_count(client, url) for url in urls]
    _grow(world, 990)
    for i in range(5):
        org = OrganizationFactory.create(municipality=world.municipality_a,
                                         name=f"Школа А{i}", code=f"a-extra-{i}")
        bulk_participants(org, 10)
    assert [_count(client, url) for url in urls] == small


# The forms that choose one organization (issue #16): a municipality, then its
# organizations — the same queries with 2 organizations or 62, 20 people or 2,000.
FORMS = [
    ("olga", "people:create", lambda w: ""),
    ("olga", "people:create", lambda w: f"?organization={w.org_a.pk}"),
    ("alice", "people:create", lambda w: ""),
    ("olga", "pairs:formation", lambda w: f"?municipality={w.municipality_a.pk}"),
    ("alice", "pairs:formation", lambda w: ""),
    ("olga", "roster:import", lambda w: "?q=Школа"),
    ("alice", "roster:import", lambda w: ""),
    ("olga", "diagnostics:campaign_create", lambda w: ""),
    ("olga", "territory:choices", lambda w: f"?municipality={w.municipality_a.pk}"),
]


@pytest.mark.parametrize(("persona", "name", "query"), FORMS)
def test_organization_choices_query_count_does_not_grow(
        client: Client, world: World, persona: str, name: str, query: object) -> None:
    client.force_login(getattr(world, persona))
    url = reverse(name) + query(world)  # type: ignore[operator]
    if name == "roster:import" and "?q=" in url:
        # The search runs past the first CODES_LISTED organizations (below, all are listed
        # without it): both sizes in that regime, 52 organizations and 112.
        for i in range(50):
            OrganizationFactory.create(municipality=world.municipality_b,
                                       name=f"Гимназия {i}", code=f"g-{i}")
    small = _count(client, url)
    for i in range(30):
        for mun in (world.municipality_a, world.municipality_b):
            OrganizationFactory.create(municipality=mun, name=f"Школа {mun.code} {i}",
                                       code=f"x-{mun.code}-{i}")
    _grow(world, 1000)
    assert _count(client, url) == small


def test_a_cards_edit_query_count_does_not_grow(client: Client, world: World) -> None:
    client.force_login(world.olga)
    url = reverse("people:edit", kwargs={"pk": world.carol_p.pk})
    small = _count(client, url)
    for i in range(30):
        OrganizationFactory.create(municipality=world.municipality_a, name=f"Школа {i}",
                                   code=f"x-{i}")
    _grow(world, 1000)
    assert _count(client, url) == small


@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_the_teacher_s_own_part_does_not_grow_with_her_data(
        client: Client, world: World, persona: str) -> None:
    """The own part of the overview (tandem/home/selectors.py: ``own_context``; kept per
    user for staff, computed for a teacher): the same queries computed and from the cache
    with one questionnaire and a pair with a meeting, and with forty questionnaires, a
    pair with fifty meetings and thirty overdue tasks."""
    import datetime as dt

    from django.utils import timezone

    from tandem.diagnostics.defaults import ensure_default_framework
    from tandem.diagnostics.models import Campaign, Response
    from tandem.maps.models import Map, Meeting, Row
    from tandem.pairs.models import Pair

    me = world.alice_p if persona == "alice" else world.bob_p
    today = timezone.localdate()
    framework = ensure_default_framework()
    pair = Pair.objects.create(a=me, b=world.carol_p, organization=world.org_a,
                               starts_on=today - dt.timedelta(days=30),
                               ends_on=today + dt.timedelta(days=200),
                               status=Pair.Status.ACTIVE)
    the_map = Map.objects.create(pair=pair, status=Map.Status.IN_PROGRESS)

    def grow(campaigns: int, meetings: int, tasks: int) -> None:
        for i in range(campaigns):
            campaign = Campaign.objects.create(
                title=f"Диагностика {i}", organization=world.org_a, framework=framework,
                starts_on=today - dt.timedelta(days=i), ends_on=today + dt.timedelta(days=9))
            Response.objects.create(campaign=campaign, participant=me)
        Meeting.objects.bulk_create([
            Meeting(pair=pair, date=today + dt.timedelta(days=i % 6), topic=f"Встреча {i}",
                    planned=True) for i in range(meetings)])
        Row.objects.bulk_create([
            Row(map=the_map, direction=Row.Direction.A_TO_B, order=100 + i,
                competency="ict.x", title=f"Задача {i}", current_level=0, target_level=2,
                partner_level=3, task="Задача", deadline=today - dt.timedelta(days=1),
                product="Тест", evidence="Показ") for i in range(tasks)])

    client.force_login(getattr(world, persona))
    url = reverse("dashboard")
    grow(1, 1, 1)
    small = (_count(client, url), _count(client, url, cold=False))
    grow(39, 49, 29)
    assert (_count(client, url), _count(client, url, cold=False)) == small
