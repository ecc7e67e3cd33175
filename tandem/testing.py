"""Test support: factories and a small world with named personas.

The personas (after healthchecks): Alice curates organization A; Bob teaches in A;
Carol is another teacher in A; Charlie curates organization B in another municipality;
Dave coordinates that other municipality; Erin coordinates A's municipality; Olga is the
region operator. Charlie and Dave must never see A's people.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import factory
from django.db import connection
from django.db.models import QuerySet

from tandem.access.models import Role, RoleAssignment
from tandem.accounts.models import User
from tandem.core.text import normalize_name
from tandem.people.models import AgeBand, Participant
from tandem.territory.models import Municipality, Organization, Region

if TYPE_CHECKING:
    from tandem.diagnostics.models import Campaign, Response
    from tandem.maps.models import Row
    from tandem.programmes.models import Programme
    from tandem.school.models import Certificate, Event, Material, Registration
    from tandem.training.models import Case, Team

_counter = itertools.count(1)


class RegionFactory(factory.django.DjangoModelFactory[Region]):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"Регион {n}")
    code = factory.Sequence(lambda n: f"region-{n}")


class MunicipalityFactory(factory.django.DjangoModelFactory[Municipality]):
    class Meta:
        model = Municipality

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Муниципалитет {n}")
    code = factory.Sequence(lambda n: f"mun-{n}")


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Школа № {n}")
    short_name = factory.LazyAttribute(lambda o: o.name)
    code = factory.Sequence(lambda n: f"org-{n}")
    sector = Organization.Sector.SCHOOL


class ParticipantFactory(factory.django.DjangoModelFactory[Participant]):
    class Meta:
        model = Participant

    organization = factory.SubFactory(OrganizationFactory)
    surname = factory.Sequence(lambda n: f"Петрова{n}")
    name = "Анна"
    patronymic = "Сергеевна"
    position = "учитель"
    subject = "математика"
    experience_years = 10
    age_band = AgeBand.FROM_35
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    mentoring_consent_date = dt.date(2026, 9, 1)
    personal_data_consent_date = dt.date(2026, 9, 1)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery")


def bulk_participants(organization: Organization, count: int) -> QuerySet[Participant]:
    """Adds ``count`` participants to ``organization`` in one insert.

    The rows go in as plain column values through :func:`tandem.web.bulk.copy_rows`
    (seed-demo's loader), with ids reserved first, the organization's place written on
    each person and kept again at commit — what ``Participant.objects.bulk_create`` does:
    the same rows, no signals, no audit entries. Building a model instance per row, as
    ``bulk_create`` does, was most of the query-count tests' time (their worlds of 2,000
    and 30,000 people)."""
    from tandem.web.bulk import copy_rows, reserve_ids

    start = next(_counter) * 1_000_000
    # Read by the organization's key (as bulk_create's keep did), not from the instance
    # passed, which may predate a move.
    place = Organization.objects.values_list(
        "municipality_id", "municipality__region_id").get(pk=organization.pk)
    ids = reserve_ids(Participant, count)
    bands = AgeBand.values
    consent = dt.date(2026, 9, 1)

    def rows() -> Iterator[tuple[object, ...]]:
        for i, pk in enumerate(ids):
            surname = f"Сидоров{start + i}"
            yield (pk, organization.pk, surname, "Пётр", "Ильич",
                   "педагог дополнительного образования" if i % 2 else "учитель",
                   i % 40, bands[i % len(bands)], f"bulk{start + i}@example.org",
                   consent if i % 3 else None, consent,
                   normalize_name(surname, "Пётр", "Ильич"), *place)

    copy_rows(Participant, BULK_PARTICIPANT_COLUMNS, rows())
    Participant.objects.keep_places_at_commit_of(ids)
    # As every bulk writer: the figures kept per organization hear of it.
    from tandem.web.signals import figures_changed

    figures_changed.send(sender=Participant, organization_ids=[organization.pk])
    return Participant.objects.filter(organization=organization)


BULK_PARTICIPANT_COLUMNS = (
    "id", "organization_id", "surname", "name", "patronymic", "position",
    "experience_years", "age_band", "email", "mentoring_consent_date",
    "personal_data_consent_date", "search_name", "municipality_id", "region_id")


@dataclass
class World:
    region: Region
    municipality_a: Municipality
    municipality_b: Municipality
    org_a: Organization
    org_b: Organization
    alice: User  # curator of A
    bob: User  # teacher in A
    charlie: User  # curator of B
    dave: User  # coordinator of B's municipality
    erin: User  # coordinator of A's municipality
    olga: User  # region operator
    alice_p: Participant
    bob_p: Participant
    carol_p: Participant  # a teacher in A without a login
    charlie_p: Participant
    someone_b: Participant  # a teacher in B
    diag: DiagnosticsWorld | None = None  # filled by build_diagnostics()


def build_world() -> World:
    region = RegionFactory.create(name="Тестовая область", code="test")
    mun_a = MunicipalityFactory.create(region=region, name="Город А", code="city-a")
    mun_b = MunicipalityFactory.create(region=region, name="Район Б", code="district-b")
    org_a = OrganizationFactory.create(municipality=mun_a, name="Школа А", code="school-a")
    org_b = OrganizationFactory.create(municipality=mun_b, name="Дом творчества Б", code="ddt-b",
                                sector=Organization.Sector.SUPPLEMENTARY)
    alice, bob, charlie, dave, erin, olga = (
        UserFactory.create(username=n) for n in ("alice", "bob", "charlie", "dave", "erin", "olga"))
    alice_p = ParticipantFactory.create(organization=org_a, surname="Алисова", name="Алиса",
                                 position="заместитель директора", user=alice,
                                 email="alice@example.org")
    bob_p = ParticipantFactory.create(organization=org_a, surname="Бобров", name="Борис",
                               patronymic="Олегович", user=bob, email="bob@example.org",
                               age_band=AgeBand.UNDER_25, experience_years=1)
    carol_p = ParticipantFactory.create(organization=org_a, surname="Каролёва", name="Карина",
                                 email="carol@example.org", line_manager=alice_p)
    charlie_p = ParticipantFactory.create(organization=org_b, surname="Чарлин", name="Чеслав",
                                   user=charlie, email="charlie@example.org")
    someone_b = ParticipantFactory.create(organization=org_b, surname="Бэшкина", name="Вера",
                                   email="vera.b@example.org")
    RoleAssignment.objects.bulk_create([
        RoleAssignment(user=alice, role=Role.CURATOR, organization=org_a),
        RoleAssignment(user=charlie, role=Role.CURATOR, organization=org_b),
        RoleAssignment(user=dave, role=Role.MUNICIPAL_COORDINATOR, municipality=mun_b),
        RoleAssignment(user=erin, role=Role.MUNICIPAL_COORDINATOR, municipality=mun_a),
        RoleAssignment(user=olga, role=Role.REGION_OPERATOR, region=region),
    ])
    return World(region, mun_a, mun_b, org_a, org_b, alice, bob, charlie, dave, erin, olga,
                 alice_p, bob_p, carol_p, charlie_p, someone_b)


@dataclass
class DiagnosticsWorld:
    """Organization A's initial campaign (with expert assessment): Carol has submitted,
    Bob is half-way, Alice has not started. Organization B has its own campaign."""

    campaign_a: Campaign
    campaign_b: Campaign
    carol_r: Response
    bob_r: Response
    alice_r: Response
    charlie_r: Response


def build_diagnostics(world: World) -> DiagnosticsWorld:
    from tandem.diagnostics import tallies
    from tandem.diagnostics.defaults import ensure_default_framework
    from tandem.diagnostics.models import Answer, Campaign, Response

    framework = ensure_default_framework()
    codes = framework.codes()
    a = Campaign.objects.create(title="Диагностика А", organization=world.org_a,
                                framework=framework, starts_on=dt.date(2026, 9, 1),
                                ends_on=dt.date(2026, 9, 30), with_expert=True)
    b = Campaign.objects.create(title="Диагностика Б", organization=world.org_b,
                                framework=framework, starts_on=dt.date(2026, 9, 1),
                                ends_on=dt.date(2026, 9, 30))
    carol = Response.objects.create(campaign=a, participant=world.carol_p,
                                    status=Response.Status.SUBMITTED, answered=len(codes))
    bob = Response.objects.create(campaign=a, participant=world.bob_p,
                                  status=Response.Status.DRAFT, answered=2)
    alice = Response.objects.create(campaign=a, participant=world.alice_p)
    charlie = Response.objects.create(campaign=b, participant=world.charlie_p)
    rows = [Answer(response=carol, competency=code, self_level=i % 4, level=i % 4,
                   can_teach=i % 4 == 3, wants_to_learn=i % 4 == 0)
            for i, code in enumerate(codes)]
    rows += [Answer(response=bob, competency=code, self_level=3, level=3, can_teach=True)
             for code in codes[:2]]
    Answer.objects.bulk_create(rows)
    tallies.rebuild([world.org_a.pk, world.org_b.pk])  # written in bulk: figures once
    world.diag = DiagnosticsWorld(a, b, carol, bob, alice, charlie)
    return world.diag


def bulk_responses(campaign: Campaign, participants: QuerySet[Participant]) -> None:
    """Submitted questionnaires with every competency answered, in two inserts."""
    from tandem.diagnostics import tallies
    from tandem.diagnostics.models import Answer, Response

    have = set(campaign.responses.values_list("participant_id", flat=True))
    responses = [Response(campaign=campaign, participant=p, status=Response.Status.SUBMITTED)
                 for p in participants if p.pk not in have]
    Response.objects.bulk_create(responses)
    codes = campaign.framework.codes()
    # The answers (tens of thousands for the big query-count tests) go in as plain rows:
    # building an Answer instance for each took most of these tests' time. Answer is not
    # audited and bulk_create sends no signals either, so the database ends up the same.
    table = Answer._meta.db_table
    columns = ("response_id", "competency", "self_level", "expert_level", "level",
               "can_teach", "wants_to_learn", "priority")
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            [(r.pk, code, (r.participant_id + i) % 4, None, (r.participant_id + i) % 4,
              False, i % 5 == 0, None)
             for r in responses for i, code in enumerate(codes)])
    tallies.rebuild(set(Participant.objects.filter(
        pk__in=[r.participant_id for r in responses]).values_list("organization_id", flat=True)))


def build_resources(world: World) -> dict[str, object]:
    """One resource of organization A, one of B's municipality, one regional."""
    from tandem.diagnostics.defaults import ensure_default_framework
    from tandem.diagnostics.models import Competency
    from tandem.resources.models import Resource

    ensure_default_framework()
    ai = Competency.objects.get(code="ict.ai_lessons")
    parents = Competency.objects.get(code="comm.parents")
    a = Resource.objects.create(title="Ресурс Школы А", kind="material", level="organization",
                                organization=world.org_a)
    b = Resource.objects.create(title="Ресурс района Б", kind="webinar", level="municipality",
                                municipality=world.municipality_b)
    r = Resource.objects.create(title="Областной курс", kind="course", level="region",
                                region=world.region)
    a.competencies.set([ai])
    b.competencies.set([parents])
    r.competencies.set([ai, parents])
    return {"a": a, "b": b, "region": r}


