"""The conclusions in words, on fixed examples: the sentences of the summary PDF and the
Russian plural of every count (1, 2, 5, 11, 21, 22, 43)."""

import pytest

from tandem.core import conclusions as core
from tandem.core.conclusions import Finding, ReportFigures, conclusions
from tandem.monitoring.wording import conclusion_text


def test_the_sentences_of_a_report() -> None:
    text = [conclusion_text(f) for f in conclusions(ReportFigures(
        questionnaires_invited=100, questionnaires_sent=80,
        low_units=[("СОШ № 2", 40), ("Ишимовский район", 20)],
        pairs_total=12, pairs_active=10, pairs_ended_early=1, tasks_planned=60,
        tasks_done=30, tasks_overdue=3, meetings_held=15, meetings_planned=20,
        gains=[("Цифровая среда", 0.8), ("Воспитание", 0.2), ("Право", -0.1)],
        stuck_pairs=2))]
    assert text == [
        "Уровень вырос в 2 областях компетенций, больше всего — «Цифровая среда» (+0,8), "
        "«Воспитание» (+0,2).",
        "Требует внимания: 3 задачи просрочены; 2 пары требуют внимания; 1 пара завершена "
        "досрочно; проведено 75 % встреч от плана.",
        "Где смотреть в первую очередь: входную анкету отправили меньше 50 % участников в "
        "подразделениях Ишимовский район (20 %), СОШ № 2 (40 %)."]
    assert conclusion_text(Finding(core.TASKS_WITHOUT_GAIN, {
        "percent": 25, "done": 2, "planned": 8})) == (
        "Выполнено 25 % задач карт (2 из 8); прироста уровней по итоговой диагностике "
        "пока не видно.")
    assert conclusion_text(Finding(core.NO_PAIRS_YET)) == (
        "Пар ещё нет: следующий шаг — подбор пар по итогам диагностики.")


@pytest.mark.parametrize(("n", "expected"), [
    (1, "1 задача просрочена"), (2, "2 задачи просрочены"), (5, "5 задач просрочены"),
    (11, "11 задач просрочены"), (21, "21 задача просрочена"),
    (22, "22 задачи просрочены"), (43, "43 задачи просрочены")])
def test_plural_of_overdue_tasks(n: int, expected: str) -> None:
    assert conclusion_text(Finding(core.ATTENTION, {
        "items": [(core.TASKS_OVERDUE, n)]})) == f"Требует внимания: {expected}."


@pytest.mark.parametrize(("n", "expected"), [(1, "1 области"), (3, "3 областях"),
                                             (5, "5 областях"), (21, "21 области")])
def test_plural_of_grown_areas(n: int, expected: str) -> None:
    text = conclusion_text(Finding(core.GROWN, {"count": n, "areas": [("Право", 0.5)]}))
    assert text.startswith(f"Уровень вырос в {expected} компетенций")
