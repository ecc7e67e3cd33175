"""This app's section of a person's data (tandem/people/personal_data.py)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from tandem.pairs.models import MatchingRun, Pair, PairOrder
from tandem.people.models import Participant
from tandem.people.personal_data import Erasure, Rows, Section, verbose


def pairs_of(p: Participant) -> list[Pair]:
    return list(Pair.objects.filter(a=p).select_related("a", "b")
                | Pair.objects.filter(b=p).select_related("a", "b"))


def _pair_side(pair: Pair, me: Participant) -> dict[str, Any]:
    i_am_a = pair.a_id == me.pk
    partner = pair.b if i_am_a else pair.a
    return {
        "id": pair.pk, "partner": partner.full_name, "status": pair.get_status_display(),
        "starts_on": pair.starts_on.isoformat(), "ends_on": pair.ends_on.isoformat(),
        "i_teach": pair.a_teaches_b if i_am_a else pair.b_teaches_a,
        "i_learn": pair.b_teaches_a if i_am_a else pair.a_teaches_b,
    }


def rows(p: Participant) -> Rows:
    return [_pair_side(x, p) for x in pairs_of(p)]


def _items(items: list[dict[str, Any]]) -> str:
    return ", ".join(str(i.get("title") or i.get("competency")) for i in items)


def flatten(data: Rows) -> Rows:
    return [{**{k: v for k, v in x.items() if k not in ("i_teach", "i_learn")},
             "i_teach": _items(x["i_teach"]), "i_learn": _items(x["i_learn"])}
            for x in data]


def anonymise(e: Erasure) -> None:
    """Their pairs' texts; the matching runs' snapshots (names in the pool); orders."""
    mine = Pair.objects.filter(a_id=e.participant_id) | Pair.objects.filter(b_id=e.participant_id)
    e.scrub_rows(mine, ["ended_reason"], pick=False)
    e.scrub_rows(MatchingRun.objects.all(), ["instance", "result", "rules", "error", "stage"])
    e.scrub_rows(PairOrder.objects.all(), ["head_name", "head_position", "number"])


COLUMNS = {
    "id": _("номер пары"), "partner": _("партнёр"), "status": verbose(Pair, "status"),
    "starts_on": verbose(Pair, "starts_on"), "ends_on": verbose(Pair, "ends_on"),
    "i_teach": _("я учу партнёра"), "i_learn": _("я учусь у партнёра"),
}

SECTION = Section(key="pairs", title="Пары", rows=rows, order=20, flatten=flatten,
                  anonymise=anonymise, columns=COLUMNS)
