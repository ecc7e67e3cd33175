"""Loads the generated demo region into the database, in one transaction."""

import datetime as dt
import random
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.module_loading import import_string

from tandem.access.models import Role, RoleAssignment
from tandem.accounts.models import User
from tandem.core import task_library as core_library
from tandem.core.text import normalize_name
from tandem.demo import generator
from tandem.diagnostics import tallies
from tandem.diagnostics.models import Answer, Campaign, FrameworkVersion, Response
from tandem.people.models import Participant
from tandem.territory.demo import DemoContext
from tandem.territory.models import Municipality, Organization, Region
from tandem.web.bulk import (
    CopyText,
    analyze,
    copy_rows,
    foreign_keys_checked_once,
    indexes_built_once,
    reserve_ids,
)
from tandem.web.signals import figures_changed

BATCH = 2000
CONSENT_FROM = dt.date(2026, 9, 1)

ProgressFn = Callable[[int, int], None]


@dataclass
class DemoLogin:
    username: str
    role: str
    where: str


# Later stages, in order; each is "module.function" taking a DemoContext, run in the same
# transaction after the people, diagnostics, pairs and maps exist.
EXTENSIONS: list[str] = [
    "tandem.pairs.demo.seed",
    "tandem.surveys.demo.seed",
    "tandem.programmes.demo.seed",
    "tandem.school.demo.seed",
    "tandem.training.demo.seed",
]


@dataclass
class DemoResult:
    region: Region
    participants: int
    logins: list[DemoLogin] = field(default_factory=list)


def demo_region_exists() -> bool:
    return Region.objects.exists()


def bulk_models() -> tuple[type[Model], ...]:
    """The tables a region's load writes in bulk (COPY), checks its foreign keys of once
    and takes the planner statistics of itself (``analyze``, inside its transaction):
    ``seed-demo``'s ANALYZE at the end leaves them out."""
    from tandem.maps.models import Map, Meeting, Row
    from tandem.pairs.models import Pair

    return (Participant, Response, Answer, Pair, Map, Row, Meeting)


PARTICIPANT_COLUMNS = (
    "id", "organization_id", "surname", "name", "patronymic", "position", "subject",
    "experience_years", "age_band", "email", "mentoring_consent_date",
    "personal_data_consent_date", "search_name", "line_manager_id")


