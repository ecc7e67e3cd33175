"""The single homes of the rules (docs/rules.md): the pure rules, with the cases that used to
disagree between pages, and the release rule's resistance to differencing."""

import datetime as dt
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core import attention, periods, release
from tandem.core import effectiveness as core

D = dt.date


# -- period overlap ----------------------------------------------------------------------
@given(st.dates(), st.integers(0, 400), st.one_of(st.none(), st.dates()),
       st.one_of(st.none(), st.dates()))
def test_overlap_is_a_shared_day(start: dt.date, days: int, a: dt.date | None,
                                 b: dt.date | None) -> None:
    end = start + dt.timedelta(days=days) if start.year < 9999 else start
    lo, hi = a or dt.date.min, b or dt.date.max
    shares_a_day = max(start, lo) <= min(end, hi)
    assert periods.overlaps(start, end, a, b) == shares_a_day


def test_academic_years_begin_on_the_first_of_september() -> None:
    assert periods.academic_year(D(2026, 8, 31)) == 2025
    assert periods.academic_year(D(2026, 9, 1)) == 2026
    assert periods.snap_to_academic_years(D(2026, 10, 1), D(2026, 10, 2),
                                          D(2027, 1, 1)) == (2026, 2026)
    assert periods.snap_to_academic_years(D(2026, 8, 1), None, D(2026, 12, 1)) == (2025, 2026)
    assert periods.snap_to_academic_years(None, None, D(2026, 12, 1)) == (2026, 2026)


# -- done, overdue, held ----------------------------------------------------------------
def test_a_task_is_done_as_of_a_day() -> None:
    assert core.task_done(D(2027, 1, 5), D(2027, 1, 5))
    assert not core.task_done(D(2027, 1, 6), D(2027, 1, 5))  # marked later: not yet
    assert not core.task_done(None, D(2027, 1, 5))
    assert core.task_overdue(None, D(2027, 1, 4), D(2027, 1, 5))
    assert not core.task_overdue(None, D(2027, 1, 5), D(2027, 1, 5))  # the last day allowed
    assert core.task_overdue(D(2027, 1, 9), D(2027, 1, 4), D(2027, 1, 5))  # done too late


def test_a_meeting_planned_in_the_past_is_not_held() -> None:
    """Issue 14 item 3: «Встреч проведено» counted records only planned. A record still
    marked planned did not take place, even long after its date; an unmarked record in
    the future has not taken place yet."""
    today = D(2026, 12, 2)
    assert core.meeting_held(D(2026, 11, 10), False, today)
    assert not core.meeting_held(D(2026, 11, 10), True, today)  # planned in the past
    assert not core.meeting_held(D(2026, 12, 20), False, today)  # dated in the future
    figures = core.meeting_figures([(D(2026, 11, 10), False), (D(2026, 11, 20), True),
                                    (D(2026, 12, 20), False)], (D(2026, 9, 1), today))
    assert (figures.held, figures.scheduled_not_held) == (1, 1)
    assert core.last_held_on([(D(2026, 11, 10), False), (D(2026, 11, 20), True)],
                             today) == D(2026, 11, 10)


# -- needs the curator ----------------------------------------------------------------------
def test_a_map_agreed_on_day_8_was_never_late() -> None:
    """The reminders said «late» after 7 days from confirmation, the dashboard after 14
    from the start; one rule now, one setting (14 days from the day work began)."""
    began = attention.work_began_on(D(2026, 9, 1), D(2026, 9, 10))
    assert began == D(2026, 9, 10)
    day_8 = began + dt.timedelta(days=8)
    assert not attention.map_not_agreed(agreed=False, began_on=began, as_of=day_8)
    assert not attention.map_not_agreed(agreed=True, began_on=began,
                                        as_of=began + dt.timedelta(days=30))
    assert not attention.map_not_agreed(agreed=False, began_on=began,
                                        as_of=began + dt.timedelta(days=14))
    assert attention.map_not_agreed(agreed=False, began_on=began,
                                    as_of=began + dt.timedelta(days=15))
    assert attention.work_began_on(D(2026, 9, 1), None) == D(2026, 9, 1)
    assert attention.work_began_on(D(2026, 9, 1), D(2026, 8, 20)) == D(2026, 9, 1)


def test_a_quiet_pair_from_its_last_meeting_or_its_start() -> None:
    start = D(2026, 9, 1)
    weeks = attention.NO_MEETING_WEEKS
    assert not attention.quiet(starts_on=start, last_held_on=None,
                               as_of=start + dt.timedelta(weeks=weeks, days=-1))
    assert attention.quiet(starts_on=start, last_held_on=None,
                           as_of=start + dt.timedelta(weeks=weeks))
    met = D(2026, 10, 1)
    assert not attention.quiet(starts_on=start, last_held_on=met,
                               as_of=start + dt.timedelta(weeks=weeks))
    assert not attention.quiet(starts_on=start, last_held_on=None, as_of=D(2026, 8, 1))
    # a pair meeting monthly (the cadence norm) is never quiet
    assert 7 * weeks > core.CADENCE_DAYS