EXTRA_PEOPLE = [("Дёмин", "Дмитрий", "Ильич", True), ("Ершова", "Елена", "Петровна", False),
                ("Жуков", "Егор", "Андреевич", True), ("Зуева", "Зоя", "Ивановна", False)]


def build_pairs_pool(world: World, *, extra: int = 0) -> Campaign:
    """A submitted initial round in A where Bob (young: digital strong, methodology weak)
    and Carol (the other way round) make a textbook reverse pair, and Alice — strong
    like Bob — could only pair with Carol, who reports to her."""
    from tandem.diagnostics import tallies
    from tandem.diagnostics.defaults import ensure_default_framework
    from tandem.diagnostics.models import Campaign

    framework = ensure_default_framework()
    campaign = Campaign.objects.create(title="Входная А", organization=world.org_a,
                                       framework=framework, starts_on=dt.date(2026, 9, 1),
                                       ends_on=dt.date(2026, 9, 30))
    people = [(world.bob_p, True), (world.carol_p, False), (world.alice_p, True)]
    for surname, name, patronymic, digital in EXTRA_PEOPLE[:extra]:
        people.append((ParticipantFactory.create(
            organization=world.org_a, surname=surname, name=name, patronymic=patronymic,
            email=f"{surname.lower()}@example.org"), digital))
    submit_profiles(campaign, people)
    tallies.rebuild([world.org_a.pk])
    return campaign


