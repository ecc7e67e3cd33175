"""Where pairs are formed, people and places are in Russian alphabetical order (issue #15,
item 6): case ignored, «ё» = «е», numbers by value — whatever the database compares."""

from django.test import Client
from django.urls import reverse

from tandem.access.scope import scope_for
from tandem.home.selectors import missing_consent
from tandem.pairs.forms import ManualPairForm
from tandem.pairs.selectors import pool_units
from tandem.people.models import Participant
from tandem.testing import MunicipalityFactory, OrganizationFactory, ParticipantFactory, World

SCHOOLS = ("Яблонька", "Ёлочка", "гимназия № 10", "Елань", "гимназия № 2")
SCHOOLS_IN_ORDER = ["гимназия № 2", "гимназия № 10", "Елань", "Ёлочка", "Яблонька"]
SURNAMES = ("Ёлкина", "Яковлев", "алексеев", "Елисеев")
SURNAMES_IN_ORDER = ["алексеев", "Елисеев", "Ёлкина", "Яковлев"]


def _schools(world: World) -> None:
    for short_name in SCHOOLS:
        OrganizationFactory.create(municipality=world.municipality_a, short_name=short_name)


def test_the_formation_page_lists_schools_and_municipalities_in_russian_order(world: World) -> None:
    _schools(world)
    for name in ("Сосновский район", "город Заречинск", "Ёлкинский район"):
        MunicipalityFactory.create(region=world.region, name=name)
    _choices, units = pool_units(scope=scope_for(world.olga),
                                 municipality=world.municipality_a.pk)
    organizations = [name for key, name in units if key.startswith("o:")]
    schools = [name for name in organizations if name in SCHOOLS]
    assert schools == SCHOOLS_IN_ORDER
    municipalities = [name for key, name in units if key.startswith("m:")]
    assert municipalities.index("город Заречинск") < municipalities.index("Ёлкинский район")
    assert municipalities.index("Ёлкинский район") < municipalities.index("Сосновский район")
    assert all(key.startswith("o:") for key, _u in units[: len(units) - len(municipalities)])


def test_the_pair_lists_organization_select_is_in_russian_order(
    client: Client, world: World
) -> None:
    _schools(world)
    client.force_login(world.olga)
    # The organizations of the chosen municipality (issue #16: not all of a region's).
    response = client.get(reverse("pairs:list"), {"municipality": world.municipality_a.pk})
    names = [name for _pk, name in response.context["units"].units.offered()
             if name in SCHOOLS]
    assert names == SCHOOLS_IN_ORDER
    html = response.content.decode()
    positions = [html.index(f">{name}</option>") for name in SCHOOLS_IN_ORDER]
    assert positions == sorted(positions)


def test_the_manual_pair_select_is_in_russian_order(world: World) -> None:
    ids = [
        ParticipantFactory.create(organization=world.org_a, surname=s, name="Анна").pk
        for s in SURNAMES
    ]
    pool = Participant.objects.filter(pk__in=ids)
    for by_school in (False, True):
        form = ManualPairForm(pool=pool, by_school=by_school)
        for name in ("a", "b"):
            labels = [str(label) for value, label in form.fields[name].choices if value]  # type: ignore[attr-defined]
            assert [label.split()[0] for label in labels] == SURNAMES_IN_ORDER


def test_the_dashboards_people_without_consent_are_in_russian_order(world: World) -> None:
    for surname in SURNAMES:
        ParticipantFactory.create(
            organization=world.org_a, surname=surname, mentoring_consent_date=None
        )
    people = missing_consent(scope=scope_for(world.olga), limit=50)
    assert [p.surname for p in people if p.surname in SURNAMES] == SURNAMES_IN_ORDER
