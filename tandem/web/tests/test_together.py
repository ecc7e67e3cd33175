"""Several reads in one statement (tandem/web/together.py: ``together``, ``beside``) give
each part's rows as the part read alone would — padded with NULLs where it is narrower, a
part that can match no row empty — in one query."""

from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count, Max, Min, Sum, Value
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.people.models import Participant
from tandem.territory.models import Municipality, Organization
from tandem.testing import World, bulk_participants
from tandem.web.together import beside, together

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


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(0, 4), min_size=1, max_size=3), pick=st.integers(0, 7))
def test_one_row_beside_rows_reads_what_each_reads_alone(world: World, sizes: list[int],
                                                         pick: int) -> None:
    """``beside``: the aggregates' one row and the rows as read apart (and counted here,
    not by SQL), in one statement — of any number of rows, none included."""
    Participant.objects.all().delete()
    organizations = list(Organization.objects.order_by("pk"))
    for org, n in zip(organizations, sizes, strict=False):
        if n:
            bulk_participants(org, n)
    # A choice of organizations, none possible: the bits of ``pick``.
    chosen = [o.pk for i, o in enumerate(organizations) if pick >> i & 1]
    people = Participant.objects.filter(organization_id__in=chosen)
    one = (people.order_by().annotate(one=Value(1)).values("one")
           .annotate(n=Count("pk"), first=Min("pk"), top=Max("pk"))
           .values_list("n", "first", "top"))
    rows = (people.values("organization_id").order_by().annotate(n=Count("pk"))
            .values_list("n", "organization_id"))
    with CaptureQueriesContext(connection) as queries:
        got_one, got_rows = beside(one, rows)
    # No organization chosen: Django knows there is nothing to read, and asks nothing.
    assert len(queries.captured_queries) == (1 if chosen else 0)
    pks = [p.pk for p in Participant.objects.all() if p.organization_id in chosen]
    assert (got_one[0] or 0, got_one[1], got_one[2]) == (
        len(pks), min(pks, default=None), max(pks, default=None))
    per_organization = Counter(p.organization_id for p in Participant.objects.all()
                               if p.organization_id in chosen)
    assert sorted(got_rows) == sorted((n, org) for org, n in per_organization.items())


def test_beside_a_part_that_can_match_nothing_reads_the_other_alone(world: World) -> None:
    bulk_participants(world.org_a, 3)
    nothing = Participant.objects.filter(organization_id__in=[])
    one = (Participant.objects.order_by().annotate(one=Value(1)).values("one")
           .annotate(n=Count("pk")).values_list("n"))
    got_one, got_rows = beside(one, nothing.values_list("pk"))
    assert got_one == (Participant.objects.count(),) and got_rows == []