def submit_profiles(campaign: Any, people: list[tuple[Participant, bool]]) -> None:
    """A submitted response of ``campaign`` for each person: strong (level 3, can teach)
    in the digital competencies («ict.») when the flag says digital, weak (0, wants to
    learn) in the rest — or the other way round. The tallies are the caller's."""
    from tandem.diagnostics.models import Answer, Response

    codes = campaign.framework.codes()
    rows = []
    for person, digital in people:
        response = Response.objects.create(campaign=campaign, participant=person,
                                           status=Response.Status.SUBMITTED,
                                           answered=len(codes))
        for code in codes:
            strong = code.startswith("ict.") == digital
            level = 3 if strong else 0
            rows.append(Answer(response=response, competency=code, self_level=level,
                               level=level, can_teach=strong, wants_to_learn=not strong))
    Answer.objects.bulk_create(rows)


@dataclass
class PairsWorld:
    run: object  # MatchingRun of A proposing Bob ⇄ Carol
    pair: object  # an approved pair Alice ⇄ Dmitry in A
    order: object  # a pair order of A with that pair
    dmitry: Participant


def build_pairs(world: World) -> PairsWorld:
    from tandem.access.scope import scope_for
    from tandem.diagnostics.export import profiles_instance
    from tandem.diagnostics.models import Response
    from tandem.pairs import engine
    from tandem.pairs.models import MatchingRun, Pair, PairOrder
    from tandem.pairs.selectors import pool_responses

    campaign = build_pairs_pool(world)
    responses = [r for r in pool_responses(unit=world.org_a, scope=scope_for(world.olga))
                 if r.campaign_id == campaign.pk]
    instance = profiles_instance(responses, [campaign.framework], scope="organization")
    run = MatchingRun.objects.create(organization=world.org_a, instance=instance,
                                     result=engine.match(instance), progress=100,
                                     status=MatchingRun.Status.DONE)
    dmitry = ParticipantFactory.create(organization=world.org_a, surname="Дёмин",
                                       name="Дмитрий", patronymic="Ильич",
                                       email="dmitry@example.org")
    pair = Pair.objects.create(a=world.alice_p, b=dmitry, organization=world.org_a,
                               starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31))
    order = PairOrder.objects.create(organization=world.org_a, number="1-од",
                                     date=dt.date(2026, 11, 27), head_name="Директорова")
    order.pairs.set([pair])
    assert Response.objects.filter(campaign=campaign).count() == 3
    return PairsWorld(run, pair, order, dmitry)


