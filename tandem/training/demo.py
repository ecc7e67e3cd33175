"""Demo data of case-based training (a stage of ``tandem.demo.services.EXTENSIONS``, after
the school of mentors' stage, whose past seminar it finds by ``Event.demo_key``).

Two cases of the region; the past seminar's attendees split into seven teams (as at the
practical session of the announcement: every team built and presented a map from a case
with given resources); every team's map filled, of uneven quality (three teams took
their tasks from the task library, the others wrote them by hand), and scored by the
region operator with the rubric. Bounded: about 70 people and 40 rows whatever the region's
size. Without the school's past seminar (their stage not run), only the cases are made.
"""

import datetime as dt
import random
from typing import Any

from django.db.models import Q
from django.utils import timezone

from tandem.access.models import Role, RoleAssignment
from tandem.accounts.models import User
from tandem.core import training as core
from tandem.diagnostics.models import Competency
from tandem.maps.models import Row
from tandem.maps.selectors import library_for
from tandem.resources.models import Resource
from tandem.school.demo import PAST_SEMINAR_KEY
from tandem.school.models import Event
from tandem.territory.demo import DemoContext
from tandem.territory.models import COUNTRY_Q
from tandem.training.models import Case, CaseParticipant, Score, Team
from tandem.training.selectors import case_spec, library_choice, row_specs
from tandem.training.services import teams_autosplit

TEAMS = 7
# Each: the case's fields, and its people as (name, age band, years, position, subject,
# levels by competency).
CASES: list[dict[str, Any]] = [
    {
        "title": "Кейс 1. Дом детского творчества: видеостудия и родители",
        "context": (
            "Районный дом детского творчества открывает медиастудию для подростков. "
            "Молодой педагог ведёт кружок видеосъёмки и уверенно работает с цифровыми "
            "инструментами, но теряется на родительских собраниях и не умеет оформить "
            "дополнительную общеразвивающую программу. Опытный педагог-организатор "
            "30 лет проводит массовые мероприятия и знает каждую семью микрорайона, но "
            "не пользуется ни облачными сервисами, ни сообществом учреждения в соцсети. "
            "Срок работы пары — учебное полугодие. Использовать можно только ресурсы "
            "из списка кейса."),
        "starts_on": dt.date(2026, 9, 1), "ends_on": dt.date(2027, 1, 31),
        "a": ("Дарья", "u25", 1, "педагог дополнительного образования", "видеостудия",
              {"ict.video_content": 3, "ict.social_media": 3, "comm.parents": 0,
               "method.program_docs": 1}),
        "b": ("Тамара Николаевна", "55-64", 30, "педагог-организатор", "массовые мероприятия",
              {"ict.office_cloud": 1, "ict.social_media": 0, "comm.parents": 3,
               "method.program_docs": 3}),
    },
    {
        "title": "Кейс 2. Спортивная школа: онлайн-тесты и дисциплина",
        "context": (
            "Тренер-преподаватель спортивной школы олимпийского резерва три года назад "
            "окончил институт физической культуры. Он делает онлайн-тесты по теории и "
            "ведёт канал секции, но не справляется с дисциплиной в младшей группе и "
            "боится аттестации. Старший тренер с 25-летним стажем готовит призёров "
            "области, а результаты контрольных нормативов ведёт в тетради. Пара "
            "работает с октября по апрель."),
        "starts_on": dt.date(2026, 10, 1), "ends_on": dt.date(2027, 4, 30),
        "a": ("Артём", "25-34", 3, "тренер-преподаватель", "лёгкая атлетика",
              {"ict.online_tests": 3, "ict.edu_platforms": 3, "psych.classroom": 1,
               "legal.certification": 0}),
        "b": ("Виктор Иванович", "45-54", 25, "старший тренер-преподаватель",
              "лёгкая атлетика",
              {"ict.online_tests": 0, "ict.edu_platforms": 1, "psych.classroom": 3,
               "legal.certification": 3}),
    },
]
FORMS = ["practicum", "master_class", "consultation", "mutual_visits", "joint_project"]
PRODUCTS = ["конспект занятия", "видеоролик о кружке", "памятка для родителей",
            "онлайн-тест по теории", "раздел программы", "план собрания"]


def _people(case: Case, spec: dict[str, Any]) -> None:
    for role in ("a", "b"):
        name, band, years, position, subject, levels = spec[role]
        CaseParticipant.objects.create(
            case=case, role=role, name=name, age_band=band, experience_years=years,
            position=position, subject=subject, levels=levels,
            strengths=sorted(c for c, lvl in levels.items() if lvl >= 3),
            deficits=sorted(c for c, lvl in levels.items() if lvl <= 1))


