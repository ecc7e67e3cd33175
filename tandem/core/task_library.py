"""The task library of the mentoring maps: concrete task templates per competency and
direction, the rule that picks the best template for a map row, and the rule that lays the
rows' durations over the pair's term.

Pure Python (no Django). The shipped library is tandem/maps/task_library.json; the rules
are written down in docs/task-library.md; tests in tandem/core/tests/test_task_library.py.

A template's ``task`` is worded for the learner of the row (the one with the deficit): an
imperative infinitive, «партнёр» is the one who teaches in this row. The direction says who
teaches: ``young_to_senior`` — the young colleague teaches the experienced one,
``senior_to_young`` — the reverse, ``mutual`` — neither is strong, they study it together.
"""

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tandem.core.maps import FORMS
from tandem.core.programmes import TECHNOLOGIES

YOUNG_TO_SENIOR = "young_to_senior"
SENIOR_TO_YOUNG = "senior_to_young"
MUTUAL = "mutual"
DIRECTIONS = (YOUNG_TO_SENIOR, SENIOR_TO_YOUNG, MUTUAL)
DIRECTION_LABELS = {
    YOUNG_TO_SENIOR: "молодой педагог учит опытного",
    SENIOR_TO_YOUNG: "опытный педагог учит молодого",
    MUTUAL: "осваивают вместе",
}
# The framework's «кто обычно силён» (Competency.typical_direction) in the library's terms.
FROM_TYPICAL_DIRECTION = {"young_to_experienced": YOUNG_TO_SENIOR,
                          "experienced_to_young": SENIOR_TO_YOUNG}

TECHNOLOGY_CODES = frozenset(code for code, _label in TECHNOLOGIES)
# Only the map's own forms: the row editor (tandem/maps/forms.py) offers exactly these, so a
# row drafted from the library stays editable.
FORM_CODES = frozenset(FORMS)
MIN_LEVEL, MAX_LEVEL = 0, 3
MIN_WEEKS, MAX_WEEKS = 1, 8
MAX_TEXT = 600
# A teacher at this level or below «применяет с помощью»: they cannot lead, the pair studies.
WEAK_TEACHER = 1
# A gap (teacher − learner) this wide or wider asks for the more ambitious, longer template.
WIDE_GAP = 2

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
FIELDS = ("id", "competency", "direction", "task", "technology", "form", "product",
          "evidence", "weeks", "levels", "resource_hint")
REQUIRED = FIELDS[:-1]


class LibraryError(ValueError):
    """A template or the library does not hold; the message is for the region operator."""

    def __init__(self, message: str, *, template_id: str = "", field: str = "") -> None:
        super().__init__(message)
        self.template_id = template_id
        self.field = field


@dataclass(frozen=True)
class TaskTemplate:
    id: str
    competency: str
    direction: str
    task: str
    technology: str
    form: str
    product: str
    evidence: str
    weeks: int
    levels: tuple[int, int]
    resource_hint: str = ""

    def level_distance(self, level: int) -> int:
        """0 if ``level`` lies inside the template's range, else how far it lies outside."""
        low, high = self.levels
        return max(0, low - level, level - high)


# --- Parsing and validation ------------------------------------------------------------

def _fail(tid: str, field: str, problem: str) -> LibraryError:
    where = f"Шаблон «{tid}»" if tid else "Шаблон без идентификатора"
    return LibraryError(f"{where}: поле «{field}» — {problem}.", template_id=tid, field=field)


def _text(item: Mapping[str, Any], tid: str, field: str, *, required: bool = True) -> str:
    value = item.get(field, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _fail(tid, field, "должно быть текстом")
    value = " ".join(value.split())
    if required and not value:
        raise _fail(tid, field, "не заполнено")
    if len(value) > MAX_TEXT:
        raise _fail(tid, field, f"длиннее {MAX_TEXT} знаков")
    return value


def _integer(value: Any, tid: str, field: str) -> int:
    """An integer, also from a spreadsheet cell: 3, 3.0 or «3»."""
    if isinstance(value, bool):
        raise _fail(tid, field, "должно быть целым числом")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]\s*", value):
        return int(value)
    raise _fail(tid, field, "должно быть целым числом")


