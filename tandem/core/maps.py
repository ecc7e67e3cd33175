"""The draft of an individual reverse mentoring map: the rules that suggest its rows.

Pure Python. A map has one block per direction (A mentors B, B mentors A); each row is a
deficit of the learner that the partner can cover. The rules are written down in
docs/maps.md; tests in tandem/core/tests/test_maps.py.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tandem.core.task_library import TaskTemplate

# Forms and methods of work (codes; the application words them).
CONSULTATION = "consultation"
MASTER_CLASS = "master_class"
JOINT_LESSON = "joint_lesson"
MUTUAL_VISITS = "mutual_visits"
JOINT_PROJECT = "joint_project"
ONLINE_MEETING = "online_meeting"
PRACTICUM = "practicum"
RESOURCE_STUDY = "resource_study"
FORMS = (CONSULTATION, MASTER_CLASS, JOINT_LESSON, MUTUAL_VISITS, JOINT_PROJECT,
         ONLINE_MEETING, PRACTICUM, RESOURCE_STUDY)

# By competency area: how a skill of that kind passes from one teacher to another,
# what the learner makes to show it, and how it is shown.
AREA_RULES: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "ict": ((PRACTICUM, MASTER_CLASS, ONLINE_MEETING),
            "Освоить на практике: «{title}» — подготовить с партнёром и провести занятие "
            "с этим инструментом",
            "цифровой материал для своего занятия", "ссылка на материал и показ на встрече пары"),
    "method": ((MUTUAL_VISITS, JOINT_LESSON, CONSULTATION),
               "Разобрать с партнёром и применить в своей работе: «{title}»",
               "разработка занятия (конспект, план)", "открытое занятие или его разбор"),
    "research": ((JOINT_PROJECT, CONSULTATION),
                 "Вместе с партнёром выполнить небольшой проект: «{title}»",
                 "проект или материалы исследования", "представление на методическом "
                 "объединении"),
    "psych": ((CONSULTATION, MUTUAL_VISITS),
              "Разобрать с партнёром ситуации из своей практики и выработать приёмы: "
              "«{title}»", "план мероприятия или набор приёмов", "обсуждение на встрече пары"),
    "comm": ((CONSULTATION, ONLINE_MEETING, JOINT_PROJECT),
             "Подготовить и провести с опорой на опыт партнёра: «{title}»",
             "сценарий встречи или памятка", "проведённая встреча, отзыв участников"),
    "legal": ((CONSULTATION, RESOURCE_STUDY),
              "Изучить с партнёром нормы и применить к своей ситуации: «{title}»",
              "чек-лист или памятка", "обсуждение на встрече пары"),
    "subject": ((JOINT_LESSON, MASTER_CLASS),
                "Перенять у партнёра опыт: «{title}»", "разработка занятия по направлению",
                "открытое занятие"),
}
DEFAULT_RULE = ((CONSULTATION, PRACTICUM), "Освоить с партнёром: «{title}»",
                "материал для своей работы", "показ на встрече пары")
# The technology of a row written by these rules (codes of core.programmes.TECHNOLOGIES),
# and how long such a row lasts when it is laid over the term next to library rows.
AREA_TECHNOLOGY = {"ict": "ict_practicum", "method": "method_open_lessons",
                   "research": "research_project", "psych": "psych_supervision",
                   "comm": "comm_parents", "legal": "law_documents",
                   "subject": "method_lesson_study"}
DEFAULT_TECHNOLOGY = "method_lesson_study"
DEFAULT_WEEKS = 4

# The map is a plan for months, not a list of everything: about one row a month per
# direction, never fewer than MIN_ROWS (if there are deficits) nor more than MAX_ROWS.
MIN_ROWS, MAX_ROWS = 3, 8
# Resources suggested per row; nearest level first.
RESOURCES_PER_ROW = 2
LEVEL_ORDER = {"organization": 0, "municipality": 1, "region": 2, "federal": 3}
NO_RESOURCE = "в каталоге нет ресурса по этой компетенции — только работа с партнёром"


@dataclass(frozen=True)
class Lesson:
    """What the teacher can give the learner in one competency (from the matching engine)."""

    competency: str
    title: str
    area: str
    teacher_level: int
    learner_level: int
    priority: int | None = None
    wants_to_learn: bool = False


@dataclass(frozen=True)
class ResourceOption:
    id: int
    title: str
    level: str  # organization / municipality / region / federal
    competencies: frozenset[str]
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


@dataclass
class RowDraft:
    competency: str
    title: str
    current_level: int
    target_level: int
    partner_level: int
    task: str
    forms: list[str]
    deadline: dt.date
    product: str
    evidence: str
    resources: list[int] = field(default_factory=list)
    resources_note: str = ""
    technology: str = ""
    template_id: str = ""


def target_level(current: int) -> int:
    """One level up, and at least «владею, применяю самостоятельно» (2); never above 3."""
    return min(3, max(current + 1, 2))


def order_lessons(lessons: Sequence[Lesson], competency_order: Sequence[str]) -> list[Lesson]:
    """Most important first: the learner's priorities (1, 2, 3), then the larger level gap,
    then «хочу научиться», then the framework's order."""
    position = {code: i for i, code in enumerate(competency_order)}
    return sorted(lessons, key=lambda x: (
        x.priority if x.priority is not None else 99,
        -(x.teacher_level - x.learner_level),
        not x.wants_to_learn,
        position.get(x.competency, len(position)),
        x.competency,
    ))


def row_count(available: int, start: dt.date, end: dt.date) -> int:
    months = max(1, round((end - start).days / 30.44))
    return min(available, MAX_ROWS, max(MIN_ROWS, months))


