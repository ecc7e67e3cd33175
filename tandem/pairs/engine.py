"""The application's side of the matching engine (tandem.core.matching): JSON documents
in and out, progress as a percentage, competency titles on every lesson."""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy

from tandem.core.matching.instance import (
    Instance,
    InstanceError,
    instance_from_dict,
    managers_within,
    pair_obstacle,
)
from tandem.core.matching.scoring import benefit, lessons, pair_weight
from tandem.pairs import wording

OBSTACLES = {
    "scope": gettext_lazy("пара выходит за границы подбора"),
    "reporting_line": gettext_lazy("один — непосредственный руководитель другого: пары "
                                   "внутри линии подчинения запрещены"),
    "meeting_format": gettext_lazy("форматы встреч несовместимы"),
}
FORBIDDEN = gettext_lazy("куратор запретил эту пару")


class EngineError(Exception):
    pass


def _instance(document: dict[str, Any]) -> Instance:
    """The stored document as an instance. Runs stored before a manager outside the
    instance was refused still name such managers: they are dropped (no pair changes)."""
    return instance_from_dict(managers_within(document))


def _titles(document: dict[str, Any]) -> dict[str, str]:
    return {c["code"]: c.get("title") or c["code"] for c in document.get("competencies", [])}


def _with_titles(items: list[dict[str, Any]], titles: dict[str, str]) -> list[dict[str, Any]]:
    return [{**x, "title": titles.get(x["competency"], x["competency"])} for x in items]


def match(document: dict[str, Any], *, time_limit: float | None = 20.0,
          progress: Callable[[int, str], None] | None = None,
          warm: dict[str, Any] | None = None) -> dict[str, Any]:
    """Runs the engine on an instance document; the result document, lessons titled, with
    its duals (the next run's warm start). ``warm``: the previous run's result, a hint only
    (docs/matching.md, 3.8); one that is not a result is left out."""
    try:
        instance = _instance(document)
    except InstanceError as error:
        raise EngineError(wording.input_error(error)) from None

    def report(label: str, done: int, total: int) -> None:
        if progress is not None and total:
            progress(5 + int(90 * done / total), wording.stage(label))

    # The engine (numpy, scipy, rustworkx: ≈ 60 MB) is imported here, in the task that runs
    # it, not when a page imports this module (docs/performance.md, «Память рабочего»).
    from tandem.core.matching.engine import RESULT_FORMAT, result_to_dict
    from tandem.core.matching.engine import match as core_match

    if warm is not None and warm.get("format") != RESULT_FORMAT:
        warm = None
    result = result_to_dict(core_match(instance, time_limit=time_limit, progress=report,
                                       warm=warm, with_duals=True))
    titles = _titles(document)
    for pair in result["pairs"]:
        pair["a_teaches_b"] = _with_titles(pair["a_teaches_b"], titles)
        pair["b_teaches_a"] = _with_titles(pair["b_teaches_a"], titles)
    return result


def explain_pair(document: dict[str, Any], a_id: int, b_id: int) -> dict[str, Any]:
    """Two people by hand: what each would teach the other, the benefits both ways, the
    pair's weight, and whatever rule forbids it."""
    instance = _instance(document)
    people = {p.id: p for p in instance.participants}
    a, b = people[a_id], people[b_id]
    forward, backward = benefit(a, b, instance), benefit(b, a, instance)
    obstacle = pair_obstacle(a, b, instance.constraints)
    forbidden = {tuple(sorted(p)) for p in instance.constraints.forbidden}  # type: ignore[arg-type]
    titles = _titles(document)

    def lesson_dicts(teacher: Any, learner: Any) -> list[dict[str, Any]]:
        return [{"competency": x.competency, "title": titles.get(x.competency, x.competency),
                 "teacher_level": x.teacher_level, "learner_level": x.learner_level,
                 "priority": x.priority} for x in lessons(teacher, learner, instance)]

    return {
        "forward": forward, "backward": backward,
        "weight": pair_weight(forward, backward, instance.weights),
        "one_sided": forward == 0 or backward == 0,
        "obstacle": str(FORBIDDEN if tuple(sorted((a_id, b_id))) in forbidden
                        else OBSTACLES.get(obstacle or "", "")),
        "a_teaches_b": lesson_dicts(a, b), "b_teaches_a": lesson_dicts(b, a),
    }


def lesson_text(item: dict[str, Any]) -> str:
    """«ИИ-инструменты для подготовки занятий (3 → 0)» for documents."""
    title = item.get("title") or item.get("competency", "")
    return f"{title} ({item.get('teacher_level')} → {item.get('learner_level')})"
