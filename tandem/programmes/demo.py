"""Demo programmes: adopted ones (with a roadmap, rules and resources) in most demo
organizations, drafts in the two whose initial diagnostics is still open. A fixed number
of rows per organization, inserted in bulk, whatever the number of participants."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from tandem.core import programmes as core
from tandem.programmes import selectors
from tandem.programmes.models import Indicator, Programme, RoadmapRow
from tandem.resources.models import Resource
from tandem.territory.demo import DemoContext

DRAFTS = {"raduga", "sosn-school"}  # the initial round is still open there
# Small organizations pair with colleagues of the municipality; two let one teacher be in
# two pairs; one allows a pair across a reporting line (a tiny staff).
MUNICIPAL = {"sovremennik", "impuls", "ds-41", "zar-dyussh", "ishim-ddt"}
CAPACITY_TWO = {"orbita", "gymnasium-12"}
REPORTING_LINE_ALLOWED = {"ds-41"}

# (stage, activity, first day, last day as offsets from 1 September, responsible, result)
ROADMAP = [
    ("preparation", "Приказ о назначении куратора, информирование педагогов, сбор "
     "письменных согласий (ст. 351.8 ТК РФ)", 0, 13, "Руководитель, куратор",
     "приказ, согласия участников"),
    ("diagnostics", "Входная диагностика профессиональных дефицитов и сильных сторон", 14,
     44, "Куратор", "профили педагогов, карта дефицитов"),
    ("pairs", "Формирование реверсивных пар, согласование с участниками, приказ о "
     "закреплении", 45, 60, "Куратор, руководитель", "приказ о закреплении пар"),
    ("maps", "Разработка и утверждение индивидуальных карт реверсивного наставничества",
     61, 75, "Участники пар, куратор", "утверждённые карты"),
    ("implementation", "Встречи пар, мастер-классы, взаимопосещения занятий, совместные "
     "проекты", 76, 240, "Участники пар", "продукты пар, журнал встреч"),
    ("final", "Итоговая диагностика, анкеты удовлетворённости обеих ролей", 241, 260,
     "Куратор", "динамика дефицитов, отчёт"),
    ("dissemination", "Презентация лучших практик на муниципальном методическом "
     "объединении", 261, 290, "Куратор, участники пар", "выступления, публикации"),
]


def seed(context: DemoContext) -> None:
    year = selectors.current_year()
    start, _last = core.year_bounds(year)
    adopted_on = min(timezone.localdate(), start + dt.timedelta(days=10))
    programmes: list[Programme] = []
    for code, org in context.organizations.items():
        draft = code in DRAFTS
        programmes.append(Programme(
            organization=org, year=year,
            status=Programme.Status.DRAFT if draft else Programme.Status.ADOPTED,
            goals=("Профессиональный рост педагогов через взаимный обмен компетенциями: "
                   "молодые делятся цифровыми инструментами, опытные — методикой."),
            tasks="\n".join([
                "Выявить дефициты и сильные стороны педагогов по итогам диагностики.",
                "Сформировать пары с взаимной пользой и утвердить карты.",
                "Провести не менее одной встречи пары в месяц.",
                "Показать результаты на муниципальном методическом объединении."]),
            forms=["reverse", "group", "master_class", "mutual_visits", "joint_project",
                   "online_meeting"],
            technologies=["ict_practicum", "ict_products", "method_open_lessons",
                          "research_project"] + (["comm_parents"] if code in MUNICIPAL else []),
            pair_scope=(Programme.PairScope.MUNICIPALITY if code in MUNICIPAL
                        else Programme.PairScope.ORGANIZATION),
            reciprocity_required=True,
            no_reporting_line=code not in REPORTING_LINE_ALLOWED,
            capacity=2 if code in CAPACITY_TWO else 1,
            order_number="" if draft else f"{10 + len(programmes)}-од",
            order_date=None if draft else adopted_on,
            adopted_at=None if draft else timezone.now()))
    Programme.objects.bulk_create(programmes)
    RoadmapRow.objects.bulk_create([
        RoadmapRow(programme=p, stage=stage, activity=activity,
                   starts_on=start + dt.timedelta(days=first),
                   ends_on=start + dt.timedelta(days=last), responsible=who, result=result)
        for p in programmes
        for stage, activity, first, last, who, result in ROADMAP])
    Indicator.objects.bulk_create([
        Indicator(programme=p, title=title, unit=unit, target=Decimal(target))
        for p in programmes for title, unit, target in core.DEFAULT_INDICATORS])
    # An organization with no resources of its own is suggested what its municipality's
    # others are (the catalogue it reaches is the federal, regional and municipal one):
    # one query a municipality for them, not one an organization — a big demo region has
    # thousands of organizations.
    owners = set(Resource.objects.filter(organization__in=[p.organization for p in programmes])
                 .values_list("organization_id", flat=True))
    by_municipality: dict[int, list[Resource]] = {}
    links = []
    for p in programmes:
        org = p.organization
        if org.pk in owners:
            suggested = selectors.suggested_resources(org)
        elif org.municipality_id in by_municipality:
            suggested = by_municipality[org.municipality_id]
        else:
            suggested = by_municipality[org.municipality_id] = (
                selectors.suggested_resources(org))
        links += [Programme.resources.through(programme_id=p.pk, resource_id=r.pk)
                  for r in suggested]
    Programme.resources.through.objects.bulk_create(links, batch_size=5000)