@transaction.atomic
def demo_region_create(*, participants: int = 400, seed: int = 1,
                       progress: ProgressFn | None = None,
                       with_diagnostics: bool = True, index: int = 1) -> DemoResult:
    """Creates the ``index``-th demo region (a country is several, ``seed-demo --regions``)
    with ``participants`` people and its logins. The first one is the demo everybody knows;
    the others repeat its towns and organizations under their own codes («-r2»), e-mails
    («@r2.example.org») and logins («region-r2»), with other people (another seed)."""
    _roomy_memory()
    name, region_code, suffix, zone = generator.region_names(index)
    seed = seed if index == 1 else seed * 1_000 + index
    rng = random.Random(seed)
    # Each region on its own clock (the first on Tyumen's, UTC+5), whatever the
    # installation's TANDEM_TIME_ZONE says.
    region = Region.objects.create(name=name, code=region_code, time_zone=zone)
    municipalities = {
        code: Municipality.objects.create(region=region, code=code + suffix, name=name,
                                          kind=kind)
        for code, name, kind, _w in generator.MUNICIPALITIES
    }
    organizations = {
        code: Organization.objects.create(municipality=municipalities[mun], code=code + suffix,
                                          short_name=short, name=full, sector=sector)
        for mun, code, short, full, sector, _size in generator.ORGANIZATIONS
    }

    # The bulk tables' foreign keys are checked once, at the end of the load, not row by
    # row at COMMIT (tandem.web.bulk; PostgreSQL only).
    with foreign_keys_checked_once(*bulk_models()):
        deputies: dict[str, Participant] = {}
        domain = f"r{index}.example.org" if index > 1 else "example.org"
        done = 0

        # Ids first (COPY returns none, and no other query may run on the connection while
        # it streams): the generator makes exactly ``participants`` people.
        ids = iter(reserve_ids(Participant, participants))
        # The draws of ``rng`` in their old order — every person's consent date, then the
        # line-manager coins of each organization's staff after its deputy (its first
        # person) — made ahead, so the line manager goes in with the row, not by an UPDATE
        # of a third of the table after it.
        consent_days = iter([rng.randint(0, 80) for _ in range(participants)])
        reports = iter([rng.random() < 0.35
                        for _ in range(participants - len(generator.ORGANIZATIONS))])
        deputy_id: int | None = None

        def participant_rows() -> Iterator[tuple[Any, ...]]:
            nonlocal done, deputy_id
            for person in generator.people(participants, seed, domain):
                consent_date = CONSENT_FROM + dt.timedelta(days=next(consent_days))
                organization = organizations[person.organization_code]
                pk = next(ids)
                if person.is_deputy:
                    deputy_id, line_manager = pk, None
                else:
                    line_manager = deputy_id if next(reports) else None
                row = (pk, organization.pk, person.surname, person.name,
                       person.patronymic, person.position, person.subject,
                       person.experience_years, person.age_band, person.email,
                       consent_date if person.has_mentoring_consent else None,
                       consent_date if person.has_pd_consent else None,
                       normalize_name(person.surname, person.name, person.patronymic),
                       line_manager)
                if person.is_deputy:  # the curator's login needs it
                    deputies[person.organization_code] = Participant(
                        pk=row[0], organization=organization,
                        **dict(zip(PARTICIPANT_COLUMNS[2:], row[2:], strict=True)))
                yield row
                done += 1
                if progress and (done % BATCH == 0 or done == participants):
                    progress(done, participants)

        with _indexes_built_once_if_empty(Participant, participants):
            copy_rows(Participant, PARTICIPANT_COLUMNS, participant_rows())

        if len(deputies) != len(generator.ORGANIZATIONS):  # what the coins above assume
            raise RuntimeError("seed-demo: every organization needs its deputy head")
        logins = _create_logins(region, municipalities, organizations, deputies, suffix)
        _create_resources(region, municipalities, organizations)
        if with_diagnostics:
            with _indexes_built_once_if_empty(Response, participants, Answer):
                _create_diagnostics(organizations, seed)
            if participants <= PAIRS_UP_TO:
                _create_pairs(region, municipalities, organizations)
            else:
                _create_pairs_fast(organizations, seed)
    # The later stages and the figures query these tables inside the same transaction.
    analyze(*bulk_models())
    context = DemoContext(region=region, municipalities=municipalities,
                          organizations=organizations, participants=done, seed=seed,
                          with_diagnostics=with_diagnostics)
    for dotted in EXTENSIONS:
        import_string(dotted)(context)
    # The questionnaires went in in bulk: their figures are built once, here.
    tallies.rebuild([o.pk for o in organizations.values()])
    figures_changed.send(sender=None, organization_ids=[o.pk for o in organizations.values()])
    return DemoResult(region=region, participants=done, logins=logins)


