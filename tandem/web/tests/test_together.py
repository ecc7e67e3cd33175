"""Several reads in one statement (tandem/web/together.py) give each part's rows as the
part read alone would — padded with NULLs where it is narrower, a part that can match no
row empty — in one query."""

import pytest
from django.db import connection
from django.db.models import Count, Sum, Value
from django.test.utils import CaptureQueriesContext

from tandem.people.models import Participant
from tandem.territory.models import Municipality, Organization
from tandem.testing import World, bulk_participants
from tandem.web.together import together

pytestmark = pytest.mark.django_db


def test_each_part_reads_what_it_reads_alone(world: World) -> None:
    bulk_participants(world.org_a, 5)
    parts = {
        "people": Participant.objects.values("organization_id").order_by()
        .annotate(n=Count("pk")).values_list("organization_id", "n"),
        # The parts agree in type place by place: here numbers only.
        "places": Organization.objects.values_list("pk", "municipality_id"),
        "marked": Municipality.objects.annotate(m=Value(1)).values_list("m")[:1],
        "nothing": Organization.objects.filter(pk__in=[]).values_list("pk"),
        "sums": Participant.objects.values("organization__municipality_id").order_by()
        .annotate(n=Count("pk"), s=Sum("pk")).values_list(
            "organization__municipality_id", "n", "s"),
    }
    alone = {name: sorted(qs) for name, qs in parts.items()}
    with CaptureQueriesContext(connection) as queries:
        read = together(**parts)
    assert len(queries.captured_queries) == 1
    width = max(len(row) for rows in alone.values() for row in rows)
    for name, rows in alone.items():
        got = sorted(read[name], key=str)
        want = sorted((tuple(r) + (None,) * (width - len(r)) for r in rows), key=str)
        # Sums of mixed types come back as Decimal on PostgreSQL: equal as numbers.
        assert got == want, name
    assert read["nothing"] == []
    assert alone["people"]  # something was read


def test_nothing_to_read_is_no_query(world: World) -> None:
    with CaptureQueriesContext(connection) as queries:
        read = together(none=Organization.objects.none().values_list("pk"))
    assert read == {"none": []}
    assert not queries.captured_queries
