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


# -- by part ------------------------------------------------------------------------------
from tandem.core.release import joined, parts_changed, republish_parts, split  # noqa: E402

parts = st.dictionaries(st.sampled_from(["до/A", "до/B", "после/A", "после/B"]),
                        st.integers(0, 3).map(str), max_size=4)
people_parts = st.dictionaries(st.integers(0, 8), parts.map(joined), max_size=9)


def test_three_changed_people_of_whom_two_only_after_do_not_move_the_before() -> None:
    """The reviewer's case: two teachers fix their «после», a fifth submits her first
    final — three people changed, but «до» by one: the cell keeps what it showed."""
    published = {name: joined({"до/A": "1", "после/A": "2"})
                 for name in ("anna", "boris", "vera", "galina")}
    current = dict(published)
    current["anna"] = joined({"до/A": "1", "после/A": "3"})
    current["boris"] = joined({"до/A": "1", "после/A": "3"})
    current["dmitry"] = joined({"до/A": "0", "после/A": "2"})
    assert republish(published, current)  # one digest per person: published
    assert parts_changed(published, current) == {"после/A": 3, "до/A": 1}
    assert not republish_parts(published, current)
    current["elena"] = joined({"до/A": "2", "после/A": "2"})
    current["fedor"] = joined({"до/A": "3", "после/A": "1"})
    assert republish_parts(published, current)


def test_a_cell_never_published_is_published_with_its_third_person_by_part_too() -> None:
    two = {"anna": joined({"q1": "5"}), "boris": joined({"q1": "4", "q2": "3"})}
    assert not republish_parts({}, two)
    assert republish_parts({}, two | {"vera": joined({"q2": "1"})})


@given(parts)
def test_joined_text_splits_back(theirs: dict[str, str]) -> None:
    assert split(joined(theirs)) == theirs


@given(st.lists(st.tuples(st.integers(0, 6), st.one_of(st.none(), parts)), max_size=40))
def test_published_states_differ_in_every_changed_part_by_at_least_three_people(
        events: list[tuple[int, dict[str, str] | None]]) -> None:
    """What a user sees of a part is a function of the people's values in it: between two
    consecutive published states, each part's values differ for none or at least three
    people (counted from the values themselves, not from the digests)."""
    current: dict[int, dict[str, str]] = {}
    published: dict[int, dict[str, str]] = {}
    states = [dict(published)]
    for person, value in events:
        if value is None:
            current.pop(person, None)
        else:
            current[person] = value
        if republish_parts({p: joined(v) for p, v in published.items()},
                           {p: joined(v) for p, v in current.items()}):
            published = dict(current)
            states.append(dict(published))
    for before, after in pairwise(states[1:]):
        names = {part for theirs in (*before.values(), *after.values()) for part in theirs}
        for part in names:
            moved = sum(1 for p in before.keys() | after.keys()
                        if before.get(p, {}).get(part) != after.get(p, {}).get(part))
            assert moved == 0 or moved >= MIN_PEOPLE


@given(people_parts, people_parts)
def test_by_part_never_publishes_what_the_whole_digest_would_not(
        published: dict[int, str], current: dict[int, str]) -> None:
    """(But for a cell of blank answers only that everyone left: nothing of it is shown.)"""
    if republish_parts(published, current) and (current or any(published.values())):
        assert republish(published, current)


def test_a_part_marked_unknown_holds_the_cell_but_counts_no_one() -> None:
    """A migration marked a person's parts UNKNOWN (changed since publication, which part
    not known): a question then needs three other people's changes, not two."""
    from tandem.core.release import UNKNOWN

    published = {"anna": joined({"q": UNKNOWN}), "boris": joined({"q": "5"}),
                 "vera": joined({"q": "4"}), "galina": joined({"q": "3"})}
    current = published | {"anna": joined({"q": "5"}), "dmitry": joined({"q": "1"}),
                           "elena": joined({"q": "2"})}
    assert parts_changed(published, current) == {"q": 2}
    assert not republish_parts(published, current)
    assert republish_parts(published, current | {"fedor": joined({"q": "2"})})
    assert not republish_parts(published, dict(published))  # an unknown part holds


def test_a_cell_of_blank_answers_only_goes_when_its_people_left() -> None:
    published = {name: joined({}) for name in ("anna", "boris", "vera")}
    assert republish_parts(published, {})
    assert not republish_parts(published, {"anna": joined({})})
    assert not republish_parts(published | {"anna": joined({"q": "5"})}, {})


def test_a_published_digest_of_one_person_not_by_parts_holds_and_counts_no_one() -> None:
    """Old code between ``migrate`` and its restart writes one digest a person (review of
    h/gainparts: the new code then failed in ``split``, ``tallies --rebuild`` too)."""
    published = {"anna": "0123456789abcdef", "boris": joined({"q": "5"}),
                 "vera": joined({"q": "4"})}
    current = published | {"anna": joined({"q": "3"}), "galina": joined({"q": "1"}),
                           "dmitry": joined({"q": "2"})}
    assert parts_changed(published, current) == {"q": 2}
    assert not republish_parts(published, current)
    assert republish_parts(published, current | {"elena": joined({"q": "2"})})
    surveys_old = {**published, "anna": 123456789}  # a CRC-32 number, as surveys kept
    assert parts_changed(surveys_old, current) == {"q": 2}  # type: ignore[arg-type]


def test_a_person_with_a_digest_not_by_parts_who_left_holds_every_part_of_the_cell() -> None:
    """Which parts they had is not known: their leaving may have moved any of them."""
    published = {"anna": "0123456789abcdef", "boris": joined({"q": "5", "r": "1"}),
                 "vera": joined({"q": "4", "r": "2"}), "galina": joined({"q": "4"})}
    current = {k: v for k, v in published.items() if k != "anna"}
    current |= {name: joined({"q": "1"}) for name in ("dmitry", "elena", "fedor")}
    assert parts_changed(published, current) == {"q": 3, "r": 0}
    assert not republish_parts(published, current)
    assert not republish_parts({"anna": "0123456789abcdef"}, {})  # nothing known: it waits


def test_a_current_text_not_by_parts_holds_every_part_and_never_crashes() -> None:
    """Old code between ``migrate`` and its restart rebuilt the cell: its current texts
    are not readable by the new reader either (review of h/gaincomp: closing a round, and
    ``tallies --check``, crashed with ValueError). Which parts changed is not known: the
    cell holds until a rebuild by the new code gives readable texts."""
    published = {name: joined({"q": "5", "r": "1"}) for name in ("anna", "boris", "vera")}
    current = published | {"anna": "0123456789abcdef"}
    current |= {name: joined({"q": "1"}) for name in ("dmitry", "elena", "fedor")}
    assert parts_changed(published, current) == {"q": 3, "r": 0}
    assert not republish_parts(published, current)
    assert not republish_parts(published, {"anna": "0123456789abcdef"})