def deadlines(n: int, start: dt.date, end: dt.date) -> list[dt.date]:
    """``n`` deadlines spread evenly over the term, the last on its last day."""
    days = (end - start).days
    return [start + dt.timedelta(days=round(days * (i + 1) / n)) for i in range(n)]


def suggest_resources(code: str, resources: Sequence[ResourceOption], *, within: tuple[
        dt.date, dt.date] | None = None) -> list[int]:
    """Resources that develop ``code``, the nearest level first (organization, municipality,
    region, federal), then by title; those that end before the term starts are skipped."""
    fitting = [r for r in resources if code in r.competencies
               and not (within and r.ends_on and r.ends_on < within[0])]
    fitting.sort(key=lambda r: (LEVEL_ORDER.get(r.level, 9), r.title, r.id))
    return [r.id for r in fitting[:RESOURCES_PER_ROW]]


def draft_direction(lessons: Sequence[Lesson], resources: Sequence[ResourceOption], *,
                    start: dt.date, end: dt.date,
                    competency_order: Sequence[str] = (),
                    templates: Sequence["TaskTemplate"] = (), direction: str = "",
                    used_ids: set[str] | None = None) -> list[RowDraft]:
    """The rows of one direction of the map. O(L log L + L·(R + T)).

    With a task library (``templates``, and ``direction`` in its terms: who teaches in
    this block of the map), each row takes the best template for its competency, direction
    and level gap (``task_library.choose_template``, skipping ``used_ids``: the templates
    already on the map, which the call extends) and the rows' durations are laid over the
    term (``task_library.spread_over_term``); a row whose competency has no template keeps
    the area's rule (AREA_RULES) and lasts DEFAULT_WEEKS."""
    from tandem.core import task_library as library

    ordered = order_lessons(lessons, competency_order)
    chosen = ordered[:row_count(len(ordered), start, end)]
    used = used_ids if used_ids is not None else set()
    picked = []
    for lesson in chosen:
        template = (library.choose_template(templates, lesson.competency, direction,
                                            lesson.learner_level, lesson.teacher_level,
                                            used_ids=used)
                    if templates and direction else None)
        if template is not None and template.id in used:
            template = None  # every template of the competency is on the map already
        if template is not None:
            used.add(template.id)
        picked.append(template)
    dates = _row_deadlines([t.weeks if t else DEFAULT_WEEKS for t in picked], start, end,
                           spread=any(picked))
    rows = []
    for lesson, template, deadline in zip(chosen, picked, dates, strict=True):
        suggested = suggest_resources(lesson.competency, resources, within=(start, end))
        if template is not None:
            forms_list = [template.form]
            task, product, evidence = template.task, template.product, template.evidence
            technology = template.technology
        else:
            forms, task_rule, product, evidence = AREA_RULES.get(lesson.area, DEFAULT_RULE)
            forms_list = list(forms)
            if (lesson.teacher_level - lesson.learner_level >= 2
                    and MASTER_CLASS not in forms_list):
                forms_list.insert(0, MASTER_CLASS)  # a wide gap starts with a demonstration
            task = task_rule.format(title=lesson.title)
            technology = AREA_TECHNOLOGY.get(lesson.area, DEFAULT_TECHNOLOGY)
        if suggested and RESOURCE_STUDY not in forms_list:
            forms_list.append(RESOURCE_STUDY)
        rows.append(RowDraft(
            competency=lesson.competency, title=lesson.title,
            current_level=lesson.learner_level, target_level=target_level(lesson.learner_level),
            partner_level=lesson.teacher_level, task=task,
            forms=forms_list, deadline=deadline, product=product, evidence=evidence,
            resources=suggested, resources_note="" if suggested else NO_RESOURCE,
            technology=technology, template_id=template.id if template else ""))
    return rows


def _row_deadlines(weeks: Sequence[int], start: dt.date, end: dt.date, *,
                   spread: bool) -> list[dt.date]:
    """The rows' deadlines: the ends of their spans laid over the term when the rows have
    library durations, else evenly spread (also when the term is too short to lay out)."""
    from tandem.core import task_library as library

    if not weeks:
        return []
    if spread:
        try:
            return [last for _first, last in library.spread_over_term(weeks, start, end)]
        except ValueError:
            pass
    return deadlines(len(weeks), start, end)


def pair_direction(teacher: tuple[int | None, str], learner: tuple[int | None, str],
                   typical: str = "") -> str:
    """Who teaches in a block of the map, in the library's terms: ``young_to_senior`` when
    the teacher is the younger colleague — fewer years of experience, or, at equal (or
    unknown) experience, a younger age band — ``senior_to_young`` when the older one;
    when neither tells them apart, the competency's typical direction (``typical``,
    already in the library's terms), else ``mutual``. ``teacher`` and ``learner`` are
    (experience years, age band code)."""
    (t_exp, t_age), (l_exp, l_age) = teacher, learner
    if t_exp is not None and l_exp is not None and t_exp != l_exp:
        return "young_to_senior" if t_exp < l_exp else "senior_to_young"
    t_rank, l_rank = AGE_BANDS.get(t_age), AGE_BANDS.get(l_age)
    if t_rank is not None and l_rank is not None and t_rank != l_rank:
        return "young_to_senior" if t_rank < l_rank else "senior_to_young"
    return typical or "mutual"


# The participants' age bands (tandem.people.models.AgeBand), youngest first.
AGE_BANDS = {code: i for i, code in enumerate(("u25", "25-34", "35-44", "45-54", "55-64",
                                                "65+"))}