def parse_template(item: Any, *, competencies: Iterable[str] | None = None) -> TaskTemplate:
    """One template from its dict; ``competencies``, if given, are the known codes."""
    if not isinstance(item, Mapping):
        raise LibraryError("Шаблон должен быть объектом с полями "
                           f"{', '.join(REQUIRED)}.")
    raw_id = item.get("id")
    tid = raw_id.strip() if isinstance(raw_id, str) else ""
    if not tid:
        raise _fail("", "id", "не заполнено")
    if not ID_PATTERN.match(tid):
        raise _fail(tid, "id", "допустимы строчные латинские буквы, цифры, «_» и точки, "
                    "например ict.online_tests.y2s.1")
    unknown = sorted(set(item) - set(FIELDS))
    if unknown:
        raise _fail(tid, unknown[0], "неизвестное поле")
    for field in REQUIRED:
        if field not in item:
            raise _fail(tid, field, "отсутствует")
    competency = _text(item, tid, "competency")
    if not ID_PATTERN.match(competency):
        raise _fail(tid, "competency", "ожидается код компетенции, например ict.online_tests")
    if competencies is not None and competency not in set(competencies):
        raise _fail(tid, "competency", f"компетенции «{competency}» нет в рамке")
    direction = _text(item, tid, "direction")
    if direction not in DIRECTIONS:
        raise _fail(tid, "direction", f"допустимо одно из: {', '.join(DIRECTIONS)}")
    technology = _text(item, tid, "technology")
    if technology not in TECHNOLOGY_CODES:
        raise _fail(tid, "technology", "неизвестная технология, допустимо одно из: "
                    + ", ".join(code for code, _label in TECHNOLOGIES))
    form = _text(item, tid, "form")
    if form not in FORM_CODES:
        raise _fail(tid, "form", f"неизвестная форма работы, допустимо одно из: "
                    f"{', '.join(FORMS)}")
    weeks = _integer(item["weeks"], tid, "weeks")
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise _fail(tid, "weeks", f"срок должен быть от {MIN_WEEKS} до {MAX_WEEKS} недель")
    levels = item["levels"]
    if not isinstance(levels, list | tuple) or len(levels) != 2:
        raise _fail(tid, "levels", "ожидается пара уровней [от, до], например [0, 1]")
    low, high = (_integer(x, tid, "levels") for x in levels)
    if not MIN_LEVEL <= low <= high <= MAX_LEVEL:
        raise _fail(tid, "levels", f"уровни от {MIN_LEVEL} до {MAX_LEVEL}, «от» не больше "
                    "«до»")
    return TaskTemplate(
        id=tid, competency=competency, direction=direction, task=_text(item, tid, "task"),
        technology=technology, form=form, product=_text(item, tid, "product"),
        evidence=_text(item, tid, "evidence"), weeks=weeks, levels=(low, high),
        resource_hint=_text(item, tid, "resource_hint", required=False))


def check_unique(templates: Sequence[TaskTemplate]) -> None:
    """No two templates share an id or a task text."""
    ids: dict[str, str] = {}
    tasks: dict[str, str] = {}
    for t in templates:
        if t.id in ids:
            raise _fail(t.id, "id", "такой идентификатор уже есть в библиотеке")
        ids[t.id] = t.id
        key = t.task.casefold()
        if key in tasks:
            raise _fail(t.id, "task", f"текст задачи повторяет шаблон «{tasks[key]}»")
        tasks[key] = t.id


def parse_library(data: Any, *, competencies: Iterable[str] | None = None
                  ) -> list[TaskTemplate]:
    """The templates of a library document ``{"version": 1, "note": …, "templates": […]}``,
    in the document's order; raises LibraryError at the first problem."""
    if not isinstance(data, Mapping):
        raise LibraryError("Библиотека должна быть объектом с полями version и templates.")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise LibraryError("Поле «version» библиотеки должно быть целым числом от 1.")
    items = data.get("templates")
    if not isinstance(items, list) or not items:
        raise LibraryError("Поле «templates» библиотеки должно быть непустым списком.")
    known = frozenset(competencies) if competencies is not None else None
    templates = [parse_template(item, competencies=known) for item in items]
    check_unique(templates)
    return templates


# --- The drafting rule -----------------------------------------------------------------

