"""Rule 5 of the release rule, «steps of three»: a cell's published state moves only when
at least three people's contributions differ from it."""

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from tandem.core.release import MIN_PEOPLE, people_changed, republish

people = st.dictionaries(st.integers(0, 8), st.integers(0, 3), max_size=9)


def test_two_new_answers_keep_the_published_cell_a_third_moves_it() -> None:
    published = {"anna": 4, "boris": 5, "vera": 3}
    assert not republish(published, published | {"galina": 2})
    assert not republish(published, published | {"galina": 2, "dmitry": 5})
    assert republish(published, published | {"galina": 2, "dmitry": 5, "elena": 1})


def test_a_person_who_changed_back_or_moved_away_and_back_counts_for_nothing() -> None:
    published = {"anna": 4, "boris": 5, "vera": 3}
    assert people_changed(published, dict(published)) == 0
    moved_away = {"boris": 5, "vera": 3}
    assert people_changed(published, moved_away) == 1
    assert people_changed(published, {"anna": 1, "boris": 5}) == 2  # changed + left
    assert not republish(published, {"anna": 1, "boris": 5})


def test_a_cell_never_published_is_published_with_its_third_person() -> None:
    assert not republish({}, {"anna": 4, "boris": 5})
    assert republish({}, {"anna": 4, "boris": 5, "vera": 3})


@given(people, people)
def test_people_changed_is_the_size_of_the_symmetric_difference_by_person(
        published: dict[int, int], current: dict[int, int]) -> None:
    changed = people_changed(published, current)
    assert changed == people_changed(current, published)
    assert changed == len({p for p in published.keys() | current.keys()
                           if published.get(p) != current.get(p)})
    assert republish(published, current) == (changed >= MIN_PEOPLE)


@given(st.lists(st.tuples(st.integers(0, 6), st.one_of(st.none(), st.integers(0, 2))),
                max_size=40))
def test_published_states_differ_by_at_least_three_people(
        events: list[tuple[int, int | None]]) -> None:
    """Any sequence of changes (a person's answer set, None: gone): every two consecutive
    published states of the cell differ in at least three people."""
    current: dict[int, int] = {}
    published: dict[int, int] = {}
    states = [dict(published)]
    for person, value in events:
        if value is None:
            current.pop(person, None)
        else:
            current[person] = value
        if republish(published, current):
            published = dict(current)
            states.append(dict(published))
    for before, after in pairwise(states):
        assert people_changed(before, after) >= MIN_PEOPLE
