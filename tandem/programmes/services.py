"""Writes for programmes: create, edit sections, roadmap rows and indicators, adopt, revise.

Every write checks that the programme is a draft: an adopted programme is read-only until a
revision is started (``programme_revise``)."""

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tandem.accounts.models import User
from tandem.core import programmes as core
from tandem.programmes.models import Indicator, Programme, RoadmapRow
from tandem.programmes.selectors import resources_for_organization
from tandem.territory.models import Organization

NOT_EDITABLE = gettext_lazy("Программа принята и доступна только для чтения. Чтобы изменить "
                            "её, начните новую редакцию.")
ALREADY_EXISTS = gettext_lazy("Программа на %(year)s учебный год уже есть.")
DRAFT_EXISTS = gettext_lazy("Новая редакция уже начата: продолжите её.")
NOT_ADOPTED = gettext_lazy("Новую редакцию можно начать только с принятой программы.")
ROADMAP_DATES = gettext_lazy("Дорожная карта, поле «Сроки»: %(problem)s.")
ROADMAP_PROBLEMS = {
    core.DATES_REVERSED: gettext_lazy("окончание раньше начала"),
    core.OUTSIDE_YEAR: gettext_lazy("даты должны лежать в %(year)s учебном году "
                                    "(%(first)s — %(last)s)"),
}
RESOURCE_UNAVAILABLE = gettext_lazy("Ресурсы: «%(id)s» нет в каталоге, доступном организации.")
ADOPT_INCOMPLETE = gettext_lazy("Программу нельзя принять: не заполнено — %(missing)s.")
ORDER_DATE_OUTSIDE = gettext_lazy("Дата приказа: не позже сегодняшнего дня.")

SECTION_FIELDS = {
    "goals": ("goals", "tasks"),
    "forms": ("forms", "forms_other"),
    "rules": ("pair_scope", "reciprocity_required", "no_reporting_line", "capacity",
              "min_experience_gap", "age_groups", "subject", "place"),
    "technologies": ("technologies", "technologies_other"),
}


class ProgrammeError(Exception):
    pass


def _editable(programme: Programme) -> None:
    if not programme.editable:
        raise ProgrammeError(str(NOT_EDITABLE))


@transaction.atomic
def programme_create(*, organization: Organization, year: int, user: User | None) -> Programme:
    """A draft with the usual content pre-filled: the reverse form, the default indicators."""
    if Programme.objects.filter(organization=organization, year=year).exists():
        raise ProgrammeError(str(ALREADY_EXISTS) % {"year": core.year_label(year)})
    programme = Programme.objects.create(
        organization=organization, year=year, created_by=user,
        goals=("Создание условий для профессионального роста педагогических работников "
               "через взаимный обмен компетенциями в реверсивных наставнических парах."),
        tasks="\n".join([
            "Выявить профессиональные дефициты и сильные стороны педагогов.",
            "Сформировать наставнические пары, в которых каждый — наставник и наставляемый.",
            "Разработать и реализовать индивидуальные карты реверсивного наставничества.",
            "Оценить динамику дефицитов и распространить лучшие практики.",
        ]),
        forms=["reverse"])
    Indicator.objects.bulk_create([
        Indicator(programme=programme, title=title, unit=unit, target=Decimal(target))
        for title, unit, target in core.DEFAULT_INDICATORS])
    return programme


@transaction.atomic
def section_update(*, programme: Programme, section: str, data: Mapping[str, Any]) -> Programme:
    _editable(programme)
    fields = SECTION_FIELDS[section]
    for name in fields:
        setattr(programme, name, data[name])
    programme.save(update_fields=[*fields, "updated_at"])
    return programme


@transaction.atomic
def resources_set(*, programme: Programme, resource_ids: Iterable[int]) -> Programme:
    _editable(programme)
    wanted = set(resource_ids)
    allowed = set(resources_for_organization(programme.organization)
                  .filter(pk__in=wanted).values_list("pk", flat=True))
    for pk in sorted(wanted - allowed):
        raise ProgrammeError(str(RESOURCE_UNAVAILABLE) % {"id": pk})
    programme.resources.set(sorted(allowed))
    return programme


