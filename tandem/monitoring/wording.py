"""The words of the report's conclusions (tandem/core/conclusions.py returns codes with
parameters; this module says them in Russian through gettext, plurals through ngettext)."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tandem.core import conclusions as core


def decimal(value: float, places: int = 1) -> str:
    """A number as the report's reader writes it: a Russian decimal comma («8,2», «+0,8») —
    the cards' score (``cards.key_figures``) and the conclusions' gains alike, on the page
    and in the PDF. Not for what a machine reads (the API's and XLSX's numbers)."""
    return f"{value:.{places}f}".replace(".", ",")


def _part(code: str, n: int) -> str:
    if code == core.TASKS_OVERDUE:
        return ngettext("%(n)d задача просрочена", "%(n)d задачи просрочены", n) % {"n": n}
    if code == core.PAIRS_STUCK:
        return ngettext("%(n)d пара требует внимания", "%(n)d пары требуют внимания",
                        n) % {"n": n}
    if code == core.PAIRS_ENDED_EARLY:
        return ngettext("%(n)d пара завершена досрочно", "%(n)d пары завершены досрочно",
                        n) % {"n": n}
    return _("проведено %(p)d %% встреч от плана") % {"p": n}


def conclusion_text(finding: core.Finding) -> str:
    p = finding.params
    if finding.code == core.GROWN:
        best = ", ".join(f"«{name}» (+{decimal(gain)})" for name, gain in p["areas"])
        return ngettext(
            "Уровень вырос в %(n)d области компетенций, больше всего — %(best)s.",
            "Уровень вырос в %(n)d областях компетенций, больше всего — %(best)s.",
            p["count"]) % {"n": p["count"], "best": best}
    if finding.code == core.TASKS_WITHOUT_GAIN:
        return _("Выполнено %(p)d %% задач карт (%(d)d из %(t)d); прироста уровней по "
                 "итоговой диагностике пока не видно.") % {
            "p": p["percent"], "d": p["done"], "t": p["planned"]}
    if finding.code == core.ATTENTION:
        return _("Требует внимания: %(items)s.") % {
            "items": "; ".join(_part(code, n) for code, n in p["items"])}
    if finding.code == core.LOOK_FIRST:
        names = ", ".join(f"{name} ({share} %)" for name, share in p["units"])
        return _("Где смотреть в первую очередь: входную анкету отправили меньше "
                 "%(t)d %% участников в подразделениях %(names)s.") % {
            "t": p["threshold"], "names": names}
    if finding.code == core.NO_PAIRS_YET:
        return _("Пар ещё нет: следующий шаг — подбор пар по итогам диагностики.")
    return _("Данных для выводов пока мало: нет ни отправленных анкет, ни пар.")