def wanted_direction(direction: str, learner_level: int, teacher_level: int) -> str:
    """``mutual`` when neither side is strong: the «teacher» is not above the learner (gap
    ≤ 0) or only applies it with help (level ≤ 1); otherwise the row's own direction."""
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}")
    if teacher_level - learner_level <= 0 or teacher_level <= WEAK_TEACHER:
        return MUTUAL
    return direction


def _direction_rank(template: TaskTemplate, wanted: str, given: str) -> int:
    """0 — the wanted direction; 1 — the joint study (or, for a mutual row, the row's own
    direction); 2 — the other direction, whose text assumes the other side is strong."""
    if template.direction == wanted:
        return 0
    if template.direction == MUTUAL or template.direction == given:
        return 1
    return 2


def choose_templates(templates: Iterable[TaskTemplate], competency: str, direction: str,
                     learner_level: int, teacher_level: int,
                     used_ids: Iterable[str] = ()) -> list[TaskTemplate]:
    """The templates of ``competency`` ordered best first for a row where the teacher (at
    ``teacher_level``) teaches the learner (at ``learner_level``) in ``direction``.

    The order, key by key:
    1. direction: the wanted one (see ``wanted_direction``), then the joint study, then the
       opposite direction;
    2. not in ``used_ids`` (already on this map, or the row's template being swapped);
    3. the learner's level inside the template's ``levels``, then the nearest range;
    4. the gap teacher − learner: a wide gap (≥ 2) puts the longer, more ambitious template
       first, a narrow one (≤ 1) the shorter, focused one;
    5. the library's order.
    Empty if the library has nothing for the competency (the map keeps its generic row).
    """
    wanted = wanted_direction(direction, learner_level, teacher_level)
    used = frozenset(used_ids)
    wide = teacher_level - learner_level >= WIDE_GAP
    own = [(i, t) for i, t in enumerate(templates) if t.competency == competency]
    own.sort(key=lambda it: (
        _direction_rank(it[1], wanted, direction),
        it[1].id in used,
        it[1].level_distance(learner_level),
        -it[1].weeks if wide else it[1].weeks,
        it[0],
    ))
    return [t for _i, t in own]


def choose_template(templates: Iterable[TaskTemplate], competency: str, direction: str,
                    learner_level: int, teacher_level: int,
                    used_ids: Iterable[str] = ()) -> TaskTemplate | None:
    """The best template of ``choose_templates``, or None."""
    ranked = choose_templates(templates, competency, direction, learner_level,
                              teacher_level, used_ids)
    return ranked[0] if ranked else None


# --- Durations over the term -----------------------------------------------------------

def _shares(weights: Sequence[int], total: int) -> list[int]:
    """``total`` days split in proportion to ``weights``, at least one day each, by the
    largest remainder (ties to the earlier row). Requires total ≥ len(weights)."""
    n = len(weights)
    spare = total - n
    weight = sum(weights)
    exact = [spare * w / weight for w in weights]
    shares = [int(x) for x in exact]
    left = spare - sum(shares)
    order = sorted(range(n), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:left]:
        shares[i] += 1
    return [1 + s for s in shares]


def spread_over_term(weeks_list: Sequence[int], start: dt.date, end: dt.date
                     ) -> list[tuple[dt.date, dt.date]]:
    """One (start, end) per row, in order, for rows of ``weeks_list`` weeks in the term
    ``start``–``end``.

    A row lasts ``end − start`` days (at least one). Rows follow one another: the first
    starts on the term's first day. If the rows fit in the term, each keeps its duration
    and the free days become equal pauses between rows, so the last row ends on the term's
    last day (a single row just starts the term). If they do not fit, the term is shared
    in proportion to the durations, with no pauses. Raises ValueError when the term has
    fewer days than there are rows.
    """
    n = len(weeks_list)
    if n == 0:
        return []
    if any(w < 1 for w in weeks_list):
        raise ValueError("a row lasts at least one week")
    term = (end - start).days
    if term < n:
        raise ValueError(f"a term of {term} days cannot hold {n} rows")
    wanted = [7 * w for w in weeks_list]
    if sum(wanted) <= term:
        lengths = wanted
        pauses = _pauses(term - sum(wanted), n - 1)
    else:
        lengths = _shares(weeks_list, term)
        pauses = [0] * (n - 1)
    spans = []
    day = start
    for i, length in enumerate(lengths):
        if i:
            day += dt.timedelta(days=pauses[i - 1])
        spans.append((day, day + dt.timedelta(days=length)))
        day += dt.timedelta(days=length)
    return spans