def _roomy_memory() -> None:
    """PostgreSQL, for this transaction only: the index builds after the load sort in
    memory, and the figures' aggregates over millions of answers (tallies.rebuild) hash
    in memory, not in temporary files. One loading session, not every worker's."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL work_mem = '256MB'")


def _indexes_built_once_if_empty(model: type[Model], adding: int, *more: type[Model]
                                 ) -> AbstractContextManager[None]:
    """The indexes of ``model``'s table (and of ``more``) built after the load, not row by
    row during it (tandem.web.bulk.indexes_built_once) — when the load is most of what the
    table will hold: a rebuild sorts every row, old ones too, so for the second region of
    a country of equal ones it would cost as much as it saves, and for the fifth more."""
    if model._default_manager.count() >= adding:
        return nullcontext()
    return indexes_built_once(model, *more)


# Organizations whose initial round is still open (a few people have not finished), and
# those that have already started the final round.
STILL_OPEN = {"raduga", "sosn-school"}
WITH_FINAL = {"orbita", "school-5", "berez-school-1"}
DEMO_YEAR_START = dt.date(2026, 9, 1)


def _roadmap_dates(stage: str) -> tuple[dt.date, dt.date]:
    """The dates of a stage of the demo programmes' roadmap (tandem/programmes/demo.py):
    the diagnostics of the demo year keep to the programme the organizations adopted."""
    from tandem.programmes.demo import ROADMAP

    first, last = next((f, t) for s, _a, f, t, _w, _r in ROADMAP if s == stage)
    return (DEMO_YEAR_START + dt.timedelta(days=first),
            DEMO_YEAR_START + dt.timedelta(days=last))


# The initial round in September–October, the final one in April–May, as the roadmap says.
INITIAL_DATES = _roadmap_dates("diagnostics")
FINAL_DATES = _roadmap_dates("final")


def _create_diagnostics(organizations: dict[str, Organization], seed: int) -> None:
    """An initial round in every organization; a final one in some."""
    framework = FrameworkVersion.objects.current()
    if framework is None:
        return
    competencies = [(c["code"], c.get("typical_direction", "both"))
                    for c in framework.competencies()]
    curators = dict(RoleAssignment.objects.filter(role=Role.CURATOR)
                    .values_list("organization_id", "user_id"))
    rng = random.Random(seed + 7)
    for code, org in organizations.items():
        people = list(Participant.objects.filter(organization=org, is_active=True)
                      .with_consent().order_by("pk").values_list("pk", "age_band"))
        if not people:
            continue
        initial = Campaign.objects.create(
            title="Входная диагностика 2026/27", kind=Campaign.Kind.INITIAL,
            organization=org, framework=framework, starts_on=INITIAL_DATES[0],
            ends_on=INITIAL_DATES[1], created_by_id=curators.get(org.pk),
            status=Campaign.Status.OPEN if code in STILL_OPEN else Campaign.Status.CLOSED)
        first = _fill(initial, people, competencies, rng, seed, complete=code not in STILL_OPEN,
                      keep=code in WITH_FINAL)
        if code in WITH_FINAL:
            final = Campaign.objects.create(
                title="Итоговая диагностика 2026/27", kind=Campaign.Kind.FINAL,
                organization=org, framework=framework, baseline=initial,
                starts_on=FINAL_DATES[0], ends_on=FINAL_DATES[1],
                created_by_id=curators.get(org.pk))
            _fill(final, people, competencies, rng, seed, complete=False, before=first)


# Pairs are formed only for demo regions of up to this size: at 30,000 people the engine
# alone would take most of seed-demo's minute (`tandem bench matching` measures it).
PAIRS_UP_TO = 5000
NO_PAIRS_YET = {"raduga", "sosn-school"}  # the two whose initial round is still open
PAIRS_FROM, PAIRS_TO = dt.date(2026, 10, 20), dt.date(2027, 5, 31)


def _create_pairs(region: Region, municipalities: dict[str, Municipality],
                  organizations: dict[str, Organization]) -> None:
    """Approved pairs in most organizations (most confirmed by both), and a municipal
    pool run for the people the capital's organizations left without a partner."""
    from tandem.access.scope import Scope
    from tandem.diagnostics.export import profiles_instance
    from tandem.pairs import engine
    from tandem.pairs.models import MatchingRun, Pair
    from tandem.pairs.selectors import pool_frameworks, pool_responses

    everything = Scope(user_id=None, everything=True)
    curators = dict(RoleAssignment.objects.filter(role=Role.CURATOR)
                    .values_list("organization_id", "user_id"))
    now = timezone.now()
    for code, org in organizations.items():
        if code in NO_PAIRS_YET:
            continue
        responses = pool_responses(unit=org, scope=everything)
        if len(responses) < 2:
            continue
        frameworks = pool_frameworks(responses)
        instance = profiles_instance(responses, frameworks, scope="organization")
        result = engine.match(instance, time_limit=10)
        run = MatchingRun.objects.create(
            organization=org, instance=instance, result=result, progress=100,
            status=MatchingRun.Status.DONE, stage="готово", finished_at=now,
            created_by_id=curators.get(org.pk))
        people = {p.pk: p for p in Participant.objects.filter(
            pk__in=[x for p in result["pairs"] for x in (p["a"], p["b"])])}
        pairs = []
        for i, p in enumerate(result["pairs"]):
            confirmed = i % 5 != 4  # every fifth pair still waits for confirmation
            pairs.append(Pair(
                a=people[p["a"]], b=people[p["b"]], organization=org, weight=p["weight"],
                a_teaches_b=p["a_teaches_b"], b_teaches_a=p["b_teaches_a"], run=run,
                starts_on=PAIRS_FROM, ends_on=PAIRS_TO, curator_id=curators.get(org.pk),
                status=Pair.Status.ACTIVE if confirmed else Pair.Status.APPROVED,
                a_confirmed_at=now if confirmed else None,
                b_confirmed_at=now if confirmed else None))
        Pair.objects.bulk_create(pairs)
        _create_maps(pairs, now)
    capital = municipalities.get("prirechensk")
    if capital is not None:
        responses = pool_responses(unit=capital, scope=everything)
        if len(responses) >= 2:
            frameworks = pool_frameworks(responses)
            instance = profiles_instance(responses, frameworks, scope="municipality")
            MatchingRun.objects.create(
                municipality=capital, instance=instance, progress=100, finished_at=now,
                result=engine.match(instance, time_limit=10), stage="готово",
                status=MatchingRun.Status.DONE)


