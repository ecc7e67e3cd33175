"""The organization search (``OrganizationQuerySet.search``): any case and ё = е in SQLite
too, whose ``LIKE`` folds only Latin letters («орбита» did not find «Орбита» on the
territory and roster pages) — the words are looked up in the folded
``Organization.search_name``, kept by ``save`` and ``bulk_create``."""

import importlib

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import scope_for
from tandem.core.text import collation_key, normalize_name
from tandem.directory.selectors import organizations_listed
from tandem.roster.selectors import CODES_LISTED, roster_codes
from tandem.territory.models import Organization
from tandem.testing import OrganizationFactory, World
from tandem.web.order import collated

pytestmark = pytest.mark.django_db


def _orbita(world: World) -> Organization:
    return OrganizationFactory.create(municipality=world.municipality_b,
                                      short_name="ДТиС «Орбита»", code="orbita",
                                      name="Дворец творчества и спорта «Орбита»")


def test_cyrillic_words_are_found_in_any_case(world: World) -> None:
    orbita = _orbita(world)
    elochka = OrganizationFactory.create(municipality=world.municipality_a, code="ds-7",
                                         short_name="Детский сад «Ёлочка»",
                                         name="МАДОУ «Детский сад № 7 «Ёлочка»")
    found = lambda text: set(Organization.objects.search(text))  # noqa: E731
    assert found("орбита") == found("ОРБИТА") == found("оРбИтА") == {orbita}
    assert found("елочка") == found("ЁЛОЧКА") == {elochka}
    assert found("дворец орбита") == {orbita}  # every word, anywhere in the names
    assert found("дворец ёлочка") == set()
    assert found("ORBITA") == {orbita}  # the code
    assert found("район б") == set()  # the municipality only when asked for
    named = [(world.municipality_b.pk, "Район Б")]
    assert set(Organization.objects.search("район орбита", municipality_names=named)) == {
        orbita}


def test_the_folded_names_follow_every_writer(world: World) -> None:
    orbita = _orbita(world)
    orbita.short_name = "Центр «Полёт»"
    orbita.save(update_fields=["short_name"])
    orbita.refresh_from_db()
    assert orbita.search_name == normalize_name(
        "Центр «Полёт»", "Дворец творчества и спорта «Орбита»", "orbita")
    [made] = Organization.objects.bulk_create([Organization(
        municipality=world.municipality_a, short_name="ЦДО «Мастерская»", code="masterskaya",
        name="Центр дополнительного образования «Мастерская»", sector="other")])
    assert set(Organization.objects.search("мастерская")) == {made}
    assert set(Organization.objects.search("полет")) == {orbita}


WORD = st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ ",
               min_size=1, max_size=12)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=WORD, start=st.integers(0, 11), size=st.integers(1, 6), upper=st.booleans())
def test_a_piece_of_the_name_finds_it_in_either_case(world: World, name: str, start: int,
                                                     size: int, upper: bool) -> None:
    """Invariant: every piece of a word of the short name, in any case, with «ё» or «е»,
    finds the organization (what the curator sees is what the search reads)."""
    org = OrganizationFactory.create(municipality=world.municipality_a, short_name=name,
                                     name=f"Организация {name}")
    words = name.split()
    if words:
        word = words[0][start:start + size] or words[0]
        word = word.upper() if upper else word.lower()
        assert org in Organization.objects.search(word.replace("е", "ё"))
    org.delete()


def test_the_territory_page_finds_orbita_by_a_small_letter(client: Client,
                                                          world: World) -> None:
    orbita = _orbita(world)
    assert organizations_listed(scope=scope_for(world.olga), text="орбита") == [orbita.pk]
    client.force_login(world.olga)
    page = client.get(reverse("territory:tree"), {"q": "орбита"})
    assert [o.pk for o in page.context["page"].object_list] == [orbita.pk]


def _many(world: World, n: int, *, prefix: str = "Ярославская школа") -> None:
    code = "ya" if prefix.startswith("Я") else "x"
    Organization.objects.bulk_create([Organization(
        municipality=world.municipality_a, short_name=f"{prefix} № {i + 1}",
        name=f"{prefix} № {i + 1} (полное)", code=f"{code}-{i}", sector="school")
        for i in range(n)])


