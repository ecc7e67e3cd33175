"""The application's wording of the matching engine's codes (``tandem.core.matching.codes``):
reasons a participant is left without a pair, validity problems, progress stages and the
stage that proved the optimum — through Django's gettext, so that they can be translated.

The engine's core has one table of codes with Russian defaults for its command line; this
module has a gettext wording for every one of them (a test checks that none is missing).
"""

import logging
from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.core.matching import codes
from tandem.core.matching.instance import InstanceError

logger = logging.getLogger(__name__)

REASONS: dict[str, Promise] = {
    "no_strengths": _("Не отмечено ни одной сильной стороны (уровень 3 или 2 с «могу "
                      "научить»): участнику нечем поделиться с партнёром."),
    "no_deficits": _("Не отмечено ни одного дефицита (уровень 0–1 или «хочу научиться»): "
                     "участнику нечему учиться у партнёра, а пара должна быть взаимной."),
    "nobody_can_teach": _("В границах подбора никто не силён в том, чего не хватает "
                          "участнику."),
    "nobody_needs": _("В границах подбора никому не нужно то, чему участник может научить."),
    "no_reciprocal_partner": _("Одни коллеги могут научить участника, другим нужны его "
                               "сильные стороны, но это разные люди: взаимной пары нет."),
    "constraints": _("Подходящие по навыкам коллеги есть, но все исключены ограничениями: "
                     "{detail}."),
    "capacity": _("Все подходящие коллеги уже в парах, где суммарная польза больше "
                  "(больше пар, чем разрешено в настройках подбора, им не дать)."),
}

OBSTACLES: dict[str, Promise] = {
    "meeting_format": _("формат встреч"),
    "reporting_line": _("линия подчинения"),
    "forbidden": _("запрет куратора"),
}
# The engine's «forbidden» carries three things the application puts there (pairs/services
# run_start): the curator's bans, the pairs already working, the stated rules. Where every
# forbidden partner of a person is of one kind, the explanation names it.
FORBIDDEN_KINDS: dict[str, Promise] = {
    "ban": _("запрет куратора"),
    "paired": _("уже работают в паре"),
    "rule": _("правила подбора"),
    "mixed": _("запрет куратора, правила подбора или уже готовая пара"),
}

PROBLEMS: dict[str, Promise] = {
    "unknown_member": _("Пара {a} — {b}: участника {id} нет в экземпляре."),
    "self_pair": _("Пара {a} — {b}: участник в паре сам с собой."),
    # Worded so that any number reads right (the core's «{count} раза» does not agree with 5).
    "repeated_pair": _("Пара {a} — {b} встречается в результате несколько раз (всего: "
                       "{count})."),
    "over_capacity": _("Участник {id} — в большем числе пар, чем разрешено (пар: {count}, "
                       "разрешено не больше: {capacity})."),
    "locked_missing": _("Закреплённой пары {a} — {b} нет в результате."),
    "forbidden_present": _("Запрещённая пара {a} — {b} есть в результате."),
    "scope": _("Пара {a} — {b} выходит за границы подбора ({scope})."),
    "reporting_line": _("Пара {a} — {b} внутри линии подчинения."),
    "meeting_format": _("Пара {a} — {b}: форматы встреч несовместимы."),
    "not_reciprocal": _("Пара {a} — {b} не взаимна: b(a→b) = {forward}, b(b→a) = {backward}."),
    "no_benefit": _("Пара {a} — {b}: никто ничему не учится."),
    "wrong_weight": _("Пара {a} — {b}: в результате вес {stated}, по экземпляру {actual}."),
    "wrong_total": _("Суммарный вес в результате {stated}, по парам {actual}."),
    "total_above_bound": _("Суммарный вес {total} больше верхней границы {bound}."),
    "false_optimal": _("Результат объявлен оптимальным, но вес {total} меньше границы "
                       "{bound}."),
    "wrong_gap": _("Разрыв в результате {stated}, а граница минус вес — {actual}."),
    "wrong_locked_flag": _("Пара {a} — {b}: отметка «закреплена» не совпадает с экземпляром."),
}