YOUNG_BANDS = ("u25", "25-34")
FAST_SHARE = 0.4  # about this share of each organization's respondents is paired


def _create_pairs_fast(organizations: dict[str, Organization], seed: int) -> None:
    """For regions past PAIRS_UP_TO: a greedy pairing inside each organization (a young
    respondent with an experienced one, in order) instead of the engine, and short maps
    written in bulk, so the dashboards of a 30,000-person region show realistic pairs,
    maps and meetings while seed-demo stays within its time budget. Statuses and meetings
    vary by a seeded random draw: most pairs active, some completed or ended early, some
    with no meeting for weeks and overdue tasks (the curator's stuck pairs)."""
    from tandem.maps.models import Map, Meeting, Row
    from tandem.pairs.models import Pair

    framework = FrameworkVersion.objects.current()
    if framework is None:
        return
    by_direction: dict[str, list[dict[str, Any]]] = {"young": [], "senior": []}
    for c in framework.competencies():
        side = "young" if c.get("typical_direction") == "young_to_experienced" else "senior"
        by_direction[side].append(c)
    curators = dict(RoleAssignment.objects.filter(role=Role.CURATOR)
                    .values_list("organization_id", "user_id"))
    rng = random.Random(seed + 11)
    now = timezone.now()
    pairs: list[_FastPair] = []
    for code, org in organizations.items():
        if code in NO_PAIRS_YET:
            continue
        people = list(Response.objects.filter(
            campaign__organization=org, campaign__kind=Campaign.Kind.INITIAL,
            status=Response.Status.SUBMITTED).order_by("participant_id")
            .values_list("participant_id", "participant__age_band",
                         "participant__organization_id"))
        works_in = {pk: organization for pk, _band, organization in people}
        young = [pk for pk, band, _o in people if band in YOUNG_BANDS]
        senior = [pk for pk, band, _o in people if band not in YOUNG_BANDS]
        count = min(len(young), len(senior), int(len(people) * FAST_SHARE / 2))
        for a, b in zip(young[:count], senior[:count], strict=True):
            draw = rng.random()
            status = (Pair.Status.ACTIVE if draw < 0.72 else Pair.Status.APPROVED
                      if draw < 0.84 else Pair.Status.COMPLETED if draw < 0.94
                      else Pair.Status.ENDED_EARLY)
            start = PAIRS_FROM + dt.timedelta(days=rng.randint(0, 40))
            lessons = {side: [{"competency": c["code"], "title": c["name"],
                               "teacher_level": 3, "learner_level": rng.randint(0, 1)}
                              for c in rng.sample(items, min(2, len(items)))]
                       for side, items in by_direction.items()}
            pairs.append(_FastPair(
                a_id=a, b_id=b, organization_id=org.pk, a_organization_id=works_in[a],
                b_organization_id=works_in[b], weight=rng.randint(20, 80),
                a_teaches_b=lessons["young"], b_teaches_a=lessons["senior"],
                starts_on=start, curator_id=curators.get(org.pk), status=status))
    for pair, pk in zip(pairs, reserve_ids(Pair, len(pairs)), strict=True):
        pair.id = pk
    copy_rows(Pair, ("id", "a_id", "b_id", "organization_id", "a_organization_id",
                     "b_organization_id", "weight", "a_teaches_b",
                     "b_teaches_a", "starts_on", "ends_on", "curator_id", "status",
                     "a_confirmed_at", "b_confirmed_at", "ended_reason"),
              ((p.id, p.a_id, p.b_id, p.organization_id, p.a_organization_id,
                p.b_organization_id, p.weight, p.a_teaches_b,
                p.b_teaches_a, p.starts_on, PAIRS_TO, p.curator_id, p.status.value,
                now if p.confirmed else None, now if p.confirmed else None,
                "смена места работы" if p.status == Pair.Status.ENDED_EARLY else "")
               for p in pairs))

    map_status = {Pair.Status.APPROVED: Map.Status.DRAFT,
                  Pair.Status.ACTIVE: Map.Status.IN_PROGRESS,
                  Pair.Status.COMPLETED: Map.Status.COMPLETED,
                  Pair.Status.ENDED_EARLY: Map.Status.ENDED_EARLY}
    map_ids = reserve_ids(Map, len(pairs))
    copy_rows(Map, ("id", "pair_id", "status", "a_agreed_at", "b_agreed_at", "approved_at",
                    "approved_by_id"),
              ((m, p.id, map_status[p.status].value, *([now if p.confirmed else None] * 3),
                p.curator_id) for p, m in zip(pairs, map_ids, strict=True)))
    rows: list[tuple[Any, ...]] = []
    meetings: list[tuple[Any, ...]] = []
    libraries = _libraries_by_competency(organizations)
    today = timezone.localdate()
    for p, m in zip(pairs, map_ids, strict=True):
        library = libraries[p.organization_id]
        used: set[str] = set()
        # ``a`` is the young one (see above): a teaches the senior colleague, b the young.
        for direction, lessons_of, library_direction in (
                (Row.Direction.A_TO_B, p.a_teaches_b, core_library.YOUNG_TO_SENIOR),
                (Row.Direction.B_TO_A, p.b_teaches_a, core_library.SENIOR_TO_YOUNG)):
            chosen = [core_library.choose_template(
                library.get(lesson["competency"], ()), lesson["competency"],
                library_direction, lesson["learner_level"], lesson["teacher_level"], used)
                for lesson in lessons_of]
            used.update(t.id for t in chosen if t is not None)
            spans = core_library.spread_over_term(
                [t.weeks if t else 4 for t in chosen], p.starts_on, PAIRS_TO)
            for order, (lesson, template, (_start, deadline)) in enumerate(
                    zip(lessons_of, chosen, spans, strict=True)):
                # Done: every task of a completed pair; of an active pair, about half of
                # those due by now (never a date still to come).
                done = (p.status == Pair.Status.COMPLETED
                        or (p.status == Pair.Status.ACTIVE and deadline <= today
                            and rng.random() < 0.55))
                rows.append((
                    m, direction.value, order, lesson["competency"], lesson["title"],
                    lesson["learner_level"], 2, lesson["teacher_level"],
                    template.task if template else f"Освоить: {lesson['title']}",
                    [template.form if template else "consultation"],
                    template.technology if template else "",
                    template.id if template else "", deadline,
                    (template.product if template else "методическая разработка")[:300],
                    (template.evidence if template else "показ на методобъединении")[:300],
                    min(deadline - dt.timedelta(days=3), today) if done else None))
        if p.confirmed:
            held = rng.choice((0, 1, 2, 3, 4)) if p.status == Pair.Status.ACTIVE else 3
            meetings += [(p.id, p.starts_on + dt.timedelta(days=7 + 14 * k), "Встреча пары",
                          p.a_id if k % 2 else p.b_id, Meeting.Format.OFFLINE.value, 45)
                         for k in range(held)]
    copy_rows(Row, ("map_id", "direction", "order", "competency", "title", "current_level",
                    "target_level", "partner_level", "task", "forms", "technology",
                    "template_id", "deadline", "product", "evidence", "done_at"), rows)
    copy_rows(Meeting, ("pair_id", "date", "topic", "led_by_id", "format",
                        "duration_minutes"), meetings)


