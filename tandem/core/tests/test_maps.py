import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from tandem.core import maps as m

START, END = dt.date(2026, 12, 1), dt.date(2027, 5, 31)


def lesson(code: str, area: str = "ict", teacher: int = 3, learner: int = 0,
           priority: int | None = None, wants: bool = False) -> m.Lesson:
    return m.Lesson(code, code.upper(), area, teacher, learner, priority, wants)


def test_municipal_resource_comes_before_the_regional_one() -> None:
    resources = [
        m.ResourceOption(1, "Областной курс", "region", frozenset({"ict.ai"})),
        m.ResourceOption(2, "Городской вебинар", "municipality", frozenset({"ict.ai"})),
        m.ResourceOption(3, "Федеральная платформа", "federal", frozenset({"ict.ai"})),
    ]
    [row] = m.draft_direction([lesson("ict.ai")], resources, start=START, end=END)
    assert row.resources == [2, 1]
    assert m.RESOURCE_STUDY in row.forms


def test_a_competency_without_resources_says_so() -> None:
    [row] = m.draft_direction([lesson("comm.parents", "comm")], [], start=START, end=END)
    assert row.resources == []
    assert row.resources_note == m.NO_RESOURCE
    assert m.RESOURCE_STUDY not in row.forms


def test_priorities_first_then_the_gap() -> None:
    lessons = [lesson("a", learner=1), lesson("b", learner=0), lesson("c", learner=1,
                                                                     priority=2),
               lesson("d", learner=1, priority=1)]
    rows = m.draft_direction(lessons, [], start=START, end=END)
    assert [r.competency for r in rows] == ["d", "c", "b", "a"]


def test_a_worked_row() -> None:
    [row] = m.draft_direction([lesson("method.lesson", "method", 3, 0)], [], start=START,
                              end=END)
    assert (row.current_level, row.target_level, row.partner_level) == (0, 2, 3)
    assert row.forms[0] == m.MASTER_CLASS  # a gap of three levels starts with a demonstration
    assert row.task.startswith("Разобрать с партнёром")
    assert row.deadline == END


def test_target_levels() -> None:
    assert [m.target_level(x) for x in range(4)] == [2, 2, 3, 3]


@given(st.integers(min_value=0, max_value=30), st.integers(min_value=60, max_value=400))
def test_rows_and_deadlines_stay_in_the_term(n: int, days: int) -> None:
    end = START + dt.timedelta(days=days)
    lessons = [lesson(f"ict.c{i}", learner=i % 2) for i in range(n)]
    rows = m.draft_direction(lessons, [], start=START, end=end)
    assert len(rows) <= min(n, m.MAX_ROWS)
    if n >= m.MIN_ROWS:
        assert len(rows) >= m.MIN_ROWS
    dates = [r.deadline for r in rows]
    assert dates == sorted(dates)
    assert all(START < d <= end for d in dates)
    assert all(r.target_level > r.current_level or r.current_level == 3 for r in rows)
