"""Demo data of the school of mentors (a stage of ``tandem.demo.services.EXTENSIONS``).

Later demo stages find the events by ``Event.demo_key``:

- ``PAST_SEMINAR_KEY``: the past regional seminar with its 70 attendees from many
  organizations of supplementary education, sport, youth policy and culture (registered,
  attended, certificates issued) and its materials, as in the announcement the model
  comes from;
- ``UPCOMING_SEMINAR_KEY``: an upcoming practicum with open self-registration.

Bulk inserts and a bounded number of queries: it runs at 30,000 participants too.
"""

import datetime as dt
import random
from collections import defaultdict

from django.utils import timezone

from tandem.accounts.models import User
from tandem.people.models import Participant
from tandem.school.models import Certificate, Event, Material, Registration
from tandem.school.services import new_code
from tandem.territory.demo import DemoContext
from tandem.territory.zones import region_zone

PAST_SEMINAR_KEY = "school-past-seminar"
UPCOMING_SEMINAR_KEY = "school-upcoming-seminar"

PAST_TITLE = ("Реверсивное наставничество как средство обеспечения профессионального роста "
              "педагогических работников в дополнительном образовании")
PAST_SECTORS = ["supplementary", "sport", "youth", "culture"]
ATTENDEES = 70
# What the organizers published after the seminar (links; a demo writes no files).
PAST_MATERIALS = [
    ("Программа семинара", "programme"),
    ("Презентация «Модель реверсивного наставничества: роли, этапы, документы»",
     "model-slides"),
    ("Шаблон индивидуальной карты реверсивного наставничества", "map-template"),
    ("Кейсы практического занятия и критерии оценки карт команд", "cases"),
    ("Запись трансляции семинара", "recording"),
]


def _spread(people: list[Participant], count: int, rng: random.Random) -> list[Participant]:
    """``count`` people taken round-robin over their organizations, so that many
    organizations send someone (as at a regional seminar)."""
    by_org: dict[int, list[Participant]] = defaultdict(list)
    for p in people:
        by_org[p.organization_id].append(p)
    queues = [rng.sample(group, len(group)) for group in by_org.values()]
    chosen: list[Participant] = []
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop())
    return chosen


def seed(context: DemoContext) -> None:
    rng = random.Random(context.seed + 8)
    tz = region_zone(context.region)  # 10:00 on the region's own clock
    # The region's own operator (a demo country has one per region).
    operator = User.objects.filter(role_assignments__region=context.region,
                                   role_assignments__role="region_operator").first()
    orbita = context.organizations.get("orbita")
    organizer = orbita.name if orbita else context.region.name
    start = dt.datetime(2026, 5, 16, 10, 0, tzinfo=tz)
    past = Event.objects.create(
        kind=Event.Kind.SEMINAR, title=PAST_TITLE, region=context.region,
        description=("Обучающий семинар областной школы наставников: модель реверсивного "
                     "наставничества, проектная сессия «Разработка и реализация модели» и "
                     "практическое занятие — команды строят индивидуальные карты по кейсу."),
        starts_at=start, ends_at=start + dt.timedelta(hours=6),
        place=f"{orbita.short_name if orbita else organizer}, большой зал",
        speaker="Лебедева Ирина Викторовна, руководитель регионального центра "
                "сопровождения педагогических работников",
        capacity=ATTENDEES, sectors=PAST_SECTORS, hours=6, organizer_name=organizer,
        signatory_name="Н. В. Орлова", signatory_position="Директор " + (
            orbita.short_name if orbita else "школы наставников"),
        created_by=operator, demo_key=PAST_SEMINAR_KEY)
    # A bounded sample of candidates (ids only, then one fetch), whatever the region's size.
    candidates = list(Participant.objects.filter(
        is_active=True, organization__municipality__region=context.region,
        organization__sector__in=PAST_SECTORS).order_by("pk")[:ATTENDEES * 20])
    chosen = _spread(candidates, ATTENDEES, rng)
    registered_at = start - dt.timedelta(days=14)
    Registration.objects.bulk_create([Registration(
        event=past, participant=p, status=Registration.Status.REGISTERED,
        queued_at=registered_at + dt.timedelta(minutes=i), attended=True,
        attendance_marked_at=start + dt.timedelta(minutes=rng.randint(0, 25)),
        registered_by=operator) for i, p in enumerate(chosen)])
    Certificate.objects.bulk_create([
        Certificate(registration=r, code=new_code(), issued_by=operator)
        for r in Registration.objects.filter(event=past)])
    Material.objects.bulk_create([
        Material(event=past, title=title, link=f"https://example.org/school/seminar/{slug}",
                 uploaded_by=operator) for title, slug in PAST_MATERIALS])

    soon = timezone.localtime(timezone.now(), tz).replace(hour=10, minute=0, second=0,
                                                      microsecond=0) + dt.timedelta(days=21)
    upcoming = Event.objects.create(
        kind=Event.Kind.PRACTICUM,
        title="Практикум «Индивидуальная карта реверсивного наставничества: от диагностики "
              "к результату»",
        region=context.region,
        description=("Для кураторов и пар наставников: как по результатам диагностики "
                     "построить карту в обе стороны и выбрать ресурсы региона."),
        starts_at=soon, ends_at=soon + dt.timedelta(hours=4),
        place=f"{orbita.short_name if orbita else organizer}, ауд. 204",
        online_link="https://example.org/school/practicum",
        speaker="Лебедева Ирина Викторовна", capacity=40, hours=4, organizer_name=organizer,
        self_registration=True, created_by=operator, demo_key=UPCOMING_SEMINAR_KEY)
    others = [p for p in candidates if p not in set(chosen)] or candidates
    early = _spread(others, 12, rng)
    Registration.objects.bulk_create([Registration(
        event=upcoming, participant=p, status=Registration.Status.REGISTERED,
        queued_at=timezone.now() - dt.timedelta(hours=len(early) - i), registered_by=operator)
        for i, p in enumerate(early)])
