"""Issue #14, defect 9: /pairs/ finds a pair by surname, filters by status and
organization, and pages 50 at a time; a teacher still sees only their own pairs."""

import datetime as dt

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.testing import ParticipantFactory, World

START, END = dt.date(2026, 9, 1), dt.date(2027, 5, 31)


def _pairs(world: World, n: int) -> list[Participant]:
    people = [ParticipantFactory.create(organization=world.org_a, surname=f"Тестов{i:03d}")
              for i in range(2 * n)]
    Pair.objects.bulk_create([Pair(a=people[2 * i], b=people[2 * i + 1],
                                   organization=world.org_a, starts_on=START, ends_on=END)
                              for i in range(n)])
    return people


def test_search_filter_and_pages(client: Client, world: World) -> None:
    _pairs(world, 60)
    Pair.objects.create(a=world.bob_p, b=world.carol_p, organization=world.org_a,
                        starts_on=START, ends_on=END, status=Pair.Status.COMPLETED)
    client.force_login(world.alice)
    url = reverse("pairs:list")
    html = client.get(url).content.decode()
    assert "Найдено 61 пара." not in html and "Найдена 61 пара." in html
    assert "страница 1 из 2" in html and html.count('href="/pairs/') >= 50
    html = client.get(url, {"q": "Бобр"}).content.decode()
    assert "Бобров" in html and "Тестов000" not in html
    html = client.get(url, {"status": "completed"}).content.decode()
    assert "Найдена 1 пара." in html
    html = client.get(url, {"q": "Нетакого"}).content.decode()
    assert "Таких пар нет" in html
    # htmx: the table only.
    part = client.get(url, {"page": "2"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in part and "страница 2 из 2" in part
    # Junk in the query string is not a 500.
    assert client.get(url, {"organization": "²", "status": "x", "page": "-1"}).status_code == 200


FILTERS = [{}, {"municipality": "A"}, {"organization": "A", "status": "approved", "q": "Тестов"},
           {"municipality": "A", "organization": "A"}, {"organization": "forged"}]


def test_the_list_costs_the_same_queries_at_two_sizes(client: Client, world: World) -> None:
    """At 5 and 85 pairs, for a curator, a coordinator and the region operator, unfiltered,
    by municipality, organization, status and name, and with a refused organization."""
    values = {"A": {"municipality": world.municipality_a.pk, "organization": world.org_a.pk},
              "forged": {"organization": 99999999}}
    queries = [{k: values[v][k] if v in values else v for k, v in f.items()}
               for f in FILTERS]
    counts: dict[tuple[str, int], list[int]] = {}
    for n in (5, 80):
        _pairs(world, n)
        for user in (world.alice, world.erin, world.olga):
            client.force_login(user)
            for i, query in enumerate(queries):
                with CaptureQueriesContext(connection) as ctx:
                    assert client.get(reverse("pairs:list"), query).status_code == 200
                counts.setdefault((user.username, i), []).append(len(ctx))
    assert all(a == b for a, b in counts.values()), counts


def test_a_teacher_finds_only_their_own(client: Client, world: World) -> None:
    _pairs(world, 3)
    Pair.objects.create(a=world.bob_p, b=world.carol_p, organization=world.org_a,
                        starts_on=START, ends_on=END)
    client.force_login(world.bob)
    html = client.get(reverse("pairs:list"), {"q": "Тестов"}).content.decode()
    assert "Таких пар нет" in html and "Тестов000" not in html
    assert "Каролёва" in client.get(reverse("pairs:list")).content.decode()


def test_a_number_sign_stays_with_its_number(client: Client, world: World) -> None:
    """A narrow screen wraps «СОШ № 7» only before «№», never between «№» and «7»
    (``web/templatetags/typography.py``: a no-break space)."""
    world.org_a.short_name = "СОШ № 7"
    world.org_a.save()
    _pairs(world, 1)
    client.force_login(world.alice)
    table = client.get(reverse("pairs:list"), headers={"HX-Request": "true"}).content.decode()
    assert "СОШ №\u00a07" in table and "СОШ № 7" not in table


def test_a_coordinators_page_reads_its_people_for_the_page_only(client: Client,
                                                                 world: World) -> None:
    """A coordinator's pairs (the union of A's and B's sides, no index order): the page's
    keys are cut first, and only its 50 pairs are joined to their people (issue #16: all of
    a municipality's pairs were joined, then sorted, then cut)."""
    _pairs(world, 60)
    client.force_login(world.erin)
    for page in ("1", "2"):
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(reverse("pairs:list"), {"page": page}).content.decode()
        assert "Найдено 60 пар." in html
        people = [q["sql"] for q in ctx.captured_queries
                  if '"pairs_pair"' in q["sql"] and '"people_participant"' in q["sql"]
                  and "surname" in q["sql"]]
        assert len(people) == 1
        assert "LIMIT" not in people[0] and '"pairs_pair"."id" IN (' in people[0]
        keys = people[0].split('"pairs_pair"."id" IN (', 1)[1].split(")", 1)[0].split(",")
        assert len(keys) == (50 if page == "1" else 10)
