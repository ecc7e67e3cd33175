"""One run after the commit over the ids a whole transaction gave
(``web/transactions.py: ids_at_commit``): whatever savepoints a transaction opens,
releases and rolls back, the run gets every id given outside a rolled-back savepoint and
none given inside one — with one callback per savepoint that gave ids, not one per id
(issue #16: a roster import left one callback and one transaction a person)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.web.transactions import ids_at_commit

pytestmark = pytest.mark.django_db

NAME = "tests.ids_at_commit"

# A transaction's program: an id given, or a savepoint (released or rolled back) with its
# own program.
steps = st.recursive(
    st.integers(0, 30).map(lambda n: ("give", n)),
    lambda inner: st.tuples(st.just("savepoint"), st.booleans(), st.lists(inner, max_size=6)),
    max_leaves=25)


class _RolledBack(Exception):
    pass


def _play(program: list[Any], run: Callable[[list[int]], object]) -> tuple[set[int], int]:
    """Plays the program; the ids whose «saves» stand and how many savepoints gave ids."""
    standing: set[int] = set()
    places = 0
    if any(step[0] == "give" for step in program):
        places += 1
    for step in program:
        if step[0] == "give":
            ids_at_commit(NAME, [step[1]], run)
            standing.add(step[1])
            continue
        _, rolled_back, inner = step
        try:
            with transaction.atomic():
                kept, inner_places = _play(inner, run)
                if rolled_back:
                    raise _RolledBack
        except _RolledBack:
            continue
        standing |= kept
        places += inner_places
    return standing, places


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(program=st.lists(steps, max_size=8))
def test_the_run_gets_exactly_the_ids_of_what_stands(
        program: list[Any], django_capture_on_commit_callbacks: Any) -> None:
    ran: list[int] = []
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        standing, places = _play(program, ran.extend)
    runs = [c for c in callbacks if getattr(c, "name", None) == NAME]
    assert len(runs) == places <= 1 + str(program).count("savepoint")
    for callback in runs:
        callback()
    assert set(ran) == standing


def test_many_ids_in_one_transaction_are_one_run_in_statements_of_a_thousand(
        django_capture_on_commit_callbacks: Any) -> None:
    chunks: list[list[int]] = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for pk in range(2_500):
            ids_at_commit(NAME, [pk, pk], chunks.append)  # the same id twice: once
    assert len(callbacks) == 1
    assert [len(c) for c in chunks] == [1_000, 1_000, 500]
    assert [pk for chunk in chunks for pk in chunk] == list(range(2_500))


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_run_goes_at_once() -> None:
    chunks: list[list[int]] = []
    ids_at_commit(NAME, [1, 2], chunks.append)
    assert chunks == [[1, 2]]
    with transaction.atomic():
        ids_at_commit(NAME, [3], chunks.append)
        ids_at_commit(NAME, [4], chunks.append)
        assert chunks == [[1, 2]]
    assert chunks == [[1, 2], [3, 4]]
    with pytest.raises(RuntimeError), transaction.atomic():
        ids_at_commit(NAME, [5], chunks.append)
        raise RuntimeError
    with transaction.atomic():
        ids_at_commit(NAME, [6], chunks.append)
    assert chunks == [[1, 2], [3, 4], [6]]
