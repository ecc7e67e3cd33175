"""The programmes overview's figures (counted by municipality and by the two flags of
``_with_state``, mapped by ``state_of``) are those of the rule ``STATE_Q``, and each
state's list holds exactly the organizations ``STATE_Q`` gives (issue #16)."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import scope_for
from tandem.programmes import selectors
from tandem.programmes.models import Programme
from tandem.territory.models import Organization
from tandem.testing import OrganizationFactory, World

# What an organization has for the year (and a programme of another year, which never
# counts): statuses of its versions, oldest first.
_HISTORIES = st.sampled_from([
    (), ("draft",), ("adopted",), ("superseded", "adopted"), ("adopted", "draft"),
    ("superseded", "adopted", "draft"), ("superseded",), ("superseded", "draft")])


def _programmes(org: Organization, year: int, statuses: tuple[str, ...]) -> None:
    for version, status in enumerate(statuses, start=1):
        Programme.objects.create(
            organization=org, year=year, version=version, status=status,
            **({} if status == "draft" else
               {"order_number": f"{version}-од", "order_date": dt.date(year, 9, 1)}))


@pytest.mark.django_db(transaction=False)
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(histories=st.lists(st.tuples(st.booleans(), _HISTORIES, st.booleans()), max_size=9),
       state=st.sampled_from(["", *selectors.STATE_Q]),
       in_b=st.booleans())
def test_the_figures_and_lists_are_those_of_the_state_rule(
        world: World, histories: list[tuple[bool, tuple[str, ...], bool]], state: str,
        in_b: bool) -> None:
    year = selectors.current_year()
    with transaction.atomic():
        for i, (second, statuses, other_year) in enumerate(histories):
            org = OrganizationFactory.create(
                municipality=world.municipality_b if second else world.municipality_a,
                name=f"Школа № {i}", code=f"s-{i}")
            _programmes(org, year, statuses)
            if other_year:
                _programmes(org, year - 1, ("adopted",))
        scope = scope_for(world.olga)  # the region operator: both municipalities
        annotated = selectors._with_state(scope.organizations(), year)
        by_rule = {name: set(annotated.filter(q).values_list("pk", flat=True))
                   for name, q in selectors.STATE_Q.items()}
        municipality = world.municipality_b.pk if in_b else None
        data = selectors.overview(scope=scope, year=year, municipality_id=municipality,
                                  state=state, page=1)
        assert {k: v for k, v in data.counts.items() if v} == {
            k: len(v) for k, v in by_rule.items() if v}
        assert data.total == scope.organizations().count()
        listed = set().union(*by_rule.values()) if not state else by_rule[state]
        if in_b:
            listed &= set(scope.organizations().filter(
                municipality=world.municipality_b).values_list("pk", flat=True))
        assert data.page is not None and data.page.paginator.count == len(listed)
        assert {row.organization.pk for row in data.rows} == listed  # fewer than 50
        transaction.set_rollback(True)


def test_state_of_is_the_rule_on_each_pair_of_flags() -> None:
    assert [selectors.state_of(has_adopted=a, has_draft=d) for a, d in
            ((True, True), (True, False), (False, True), (False, False))] == [
        selectors.ADOPTED, selectors.ADOPTED, selectors.DRAFT, selectors.NONE]