def build_map(world: World) -> object:
    """Bob ⇄ Carol approved from the proposal of build_pairs(): their map is drafted."""
    from tandem.maps.lifecycle import pairs_approve

    pairs_world = build_pairs(world)
    key = "-".join(str(x) for x in sorted((world.bob_p.pk, world.carol_p.pk)))
    [pair] = pairs_approve(run=pairs_world.run, keys=[key],  # type: ignore[arg-type]
                           starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31),
                           curator=world.alice, base_url="http://testserver/")
    return pair


def start_map(pair: Any, world: World) -> Any:
    """Bob and Carol agree their pair's map, Alice approves it, it is carried out."""
    from tandem.maps import lifecycle
    from tandem.maps.models import Map

    the_map = Map.objects.get(pair=pair)
    lifecycle.map_agree(the_map=the_map, participant=world.bob_p)
    lifecycle.map_agree(the_map=the_map, participant=world.carol_p)
    lifecycle.map_approve(the_map=the_map, user=world.alice)
    return lifecycle.map_start(the_map=the_map)


def build_matrix_map(pairs_world: PairsWorld) -> dict[str, object]:
    """A map for Alice ⇄ Dmitry with one row and one uploaded piece of evidence."""
    from django.core.files.base import ContentFile

    from tandem.maps.models import Evidence, Row
    from tandem.maps.services import map_draft

    pair = pairs_world.pair
    the_map = map_draft(pair)  # type: ignore[arg-type]
    row = Row.objects.create(map=the_map, direction=Row.Direction.A_TO_B,
                             competency="ict.ai_lessons", title="Строка карты А",
                             current_level=0, target_level=2, partner_level=3, task="Задача",
                             deadline=dt.date(2027, 1, 15), product="Продукт", evidence="Показ")
    evidence = Evidence(row=row, original_name="доказательство.pdf")
    evidence.file.save("доказательство.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return {"map": the_map, "row": row, "evidence": evidence}


def build_programme(world: World, *, adopt: bool = True, **rules: object) -> Programme:
    """Organization A's programme for the current academic year with one roadmap row,
    adopted by order «12-од» unless ``adopt`` is False; ``rules`` set its pair rules."""
    from tandem.core.programmes import year_bounds
    from tandem.programmes import selectors, services
    from tandem.programmes.models import Programme

    year = selectors.current_year()
    programme = services.programme_create(organization=world.org_a, year=year, user=world.alice)
    services.section_update(programme=programme, section="technologies", data={
        "technologies": ["ict_practicum"], "technologies_other": ""})
    if rules:
        Programme.objects.filter(pk=programme.pk).update(**rules)
        programme.refresh_from_db()
    first, _last = year_bounds(year)
    services.roadmap_add(programme=programme, data={
        "stage": "diagnostics", "activity": "Входная диагностика дефицитов Школы А",
        "starts_on": first, "ends_on": first + dt.timedelta(days=29),
        "responsible": "Алисова А. С.", "result": "профили педагогов"})
    if adopt:
        from django.utils import timezone

        services.programme_adopt(programme=programme, order_number="12-од",
                                 order_date=timezone.localdate(), user=world.alice)
        programme.refresh_from_db()
    return programme
@dataclass
class SchoolWorld:
    """A regional seminar running today (capacity 5, teachers may register themselves):
    Carol attended and has a certificate, Vera of B attended without one, Bob is
    registered; one uploaded material."""

    event: Event
    carol_r: Registration
    bob_r: Registration
    vera_r: Registration
    certificate: Certificate
    material: Material


def build_school(world: World) -> SchoolWorld:
    """Idempotent inside one test: a second call returns the same objects."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from tandem.school.models import Certificate, Event, Material, Registration

    event = Event.objects.filter(title="Семинар школы наставников А").first()
    if event is None:
        now = timezone.now()
        event = Event.objects.create(
            kind=Event.Kind.SEMINAR, title="Семинар школы наставников А", region=world.region,
            starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=3),
            place="Дворец творчества", speaker="Кругликова Г. А.", capacity=5,
            self_registration=True, created_by=world.olga)
        rows = {p.pk: Registration.objects.create(
            event=event, participant=p, status=Registration.Status.REGISTERED,
            queued_at=now - dt.timedelta(days=1, minutes=i), attended=attended)
            for i, (p, attended) in enumerate([(world.carol_p, True), (world.someone_b, True),
                                               (world.bob_p, False)])}
        Certificate.objects.create(registration=rows[world.carol_p.pk], code="TEST-CARO-L234")
        material = Material(event=event, title="Программа семинара",
                            original_name="программа.pdf", uploaded_by=world.olga)
        material.file.save("программа.pdf", ContentFile(b"%PDF-1.4"), save=True)
    regs = {r.participant_id: r for r in Registration.objects.filter(event=event)}
    carol_r = regs[world.carol_p.pk]
    return SchoolWorld(event=event, carol_r=carol_r, bob_r=regs[world.bob_p.pk],
                       vera_r=regs[world.someone_b.pk],
                       certificate=Certificate.objects.get(registration=carol_r),
                       material=Material.objects.get(event=event))


@dataclass
class TrainingWorld:
    """A practicum of A's municipality (trainers: Erin and Olga) with one case and two
    teams: team 1 = Bob and Vera of B, team 2 = Carol and Charlie. Alice is in a team of
    another event. Team 1's map has one row."""

    event: Event
    other_event: Event
    no_teams_event: Event  # Bob and Carol registered, no teams yet
    case: Case
    team1: Team
    team2: Team
    other_team: Team
    row: Row


def build_training(world: World) -> TrainingWorld:
    """Idempotent inside one test. Needs build_resources(world) (the case lists the
    regional course and A's resource)."""
    from django.utils import timezone

    from tandem.maps.models import Row
    from tandem.resources.models import Resource
    from tandem.school.models import Event, Registration
    from tandem.training.models import Case, CaseParticipant, Team
    from tandem.training.services import team_create

    case = Case.objects.filter(title="Кейс: Дом творчества").first()
    if case is None:
        now = timezone.now()
        case = Case.objects.create(
            title="Кейс: Дом творчества", context="Молодой педагог и опытный методист.",
            region=world.region, starts_on=dt.date(2027, 1, 10), ends_on=dt.date(2027, 6, 30))
        case.resources.set(Resource.objects.filter(title__in=["Областной курс",
                                                              "Ресурс Школы А"]))
        CaseParticipant.objects.create(
            case=case, role="a", name="Анна", age_band=AgeBand.UNDER_25, experience_years=1,
            position="педагог дополнительного образования",
            levels={"ict.ai_lessons": 3, "comm.parents": 0}, strengths=["ict.ai_lessons"],
            deficits=["comm.parents"])
        CaseParticipant.objects.create(
            case=case, role="b", name="Борис Петрович", age_band=AgeBand.FROM_55,
            experience_years=30, position="методист",
            levels={"ict.ai_lessons": 0, "comm.parents": 3}, strengths=["comm.parents"],
            deficits=["ict.ai_lessons"])
        events = []
        for title, people in (("Практикум по кейсам", [world.bob_p, world.someone_b,
                                                      world.carol_p, world.charlie_p]),
                              ("Другой практикум", [world.alice_p]),
                              ("Практикум без команд", [world.bob_p, world.carol_p])):
            event = Event.objects.create(
                kind=Event.Kind.PRACTICUM, title=title, region=world.region,
                municipality=world.municipality_a, starts_at=now,
                ends_at=now + dt.timedelta(hours=3), capacity=30, created_by=world.erin)
            Registration.objects.bulk_create([Registration(
                event=event, participant=p, status=Registration.Status.REGISTERED,
                queued_at=now, attended=True) for p in people])
            events.append(event)
        team1 = team_create(event=events[0], case=case, members=[world.bob_p, world.someone_b])
        team_create(event=events[0], case=case, members=[world.carol_p, world.charlie_p])
        team_create(event=events[1], case=case, members=[world.alice_p])
        Row.objects.create(map=team1.map, direction=Row.Direction.B_TO_A,
                           competency="comm.parents", title="Строка учебной карты",
                           current_level=0, target_level=2, partner_level=3,
                           task="Провести собрание", deadline=dt.date(2027, 3, 1),
                           product="сценарий собрания", evidence="проведённое собрание")
    teams = {(t.event.title, t.number): t for t in Team.objects.select_related("event")}
    team1 = teams[("Практикум по кейсам", 1)]
    return TrainingWorld(event=team1.event, other_event=teams[("Другой практикум", 1)].event,
                         no_teams_event=Event.objects.get(title="Практикум без команд"),
                         case=case, team1=team1, team2=teams[("Практикум по кейсам", 2)],
                         other_team=teams[("Другой практикум", 1)],
                         row=Row.objects.get(title="Строка учебной карты"))



def until_done_or_waiting(thread: threading.Thread) -> None:
    """Waits (up to 30 s) until ``thread`` ended or another session waits for a lock
    (PostgreSQL's ``pg_stat_activity``)."""
    query = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
             "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'")
    for _ in range(300):
        if not thread.is_alive():
            return
        with connection.cursor() as cursor:
            cursor.execute(query)
            if cursor.fetchone()[0]:
                return
        time.sleep(0.1)