STAGES: dict[str, Promise] = {
    "candidate_graph": _("граф кандидатов"),
    "candidates": _("оценка пар-кандидатов"),
    "relaxation": _("релаксация"),
    "proof": _("доказательство оптимума"),
}

PROVED_BY: dict[str, Promise] = {
    "relaxation": _("релаксация (граница совпала с весом)"),
    "exact": _("точный блоссом-алгоритм на почти плотных рёбрах"),
    "warm blossom": _("блоссом-алгоритм, начатый с двойственных релаксации, на почти плотных "
                      "рёбрах"),
    "milp": _("целочисленная программа (HiGHS)"),
    "odd sets": _("линейная программа с отсечениями по нечётным множествам"),
    "none": _("не доказан: указан честный разрыв"),
}

INPUT: dict[str, Promise] = {
    "repeated_field": _("{where}: поле «{field}» указано дважды."),
    "unknown_manager": _("Участник {id}: руководителя {manager} (поле «line_manager») нет "
                         "среди участников; руководителя, который не участвует в подборе, "
                         "укажите как null."),
    "blank_id": _("{where}: поле «{field}» — id не может быть пустым или с пробелами по "
                  "краям, получено: {value}."),
    "json_constant": _("Файл не является корректным JSON: {value} — не число JSON."),
    "lone_surrogate": _("Файл не является корректным JSON: строка с одиночным суррогатом "
                        "UTF-16 ({value})."),
}

MATCHING = _("подбор")
UNKNOWN_REASON = _("Подходящей пары в границах подбора не нашлось.")

# Each table here words the codes of the core's table of the same name.
TABLES: dict[str, tuple[Mapping[str, Promise], Mapping[str, str]]] = {
    "reasons": (REASONS, codes.REASONS),
    "obstacles": (OBSTACLES, codes.OBSTACLES),
    "problems": (PROBLEMS, codes.PROBLEMS),
    "stages": (STAGES, codes.STAGES),
    "proved_by": (PROVED_BY, codes.PROVED_BY),
    "input": (INPUT, codes.INPUT),
}


def unmatched_reason(code: str, params: Mapping[str, object] | None = None,
                     forbidden_kind: str = "ban") -> str:
    """Why a participant is without a pair. A code without wording here (a newer engine, a
    stored run of an older one) is never shown raw: the person reads a general sentence,
    the log gets the code. ``forbidden_kind``: what the engine's forbidden partners of this
    person are (``FORBIDDEN_KINDS``)."""
    params = params or {}
    if code == "constraints":
        names = {**{k: str(v) for k, v in OBSTACLES.items()},
                 "forbidden": str(FORBIDDEN_KINDS.get(forbidden_kind, FORBIDDEN_KINDS["mixed"]))}
        detail = codes.obstacle_detail(params, names)
        return str(REASONS[code]).format(detail=detail)
    if code not in REASONS:
        logger.warning("No wording for the unmatched reason code %r (params %r)", code,
                       dict(params))
        return str(UNKNOWN_REASON)
    return str(REASONS[code]).format(**params)


def problem(code: str, params: Mapping[str, object]) -> str:
    return str(PROBLEMS[code]).format(**params) if code in PROBLEMS else code


def input_error(error: InstanceError) -> str:
    """Why an instance was refused: a coded refusal worded here, an older one (a message
    only) as the core wrote it."""
    if error.code in INPUT:
        return str(INPUT[error.code]).format(**error.params)
    return error.message


def stage(code: str) -> str:
    return str(STAGES.get(code, MATCHING))


def proved_by(code: str) -> str:
    return str(PROVED_BY.get(code, code))


# Why the curator's stated rules removed candidate pairs (tandem.core.programmes codes).
REMOVED = {
    "experience_gap": _("мала разница в стаже — %(n)s"),
    "same_age_group": _("одна возрастная группа — %(n)s"),
    "subject_differs": _("разные предметы — %(n)s"),
    "subject_same": _("один предмет — %(n)s"),
    "different_building": _("разные здания или организации — %(n)s"),
}


def removed_phrases(removed: dict[str, int] | None) -> list[str]:
    """«мала разница в стаже — 12», … for the run's page, in the rules' order."""
    return [str(REMOVED[code]) % {"n": n} for code, n in (removed or {}).items()
            if code in REMOVED and n]