# -- the release rule --------------------------------------------------------------------
ORGS, YEARS, STAGES = 3, 2, ("mid", "final")
answer = st.tuples(st.integers(0, 7), st.integers(0, ORGS - 1), st.integers(0, YEARS - 1),
                   st.sampled_from(STAGES), st.integers(1, 10))


def _cells(answers: list[tuple[int, int, int, str, int]]) -> list[release.Cell]:
    """Answers (person, organization, year, stage, value) → cells; a person keeps one
    organization (their first), as a Participant has one."""
    home: dict[int, int] = {}
    grouped: dict[tuple[int, int, str], list[tuple[int, int]]] = {}
    for person, org, year, stage, value in answers:
        grouped.setdefault((home.setdefault(person, org), year, stage), []).append(
            (person, value))
    return [release.Cell(key, sum(v for _p, v in items), len(items),
                         len({p for p, _v in items})) for key, items in grouped.items()]


def _requests() -> list[tuple[frozenset[int], frozenset[int], frozenset[str]]]:
    """Every request a user can make: any set of organizations (a unit, a sector, a
    municipality, a region), any run of whole years, one stage or both."""
    orgs = [frozenset(c) for n in range(1, ORGS + 1) for c in combinations(range(ORGS), n)]
    years = [frozenset(range(a, b + 1)) for a in range(YEARS) for b in range(a, YEARS)]
    stages = [frozenset({s}) for s in STAGES] + [frozenset(STAGES)]
    return [(o, y, s) for o in orgs for y in years for s in stages]


@settings(max_examples=150, deadline=None)
@given(st.lists(answer, max_size=30))
def test_no_two_released_figures_differ_by_one_or_two_people(
        answers: list[tuple[int, int, int, str, int]]) -> None:
    cells = _cells(answers)
    people_in = {c.key: c for c in cells}
    released = []
    for orgs, years, stages in _requests():
        chosen = [c for c in cells if c.key[0] in orgs and c.key[1] in years  # type: ignore[index]
                  and c.key[2] in stages]  # type: ignore[index]
        figure = release.release(chosen)
        if figure.mean is not None:
            released.append(figure)
    for f, g in combinations(released, 2):
        differ = f.cells ^ g.cells
        # The difference is whole counted cells: each holds answers of ≥ 3 people, so
        # subtracting one figure from another never isolates one or two people.
        assert all(people_in[k].people >= release.MIN_PEOPLE for k in differ)
        assert not differ or max(people_in[k].people for k in differ) >= release.MIN_PEOPLE
    for f in released:
        assert f.answers == sum(people_in[k].answers for k in f.cells)
        assert f.mean == round(sum(people_in[k].total for k in f.cells) / f.answers, 1)


def test_a_parent_total_is_the_sum_of_its_published_children() -> None:
    cells = [release.Cell(("a", 0, "mid"), 24, 3, 3), release.Cell(("b", 0, "mid"), 9, 1, 1),
             release.Cell(("c", 0, "mid"), 21, 3, 3)]
    parent = release.release(cells)
    children = [release.release([c]) for c in cells]
    assert [c.withheld for c in children] == [False, True, False]
    # «b» (one person) is left out of the parent too: parent − a − c reveals nothing.
    assert parent.answers == 6 and parent.left_out == 1
    assert parent.mean == round((24 + 21) / 6, 1)


# -- the release rule for deficits and strengths: cells (organization, campaign, competency)
share_cell = st.tuples(st.integers(0, ORGS - 1), st.integers(0, 1), st.sampled_from("xyz"),
                       st.integers(0, 5), st.integers(0, 5))


def _share_cells(rows: list[tuple[int, int, str, int, int]]) -> list[release.Cell]:
    """(organization, campaign, competency, people, of them with a deficit) → cells; one
    row per key (a later one replaces it); the answers are the people."""
    cells = {(org, campaign, code): (people, min(hits, people))
             for org, campaign, code, people, hits in rows}
    return [release.Cell(key, hits, people, people) for key, (people, hits) in cells.items()]


