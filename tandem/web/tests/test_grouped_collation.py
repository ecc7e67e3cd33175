"""``GroupedCollation``: the pages of ``collated(qs, [group, name])``, sorting only the
groups a page spans (the programmes overview, issue #16)."""

import pytest
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.territory.models import Organization
from tandem.testing import MunicipalityFactory, OrganizationFactory, RegionFactory, World
from tandem.web.order import GroupedCollation, collated

# Names that a plain sort gets wrong: case, «ё», numbers by value, leading quotes, equal
# names of two municipalities of two regions (one group, their organizations
# interleaved).
_NAMES = st.sampled_from(["Школа № 2", "школа № 10", "Ёлочка", "Елисеевская", "«Альфа»",
                          "Альфа", "Яблоко", "школа № 2", "Б"])
_MUNICIPALITIES = st.sampled_from(["Заречный", "ёлкинский", "Елкинский", "Заречный",
                                   "город 10", "город 9"])


def _sizes(qs: "object") -> dict[str, int]:
    return dict(qs.order_by().values_list("municipality__name")  # type: ignore[attr-defined]
                .annotate(n=Count("pk")))


@pytest.mark.django_db(transaction=False)
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(municipalities=st.lists(_MUNICIPALITIES, min_size=1, max_size=4),
       organizations=st.lists(st.tuples(st.integers(0, 3), _NAMES, st.booleans()),
                              max_size=14),
       per_page=st.integers(1, 6))
def test_every_page_is_the_slice_of_the_whole_russian_order(
        world: World, municipalities: list[str], organizations: list[tuple[int, str, bool]],
        per_page: int) -> None:
    """Municipalities with equal names, organizations with names a byte sort misorders,
    some of them filtered out: every page is the same slice of ``collated`` — the order
    the overview had when it sorted every organization of the scope."""
    with transaction.atomic():
        # equal names only in different regions (a federal operator's scope)
        units = [MunicipalityFactory.create(region=RegionFactory.create(), name=name)
                 for name in municipalities]
        made = [OrganizationFactory.create(municipality=units[i % len(units)],
                                           short_name=name, sector=(
                                               Organization.Sector.SCHOOL if kept else
                                               Organization.Sector.SPORT))
                for i, name, kept in organizations]
        qs = Organization.objects.filter(pk__in=[o.pk for o in made],
                                         sector=Organization.Sector.SCHOOL)
        whole = collated(qs, ["municipality__name", "short_name"])
        grouped = GroupedCollation(qs, group="municipality__name", name="short_name",
                                   sizes=_sizes(qs))
        assert len(grouped) == len(whole)
        paginator: Paginator[int] = Paginator(grouped, per_page)
        pages = [list(paginator.page(n).object_list) for n in paginator.page_range]
        assert [pk for page in pages for pk in page] == whole
        assert all(page == whole[(n - 1) * per_page:n * per_page]
                   for n, page in enumerate(pages, start=1))
        transaction.set_rollback(True)


def test_a_page_reads_one_query_and_only_its_groups(world: World) -> None:
    """A worked example: three municipalities of 3, 2 and 4 organizations; the page of
    rows 3–4 spans the first two (one query), an empty slice reads nothing."""
    first, second, third = (MunicipalityFactory.create(region=world.region, name=name)
                            for name in ("Абинский", "Вязовый", "Ёлкинский"))
    for unit, names in ((third, ["Школа № 10", "Школа № 9", "ёлка", "Елка"]),
                        (first, ["Гимназия", "Лицей", "Школа № 2"]),
                        (second, ["Школа № 1", "«Б»"])):
        for name in names:
            OrganizationFactory.create(municipality=unit, short_name=name)
    qs = Organization.objects.filter(municipality__in=[first, second, third])
    grouped = GroupedCollation(qs, group="municipality__name", name="short_name",
                               sizes=_sizes(qs))
    with CaptureQueriesContext(connection) as queries:
        page = grouped[2:4]
    assert len(queries.captured_queries) == 1
    assert "Ёлкинский" not in str(queries.captured_queries[0]["sql"])
    named = dict(qs.values_list("pk", "short_name"))
    assert [named[pk] for pk in page] == ["Школа № 2", "«Б»"]
    assert [named[pk] for pk in grouped[4:9]] == ["Школа № 1", "Елка", "ёлка", "Школа № 9",
                                                  "Школа № 10"]
    with CaptureQueriesContext(connection) as queries:
        assert grouped[9:20] == []
    assert queries.captured_queries == []