@dataclass
class _FastPair:
    """A pair of the bulk demo before it is written (no model instance per pair)."""

    a_id: int
    b_id: int
    organization_id: int
    a_organization_id: int
    b_organization_id: int
    weight: int
    a_teaches_b: list[dict[str, Any]]
    b_teaches_a: list[dict[str, Any]]
    starts_on: dt.date
    curator_id: int | None
    status: Any
    id: int = 0

    @property
    def confirmed(self) -> bool:  # as Pair.confirmed
        return self.status != "approved"


def _libraries_by_competency(organizations: dict[str, Organization]
                             ) -> dict[int, dict[str, list[core_library.TaskTemplate]]]:
    """Each organization's task library (docs/task-library.md) grouped by competency, read
    once: the bulk maps of a big region draft thousands of rows from it."""
    from tandem.maps.selectors import library_for

    grouped: dict[int, dict[str, list[core_library.TaskTemplate]]] = {}
    for org in organizations.values():
        by_code: dict[str, list[core_library.TaskTemplate]] = {}
        for template in library_for(organization_id=org.pk):
            by_code.setdefault(template.competency, []).append(template)
        grouped[org.pk] = by_code
    return grouped


def _create_maps(pairs: list[Any], now: dt.datetime) -> None:
    """A drafted map for every pair; confirmed pairs are under way: map agreed and
    approved, a meeting or two held, the first task of each direction done."""
    from tandem.maps.models import Map, Meeting, Row
    from tandem.maps.services import map_draft
    from tandem.pairs.models import Pair

    for i, pair in enumerate(pairs):
        the_map = map_draft(pair)
        if pair.status != Pair.Status.ACTIVE:
            continue
        Map.objects.filter(pk=the_map.pk).update(
            status=Map.Status.IN_PROGRESS, a_agreed_at=now, b_agreed_at=now, approved_at=now,
            approved_by_id=pair.curator_id)
        meetings = [Meeting(pair=pair, date=pair.starts_on + dt.timedelta(days=7 + 14 * k),
                            format=Meeting.Format.OFFLINE if k % 2 == 0 else
                            Meeting.Format.ONLINE,
                            topic="Знакомство и план работы" if k == 0 else
                            "Разбор первой задачи", led_by=pair.a if k % 2 == 0 else pair.b,
                            duration_minutes=45) for k in range(1 + i % 2)]
        Meeting.objects.bulk_create(meetings)
        for direction in (Row.Direction.A_TO_B, Row.Direction.B_TO_A):
            first = the_map.rows.filter(direction=direction).order_by("order").first()
            # Done a few days before its deadline — never on a day still to come.
            if first is not None and i % 3 != 2:
                Row.objects.filter(pk=first.pk).update(done_at=min(
                    first.deadline - dt.timedelta(days=3), timezone.localdate()))


