"""The sentences of conclusions under a report's key figures, generated from the figures:
what improved, what is stuck, where to look. Pure: plain numbers in, Russian text out, so
the summary PDF says nothing the dashboard's figures do not show."""

from dataclasses import dataclass, field

LOW_COMPLETION = 50  # % of initial questionnaires sent: below it a unit is named


def plural(n: int, one: str, few: str, many: str) -> str:
    """«1 пара», «3 пары», «5 пар»: the Russian plural of a count, the number included."""
    tail = n % 100
    if 11 <= tail <= 14:
        word = many
    elif n % 10 == 1:
        word = one
    elif 2 <= n % 10 <= 4:
        word = few
    else:
        word = many
    return f"{n} {word}"


@dataclass(frozen=True)
class ReportFigures:
    questionnaires_invited: int = 0
    questionnaires_sent: int = 0
    low_units: list[tuple[str, int]] = field(default_factory=list)  # (unit, % sent)
    pairs_total: int = 0
    pairs_active: int = 0
    pairs_ended_early: int = 0
    tasks_planned: int = 0
    tasks_done: int = 0
    tasks_overdue: int = 0
    meetings_held: int = 0
    meetings_planned: int = 0
    gains: list[tuple[str, float]] = field(default_factory=list)  # (area, after − before)
    stuck_pairs: int = 0


def conclusions(f: ReportFigures) -> list[str]:
    """At most three sentences: what improved, what is stuck, where to look."""
    out: list[str] = []
    grown = sorted((g for g in f.gains if g[1] > 0), key=lambda g: -g[1])
    if grown:
        best = ", ".join(f"«{name}» (+{gain:.1f})" for name, gain in grown[:2])
        out.append(f"Уровень вырос в {plural(len(grown), 'области', 'областях', 'областях')} "
                   f"компетенций, больше всего — {best}.")
    elif f.tasks_done and f.tasks_planned:
        out.append(f"Выполнено {round(100 * f.tasks_done / f.tasks_planned)} % задач карт "
                   f"({f.tasks_done} из {f.tasks_planned}); прироста уровней по итоговой "
                   f"диагностике пока не видно.")
    stuck = []
    if f.tasks_overdue:
        stuck.append(plural(f.tasks_overdue, "задача просрочена", "задачи просрочены",
                            "задач просрочены"))
    if f.stuck_pairs:
        stuck.append(f"{plural(f.stuck_pairs, 'пара требует', 'пары требуют', 'пар требуют')} "
                     f"внимания")
    if f.pairs_ended_early:
        stuck.append(plural(f.pairs_ended_early, "пара завершена", "пары завершены",
                            "пар завершены") + " досрочно")
    if f.meetings_planned and f.meetings_held < f.meetings_planned:
        stuck.append(f"проведено {round(100 * f.meetings_held / f.meetings_planned)} % "
                     f"встреч от плана")
    if stuck:
        text = "; ".join(stuck)
        out.append(f"Требует внимания: {text}.")
    if f.low_units:
        names = ", ".join(f"{name} ({share} %)" for name, share in
                          sorted(f.low_units, key=lambda u: u[1])[:3])
        out.append(f"Где смотреть в первую очередь: входную анкету отправили меньше "
                   f"{LOW_COMPLETION} % участников в подразделениях {names}.")
    elif f.questionnaires_invited and not f.pairs_total:
        out.append("Пар ещё нет: следующий шаг — подбор пар по итогам диагностики.")
    if not out:
        out.append("Данных для выводов пока мало: нет ни отправленных анкет, ни пар.")
    return out
