"""The dashboard's key figures as labelled cards, shared by the page and the PDF."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, npgettext

from tandem.core.effectiveness import (
    BEHIND_ON_MEETINGS,
    NO_RECENT_MEETING,
    ONE_SIDED,
    OVERDUE_TASKS,
)
from tandem.monitoring import selectors
from tandem.monitoring.wording import decimal

KIRKPATRICK = {
    "reaction": (gettext_lazy("Реакция"), gettext_lazy("удовлетворённость, 1–10")),
    "learning": (gettext_lazy("Обучение"), gettext_lazy("закрыто дефицитов из плана")),
    "behaviour": (gettext_lazy("Поведение"), gettext_lazy("задачи и встречи по плану")),
    "results": (gettext_lazy("Результаты"),
                gettext_lazy("завершённых пар закрыли все дефициты")),
}
REASONS = {
    BEHIND_ON_MEETINGS: gettext_lazy("встреч меньше половины плана"),
    NO_RECENT_MEETING: gettext_lazy("давно не было встреч"),
    OVERDUE_TASKS: gettext_lazy("просрочены задачи"),
    ONE_SIDED: gettext_lazy("учится только одна сторона"),
    selectors.MAP_NOT_AGREED: gettext_lazy("карта не согласована"),
}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(100 * value)} %"


def key_figures(data: selectors.DashboardData) -> tuple[list[dict[str, object]],
                                                          list[dict[str, object]]]:
    """The cards above the charts: involvement and pairs, then Kirkpatrick's four levels
    («—» where a figure cannot be computed yet, e.g. satisfaction under 3 answers)."""
    invited = sum(c.invited for c in data.completion)
    submitted = sum(c.submitted for c in data.completion)
    cards: list[dict[str, object]] = [
        {"value": f"{round(100 * submitted / invited) if invited else 0} %",
         "label": _("анкет входной диагностики отправлено"),
         "note": _("%(s)s из %(t)s") % {"s": submitted, "t": invited}}]
    s = data.summary
    if s is None:
        return cards, []
    cards += [
        {"value": _percent(s.involvement), "label": _("вовлечены в пары"),
         "note": ngettext("%(n)s из %(t)s участника", "%(n)s из %(t)s участников",
                          s.participants_active) % {"n": s.participants_in_pairs,
                                                    "t": s.participants_active}},
        {"value": s.pairs_total, "label": npgettext("карточка", "пара", "пар", s.pairs_total),
         "note": _("действуют %(a)s · ждут %(w)s · завершены %(c)s · досрочно %(e)s") % {
             "a": s.pairs_active, "w": s.pairs_waiting, "c": s.pairs_completed,
             "e": s.pairs_ended_early}},
        {"value": _percent(s.meetings_share), "label": _("встреч проведено от плана"),
         "note": _("%(h)s из %(p)s") % {"h": s.meetings_held, "p": s.meetings_planned}},
    ]
    levels: list[dict[str, object]] = []
    for level in s.kirkpatrick():
        title, note = KIRKPATRICK[level.key]
        value = ("—" if level.value is None else decimal(level.value)
                 if level.unit == "score" else _percent(level.value))
        levels.append({"value": value, "label": title, "note": note})
    return cards, levels
