"""The programme's sections meet the maps and the catalogue (issue #17): the section of
technologies shows what the organization's pairs named on their map rows last year (and
this year so far); the first choice of resources reaches every level, regional included;
a resource without any competency is flagged to whoever keeps it."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tandem.core.maps import LEVEL_ORDER
from tandem.core.programmes import TECHNOLOGIES
from tandem.maps import tallies as technology_tallies
from tandem.maps.models import Map, Row
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.programmes import selectors
from tandem.programmes.models import Programme
from tandem.resources.models import Resource
from tandem.testing import World, build_programme, build_resources

LABEL = dict(TECHNOLOGIES)


def _pair_with_rows(a: Participant, b: Participant, starts_on: dt.date,
                    technologies: list[str]) -> Pair:
    pair = Pair.objects.create(a=a, b=b, organization=a.organization,
                               starts_on=starts_on, ends_on=starts_on + dt.timedelta(days=200),
                               status=Pair.Status.ACTIVE)
    the_map = Map.objects.create(pair=pair)
    Row.objects.bulk_create([Row(
        map=the_map, direction=Row.Direction.A_TO_B, order=i, competency="ict.ai_lessons",
        title="Строка", current_level=0, target_level=2, partner_level=3, task="Задача",
        deadline=starts_on + dt.timedelta(days=30), product="Продукт", evidence="Показ",
        technology=tech) for i, tech in enumerate(technologies)])
    # Written past the services: the kept technology tallies are told, as the map
    # drafting does (tandem/maps/tallies.py).
    technology_tallies.touch_pairs(Pair.objects.filter(pk=pair.pk))
    return pair


@pytest.mark.django_db
def test_technologies_of_last_year_are_the_organizations_own(client: Client,
                                                            world: World) -> None:
    programme = build_programme(world)
    last = dt.date(programme.year - 1, 10, 1)
    _pair_with_rows(world.bob_p, world.carol_p, last,
                    ["ict_practicum", "ict_practicum", "research_project", ""])
    _pair_with_rows(world.alice_p, world.carol_p, dt.date(programme.year, 10, 1),
                    ["method_open_lessons"])
    _pair_with_rows(world.charlie_p, world.someone_b, last, ["comm_parents"])  # B's

    assert selectors.technologies_of_pairs(world.org_a.pk, programme.year - 1) == [
        (LABEL["ict_practicum"], 2), (LABEL["research_project"], 1)]
    assert selectors.technologies_of_pairs(world.org_a.pk, programme.year) == [
        (LABEL["method_open_lessons"], 1)]
    assert selectors.technologies_of_pairs(world.org_a.pk, programme.year - 2) == []

    client.force_login(world.alice)
    page = client.get(reverse("programmes:detail", kwargs={"pk": programme.pk})
                      ).content.decode()
    section = page[page.index('id="technologies-used"'):]
    section = section[:section.index("</article>")]
    assert f"{LABEL['ict_practicum']} — 2" in section
    assert f"{LABEL['research_project']} — 1" in section
    assert f"{LABEL['method_open_lessons']} — 1" in section  # this year, so far
    assert LABEL["comm_parents"] not in section  # another organization's pair


@pytest.mark.django_db
def test_no_pairs_last_year_is_said_in_words(client: Client, world: World) -> None:
    programme = build_programme(world)
    client.force_login(world.alice)
    page = client.get(reverse("programmes:detail", kwargs={"pk": programme.pk})
                      ).content.decode()
    assert "пар с картами не было" in page


@pytest.mark.django_db
def test_suggested_resources_reach_every_level_nearest_first(world: World) -> None:
    build_resources(world)
    Resource.objects.create(title="Федеральный вебинар", kind="webinar", level="federal",
                            region=world.region)
    Resource.objects.create(title="Ресурс района А", kind="webinar", level="municipality",
                            municipality=world.municipality_a)
    chosen = selectors.suggested_resources(world.org_a, per_level=2)
    levels = [r.level for r in chosen]
    assert levels == ["organization", "municipality", "region", "federal"]
    assert levels == sorted(levels, key=lambda level: LEVEL_ORDER[level])  # type: ignore[index]
    assert {r.title for r in chosen} >= {"Областной курс"}
    assert "Ресурс района Б" not in {r.title for r in chosen}  # another municipality's


@pytest.mark.django_db
def test_the_demo_programmes_list_regional_resources() -> None:
    from tandem.demo.generator import MIN_PARTICIPANTS
    from tandem.demo.services import demo_region_create

    demo_region_create(participants=MIN_PARTICIPANTS, seed=2, with_diagnostics=False)
    for programme in Programme.objects.all():
        levels = set(programme.resources.values_list("level", flat=True))
        assert "region" in levels, programme.organization


@pytest.mark.django_db
def test_a_resource_without_competency_is_flagged_to_its_keeper(client: Client,
                                                               world: World) -> None:
    build_resources(world)
    bare = Resource.objects.create(title="Ресурс без компетенций", kind="material",
                                   level="organization", organization=world.org_a)
    detail = reverse("resources:detail", kwargs={"pk": bare.pk})
    catalogue = reverse("resources:catalogue")
    client.force_login(world.alice)  # the curator of A keeps A's resources
    assert "не указаны компетенции" in client.get(detail).content.decode()
    page = client.get(catalogue).content.decode()
    assert "Ресурсов без компетенций среди тех, что вы ведёте: 1" in page
    assert page.count("не указаны компетенции") == 2  # the note and the one card's badge
    linked = reverse("resources:detail", kwargs={"pk": Resource.objects.get(
        title="Ресурс Школы А").pk})
    assert "не указаны компетенции" not in client.get(linked).content.decode()
    for reader in (world.bob, world.olga):  # a teacher; the region keeps other levels
        c = Client()
        c.force_login(reader)
        assert "не указаны компетенции" not in c.get(detail).content.decode()
        assert "Ресурсов без компетенций" not in c.get(catalogue).content.decode()


@pytest.mark.django_db
def test_the_task_library_is_in_the_menu_of_region_operators_only(client: Client,
                                                                  world: World) -> None:
    """The header's «Ещё» menu (tandem/web/templates/base.html) links the library for
    those who edit it: the region operator and the superuser."""
    from tandem.accounts.models import User

    admin = User.objects.create_superuser("root", "root@example.org", "x")
    link = f'href="{reverse("maps:library")}"'
    for user, shown in ((world.olga, True), (admin, True), (world.alice, False),
                        (world.erin, False), (world.bob, False)):
        c = Client()
        c.force_login(user)
        page = c.get(reverse("resources:catalogue")).content.decode()
        assert (link in page) is shown, user.username
    c = Client()
    c.force_login(world.olga)
    assert 'aria-current="page">Библиотека задач' in c.get(reverse("maps:library")
                                                          ).content.decode()
