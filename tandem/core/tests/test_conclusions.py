"""The report's conclusions: the core finds them from the figures (codes with parameters),
the application words them (tandem/monitoring/wording.py, plurals through the catalogue)."""

from hypothesis import given
from hypothesis import strategies as st

from tandem.core import conclusions as core
from tandem.core.conclusions import Finding, ReportFigures, conclusions


def test_what_improved_what_is_stuck_where_to_look() -> None:
    found = conclusions(ReportFigures(
        questionnaires_invited=100, questionnaires_sent=80,
        low_units=[("СОШ № 2", 40), ("Ишимовский район", 20)],
        pairs_total=12, pairs_active=10, pairs_ended_early=1, tasks_planned=60,
        tasks_done=30, tasks_overdue=3, meetings_held=15, meetings_planned=20,
        gains=[("Цифровая среда", 0.8), ("Воспитание", 0.2), ("Право", -0.1)],
        stuck_pairs=2))
    assert found == [
        Finding(core.GROWN, {"count": 2, "areas": [("Цифровая среда", 0.8),
                                                   ("Воспитание", 0.2)]}),
        Finding(core.ATTENTION, {"items": [(core.TASKS_OVERDUE, 3), (core.PAIRS_STUCK, 2),
                                           (core.PAIRS_ENDED_EARLY, 1),
                                           (core.MEETINGS_SHARE, 75)]}),
        Finding(core.LOOK_FIRST, {"units": [("Ишимовский район", 20), ("СОШ № 2", 40)],
                                  "threshold": 50})]


def test_no_gains_yet_speaks_of_tasks_and_no_pairs_speaks_of_the_next_step() -> None:
    assert conclusions(ReportFigures(tasks_planned=8, tasks_done=2, pairs_total=3))[0] == (
        Finding(core.TASKS_WITHOUT_GAIN, {"percent": 25, "done": 2, "planned": 8}))
    assert conclusions(ReportFigures(questionnaires_invited=40, questionnaires_sent=38)) == [
        Finding(core.NO_PAIRS_YET)]
    assert conclusions(ReportFigures()) == [Finding(core.TOO_LITTLE_DATA)]


@given(st.builds(ReportFigures, tasks_overdue=st.integers(0, 500),
                 pairs_ended_early=st.integers(0, 50), stuck_pairs=st.integers(0, 50),
                 tasks_planned=st.integers(0, 100), tasks_done=st.integers(0, 100),
                 pairs_total=st.integers(0, 50)))
def test_one_to_three_findings(f: ReportFigures) -> None:
    found = conclusions(f)
    assert 1 <= len(found) <= 3
    assert len({x.code for x in found}) == len(found)