def _share_requests() -> list[tuple[frozenset[int], frozenset[int], frozenset[str]]]:
    """Any set of organizations, of campaigns and of competencies (an area)."""
    orgs = [frozenset(c) for n in range(1, ORGS + 1) for c in combinations(range(ORGS), n)]
    campaigns = [frozenset({0}), frozenset({1}), frozenset({0, 1})]
    codes = [frozenset(c) for n in (1, 2, 3) for c in combinations("xyz", n)]
    return [(o, c, k) for o in orgs for c in campaigns for k in codes]


def _covered(cells: list[release.Cell], request: tuple[frozenset[int], frozenset[int],
                                                      frozenset[str]]) -> list[release.Cell]:
    orgs, campaigns, codes = request
    return [c for c in cells if c.key[0] in orgs and c.key[1] in campaigns  # type: ignore[index]
            and c.key[2] in codes]  # type: ignore[index]


def _share(cells: list[release.Cell], request: tuple[frozenset[int], frozenset[int],
                                                     frozenset[str]]) -> release.Released:
    return release.share_released(release.summed(_covered(cells, request)))


@settings(max_examples=100, deadline=None)
@given(st.lists(share_cell, max_size=20), st.data())
def test_no_answer_of_a_small_cell_moves_a_published_share(
        rows: list[tuple[int, int, str, int, int]], data: st.DataObject) -> None:
    cells = _share_cells(rows)
    # Another world where the one or two people of every small cell answered otherwise.
    other = [c if release.counted(c) else release.Cell(
        c.key, data.draw(st.integers(0, c.answers)), c.answers, c.people) for c in cells]
    for request in _share_requests():
        shown = _share(cells, request)
        # No request tells the two worlds apart: the difference of any two requests is
        # made of counted cells, each of at least three people.
        assert shown == _share(other, request)
        counted = [c for c in _covered(cells, request) if release.counted(c)]
        assert shown.withheld == (not counted)
        if counted:
            assert shown.mean == round(100 * sum(c.total for c in counted)
                                       / sum(c.answers for c in counted), 1)


def test_a_share_of_one_person_is_hidden_and_of_three_shown() -> None:
    one = release.Cell(("school", 0, "ict.a"), 1, 1, 1)
    three = release.Cell(("lyceum", 0, "ict.a"), 1, 3, 3)
    alone = release.share_released(release.summed([one]))
    assert alone.withheld and alone.left_out == 1
    assert release.share_released(release.summed([three])).mean == 33.3
    # The municipality of both: the lyceum's share, the school's person left out — the
    # municipality minus the lyceum is nothing, not the school's one answer.
    both = release.share_released(release.summed([one, three]))
    assert (both.mean, both.answers, both.left_out) == (33.3, 3, 1)


# -- the potential mentors: cells (organization, campaign, area) of the people who levelled it
mentor_cell = st.tuples(st.integers(0, ORGS - 1), st.integers(0, 1), st.integers(0, 5),
                        st.integers(0, 5))


def _mentors(cells: dict[tuple[int, int], tuple[int, int]], orgs: frozenset[int],
             campaigns: frozenset[int]) -> int:
    """A unit's mentors in an area as the dashboard counts them: per organization its best
    round among the counted cells (``mentors_counted``), summed over the organizations."""
    best: dict[int, int] = {}
    for (org, campaign), (levelled, strong) in cells.items():
        if org in orgs and campaign in campaigns and release.mentors_counted(levelled):
            best[org] = max(best.get(org, 0), strong)
    return sum(best.values())


@settings(max_examples=100, deadline=None)
@given(st.lists(mentor_cell, max_size=12), st.data())
def test_no_strength_of_a_cell_levelled_by_one_or_two_is_counted(
        rows: list[tuple[int, int, int, int]], data: st.DataObject) -> None:
    # (organization, campaign) → (people who levelled the area, of them strong in it);
    # the round may have any number submitted — those without a level are not its people.
    cells = {(org, campaign): (levelled, min(strong, levelled))
             for org, campaign, levelled, strong in rows}
    # Another world where the one or two people of every small cell answered otherwise.
    other = {key: (levelled, strong if release.mentors_counted(levelled)
                   else data.draw(st.integers(0, levelled)))
             for key, (levelled, strong) in cells.items()}
    orgs = [frozenset(c) for n in range(1, ORGS + 1) for c in combinations(range(ORGS), n)]
    for units in orgs:
        for campaigns in (frozenset({0}), frozenset({1}), frozenset({0, 1})):
            assert _mentors(cells, units, campaigns) == _mentors(other, units, campaigns)


def test_one_levelled_person_of_three_submitted_is_no_mentor() -> None:
    # Three submitted, only one levelled the area and is strong in it: not counted.
    assert _mentors({(0, 0): (1, 1)}, frozenset({0}), frozenset({0})) == 0
    assert _mentors({(0, 0): (3, 1)}, frozenset({0}), frozenset({0})) == 1