class HeldRace:
    """Two writers on PostgreSQL, for lock tests: ``first(hold)`` runs in a thread of its
    own and calls ``hold()`` at the point it must stay (inside its transaction: ``hold``
    waits until :meth:`finish`); once it holds, ``second()`` starts in another thread.
    :meth:`second_waits` tells whether the second is waiting for a lock (or ended). The
    errors of both are collected and checked by :meth:`finish`; each thread closes its own
    connections."""

    def __init__(self, first: Callable[[Callable[[], None]], object],
                 second: Callable[[], object]) -> None:
        self.held, self.release = threading.Event(), threading.Event()
        self.errors: list[BaseException] = []
        self.first = threading.Thread(target=self._guarded, args=(lambda: first(self._hold),))
        self.second = threading.Thread(target=self._guarded, args=(second,))

    def _hold(self) -> None:
        self.held.set()
        self.release.wait(30)

    def _guarded(self, run: Callable[[], object]) -> None:
        from django.db import connections
        try:
            run()
        except BaseException as e:  # checked by finish()
            self.errors.append(e)
        finally:
            connections.close_all()

    def start(self) -> None:
        self.first.start()
        assert self.held.wait(30)
        self.second.start()

    def second_waits(self) -> bool:
        """Waits (up to 30 s) until the second ended or some session waits for a lock;
        true if the second is still running then."""
        until_done_or_waiting(self.second)
        return self.second.is_alive()

    def finish(self) -> None:
        self.release.set()
        self.first.join(60)
        self.second.join(60)
        assert not self.errors, [repr(e) for e in self.errors]