def _create_resources(region: Region, municipalities: dict[str, Municipality],
                      organizations: dict[str, Organization]) -> None:
    from tandem.diagnostics.models import Competency
    from tandem.resources.models import Resource

    competencies = {c.code: c for c in Competency.objects.all()}
    # The federal ones go to the country's catalogue (kept by the federal operator, seen in
    # every region): once, whichever region is seeded first.
    from tandem.territory.models import COUNTRY_Q

    federal_seeded = Resource.objects.filter(COUNTRY_Q, level="federal").exists()
    for n, (level, owner, kind, title, fmt, codes, description) in enumerate(
            generator.RESOURCES, start=1):
        if level == "federal" and federal_seeded:
            continue
        resource = Resource.objects.create(
            title=title, kind=kind, level=level, format=fmt, description=description,
            url=f"https://example.org/demo-resource-{n}", owner_name="демонстрационные данные",
            region=region if level == "region" else None,
            municipality=municipalities.get(owner) if level == "municipality" else None,
            organization=organizations.get(owner) if level == "organization" else None)
        resource.competencies.set([competencies[c] for c in codes if c in competencies])


def _fill(campaign: Campaign, people: list[tuple[int, str]],
          competencies: list[tuple[str, str]], rng: random.Random, seed: int, *,
          complete: bool, before: dict[int, list[generator.DemoAnswer]] | None = None,
          keep: bool = False) -> dict[int, list[generator.DemoAnswer]]:
    """The campaign's questionnaires and their answers; returns the complete answers by
    person when ``keep`` (the final round improves on them).

    The responses are drawn first — who answered and how far needs one draw of ``rng``
    per person, not the answers — and the answers are drawn while they are written: the
    server stores the answers already sent while this process draws the next ones (each
    person's answers come from a generator of their own, so drawing them later changes
    no draw: the data are what they were when all were drawn ahead)."""
    now = timezone.now()
    full = len(competencies)
    plan: list[tuple[int, str, Response.Status]] = []
    responses: list[tuple[Any, ...]] = []
    for pk, band in people:
        share = rng.random()
        if before is not None and pk not in before:
            continue
        status = Response.Status.SUBMITTED
        if not complete and share > (0.7 if before is not None else 0.85):
            status = Response.Status.NEW if share > 0.93 else Response.Status.DRAFT
        # answers_for gives one answer per competency; improved keeps the length of the
        # complete answers it starts from; a draft has the first half, a new one none.
        answered = (0 if status == Response.Status.NEW else
                    full // 2 if status == Response.Status.DRAFT else full)
        plan.append((pk, band, status))
        responses.append((campaign.pk, pk, status.value, answered,
                          now if status == Response.Status.SUBMITTED else None))
    ids = reserve_ids(Response, len(responses))
    copy_rows(Response, RESPONSE_COLUMNS,
              ((pk, *row) for pk, row in zip(ids, responses, strict=True)))
    kept: dict[int, list[generator.DemoAnswer]] = {}

    def drawn() -> Iterator[tuple[int, list[generator.DemoAnswer]]]:
        for response_id, (pk, band, status) in zip(ids, plan, strict=True):
            if status == Response.Status.NEW:
                answers = []
            elif before is not None:
                answers = generator.improved(before[pk], seed * 100_003 + pk)
            else:
                answers = generator.answers_for(band, competencies, seed * 100_003 + pk)
            if status == Response.Status.DRAFT:
                answers = answers[: len(answers) // 2]
            if keep and len(answers) == full:
                kept[pk] = answers
            yield response_id, answers

    if connection.vendor == "postgresql":
        # The text of the lines by hand (tandem.web.bulk.CopyText): an answer's line is the
        # response's id and one of a few hundred tails, each encoded once.
        text = CopyText(Answer, ANSWER_COLUMNS)
        tails: dict[generator.DemoAnswer, bytes] = {}

        def tail(a: generator.DemoAnswer) -> bytes:
            line = tails.get(a)
            if line is None:
                line = tails[a] = b"\t%s%s\n" % (text.values(
                    a.code, a.level, a.level, a.can_teach, a.wants_to_learn, a.priority),
                    text.tail)
            return line

        text.copy(b"".join(b"%d%s" % (response_id, tail(a)) for a in answers)
                  for response_id, answers in drawn())
    else:
        copy_rows(Answer, ANSWER_COLUMNS,
                  ((response_id, a.code, a.level, a.level, a.can_teach, a.wants_to_learn,
                    a.priority) for response_id, answers in drawn() for a in answers))
    return kept


RESPONSE_COLUMNS = ("id", "campaign_id", "participant_id", "status", "answered",
                    "submitted_at")
# The combined level equals the self level (no expert's level in the demo).
ANSWER_COLUMNS = ("response_id", "competency", "self_level", "level", "can_teach",
                  "wants_to_learn", "priority")


def _create_logins(region: Region, municipalities: dict[str, Municipality],
                   organizations: dict[str, Organization],
                   deputies: dict[str, Participant], suffix: str = "") -> list[DemoLogin]:
    """The region's demo logins; ``suffix`` («-r2») names those of a country's other
    regions (the superuser ``admin`` is the first region's only)."""
    # One hash for every demo login: Argon2 is slow on purpose, hundreds of times over.
    password = make_password(settings.TANDEM_DEMO_PASSWORD)
    logins: list[DemoLogin] = []

    def login(username: str, first: str, last: str, email: str) -> User:
        return User(username=username, first_name=first, last_name=last, email=email,
                    password=password)

    admin = login("admin", "Администратор", "", "admin@example.org")
    admin.is_staff = admin.is_superuser = True
    federal = login("federal", "Фёдор", "Федеральный", "federal@example.org")
    operator = login(f"region{suffix}", "Ольга", "Оператор", f"region{suffix}@example.org")
    coordinators = {code: login(f"coord-{code}{suffix}", "Координатор", m.name,
                                f"coord-{code}{suffix}@example.org")
                    for code, m in municipalities.items()}
    curators = {code: login(f"curator-{code}{suffix}", d.name, d.surname, d.email)
                for code, d in deputies.items()}
    # Two teachers of the biggest organization: a young one and an experienced one.
    young = (Participant.objects.filter(organization=organizations["orbita"], age_band="u25")
             .exclude(pk=deputies["orbita"].pk).order_by("pk").first())
    senior = (Participant.objects.filter(organization=organizations["orbita"],
                                         age_band__in=["55-64", "45-54"])
              .exclude(pk=deputies["orbita"].pk).order_by("pk").first())
    teachers = [(n + suffix, p) for n, p in (("teacher-young", young),
                                             ("teacher-senior", senior)) if p]
    teacher_users = {n: login(n, p.name, p.surname, p.email) for n, p in teachers}
    User.objects.bulk_create([*([] if suffix else [admin, federal]), operator,
                              *coordinators.values(), *curators.values(),
                              *teacher_users.values()])

    assignments = [RoleAssignment(user=operator, role=Role.REGION_OPERATOR, region=region)]
    if not suffix:  # the country's: the framework's owner, every region's figures
        assignments.append(RoleAssignment(user=federal, role=Role.FEDERAL_OPERATOR))
        logins.append(DemoLogin("federal", str(Role.FEDERAL_OPERATOR.label),
                                "все регионы, только сводные показатели"))
    logins.append(DemoLogin(operator.username, str(Role.REGION_OPERATOR.label), region.name))
    for code, user in coordinators.items():
        assignments.append(RoleAssignment(user=user, role=Role.MUNICIPAL_COORDINATOR,
                                          municipality=municipalities[code]))
        logins.append(DemoLogin(user.username, str(Role.MUNICIPAL_COORDINATOR.label),
                                municipalities[code].name))
    for code, user in curators.items():
        assignments.append(RoleAssignment(user=user, role=Role.CURATOR,
                                          organization=organizations[code]))
        logins.append(DemoLogin(user.username, str(Role.CURATOR.label),
                                organizations[code].short_name))
    RoleAssignment.objects.bulk_create(assignments)

    for code, deputy in deputies.items():
        deputy.user = curators[code]
    for name, person in teachers:
        person.user = teacher_users[name]
        logins.append(DemoLogin(name, "педагог", f"{person.full_name}, {person.position}"))
    Participant.objects.bulk_update([*deputies.values(), *(p for _n, p in teachers)], ["user"])
    if not suffix:
        logins.append(DemoLogin("admin", "суперпользователь", "/admin/"))
    return logins
