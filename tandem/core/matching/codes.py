"""Machine codes of everything the engine says about a result, and their Russian defaults.

The engine returns codes with parameters (an unmatched participant's reason, a validity
problem, a progress stage, the stage that proved optimality), never prose: the application
words them through Django's gettext (``tandem/pairs/wording.py``, one wording per code here,
checked by a test), and the command line, which must not load Django, words them with the
Russian defaults below. The tables are the one list of codes; texts are ``str.format``
templates over the parameters.
"""

from collections.abc import Mapping

# Why a participant is left without a pair (docs/matching.md, «Почему участник без пары»).
REASONS: dict[str, str] = {
    "no_strengths": "Не отмечено ни одной сильной стороны (уровень 3 или 2 с «могу научить»): "
                    "участнику нечем поделиться с партнёром.",
    "no_deficits": "Не отмечено ни одного дефицита (уровень 0–1 или «хочу научиться»): "
                   "участнику нечему учиться у партнёра, а пара должна быть взаимной.",
    "nobody_can_teach": "В границах подбора никто не силён в том, чего не хватает участнику.",
    "nobody_needs": "В границах подбора никому не нужно то, чему участник может научить.",
    "no_reciprocal_partner": "Одни коллеги могут научить участника, другим нужны его сильные "
                             "стороны, но это разные люди: взаимной пары нет.",
    "constraints": "Подходящие по навыкам коллеги есть, но все исключены ограничениями: "
                   "{detail}.",
    "capacity": "Все подходящие коллеги уже в парах, где суммарная польза больше "
                "(больше пар, чем разрешено в настройках подбора, им не дать).",
}

# The parameters of ``constraints``: how many partners each rule removed, in this order.
OBSTACLES: dict[str, str] = {
    "meeting_format": "формат встреч",
    "reporting_line": "линия подчинения",
    "forbidden": "запрет куратора",
}

# Problems ``check_validity`` finds in a set of pairs (and ``--verify`` in a result).
PROBLEMS: dict[str, str] = {
    "unknown_member": "Пара {a} — {b}: участника {id} нет в экземпляре.",
    "self_pair": "Пара {a} — {b}: участник в паре сам с собой.",
    "repeated_pair": "Пара {a} — {b} встречается {count} раза.",
    "over_capacity": "Участник {id} в {count} парах при допустимом числе пар {capacity}.",
    "locked_missing": "Закреплённой пары {a} — {b} нет в результате.",
    "forbidden_present": "Запрещённая пара {a} — {b} есть в результате.",
    "scope": "Пара {a} — {b} выходит за границы подбора ({scope}).",
    "reporting_line": "Пара {a} — {b} внутри линии подчинения.",
    "meeting_format": "Пара {a} — {b}: форматы встреч несовместимы.",
    "not_reciprocal": "Пара {a} — {b} не взаимна: b(a→b) = {forward}, b(b→a) = {backward}.",
    "no_benefit": "Пара {a} — {b}: никто ничему не учится.",
    # Checks of a whole result (``verify``): weights and the certificate.
    "wrong_weight": "Пара {a} — {b}: в результате вес {stated}, по экземпляру {actual}.",
    "wrong_total": "Суммарный вес в результате {stated}, по парам {actual}.",
    "total_above_bound": "Суммарный вес {total} больше верхней границы {bound}.",
    "false_optimal": "Результат объявлен оптимальным, но вес {total} меньше границы {bound}.",
    "wrong_gap": "Разрыв в результате {stated}, а граница минус вес — {actual}.",
    "wrong_locked_flag": "Пара {a} — {b}: отметка «закреплена» не совпадает с экземпляром.",
}

# Input refused by ``instance_from_dict`` / ``load_json`` (``InstanceError.code`` and
# ``.params``; docs/matching.md, «Ошибки входа»). The older input messages are still
# constants in ``instance.py`` (``InstanceError.code`` is None for them).
INPUT: dict[str, str] = {
    "repeated_field": "{where}: поле «{field}» указано дважды.",
    "unknown_manager": "Участник {id}: руководителя {manager} (поле «line_manager») нет среди "
                       "участников; руководителя, который не участвует в подборе, укажите "
                       "как null.",
    "blank_id": "{where}: поле «{field}» — id не может быть пустым или с пробелами по краям, "
                "получено: {value}.",
    "json_constant": "Файл не является корректным JSON: {value} — не число JSON.",
    "lone_surrogate": "Файл не является корректным JSON: строка с одиночным суррогатом "
                      "UTF-16 ({value}).",
}

# Progress stages passed to ``progress(stage, done, total)``.
STAGES: dict[str, str] = {
    "candidate_graph": "граф кандидатов",
    "candidates": "оценка пар-кандидатов",
    "relaxation": "релаксация",
    "proof": "доказательство оптимума",
}

# Which stage proved the bound (``proved_by`` of a result).
PROVED_BY: dict[str, str] = {
    "relaxation": "релаксация (граница совпала с весом)",
    "exact": "точный блоссом-алгоритм на почти плотных рёбрах",
    "warm blossom": "блоссом-алгоритм, начатый с двойственных релаксации, на почти плотных рёбрах",
    "milp": "целочисленная программа (HiGHS)",
    "odd sets": "линейная программа с отсечениями по нечётным множествам",
    "none": "не доказан: указан честный разрыв",
}


def describe(table: Mapping[str, str], code: str, params: Mapping[str, object]) -> str:
    """The Russian default text of ``code`` with its parameters (the CLI's wording)."""
    if table is REASONS and code == "constraints":
        return REASONS[code].format(detail=obstacle_detail(params, OBSTACLES))
    return table[code].format(**params)


def obstacle_detail(counts: Mapping[str, object], names: Mapping[str, str]) -> str:
    """«формат встреч — 2, линия подчинения — 1» from ``{"meeting_format": 2, …}``."""
    return ", ".join(f"{names[k]} — {counts[k]}" for k in OBSTACLES if k in counts)