def moving(person: Participant, to: Organization) -> Callable[[Callable[[], None]], None]:
    """A :class:`HeldRace`'s first writer: ``person`` moves to ``to`` and holds inside the
    move's transaction (their row locked ``FOR NO KEY UPDATE`` by the save)."""
    from django.db import transaction

    def move(hold: Callable[[], None]) -> None:
        with transaction.atomic():
            mover = Participant.objects.get(pk=person.pk)
            mover.organization = to
            mover.save()
            hold()
    return move


def stale_copy_changed(stale: Any, **changes: object) -> Any:
    """A copy of ``stale``'s row loaded *before* another copy of it was changed and saved
    (``changes`` set on that other copy, as a web edit would): what a roster import holds
    while a curator moves the person. Saving ``stale`` then writes the old values back —
    the case the kept figures must hear (``tandem/web/tracking.py``)."""
    other = type(stale)._base_manager.get(pk=stale.pk)
    for name, value in changes.items():
        setattr(other, name, value)
    other.save()
    return stale


CACHE_ALIASES = ("default", "personal")


def clear_caches() -> None:
    """Empties both caches (the shared one and the personal one)."""
    from django.core.cache import caches

    for alias in CACHE_ALIASES:
        caches[alias].clear()


@contextmanager
def database_caches(label: str) -> Iterator[None]:
    """Both caches in tables of the test database (``tandem_cache_<label>_<alias>``), as
    in production: what a warm-up stores, another process reads — not the test process's
    memory. Emptied on the way in and on the way out."""
    from django.core.management import call_command
    from django.test import override_settings

    tables = {alias: {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                      "LOCATION": f"tandem_cache_{label}_{alias}"}
              for alias in CACHE_ALIASES}
    with override_settings(CACHES=tables):
        call_command("createcachetable", verbosity=0)
        clear_caches()
        yield
        clear_caches()


@contextmanager
def built_once(django_db_blocker: Any, media: Any) -> Iterator[None]:
    """For a world built once and read by many tests (a class-scoped fixture, as Django's
    ``TestCase.setUpTestData``): the database unblocked, the building done in a
    transaction of its own that is rolled back when the block ends, with the tests'
    fast password hasher (tandem/conftest.py) and ``media`` as the uploads' folder. Each
    test then runs in a savepoint nested in it (pytest-django's ``db``) and leaves the
    world as it found it; each xdist worker builds its own."""
    from django.db import transaction
    from django.test import override_settings

    with (django_db_blocker.unblock(),
          override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=[
              "django.contrib.auth.hashers.MD5PasswordHasher"])):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            clear_caches()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            clear_caches()
