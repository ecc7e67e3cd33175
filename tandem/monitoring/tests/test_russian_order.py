"""Monitoring reports and selects in Russian alphabetical order (issue #15): case
ignored, «ё» = «е», the same rule (``tandem.core.text.sort_key``) whatever the
database's own collation (SQLite compares bytes: «Ёлкина», «Елисеев», «Яковлев»,
«алексеев»)."""

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.forms import FiltersForm
from tandem.access.scope import scope_for
from tandem.core.text import sort_key
from tandem.monitoring import reports
from tandem.monitoring.effectiveness import by_organization, pair_figures
from tandem.monitoring.selectors import REGION, units_of
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.testing import MunicipalityFactory, OrganizationFactory, ParticipantFactory, World
from tandem.web.order import collated

SURNAMES = ("Ёлкина", "Яковлев", "алексеев", "Елисеев")
EXPECTED = ["алексеев", "Елисеев", "Ёлкина", "Яковлев"]
ORGS = ("ёлочка", "Берёзка", "Ясли № 10", "Ясли № 2", "«Арбуз»")
ORGS_EXPECTED = ["«Арбуз»", "Берёзка", "ёлочка", "Ясли № 2", "Ясли № 10"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _rows(table: reports.Table) -> list[list[Any]]:
    return [list(r) for r in table.rows]


def test_the_participants_sheet_sorts_surnames_in_russian(world: World) -> None:
    for surname in SURNAMES:
        ParticipantFactory.create(organization=world.org_a, surname=surname, name="Анна",
                                  patronymic="")
    rows = _rows(reports.participants_table(scope=scope_for(world.olga), filters=Filters()))
    ours = [r[0].split()[0] for r in rows if r[0].split()[0] in SURNAMES]
    assert ours == EXPECTED
    # Municipality first («Город А» before «Район Б»), then organization, then the name.
    keys = [(sort_key(r[3]), sort_key(r[2]), sort_key(r[0])) for r in rows]
    assert keys == sorted(keys)
    assert len(rows) == Participant.objects.filter(is_active=True).count()


def test_the_pairs_and_effectiveness_sheets_follow_organizations_in_russian(
        world: World) -> None:
    made = []
    for name in ORGS:
        org = OrganizationFactory.create(municipality=world.municipality_a, name=name,
                                         short_name=name)
        a, b = (ParticipantFactory.create(organization=org) for _ in range(2))
        made.append(Pair.objects.create(a=a, b=b, organization=org, status=Pair.Status.ACTIVE,
                                        starts_on=dt.date(2026, 12, 1),
                                        ends_on=dt.date(2027, 5, 31)))
    scope, filters = scope_for(world.olga), Filters()
    pairs = [r[2] for r in _rows(reports.pairs_table(scope=scope, filters=filters))]
    assert [o for o in pairs if o in ORGS] == ORGS_EXPECTED
    effect = [r[0] for r in _rows(reports.effectiveness_table(scope=scope, filters=filters))]
    assert [o for i, o in enumerate(effect) if o in ORGS and i % 2 == 0] == ORGS_EXPECTED
    assert [f.organization for f in pair_figures(scope=scope, filters=filters)
            if f.organization in ORGS] == ORGS_EXPECTED
    assert [o.name for o in by_organization(scope=scope, filters=filters)
            if o.name in ORGS] == ORGS_EXPECTED


def test_the_dashboards_units_and_the_filter_selects_are_in_russian_order(
        world: World) -> None:
    for name in ("Сосновский район", "город Заречинск", "Ёлкинский район"):
        municipality = MunicipalityFactory.create(region=world.region, name=name)
        for short in ORGS:
            OrganizationFactory.create(municipality=municipality, short_name=short)
    scope = scope_for(world.olga)
    names = [u.name for u in units_of(scope, Filters(), REGION)]
    assert names == sorted(names, key=sort_key)
    assert names.index("город Заречинск") < names.index("Ёлкинский район") \
        < names.index("Сосновский район")
    form = FiltersForm(QueryDict(), scope=scope)
    municipalities = [str(n) for v, n in form.fields["municipality"].choices if v != ""]  # type: ignore[attr-defined]
    assert municipalities == sorted(municipalities, key=sort_key)
    chosen = MunicipalityFactory._meta.model.objects.get(name="Ёлкинский район")
    form = FiltersForm(QueryDict(f"municipality={chosen.pk}"), scope=scope)
    offered = [str(n) for v, n in form.fields["organization"].choices if v != ""]  # type: ignore[attr-defined]
    assert offered == ORGS_EXPECTED


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet="аеёжяАЕЁЖЯ -", min_size=1, max_size=6)
                .filter(lambda s: s.strip(" -")), min_size=1, max_size=8))
def test_collated_ids_follow_the_one_rule(db: None, names: list[str]) -> None:
    """Whatever the names, the report's order of ids is ``sort_key``'s order."""
    from tandem.territory.models import Organization

    municipality = MunicipalityFactory.create()
    orgs = [OrganizationFactory.create(municipality=municipality, short_name=n) for n in names]
    order = collated(Organization.objects.filter(municipality=municipality),
                             ("short_name",))
    by_id = {o.pk: o.short_name for o in orgs}
    assert order == sorted(by_id, key=lambda pk: (sort_key(by_id[pk]), pk))