def test_the_roster_codes_find_orbita_by_a_small_letter(client: Client,
                                                        world: World) -> None:
    orbita = _orbita(world)
    _many(world, CODES_LISTED)
    client.force_login(world.olga)
    page = client.get(reverse("roster:import"), {"q": "орбита"})
    assert [o.pk for o in page.context["organizations"]] == [orbita.pk]
    assert "orbita" in page.content.decode()
    by_municipality = roster_codes(scope=scope_for(world.olga), query="район б орбита")[1]
    assert by_municipality == [orbita]


def test_the_roster_codes_shown_are_the_first_in_russian_order(world: World) -> None:
    """Worked example: 50 «Ярославская школа …» and 5 «академия …» (small letters) all
    match «школа»; SQLite's byte order puts every capital before every small letter, so
    the 50 cut before sorting were the «Я…» ones. The 50 shown are the first 50 in Russian
    order: the five «академия» first, then the world's «Школа А»."""
    _many(world, CODES_LISTED)
    _many(world, 5, prefix="академия школа")
    total, shown = roster_codes(scope=scope_for(world.olga), query="ШКОЛА")
    assert total == CODES_LISTED + 5 + 2  # and the world's two
    names = [o.short_name for o in shown]
    assert len(names) == CODES_LISTED
    assert names[:5] == [f"академия школа № {i}" for i in range(1, 6)]
    assert names[5:9] == ["Школа А", "Ярославская школа № 1", "Ярославская школа № 2",
                          "Ярославская школа № 3"]  # numbers by value: № 2 before № 10
    assert names[-1] == "Ярославская школа № 44"


def test_the_roster_codes_cost_the_same_queries_at_two_sizes(world: World) -> None:
    scope = scope_for(world.olga)
    counts = []
    for n in (CODES_LISTED, 3 * CODES_LISTED):
        Organization.objects.filter(code__startswith="ya-").delete()
        _many(world, n)
        with CaptureQueriesContext(connection) as queries:
            _total, shown = roster_codes(scope=scope, query="ярославская")
        assert len(shown) == CODES_LISTED
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_saving_a_partly_read_organization_keeps_its_folded_names(world: World) -> None:
    """Names not read are not changed: the save neither folds nor writes them."""
    orbita = _orbita(world)
    partial = Organization.objects.only("pk", "is_active").get(pk=orbita.pk)
    partial.is_active = False
    with CaptureQueriesContext(connection) as queries:
        partial.save()
    [update] = [q["sql"] for q in queries if q["sql"].startswith(
        'UPDATE "territory_organization"')]
    assert "search_name" not in update and "short_name" not in update
    assert set(Organization.objects.search("орбита")) == {orbita}


@pytest.mark.parametrize("update_fields", [None, ["short_name"], ("short_name" for _ in [1])])
def test_renaming_a_partly_read_organization_folds_the_new_name(
        world: World, update_fields: object) -> None:
    """A short name renamed on an organization read with ``only()`` (the full name and
    the code not read): the names not read are read first and the folded names hold the
    new short name and the stored others — with ``update_fields`` as a list, a generator
    or none (review finding: left stale; a generator was used up)."""
    orbita = _orbita(world)
    partial = Organization.objects.only("pk", "short_name").get(pk=orbita.pk)
    partial.short_name = "Звёздочка"
    partial.save(update_fields=update_fields)
    orbita.refresh_from_db()
    assert orbita.short_name == "Звёздочка"
    assert orbita.search_name == normalize_name("Звёздочка", orbita.name, orbita.code)
    assert set(Organization.objects.search("звездочка")) == {orbita}


def test_a_name_that_grows_when_folded_is_kept(world: World) -> None:
    """Folding may lengthen a name («ß» → «ss»): the longest names allowed still save and
    are found (review finding: a bounded column refused them on PostgreSQL)."""
    longest = OrganizationFactory.create(municipality=world.org_a.municipality,
                                         short_name="ß" * 120, name="ß" * 300)
    longest.refresh_from_db()
    assert len(longest.search_name) > 470
    assert set(Organization.objects.search("ss" * 60)) >= {longest}


