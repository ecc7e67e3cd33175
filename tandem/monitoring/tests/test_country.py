"""Issue #16, item 1: the federal operator sees the figures of every region side by side
(the same dashboard one level up) and no personal data: no unit below a region, no person,
no report file; a region operator still sees their own region only."""

import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.access.filters import Filters
from tandem.access.scope import Scope
from tandem.access.tests.personas import federal_operator
from tandem.accounts.models import User
from tandem.monitoring import selectors
from tandem.people.models import Participant
from tandem.territory.models import Municipality, Organization, Region
from tandem.testing import built_once

PLACES = "<h3>Где искать наставников</h3>"
# Where the places would be at the country's level, for those who see them in a region.
HINT = "Где искать наставников — выберите регион"
# The tables the places are read from (the standard view: StrongBest; a period:
# StrongTally); the country's mentors figure reads the municipalities' sums.
PLACE_TABLES = ("diagnostics_strongbest", "diagnostics_strongtally")


class TestCountry:
    """The country's tests read one demo country (two regions of 100), seeded once per
    class and test worker in a transaction of its own, rolled back at the end
    (tandem.testing.built_once); each test runs in a savepoint of its own on copies of
    the regions. The seeding was done again for each test, the better part of its time."""

    @pytest.fixture(scope="class")
    @classmethod
    def seeded(cls, django_db_setup: None, django_db_blocker: Any,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Region]]:
        with built_once(django_db_blocker, tmp_path_factory.mktemp("country-media")):
            call_command("seed-demo", "--regions", "2", "--participants", "100",
                         stdout=StringIO(), stderr=StringIO())
            yield list(Region.objects.order_by("code"))

    @pytest.fixture
    def country(self, seeded: list[Region], db: None) -> list[Region]:
        return copy.deepcopy(seeded)

    def test_the_federal_operator_compares_regions_and_sees_no_person(
            self, client: Client, country: list[Region]) -> None:
        first, second = country
        client.force_login(federal_operator())
        response = client.get(reverse("monitoring:index"))
        assert response.status_code == 200
        assert response.context["level"] == selectors.COUNTRY
        html = response.content.decode()
        assert first.name in html and second.name in html
        assert "Скачать отчёт" not in html
        # Nobody's name: the surnames of every participant are absent from the page.
        names = set(Participant.objects.values_list("surname", flat=True))
        shown = {name for name in names if f">{name}" in html or f" {name} " in html}
        assert shown == set()
        # No unit below a region either: no organization by name, here or inside a region.
        organizations = set(Organization.objects.values_list("short_name", flat=True))
        assert not [o for o in organizations if o in html]
        inside_html = client.get(reverse("monitoring:index") + f"?region={first.pk}"
                                 ).content.decode()
        assert not [o for o in organizations if o in inside_html]
        # One region, its municipalities side by side; nothing below it for him.
        inside = client.get(reverse("monitoring:index") + f"?region={second.pk}")
        assert inside.context["level"] == selectors.REGION
        page = inside.content.decode()
        for municipality in Municipality.objects.filter(region=second):
            assert municipality.name in page
        assert "?municipality=" not in page and "municipality=" not in page.split("<form")[0]
        one = Municipality.objects.filter(region=second).first()
        assert one is not None
        assert client.get(reverse("monitoring:index") + f"?municipality={one.pk}"
                          ).status_code == 404
        assert client.get(reverse("monitoring:index") + "?region=999999").status_code == 404
        assert client.get(reverse("monitoring:report", kwargs={"name": "participants"})
                          ).status_code == 404
        chart = client.get(reverse("monitoring:chart", kwargs={"name": "completion", "fmt": "svg"}))
        assert chart.status_code == 200

    def test_the_country_figures_add_up_to_the_regions(self, client: Client,
                                                       country: list[Region]) -> None:
        client.force_login(federal_operator())
        data = client.get(reverse("monitoring:index")).context["data"]
        people = {item.unit.pk: item.people for item in data.completion}
        for region in country:
            assert people[region.pk] == Participant.objects.filter(
                is_active=True, organization__municipality__region=region).count()
            inside = client.get(reverse("monitoring:index") + f"?region={region.pk}"
                                ).context["data"]
            assert sum(item.people for item in inside.completion) == people[region.pk]
            assert sum(item.submitted for item in inside.completion) == next(
                item.submitted for item in data.completion if item.unit.pk == region.pk)

    def test_a_region_operator_sees_their_region_only(self, client: Client,
                                                      country: list[Region]) -> None:
        first, second = country
        client.force_login(User.objects.get(username="region-r2"))
        response = client.get(reverse("monitoring:index"))
        assert response.context["level"] == selectors.REGION
        assert {u.name for u in response.context["data"].units} == set(
            Municipality.objects.filter(region=second).values_list("name", flat=True))
        assert first.name not in response.content.decode()
        assert client.get(reverse("monitoring:index") + f"?region={first.pk}").status_code == 404

    @pytest.mark.parametrize("filters", [Filters(), Filters(date_from=dt.date(1900, 1, 1))])
    def test_the_countrys_computation_reads_no_mentor_places(
            self, country: list[Region], filters: Filters) -> None:
        """Issue #16 follow-up: «где искать наставников» names organizations — nobody sees it
        at the country's level (the federal operator nowhere, the superuser below the
        country), so the country's computation, shared by both, does not read it: no read of
        the best rounds (``StrongBest``); and the potential mentors per region are what the
        regions' own views add up to."""
        everything = Scope(user_id=None, everything=True)
        with CaptureQueriesContext(connection) as ctx:
            data = selectors.compute_dashboard(scope=everything, filters=filters)
        assert data.level == selectors.COUNTRY
        assert data.mentor_places == []
        read = " ".join(q["sql"].lower() for q in ctx.captured_queries)
        if filters == Filters():
            assert not [t for t in PLACE_TABLES if t in read]
        shown = 0
        for i, region in enumerate(data.units):
            inside = selectors.compute_dashboard(scope=everything, filters=replace(
                filters, region_id=region.pk))
            shown += len(inside.mentor_places)
            for area, _name in data.areas:
                assert data.mentors[area][i] == sum(inside.mentors[area])
        assert shown  # the regions' own views have places to list

    def test_mentor_places_are_shown_below_the_country_to_staff_only(
            self, client: Client, country: list[Region]) -> None:
        _first, second = country
        root = User.objects.create_superuser("root", "root@example.org", "x")
        region = reverse("monitoring:index") + f"?region={second.pk}"
        for user, url, shown, hint in [
                # the country: summary figures only, and the choice of a region to find them
                (root, reverse("monitoring:index"), False, True),
                (root, region, True, False),
                (federal_operator(), reverse("monitoring:index"), False, False),
                (federal_operator(), region, False, False),  # no organization by name for him
                (User.objects.get(username="region-r2"), reverse("monitoring:index"), True,
                 False)]:
            client.force_login(user)
            response = client.get(url)
            assert response.status_code == 200
            html = response.content.decode()
            assert (PLACES in html) is shown, (user, url)
            assert (HINT in html) is hint, (user, url)

    def test_the_superusers_country_offers_each_region_for_its_mentor_places(
            self, client: Client, country: list[Region]) -> None:
        """The hint's select lists the regions (the country's comparison has them); its
        choice is the region's view, which lists the places; the period chosen stays."""
        root = User.objects.create_superuser("root", "root@example.org", "x")
        client.force_login(root)
        html = client.get(reverse("monitoring:index"), {"date_from": "2020-01-01"}).content.decode()
        form = html[html.index('class="filters mentor-region"'):]
        form = form[:form.index("</form>")]
        assert '<input type="hidden" name="date_from" value="2020-01-01">' in form
        for region in country:
            assert f'<option value="{region.pk}">{region.name}</option>' in form
        chosen = client.get(reverse("monitoring:index"),
                            {"date_from": "2020-01-01", "region": str(country[1].pk)})
        assert chosen.context["mentor_places"] and HINT not in chosen.content.decode()

    def test_the_federal_operators_region_computes_no_mentor_places(
            self, client: Client, country: list[Region]) -> None:
        """He never sees them: his view of a region is an entry of its own (not the
        superuser's of the same filters), computed without reading the places — the
        superuser's, after his, still has them."""
        root = User.objects.create_superuser("root", "root@example.org", "x")
        listed = 0
        for region in country:
            url = reverse("monitoring:index") + f"?region={region.pk}"
            client.force_login(federal_operator())
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.context["data"].mentor_places == []
            read = " ".join(q["sql"].lower() for q in ctx.captured_queries)
            assert not [t for t in PLACE_TABLES if t in read]
            client.force_login(root)
            listed += len(client.get(url).context["data"].mentor_places)
            client.force_login(federal_operator())  # his entry stays his
            assert client.get(url).context["data"].mentor_places == []
        assert listed