@transaction.atomic
def roadmap_add(*, programme: Programme, data: Mapping[str, Any]) -> RoadmapRow:
    _editable(programme)
    problem = core.roadmap_dates_problem(programme.year, data["starts_on"], data["ends_on"])
    if problem:
        first, last = core.year_bounds(programme.year)
        worded = str(ROADMAP_PROBLEMS[problem]) % {
            "year": core.year_label(programme.year), "first": f"{first:%d.%m.%Y}",
            "last": f"{last:%d.%m.%Y}"} if problem == core.OUTSIDE_YEAR \
            else str(ROADMAP_PROBLEMS[problem])
        raise ProgrammeError(str(ROADMAP_DATES) % {"problem": worded})
    return RoadmapRow.objects.create(
        programme=programme, **{k: data[k] for k in ("stage", "activity", "starts_on",
                                                     "ends_on", "responsible", "result")})


@transaction.atomic
def roadmap_delete(*, row: RoadmapRow) -> None:
    _editable(row.programme)
    row.delete()


@transaction.atomic
def indicator_add(*, programme: Programme, data: Mapping[str, Any]) -> Indicator:
    _editable(programme)
    return Indicator.objects.create(programme=programme, title=data["title"],
                                    unit=data["unit"], target=data["target"])


@transaction.atomic
def indicator_delete(*, indicator: Indicator) -> None:
    _editable(indicator.programme)
    indicator.delete()


def missing_for_adoption(programme: Programme) -> list[str]:
    """What a programme needs before it can be adopted: names of the empty sections."""
    empty = [
        (not programme.goals.strip(), gettext_lazy("цель")),
        (not programme.task_list, gettext_lazy("задачи")),
        (not programme.form_labels, gettext_lazy("формы и методы")),
        (not programme.technology_labels, gettext_lazy("технологии восполнения дефицитов")),
        (not programme.roadmap.exists(), gettext_lazy("дорожная карта")),
        (not programme.indicators.exists(), gettext_lazy("показатели")),
    ]
    return [str(name) for is_empty, name in empty if is_empty]


@transaction.atomic
def programme_adopt(*, programme: Programme, order_number: str, order_date: dt.date,
                    user: User | None) -> Programme:
    """Adopts a draft by the head's order; the version it replaces is superseded."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    _editable(programme)
    missing = missing_for_adoption(programme)
    if missing:
        raise ProgrammeError(str(ADOPT_INCOMPLETE) % {"missing": ", ".join(missing)})
    if order_date > timezone.localdate():
        raise ProgrammeError(str(ORDER_DATE_OUTSIDE))
    for old in Programme.objects.select_for_update().filter(
            organization_id=programme.organization_id, year=programme.year,
            status=Programme.Status.ADOPTED):
        old.status = Programme.Status.SUPERSEDED  # saved, so the audit trail records it
        old.save(update_fields=["status", "updated_at"])
    programme.status = Programme.Status.ADOPTED
    programme.order_number, programme.order_date = order_number.strip(), order_date
    programme.adopted_at, programme.adopted_by = timezone.now(), user
    programme.save()
    return programme


@transaction.atomic
def programme_revise(*, programme: Programme, user: User | None) -> Programme:
    """A draft copy of the adopted programme with the next version number; the adopted one
    stays in force until the copy is adopted."""
    if programme.status != Programme.Status.ADOPTED:
        raise ProgrammeError(str(NOT_ADOPTED))
    if Programme.objects.filter(organization_id=programme.organization_id,
                                year=programme.year, status=Programme.Status.DRAFT).exists():
        raise ProgrammeError(str(DRAFT_EXISTS))
    latest = (Programme.objects.filter(organization_id=programme.organization_id,
                                       year=programme.year)
              .order_by("-version").values_list("version", flat=True).first()) or 0
    resources = list(programme.resources.values_list("pk", flat=True))
    roadmap = list(programme.roadmap.all())
    indicators = list(programme.indicators.all())
    copy = Programme.objects.get(pk=programme.pk)
    copy.pk = None
    copy.version, copy.status, copy.created_by = latest + 1, Programme.Status.DRAFT, user
    copy.order_number, copy.order_date, copy.adopted_at, copy.adopted_by = "", None, None, None
    try:
        with transaction.atomic():
            copy.save(force_insert=True)
    except IntegrityError:  # a revision started at the same moment in another tab
        raise ProgrammeError(str(DRAFT_EXISTS)) from None
    copy.resources.set(resources)
    RoadmapRow.objects.bulk_create([RoadmapRow(
        programme=copy, stage=r.stage, activity=r.activity, starts_on=r.starts_on,
        ends_on=r.ends_on, responsible=r.responsible, result=r.result) for r in roadmap])
    Indicator.objects.bulk_create([Indicator(programme=copy, title=i.title, unit=i.unit,
                                             target=i.target) for i in indicators])
    return copy