# Russian order in the database (``Organization.sort_name``, ``in_russian_order``): what
# Python's ``sort_key`` gives, on SQLite and on PostgreSQL, whatever the database's locale.
NAME = st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
                        "azAZ0123456789 -№«»\"'().ßİ", min_size=1, max_size=16)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(NAME, min_size=1, max_size=12))
def test_the_database_orders_organizations_as_python_does(world: World,
                                                          names: list[str]) -> None:
    """Invariant: for any short names (capitals, «ё», numbers, quotes, spaces, hyphens,
    Latin letters, letters that grow when folded, repeats), the order the database gives
    is the Python Russian order (``collated``: ``sort_key``, then id)."""
    made = Organization.objects.bulk_create([Organization(
        municipality=world.municipality_a, short_name=name, name=f"Организация {i}",
        code=f"p-{i}", sector="school") for i, name in enumerate(names)])
    ours = Organization.objects.filter(pk__in=[o.pk for o in made])
    assert (list(ours.in_russian_order().values_list("pk", flat=True))
            == collated(ours, ["short_name"]))
    ours.delete()


def test_the_database_order_worked_example(world: World) -> None:
    """«Ёлочка» between «Елисеевская» and «Жемчужина», small and capital letters mixed,
    «№ 2» before «№ 10», a leading quote skipped."""
    names = ["Жемчужина", "школа № 10", "«Ёлочка»", "Школа № 2", "Елисеевская", "алиса"]
    for i, name in enumerate(names):
        OrganizationFactory.create(municipality=world.municipality_b, short_name=name,
                                   code=f"w-{i}")
    shown = Organization.objects.filter(code__startswith="w-").in_russian_order()
    assert [o.short_name for o in shown] == [
        "алиса", "Елисеевская", "«Ёлочка»", "Жемчужина", "Школа № 2", "школа № 10"]


def test_the_sort_key_follows_every_writer(world: World) -> None:
    orbita = _orbita(world)
    assert orbita.sort_name == collation_key("ДТиС «Орбита»")
    orbita.short_name = "«Ёлка» № 3"
    orbita.save(update_fields=["short_name"])
    orbita.refresh_from_db()
    assert orbita.sort_name == "елка» № 000000003"
    partial = Organization.objects.only("pk", "name").get(pk=orbita.pk)
    partial.name = "Полное название"
    partial.save(update_fields=["name"])  # the short name is read, its key kept
    orbita.refresh_from_db()
    assert orbita.sort_name == "елка» № 000000003"
    [made] = Organization.objects.bulk_create([Organization(
        municipality=world.municipality_a, short_name="ЦДО «Мастерская»", code="masterskaya",
        name="Центр дополнительного образования «Мастерская»", sector="other")])
    made.refresh_from_db()
    assert made.sort_name == collation_key("ЦДО «Мастерская»")


def test_the_migration_fills_the_sort_key_of_the_organizations_there_are(
        world: World) -> None:
    from django.apps import apps
    fill = importlib.import_module(
        "tandem.territory.migrations.0005_organization_sort_name").fill
    orbita = _orbita(world)
    Organization.objects.update(sort_name="")  # as the column was added: empty
    fill(apps, None)
    assert {o.pk: o.sort_name for o in Organization.objects.all()} == {
        o.pk: collation_key(o.short_name) for o in Organization.objects.all()}
    assert Organization.objects.get(pk=orbita.pk).sort_name == "дтис «орбита»"


@pytest.mark.parametrize("n", [CODES_LISTED + 1, 4 * CODES_LISTED])
def test_the_roster_codes_are_read_in_three_queries(world: World, n: int) -> None:
    """The count, the municipalities' names, the rows shown (sorted and cut by the
    database): no query reads every match's name any more; at either size the rows shown
    are the first of the Python Russian order."""
    _many(world, n)
    scope = scope_for(world.olga)
    scope.organizations()  # (the scope's own two queries, once per request)
    with CaptureQueriesContext(connection) as queries:
        _total, shown = roster_codes(scope=scope, query="ярославская")
    assert len(queries) == 3
    assert "LIMIT 50" in queries[-1]["sql"]
    assert [o.pk for o in shown] == collated(
        Organization.objects.filter(code__startswith="ya-"), ["short_name"])[:CODES_LISTED]