def _case_resources(case: Case, codes: set[str]) -> None:
    region = case.region
    matching = list(Resource.objects.filter(COUNTRY_Q | Q(region=region)).filter(
        is_active=True, competencies__code__in=codes).distinct().order_by("pk")[:6])
    extra = list(Resource.objects.filter(is_active=True, municipality__region=region)
                 .exclude(pk__in=[r.pk for r in matching]).order_by("pk")[:2])
    case.resources.set(matching + extra)


def seed(context: DemoContext) -> None:
    rng = random.Random(context.seed + 8)
    cases = []
    for spec in CASES:
        case = Case.objects.create(
            title=spec["title"], context=spec["context"], region=context.region,
            starts_on=spec["starts_on"], ends_on=spec["ends_on"])
        _people(case, spec)
        codes = {c for role in ("a", "b") for c in spec[role][5]}
        _case_resources(case, codes)
        cases.append(case)

    event = Event.objects.filter(region=context.region, demo_key=PAST_SEMINAR_KEY).first()
    if event is None:
        return
    teams = teams_autosplit(event=event, cases=cases, count=TEAMS)
    operator = (RoleAssignment.objects.filter(role=Role.REGION_OPERATOR, region=context.region)
                .select_related("user").first())
    _fill_maps(teams, rng)
    _score(teams, operator.user if operator else None)


# Teams that took their rows' tasks from the task library, as a real pair's draft would
# (the others wrote them by hand).
FROM_LIBRARY = {0, 1, 3}


def _fill_maps(teams: list[Team], rng: random.Random) -> None:
    # Rows are titled by the deficit's name as people read it, never by its code.
    names = dict(Competency.objects.values_list("code", "name"))
    rows: list[Row] = []
    links = []
    templates = library_for(region_id=teams[0].case.region_id) if teams else []
    for number, team in enumerate(teams):
        case = team.case
        people = {p.role: p for p in case.people.all()}
        resources = [r.pk for r in case.resources.all()]
        term = (case.ends_on - case.starts_on).days
        for direction, learner, teacher in (("ab", people["b"], people["a"]),
                                            ("ba", people["a"], people["b"])):
            # Uneven work, as in any hall: one team forgets a deficit, one a direction.
            deficits = list(learner.deficits)
            if number == 2 and direction == "ba":
                continue
            if number == 4:
                deficits = deficits[:1]
            used: set[str] = set()
            for order, code in enumerate(deficits):
                template = (library_choice(templates, case, direction, code, used)
                            if number in FROM_LIBRARY else None)
                if template is not None:
                    used.add(template.id)
                row = Row(
                    map=team.map, direction=direction, order=order, competency=code,
                    title=f"{learner.name}: {names.get(code, code)}",
                    current_level=learner.levels.get(code, 0),
                    target_level=min(3, learner.levels.get(code, 0) + 2),
                    partner_level=teacher.levels.get(code, 3),
                    task=f"Освоить с помощью партнёра ({teacher.name}) и применить в работе",
                    forms=rng.sample(FORMS, 2),
                    deadline=case.starts_on + dt.timedelta(
                        days=min(term, 30 + order * 45 + rng.randint(0, 10))),
                    product="" if number == 5 else rng.choice(PRODUCTS),
                    evidence="открытое занятие" if number != 5 else "",
                )
                if template is not None:
                    row.task, row.forms = template.task, [template.form]
                    row.technology, row.template_id = template.technology, template.id
                    row.product, row.evidence = template.product[:300], template.evidence[:300]
                rows.append(row)
                links.append(rng.sample(resources, min(2, len(resources))))
    Row.objects.bulk_create(rows)
    Row.resources.through.objects.bulk_create([
        Row.resources.through(row_id=row.pk, resource_id=rid)
        for row, ids in zip(rows, links, strict=True) for rid in ids])


def _score(teams: list[Team], trainer: User | None) -> None:
    """The trainer took the hints, with a word here and there."""
    now = timezone.now()
    scores = []
    # A hint's items are codes (competencies, directions); the comment names them.
    names = dict(Competency.objects.values_list("code", "name"))
    names.update({str(d.value): str(d.label) for d in Row.Direction})
    for team in teams:
        map_rows = list(Row.objects.filter(map__team=team).prefetch_related("resources"))
        for hint in core.review(case_spec(team.case), row_specs(map_rows)):
            comment = "" if hint.score == core.MAX_SCORE else "Доработать: " + ", ".join(
                names.get(item, item) for item in hint.items[:3])
            scores.append(Score(team=team, criterion=hint.criterion, score=hint.score,
                                comment=comment))
        team.feedback = "Карта представлена на практическом занятии; отзыв тренера ниже."
        team.scored_at, team.scored_by = now, trainer
    Score.objects.bulk_create(scores)
    Team.objects.bulk_update(teams, ["feedback", "scored_at", "scored_by"])
