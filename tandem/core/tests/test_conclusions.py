"""The report's conclusions, generated from its figures, on fixed examples; the plural of
counts on every ending."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core.conclusions import ReportFigures, conclusions, plural


@pytest.mark.parametrize(("n", "expected"), [
    (1, "1 пара"), (2, "2 пары"), (4, "4 пары"), (5, "5 пар"), (11, "11 пар"),
    (12, "12 пар"), (14, "14 пар"), (21, "21 пара"), (22, "22 пары"), (43, "43 пары"),
    (0, "0 пар"), (111, "111 пар"), (101, "101 пара")])
def test_plural(n: int, expected: str) -> None:
    assert plural(n, "пара", "пары", "пар") == expected


def test_what_improved_what_is_stuck_where_to_look() -> None:
    text = conclusions(ReportFigures(
        questionnaires_invited=100, questionnaires_sent=80,
        low_units=[("СОШ № 2", 40), ("Ишимовский район", 20)],
        pairs_total=12, pairs_active=10, pairs_ended_early=1, tasks_planned=60,
        tasks_done=30, tasks_overdue=3, meetings_held=15, meetings_planned=20,
        gains=[("Цифровая среда", 0.8), ("Воспитание", 0.2), ("Право", -0.1)],
        stuck_pairs=2))
    assert text == [
        "Уровень вырос в 2 областях компетенций, больше всего — «Цифровая среда» (+0.8), "
        "«Воспитание» (+0.2).",
        "Требует внимания: 3 задачи просрочены; 2 пары требуют внимания; 1 пара завершена "
        "досрочно; проведено 75 % встреч от плана.",
        "Где смотреть в первую очередь: входную анкету отправили меньше 50 % участников в "
        "подразделениях Ишимовский район (20 %), СОШ № 2 (40 %)."]


def test_no_gains_yet_speaks_of_tasks_and_no_pairs_speaks_of_the_next_step() -> None:
    assert conclusions(ReportFigures(tasks_planned=8, tasks_done=2, pairs_total=3))[0] == (
        "Выполнено 25 % задач карт (2 из 8); прироста уровней по итоговой диагностике "
        "пока не видно.")
    assert conclusions(ReportFigures(questionnaires_invited=40, questionnaires_sent=38)) == [
        "Пар ещё нет: следующий шаг — подбор пар по итогам диагностики."]
    assert conclusions(ReportFigures()) == [
        "Данных для выводов пока мало: нет ни отправленных анкет, ни пар."]


@given(st.builds(ReportFigures, tasks_overdue=st.integers(0, 500),
                 pairs_ended_early=st.integers(0, 50), stuck_pairs=st.integers(0, 50),
                 tasks_planned=st.integers(0, 100), tasks_done=st.integers(0, 100),
                 pairs_total=st.integers(0, 50)))
def test_one_to_three_sentences_each_a_sentence(f: ReportFigures) -> None:
    text = conclusions(f)
    assert 1 <= len(text) <= 3
    assert all(s[0].isupper() and s.endswith(".") for s in text)
