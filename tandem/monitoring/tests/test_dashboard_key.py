"""A dashboard's cache entry is its units' (tandem/monitoring/selectors.py:
``dashboard_data``, ``cache_key``): its key names the units, the filters, the day and
the version — nothing of the user — so nothing it holds may depend on anything else of
the user. A region operator who teaches in another region's school, in a pair of one of
her region's organizations (``pairs_visible`` shows her own pairs), computed an entry
whose technologies table counted that pair: her colleague then read it (a pair outside
his scope), and she read the warm-up's without it."""

import datetime as dt

import pytest

from tandem.access.filters import Filters
from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import Scope, scope_for
from tandem.maps import tallies
from tandem.maps.models import Map, Row
from tandem.maps.selectors import technologies_used
from tandem.monitoring import selectors
from tandem.pairs.models import Pair
from tandem.territory.models import Organization
from tandem.testing import (
    MunicipalityFactory,
    OrganizationFactory,
    ParticipantFactory,
    RegionFactory,
    UserFactory,
    World,
    clear_caches,
)

pytestmark = pytest.mark.django_db

TERM = {"starts_on": dt.date(2026, 10, 1), "ends_on": dt.date(2027, 5, 31)}


def _pair(organization: Organization, a_org: Organization, b_org: Organization,
          technology: str, a_user: object = None) -> Pair:
    a = ParticipantFactory.create(organization=a_org, user=a_user)
    b = ParticipantFactory.create(organization=b_org)
    pair = Pair.objects.create(a=a, b=b, organization=organization, **TERM)
    Row.objects.create(map=Map.objects.create(pair=pair), direction="ab",
                       competency="ict.ai_lessons", title="Задача", current_level=0,
                       target_level=2, partner_level=3, task="Задача",
                       deadline=dt.date(2026, 12, 1), product="Продукт", evidence="Показ",
                       technology=technology)
    return pair


@pytest.mark.parametrize("first", ["teacher", "colleague", "warm-up"])
@pytest.mark.parametrize("period", [False, True])
def test_the_entry_is_the_units_whoever_computes_it(world: World, first: str,
                                                    period: bool) -> None:
    far_region = RegionFactory.create(name="Дальняя область", code="far")
    far = OrganizationFactory.create(
        municipality=MunicipalityFactory.create(region=far_region, name="Дальний город",
                                                code="far-city"),
        name="Дальняя школа", code="far-school")
    _pair(world.org_a, far, far, "case", a_user=world.olga)  # Olga's, outside her region
    _pair(world.org_a, world.org_a, world.org_b, "project")  # the region's
    colleague = UserFactory.create(username="olga-colleague")
    RoleAssignment.objects.create(user=colleague, role=Role.REGION_OPERATOR,
                                  region=world.region)
    tallies.refresh()
    teacher = scope_for(world.olga)
    assert teacher.own_participant_id is not None
    filters = (Filters(date_from=dt.date(2026, 1, 1), date_to=dt.date(2027, 12, 31))
               if period else Filters())
    unit = Scope(user_id=None, region_ids=frozenset({world.region.pk}))
    # The unit's table: the region's pair; Olga's own pair is hers (the programmes' page).
    expected = technologies_used(unit, filters)
    assert [(u.technology, u.rows) for u in expected] == [("project", 1)]
    assert sum(u.rows for u in technologies_used(teacher, filters)) == 2
    clear_caches()
    if first == "warm-up":
        selectors.warm(unit, filters)
    readers = {"teacher": teacher, "colleague": scope_for(colleague)}
    order = sorted(readers, key=lambda name: name != first)
    for name in order:
        data = selectors.dashboard_data(scope=readers[name], filters=filters)
        assert data.technologies == expected, (first, name)