def _pauses(free: int, gaps: int) -> list[int]:
    if gaps <= 0:
        return []
    base, extra = divmod(free, gaps)
    return [base + (1 if i < extra else 0) for i in range(gaps)]


# --- The library as a table (XLSX export and import) -----------------------------------

TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "Идентификатор"),
    ("competency", "Компетенция (код)"),
    ("direction", "Направление"),
    ("task", "Задача"),
    ("technology", "Технология (код)"),
    ("form", "Форма работы (код)"),
    ("product", "Продукт"),
    ("evidence", "Как показывается результат"),
    ("weeks", "Срок, недель"),
    ("level_from", "Уровень наставляемого: от"),
    ("level_to", "Уровень наставляемого: до"),
    ("resource_hint", "Подсказка по ресурсу"),
)


def library_rows_to_table(templates: Iterable[TaskTemplate]) -> list[dict[str, Any]]:
    """One flat dict per template, keyed by ``TABLE_COLUMNS``'s codes (the levels in two
    columns), for a spreadsheet."""
    return [{"id": t.id, "competency": t.competency, "direction": t.direction,
             "task": t.task, "technology": t.technology, "form": t.form,
             "product": t.product, "evidence": t.evidence, "weeks": t.weeks,
             "level_from": t.levels[0], "level_to": t.levels[1],
             "resource_hint": t.resource_hint} for t in templates]


def table_to_library(rows: Iterable[Mapping[str, Any]], *,
                     competencies: Iterable[str] | None = None) -> list[TaskTemplate]:
    """The templates of a table made by ``library_rows_to_table`` (or edited from it):
    empty rows are skipped, cells may come as text or numbers; validated like
    ``parse_library``."""
    known = frozenset(competencies) if competencies is not None else None
    templates = []
    for number, row in enumerate(rows, start=1):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row.values()):
            continue
        unknown = sorted(set(row) - {code for code, _header in TABLE_COLUMNS})
        if unknown:
            raise LibraryError(f"Строка {number}: неизвестный столбец «{unknown[0]}».",
                               field=unknown[0])
        item = {k: v for k, v in row.items() if k not in ("level_from", "level_to")}
        item["levels"] = [row.get("level_from"), row.get("level_to")]
        if item.get("weeks") is None:
            item.pop("weeks", None)
        templates.append(parse_template(item, competencies=known))
    check_unique(templates)
    return templates


def table_problems(rows: Sequence[Mapping[str, Any]], *,
                   competencies: Iterable[str] | None = None, first_row: int = 2
                   ) -> tuple[list[TaskTemplate], list[str]]:
    """Every problem of an imported table at once, each naming its spreadsheet row
    (``first_row`` is the number of the table's first data row: 2 below a header), and the
    templates if there is none. For an all-or-nothing import: nothing is saved unless the
    problems are empty."""
    known = frozenset(competencies) if competencies is not None else None
    templates: list[TaskTemplate] = []
    problems: list[str] = []
    seen_ids: dict[str, int] = {}
    seen_tasks: dict[str, int] = {}
    for number, row in enumerate(rows, start=first_row):
        try:
            parsed = table_to_library([row], competencies=known)
        except LibraryError as problem:
            text = str(problem)
            text = text.split(": ", 1)[1] if text.startswith("Строка 1: ") else text
            problems.append(f"Строка {number}: {text}")
            continue
        for template in parsed:
            if template.id in seen_ids:
                problems.append(f"Строка {number}: идентификатор «{template.id}» уже есть "
                                f"в строке {seen_ids[template.id]}.")
                continue
            key = template.task.casefold()
            if key in seen_tasks:
                problems.append(f"Строка {number}: текст задачи повторяет строку "
                                f"{seen_tasks[key]}.")
                continue
            seen_ids[template.id] = number
            seen_tasks[key] = number
            templates.append(template)
    if not templates and not problems:
        problems.append("В таблице нет ни одного шаблона.")
    return ([] if problems else templates), problems


def field_problem(error: LibraryError) -> str:
    """A validation message without the template's id and field code: for a form, where
    the message stands under the field itself."""
    text = str(error)
    return text.split(" — ", 1)[1] if " — " in text else text
