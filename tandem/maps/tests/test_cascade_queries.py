"""Deleting a pair (the admin: a pair made by mistake) cascades to its map's rows and its
meetings. The kept figures hear every row and meeting deleted (``pre_delete`` /
``post_delete``): they resolved the pair's organizations once per child — a query a row
for the pair figures, another for the technologies, one a meeting. Now once per pair in a
transaction (``web.transactions.first_in_savepoint``); the figures still hear of it."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.maps.models import Meeting, Row
from tandem.maps.tallies import TechnologyTallyMark
from tandem.monitoring.models import PairTallyMark
from tandem.testing import World, build_matrix_map, build_pairs

pytestmark = pytest.mark.django_db

# The figures' reads of a pair's organizations, through its map or by its id.
THROUGH_MAP = 'INNER JOIN "maps_map" ON ("pairs_pair"."id" = "maps_map"."pair_id")'
OWN_ORGANIZATIONS = 'SELECT "pairs_pair"."a_organization_id" AS "a_organization_id"'


def _pair_with_children(world: World, n: int) -> Any:
    pw = build_pairs(world)
    made: dict[str, Any] = build_matrix_map(pw)
    row: Row = made["row"]
    Row.objects.bulk_create([
        Row(map=made["map"], direction=row.direction, order=i + 1, competency=row.competency,
            title=f"Строка {i}", current_level=0, target_level=2, partner_level=3,
            task="Задача", deadline=dt.date(2027, 1, 15)) for i in range(n)])
    Meeting.objects.bulk_create([
        Meeting(pair=pw.pair, date=dt.date(2026, 12, 2) + dt.timedelta(days=i), topic="Тема",
                duration_minutes=30) for i in range(n)])  # type: ignore[misc]
    return pw.pair


@pytest.mark.parametrize("n", [3, 12])
def test_the_figures_read_a_deleted_pair_s_organizations_once_at_any_size(
        world: World, n: int) -> None:
    pair = _pair_with_children(world, n)
    PairTallyMark.objects.all().delete()
    TechnologyTallyMark.objects.all().delete()
    with CaptureQueriesContext(connection) as ctx:
        pair.delete()
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert sum(THROUGH_MAP in sql for sql in sqls) <= 2  # pair figures, technologies
    assert sum(sql.startswith(OWN_ORGANIZATIONS) and "maps_map" not in sql
               for sql in sqls) <= 1  # the meetings' pair
    # Still heard: both kinds of figures of the pair's organization are marked.
    assert PairTallyMark.objects.filter(organization_id=world.org_a.pk).exists()
    assert TechnologyTallyMark.objects.filter(organization_id=world.org_a.pk).exists()
