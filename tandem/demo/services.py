"""Loads the generated demo region into the database, in one transaction."""

import datetime as dt
import os
import random
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
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
    next_id,
    reserve_ids,
)
from tandem.web.signals import figures_changed

BATCH = 2000
CONSENT_FROM = dt.date(2026, 9, 1)

ProgressFn = Callable[[int, int], None]
# stage, wall seconds, CPU seconds of this process, of the server's session (None: unknown)
PhaseFn = Callable[[str, float, float, float | None], None]


@dataclass
class DemoLogin:
    username: str
    role: str
    where: str
    # A login of a named unit (generator.MUNICIPALITIES, ORGANIZATIONS): seed-demo prints
    # those; a big region's thousands of further curators it only counts.
    named: bool = True


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
    # (stage, wall seconds, CPU seconds of this process): ``seed-demo -v 2`` prints them.
    phases: list[tuple[str, float, float]] = field(default_factory=list)
    # What was drawn ahead (DrawnAhead) and used: the people; the answers (their people's
    # ids guessed right).
    people_ahead: bool = False
    answers_ahead: bool = False


class _Phases:
    """Wall and process CPU time of each stage of a region's load, and the CPU time of
    the database session's server process where it can be read (PostgreSQL on this
    machine: ``/proc/<pid>/stat`` of ``pg_backend_pid()``; parallel workers' time is not
    in it). Stages nest: a stage's time includes its inner stages'."""

    def __init__(self, report: PhaseFn | None = None) -> None:
        self.done: list[tuple[str, float, float]] = []
        self.report = report
        self._stat: str | None = None
        if report is not None and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self._stat = f"/proc/{cursor.fetchone()[0]}/stat"
        self.server = self._server_cpu() is not None

    def _server_cpu(self) -> float | None:
        """CPU seconds (user + system) of the session's server process so far."""
        if self._stat is None:
            return None
        try:
            with open(self._stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # another machine's server, or not ours to read
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def now(self) -> tuple[float, float, float | None]:
        return time.perf_counter(), time.process_time(), self._server_cpu()

    def record(self, name: str, since: tuple[float, float, float | None],
               until: tuple[float, float, float | None] | None = None) -> None:
        end = until or self.now()
        server = (end[2] - since[2] if end[2] is not None and since[2] is not None
                  else None)
        self.done.append((name, end[0] - since[0], end[1] - since[1]))
        if self.report:
            self.report(name, end[0] - since[0], end[1] - since[1], server)

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        since = self.now()
        yield
        self.record(name, since)


def demo_region_exists() -> bool:
    return Region.objects.exists()


def bulk_models() -> tuple[type[Model], ...]:
    """The tables a region's load writes in bulk (COPY), checks its foreign keys of once
    and takes the planner statistics of itself (``analyze``, inside its transaction):
    ``seed-demo``'s ANALYZE at the end leaves them out."""
    from tandem.maps.models import Map, Meeting, Row
    from tandem.pairs.models import Pair

    return (Participant, Response, Answer, Pair, Map, Row, Meeting)


# The tables the later stages (EXTENSIONS) and the figures fill with many rows in a big
# region — by bulk_create or INSERT … SELECT, not by COPY — as "app_label.Model" (the
# stages are plug-ins: no import of theirs here). Their foreign keys are checked once, at
# the end of those stages (tandem.web.bulk.foreign_keys_checked_once), not row by row at
# COMMIT. A label missing from the installed apps is skipped.
LATER_BULK = (
    "diagnostics.AnswerTally", "diagnostics.MunicipalityAnswerTally",
    "diagnostics.RegionAnswerTally",
    "diagnostics.GainTally", "diagnostics.StrongTally", "diagnostics.ResponseTally",
    "diagnostics.TallyState", "diagnostics.MunicipalityResponseTally",
    "diagnostics.MunicipalityGainTally", "diagnostics.GainMember", "diagnostics.PublishedGain",
    "diagnostics.PublishedGainMember", "diagnostics.AnswerMember", "diagnostics.PublishedAnswer",
    "diagnostics.PublishedAnswerMember", "surveys.Survey", "surveys.MunicipalitySurveyCell",
    "pairs.PairOrder_pairs", "monitoring.PairMunicipalityTally",
    "monitoring.PairMonthMunicipalityTally", "monitoring.PairMunicipalityState",
    "maps.TechnologyMunicipalityTally", "maps.TechnologyRegionTally", "programmes.RoadmapRow",
    "programmes.Indicator",
    "programmes.Programme_resources")


def later_bulk_models() -> tuple[type[Model], ...]:
    found = []
    for label in LATER_BULK:
        try:
            found.append(apps.get_model(label))
        except LookupError:
            continue
    return tuple(found)


PARTICIPANT_COLUMNS = (
    "id", "organization_id", "surname", "name", "patronymic", "position", "subject",
    "experience_years", "age_band", "email", "mentoring_consent_date",
    "personal_data_consent_date", "search_name", "line_manager_id",
    # The place of the organization kept on the person (Participant.municipality, .region):
    # COPY writes it itself, as Participant.save and bulk_create do.
    "municipality_id", "region_id")


def demo_region_create(*, participants: int = 400, seed: int = 1,
                       progress: ProgressFn | None = None,
                       with_diagnostics: bool = True, index: int = 1,
                       phases: PhaseFn | None = None, last: bool = True,
                       ahead: "DrawnAhead | None" = None,
                       before_figures: Callable[[], None] | None = None) -> DemoResult:
    """Creates the ``index``-th demo region (a country is several, ``seed-demo --regions``)
    with ``participants`` people and its logins, in one transaction. The first one is the
    demo everybody knows; the others repeat its towns and organizations under their own
    codes («-r2»), e-mails («@r2.example.org») and logins («region-r2»), with other people
    (another seed). ``phases`` hears of each stage's time, the ``COMMIT`` and the jobs
    that run after it (the kept figures' refreshes, with the immediate task backend)
    included. ``last``: no region of the country follows — the bulk tables' foreign keys
    are checked over the whole tables and left valid; a region that is not the last checks
    only its own new rows and leaves them ``NOT VALID`` for the next
    (``foreign_keys_checked_once(whole=False)``): the whole tables, read again after every
    region, grew the country's check region by region. ``ahead``: this region's people
    and answers drawn ahead (``draw_ahead``; used where they fit, drawn again where not,
    released after the load); ``before_figures`` is
    called when the bulk tables and the later stages are loaded, right before the figures
    (server-side SQL: a country draws its next region meanwhile, ``demo_regions_create``)."""
    phase = _Phases(phases)
    committed: list[tuple[float, float, float | None]] = []
    with transaction.atomic():
        # The first of the transaction's on_commit callbacks: runs right after COMMIT,
        # before the jobs the load enqueued (not at all inside a caller's transaction).
        transaction.on_commit(lambda: committed.append(phase.now()))
        result = _demo_region_create(participants=participants, seed=seed,
                                     progress=progress, with_diagnostics=with_diagnostics,
                                     index=index, phase=phase, last=last, ahead=ahead,
                                     before_figures=before_figures)
        done = phase.now()
    if committed:
        phase.record("COMMIT", done, committed[0])
        phase.record("jobs after COMMIT (kept figures)", committed[0])
    result.phases = phase.done
    return result


def _demo_region_create(*, participants: int, seed: int, progress: ProgressFn | None,
                        with_diagnostics: bool, index: int, phase: "_Phases",
                        last: bool = True, ahead: "DrawnAhead | None" = None,
                        before_figures: Callable[[], None] | None = None) -> DemoResult:
    _roomy_memory()
    name, region_code, suffix, zone = generator.region_names(index)
    seed = region_seed(seed, index)
    rng = random.Random(seed)
    # Each region on its own clock (the first on Tyumen's, UTC+5), whatever the
    # installation's TANDEM_TIME_ZONE says.
    region = Region.objects.create(name=name, code=region_code, time_zone=zone)
    # The answers already in the table (a country's regions before this one): this
    # region's, all written below, come after them — its figures read only those
    # (tallies.rebuild(answers_after=...)), not every earlier region's again.
    answers_before = Answer.objects.order_by("-pk").values_list("pk", flat=True).first()
    # And the questionnaires, joined with those answers: only this region's.
    responses_before = Response.objects.order_by("-pk").values_list("pk", flat=True).first()
    # The units grow with the region (generator.territory): the named ones, and past a
    # thousand or so people further organizations of realistic sizes.
    land = generator.territory(participants)
    with phase("municipalities and organizations"):
        municipalities, organizations = _create_units(region, land, suffix)

    # The bulk tables' foreign keys are checked once, at the end of the load, not row by
    # row at COMMIT (tandem.web.bulk; PostgreSQL only).
    with (phase("bulk load with its foreign keys"),
          foreign_keys_checked_once(*bulk_models(), whole=last)):
        deputies: dict[str, Participant] = {}
        domain = region_domain(index)
        people_ahead = ahead is not None and (ahead.participants, ahead.seed, ahead.domain) == (
            participants, seed, domain)
        answers_ahead = False
        people = (ahead.people if ahead is not None and people_ahead
                  else generator.people(participants, seed, domain))
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
                        for _ in range(participants - len(organizations))])
        deputy_id: int | None = None

        def participant_rows(people: Iterable[generator.DemoPerson]
                             ) -> Iterator[tuple[Any, ...]]:
            nonlocal done, deputy_id
            for person in people:
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
                       line_manager, organization.municipality_id, region.pk)
                if person.is_deputy:  # the curator's login needs it
                    deputies[person.organization_code] = Participant(
                        pk=row[0], organization=organization,
                        **dict(zip(PARTICIPANT_COLUMNS[2:], row[2:], strict=True)))
                yield row
                done += 1
                if progress and (done % BATCH == 0 or done == participants):
                    progress(done, participants)

        with (phase("participants with their indexes"),
              _indexes_built_once_if_cheaper(Participant, participants,
                                             up_to=PEOPLE_REBUILT_UP_TO),
              phase("participants")):
            copy_rows(Participant, PARTICIPANT_COLUMNS, participant_rows(people))
        # Written: the people let go now, not kept through the later stages and the
        # figures beside the next region's, drawn ahead.
        del people
        if ahead is not None:
            ahead.people = []

        if len(deputies) != len(organizations):  # what the coins above assume
            raise RuntimeError("seed-demo: every organization needs its deputy head")
        with phase("logins and resources"):
            logins = _create_logins(region, municipalities, organizations, deputies, suffix)
            _create_resources(region, municipalities, organizations)
        if with_diagnostics:
            with (phase("questionnaires and answers with their indexes"),
                  _indexes_built_once_if_cheaper(Response, participants, Answer,
                                                 up_to=ANSWERS_REBUILT_UP_TO),
                  phase("questionnaires and answers")):
                answers_ahead = _create_diagnostics(organizations, seed, land,
                                                    ahead if people_ahead else None)
            with phase("pairs and maps"):
                if participants <= PAIRS_UP_TO:
                    _create_pairs(region, municipalities, organizations, land)
                else:
                    _create_pairs_fast(region, organizations, seed, land)
    if ahead is not None:  # loaded: not kept through the figures
        ahead.release()
    # The later stages and the figures query these tables inside the same transaction.
    with phase("analyze"):
        analyze(*bulk_models())
    context = DemoContext(region=region, municipalities=municipalities,
                          organizations=organizations, participants=done, seed=seed,
                          with_diagnostics=with_diagnostics)
    # The later stages' and the figures' hundreds of thousands of rows (sums per
    # organization, campaign and competency; surveys; roadmaps) have their foreign keys
    # checked once too: row by row at COMMIT they were 12 s of the server's CPU at 300,000.
    with (phase("later stages and figures with their foreign keys"),
          foreign_keys_checked_once(*later_bulk_models(), whole=last)):
        for dotted in EXTENSIONS:
            with phase(dotted.split(".")[1]):
                import_string(dotted)(context)
        # The questionnaires went in in bulk: their figures are built once, here.
        # The figures are server-side SQL: this process mostly waits (GIL released),
        # a thread can draw the next region meanwhile (demo_regions_create).
        if before_figures is not None:
            before_figures()
        with phase("figures (tallies.rebuild)"):
            # One round for the whole region: it is in this transaction anyway.
            tallies.rebuild([o.pk for o in organizations.values()],
                            batch=max(1, len(organizations)), answers_after=answers_before,
                            responses_after=responses_before)
            figures_changed.send(sender=None,
                                 organization_ids=[o.pk for o in organizations.values()])
    return DemoResult(region=region, participants=done, logins=logins, phases=phase.done,
                      people_ahead=people_ahead, answers_ahead=answers_ahead)


def region_seed(seed: int, index: int) -> int:
    """The seed of a country's ``index``-th region's draws."""
    return seed if index == 1 else seed * 1_000 + index


def region_domain(index: int) -> str:
    """The e-mail domain of a country's ``index``-th region (e-mails are unique)."""
    return f"r{index}.example.org" if index > 1 else "example.org"


def demo_regions_create(*, regions: int, participants: int, seed: int = 1,
                        progress: Callable[[int], ProgressFn | None] | None = None,
                        phases: PhaseFn | None = None) -> list[DemoResult]:
    """A country: ``regions`` demo regions, each in its own transaction
    (``demo_region_create``), the last one ``last``. While the server computes a region's
    figures (server-side SQL: this process mostly waits), a thread draws the next
    region's people and answers (``draw_ahead``, pure Python, no query), for the ids its
    people will get if nothing else takes one first (``next_id``); the next load uses
    what fits and draws again what does not. The thread is joined whatever happens: an
    error of the load stops it (and is raised), an error of the thread is raised by the
    next region's load."""
    results: list[DemoResult] = []
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-demo-ahead")
    next_region: Future[DrawnAhead | None] | None = None
    try:
        for index in range(1, regions + 1):
            ahead = next_region.result() if next_region is not None else None
            next_region = None

            def draw_next(index: int = index) -> None:
                nonlocal next_region
                framework = FrameworkVersion.objects.current()
                if index == regions or framework is None:
                    return
                next_region = pool.submit(
                    draw_ahead, participants=participants, seed=seed, index=index + 1,
                    first_id=next_id(Participant), competencies=competencies_of(framework),
                    stop=stop)

            results.append(demo_region_create(
                participants=participants, seed=seed, index=index,
                progress=progress(index) if progress else None, phases=phases,
                last=index == regions, ahead=ahead, before_figures=draw_next))
            del ahead
    finally:
        stop.set()  # a drawing still going on is for a load that will not come
        pool.shutdown(wait=True, cancel_futures=True)
    return results


def _create_units(region: Region, land: generator.Territory, suffix: str
                  ) -> tuple[dict[str, Municipality], dict[str, Organization]]:
    """The region's municipalities and organizations (``land``), codes ending in
    ``suffix``. The named ones one by one, as an operator adds them (audited, as they
    always were); a big region's thousands of further ones in bulk, after them (no audit
    entry each — as the participants, loaded by COPY)."""
    named_municipalities = {m[0] for m in generator.MUNICIPALITIES}
    named_rows, further_rows = _organizations_in_order(land)
    municipalities = {
        code: Municipality.objects.create(region=region, code=code + suffix, name=name,
                                          kind=kind)
        for code, name, kind in land.municipalities if code in named_municipalities
    }
    further = [Municipality(region=region, code=code + suffix, name=name, kind=kind)
               for code, name, kind in land.municipalities if code not in named_municipalities]
    Municipality.objects.bulk_create(further)
    municipalities.update((m.code.removesuffix(suffix), m) for m in further)
    organizations = {
        code: Organization.objects.create(municipality=municipalities[mun], code=code + suffix,
                                          short_name=short, name=full, sector=sector)
        for mun, code, short, full, sector in named_rows
    }
    more = [Organization(municipality=municipalities[mun], code=code + suffix,
                         short_name=short, name=full, sector=sector)
            for mun, code, short, full, sector in further_rows]
    Organization.objects.bulk_create(more, batch_size=2000)
    organizations.update((o.code.removesuffix(suffix), o) for o in more)
    return municipalities, organizations


_OrganizationRow = tuple[str, str, str, str, str]  # one of generator.Territory.organizations


def _organizations_in_order(land: generator.Territory
                            ) -> tuple[list[_OrganizationRow], list[_OrganizationRow]]:
    """The region's organizations (``land``) as :func:`_create_units` creates them: the
    named ones first, then the further ones — the order of its dictionary, which the
    diagnostics' rounds follow (``draw_ahead`` plans them before the load)."""
    named = {o[1] for o in generator.ORGANIZATIONS}
    return ([row for row in land.organizations if row[1] in named],
            [row for row in land.organizations if row[1] not in named])


def _roomy_memory() -> None:
    """PostgreSQL, for this transaction only: the index builds after the load sort in
    memory, and the figures' aggregates over millions of answers (tallies.rebuild) hash
    in memory, not in temporary files. One loading session, not every worker's."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL work_mem = '256MB'")


# How many times what a region's load adds a table may already hold for the rebuild of its
# indexes after the load (which sorts every row, old ones too) still to cost the server less
# than keeping them up row by row during it (docs/performance.md, «страна»).
# - The people's nine indexes (e-mail, names, position: keys all over the tree): for a
#   second region of 30,000, 0.8 s of the server kept up against 0.1 s for the COPY and
#   about 0.4 s for a serial rebuild of 60,000 rows; the rebuild grows with the rows held,
#   the upkeep hardly — it pays up to about two regions held.
# - The answers' (and questionnaires'): a serial rebuild costs about 3.7 s of CPU per
#   million answers held — the (competency, level) index most of it, with or without
#   COLLATE "C" — against about 5 s of upkeep for a region of 30,000 and 65 s for the
#   fourth region of 300,000 (the second and third, rebuilt, cost 64 and 82 s of the
#   session plus their parallel workers'): only an empty table is worth rebuilding.
PEOPLE_REBUILT_UP_TO = 3
ANSWERS_REBUILT_UP_TO = 1


def _indexes_built_once_if_cheaper(model: type[Model], adding: int, *more: type[Model],
                                   up_to: float) -> AbstractContextManager[None]:
    """The indexes of ``model``'s table (and of ``more``) built after the load, not row by
    row during it (tandem.web.bulk.indexes_built_once) — while the table holds less than
    ``up_to`` times what the load adds (``*_REBUILT_UP_TO`` above): an empty database's
    first region always, a country's next few regions too; past that, keeping the indexes
    up costs less than sorting all the older rows again."""
    if model._default_manager.count() >= up_to * adding:
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


def _create_diagnostics(organizations: dict[str, Organization], seed: int,
                        land: generator.Territory, ahead: "DrawnAhead | None" = None) -> bool:
    """An initial round in every organization; a final one in some.

    The whole region in one pass, not a pass per organization (a big region has
    thousands): the people in one query, the campaigns (see below),
    the questionnaires in one ``COPY`` and the answers in another — in the order, with
    the ids and the draws of ``rng``, of a pass per organization, so the data are what
    they were when each organization had its own queries and ``COPY``. ``ahead``: the
    answers drawn ahead (``draw_ahead``) — used if they were drawn for the very people
    found here (ids, organizations, bands) and competencies, which is True returned;
    otherwise they are drawn here."""
    framework = FrameworkVersion.objects.current()
    if framework is None:
        return False
    competencies = competencies_of(framework)
    curators = dict(RoleAssignment.objects.filter(role=Role.CURATOR)
                    .values_list("organization_id", "user_id"))
    code_of = {o.pk: code for code, o in organizations.items()}
    people_of: dict[str, list[tuple[int, str]]] = {}
    for org_id, pk, band in (Participant.objects
                             .filter(organization__in=list(organizations.values()),
                                     is_active=True)
                             .with_consent().order_by("organization_id", "pk")
                             .values_list("organization_id", "pk", "age_band")
                             .iterator(chunk_size=20_000)):
        people_of.setdefault(code_of[org_id], []).append((pk, band))
    rounds = _plan_rounds(list(organizations), people_of, len(competencies), seed, land)
    # The named organizations' campaigns one by one (audited, as they always were); the
    # further ones' — after them, thousands in a big region — in bulk, numbered ahead.
    named = {o[1] for o in generator.ORGANIZATIONS}
    further: list[Campaign] = []
    numbers: Iterator[int] | None = None

    def campaign(code: str, **fields: Any) -> Campaign:
        nonlocal numbers
        if code in named:
            return Campaign.objects.create(**fields)
        if numbers is None:  # the named ones come first: their ids are taken by now
            numbers = iter(reserve_ids(Campaign, sum(
                1 + (c in land.with_final) for c in organizations
                if c not in named and people_of.get(c))))
        further.append(Campaign(pk=next(numbers), **fields))
        return further[-1]

    for r in rounds:
        org = organizations[r.code]
        if r.before is None:
            r.campaign = campaign(
                r.code, title="Входная диагностика 2026/27", kind=Campaign.Kind.INITIAL,
                organization=org, framework=framework, starts_on=INITIAL_DATES[0],
                ends_on=INITIAL_DATES[1], created_by_id=curators.get(org.pk),
                status=Campaign.Status.OPEN if r.code in STILL_OPEN
                or r.code in land.still_open else Campaign.Status.CLOSED)
        else:
            r.campaign = campaign(
                r.code, title="Итоговая диагностика 2026/27", kind=Campaign.Kind.FINAL,
                organization=org, framework=framework, baseline=r.before.campaign,
                starts_on=FINAL_DATES[0], ends_on=FINAL_DATES[1],
                created_by_id=curators.get(org.pk))
    Campaign.objects.bulk_create(further, batch_size=2000)
    used = (ahead is not None and ahead.seed == seed and ahead.competencies == competencies
            and ahead.codes == list(organizations) and ahead.people_of == people_of)
    _fill(rounds, competencies, seed, ahead if used else None)
    return used


def competencies_of(framework: FrameworkVersion) -> list[tuple[str, str]]:
    """The (code, typical direction) of the framework's competencies the answers are
    drawn for."""
    return [(c["code"], c.get("typical_direction", "both")) for c in framework.competencies()]


def _plan_rounds(codes: list[str], people_of: dict[str, list[tuple[int, str]]], full: int,
                 seed: int, land: generator.Territory) -> list["_Round"]:
    """The rounds of the organizations ``codes`` (in that order) and who answered each:
    the initial one, and the final one after it where the organization has one. Pure
    (no query): ``draw_ahead`` plans the next region with it too."""
    rng = random.Random(seed + 7)
    rounds: list[_Round] = []
    for code in codes:
        people = people_of.get(code)
        if not people:
            continue
        still_open = code in STILL_OPEN or code in land.still_open
        with_final = code in WITH_FINAL or code in land.with_final
        first = _plan(code, people, full, rng, complete=not still_open, keep=with_final)
        rounds.append(first)
        if with_final:
            rounds.append(_plan(code, people, full, rng, complete=False, before=first))
    return rounds


@dataclass
class _Round:
    """One campaign's questionnaires before they are written: (person, band, status,
    number of answers) each; ``before`` is the round it improves on (the final one's
    initial), ``kept`` the complete answers of the round when a final one follows. The
    campaign is created after the plan (``_create_diagnostics``)."""

    code: str
    plan: list[tuple[int, str, Response.Status, int]]
    before: "_Round | None" = None
    keep: bool = False
    kept: dict[int, list[generator.DemoAnswer]] = field(default_factory=dict)
    campaign: Campaign | None = None


def _plan(code: str, people: list[tuple[int, str]], full: int, rng: random.Random,
          *, complete: bool, before: _Round | None = None, keep: bool = False) -> _Round:
    """Who of ``people`` answered the campaign and how far: one draw of ``rng`` a person
    (the answers themselves come from each person's own generator, in ``_fill``). A final
    round asks those who completed the initial one."""
    done = ({pk for pk, _band, _status, answered in before.plan if answered == full}
            if before is not None else None)
    plan: list[tuple[int, str, Response.Status, int]] = []
    for pk, band in people:
        share = rng.random()
        if done is not None and pk not in done:
            continue
        status = Response.Status.SUBMITTED
        if not complete and share > (0.7 if before is not None else 0.85):
            status = Response.Status.NEW if share > 0.93 else Response.Status.DRAFT
        # answers_for gives one answer per competency; improved keeps the length of the
        # complete answers it starts from; a draft has the first half, a new one none.
        answered = (0 if status == Response.Status.NEW else
                    full // 2 if status == Response.Status.DRAFT else full)
        plan.append((pk, band, status, answered))
    return _Round(code, plan, before, keep)


class AnswerLines:
    """A questionnaire's answers as COPY text (``ANSWER_COLUMNS``), all its lines at once:
    each line is the questionnaire's id and one of a few hundred tails — (competency,
    level, …), the left-out columns and the line break — each encoded once, so the lines
    are the tails joined with the id between them, one ``bytes.join`` per questionnaire
    rather than a formatting per answer (millions in a big region). The same bytes as
    formatting each line by itself (tandem/demo/tests/test_seed_demo.py compares)."""

    def __init__(self, text: CopyText) -> None:
        self.text = text
        tails = self._tails = _Tails(text)
        self._tail = tails.__getitem__

    def __call__(self, response_id: int, answers: list[generator.DemoAnswer]) -> bytes:
        return _joined(response_id, answers, self._tail)

    def indexed(self, seen: list[generator.DemoAnswer]
                ) -> Callable[[int, "array[int]"], bytes]:
        """The same for answers given as numbers into ``seen`` (``DrawnAhead``)."""
        tail = [self._tails[a] for a in seen].__getitem__
        return lambda response_id, numbers: _joined(response_id, numbers, tail)


def _joined(response_id: int, answers: Sequence[Any], tail: Callable[[Any], bytes]
            ) -> bytes:
    """A questionnaire's lines: the answers' tails with its id (and a tab) before each."""
    if not answers:
        return b""
    head = b"%d\t" % response_id
    return head + head.join(map(tail, answers))


class _Tails(dict[generator.DemoAnswer, bytes]):
    """An answer's line after the questionnaire's id and its tab, made on first use."""

    def __init__(self, text: CopyText) -> None:
        super().__init__()
        self.text = text

    def __missing__(self, a: generator.DemoAnswer) -> bytes:
        line = self[a] = b"%s%s\n" % (self.text.values(
            a.code, a.level, a.level, a.can_teach, a.wants_to_learn, a.priority),
            self.text.tail)
        return line


def _drawn(rounds: list[_Round], competencies: list[tuple[str, str]], seed: int
           ) -> Iterator[list[generator.DemoAnswer]]:
    """The answers of every questionnaire of ``rounds``, in order: each person's own
    generator (``seed`` and the person's id), so drawing them later — or ahead, in
    another thread (``draw_ahead``) — changes no draw. A final round's answers improve on
    the complete initial ones, drawn before it and kept only until it is drawn."""
    full = len(competencies)
    for r in rounds:
        for pk, band, status, _answered in r.plan:
            if status == Response.Status.NEW:
                answers = []
            elif r.before is not None:
                answers = generator.improved(r.before.kept[pk], seed * 100_003 + pk)
            else:
                answers = generator.answers_for(band, competencies, seed * 100_003 + pk)
            if status == Response.Status.DRAFT:
                answers = answers[: len(answers) // 2]
            if r.keep and len(answers) == full:
                r.kept[pk] = answers
            yield answers
        if r.before is not None:
            r.before.kept.clear()  # the final round is drawn: not needed any more


def _fill(rounds: list[_Round], competencies: list[tuple[str, str]], seed: int,
          ahead: "DrawnAhead | None" = None) -> None:
    """The questionnaires of all ``rounds`` in one ``COPY``, then their answers in one.

    The answers are drawn while they are written (``_drawn``): the server stores the
    answers already sent while this process draws the next ones — or, ``ahead``, they
    were drawn by then for these very rounds (``_create_diagnostics`` checks)."""
    now = timezone.now()
    ids = iter(reserve_ids(Response, sum(len(r.plan) for r in rounds)))
    numbered = [[next(ids) for _row in r.plan] for r in rounds]
    copy_rows(Response, RESPONSE_COLUMNS,
              ((response_id, _campaign(r).pk, pk, status.value, answered,
                now if status == Response.Status.SUBMITTED else None,
                _campaign(r).organization_id)
               for r, plan in zip(rounds, numbered, strict=True)
               for response_id, (pk, _band, status, answered) in zip(plan, r.plan,
                                                                    strict=True)))
    response_ids = (response_id for plan in numbered for response_id in plan)
    if connection.vendor == "postgresql":
        # The text of the lines by hand (tandem.web.bulk.CopyText): an answer's line is the
        # response's id and one of a few hundred tails, each encoded once.
        lines = AnswerLines(CopyText(Answer, ANSWER_COLUMNS))
        if ahead is not None:
            index = lines.indexed(ahead.answers_seen)
            lines.text.copy(index(response_id, numbers) for response_id, numbers
                            in zip(response_ids, ahead.answers, strict=True))
        else:
            lines.text.copy(map(lines, response_ids, _drawn(rounds, competencies, seed)))
        return
    drawn: Iterable[list[generator.DemoAnswer]] = (
        ([ahead.answers_seen[i] for i in numbers] for numbers in ahead.answers)
        if ahead is not None else _drawn(rounds, competencies, seed))
    copy_rows(Answer, ANSWER_COLUMNS,
              ((response_id, a.code, a.level, a.level, a.can_teach, a.wants_to_learn,
                a.priority) for response_id, answers in zip(response_ids, drawn, strict=True)
               for a in answers))


def _campaign(r: _Round) -> Campaign:
    if r.campaign is None:  # _create_diagnostics creates every round's
        raise ValueError(f"seed-demo: a round of {r.code} without its campaign")
    return r.campaign


@dataclass
class DrawnAhead:
    """A region's people and answers drawn ahead (``draw_ahead``), for the ids its
    people were guessed to get: ``people`` as ``generator.people`` gives them;
    ``people_of`` and ``codes`` the people (id, band) each organization's campaigns will
    ask and the organizations in order — the inputs of the answers, which the load
    compares with what it finds (a wrong guess: drawn again there); ``answers`` each
    questionnaire's answers as numbers into ``answers_seen`` (a few hundred distinct
    answers: two bytes an answer, not a tuple)."""

    participants: int
    seed: int
    domain: str
    competencies: list[tuple[str, str]]
    people: list[generator.DemoPerson]
    codes: list[str]
    people_of: dict[str, list[tuple[int, str]]]
    answers_seen: list[generator.DemoAnswer] = field(default_factory=list)
    answers: list[array[int]] = field(default_factory=list)

    def release(self) -> None:
        """Lets go of the people and answers (the load has written them)."""
        self.people, self.people_of, self.answers, self.answers_seen = [], {}, [], []


def draw_ahead(*, participants: int, seed: int, index: int, first_id: int,
               competencies: list[tuple[str, str]],
               stop: threading.Event | None = None) -> DrawnAhead | None:
    """The ``index``-th region's people and answers drawn without the database, as its
    load would draw them if its people get the ids ``first_id``, ``first_id + 1``, … —
    for a thread to draw the next region while the server computes this one's figures
    (``seed-demo --regions``). None if ``stop`` is set on the way (the load failed)."""
    seed = region_seed(seed, index)
    domain = region_domain(index)
    land = generator.territory(participants)
    people = list(generator.people(participants, seed, domain))
    codes = [row[1] for rows in _organizations_in_order(land) for row in rows]
    people_of: dict[str, list[tuple[int, str]]] = {}
    for n, person in enumerate(people):
        # Participant.with_consent (people.models.consent_q): both consents given.
        if person.has_mentoring_consent and person.has_pd_consent:
            people_of.setdefault(person.organization_code, []).append(
                (first_id + n, person.age_band))
    drawn = DrawnAhead(participants, seed, domain, list(competencies), people, codes,
                       {c: list(p) for c, p in people_of.items()})
    numbers: dict[generator.DemoAnswer, int] = {}
    for k, answers in enumerate(_drawn(
            _plan_rounds(codes, people_of, len(competencies), seed, land),
            competencies, seed)):
        if stop is not None and k % 1000 == 0 and stop.is_set():
            return None
        row = array("H")
        for a in answers:
            number = numbers.get(a)
            if number is None:
                number = numbers[a] = len(drawn.answers_seen)
                drawn.answers_seen.append(a)
            row.append(number)
        drawn.answers.append(row)
    return drawn


# Pairs are formed only for demo regions of up to this size: at 30,000 people the engine
# alone would take most of seed-demo's minute (`tandem bench matching` measures it).
PAIRS_UP_TO = 5000
NO_PAIRS_YET = {"raduga", "sosn-school"}  # the two whose initial round is still open
PAIRS_FROM, PAIRS_TO = dt.date(2026, 10, 20), dt.date(2027, 5, 31)


def _create_pairs(region: Region, municipalities: dict[str, Municipality],
                  organizations: dict[str, Organization], land: generator.Territory) -> None:
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
        if code in NO_PAIRS_YET or code in land.still_open:
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


def _create_pairs_fast(region: Region, organizations: dict[str, Organization], seed: int,
                       land: generator.Territory) -> None:
    """For regions past PAIRS_UP_TO: a greedy pairing inside each organization (a young
    respondent with an experienced one, in order) instead of the engine, and short maps
    written in bulk, so the dashboards of a 30,000-person region show realistic pairs,
    maps and meetings while seed-demo stays within its time budget. Statuses and meetings
    vary by a seeded random draw: most pairs active, some completed or ended early, some
    with no meeting for weeks and overdue tasks (the curator's stuck pairs)."""
    from tandem.maps.models import Map, Meeting, Row
    from tandem.pairs.models import Pair
    from tandem.pairs.querysets import names_joined

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
    # The respondents of every organization's initial round in one query, not one a
    # organization (thousands in a big region).
    respondents: dict[int, list[tuple[int, str, int]]] = {}
    name_of: dict[int, str] = {}  # their search names, kept on their pairs (Pair.names)
    for org_id, pk, band, works_in_org, name in (Response.objects.filter(
            campaign__organization__in=list(organizations.values()),
            campaign__kind=Campaign.Kind.INITIAL, status=Response.Status.SUBMITTED)
            .order_by("campaign__organization_id", "participant_id")
            .values_list("campaign__organization_id", "participant_id",
                         "participant__age_band", "participant__organization_id",
                         "participant__search_name")
            .iterator(chunk_size=20_000)):
        respondents.setdefault(org_id, []).append((pk, band, works_in_org))
        name_of[pk] = name
    for code, org in organizations.items():
        if code in NO_PAIRS_YET or code in land.still_open:
            continue
        people = respondents.get(org.pk, [])
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
    # The regions of the members' organizations kept on the pair (Pair.region, b_region).
    region_of = dict(Organization.objects.filter(
        pk__in={o for p in pairs for o in (p.a_organization_id, p.b_organization_id)})
        .values_list("pk", "municipality__region_id"))
    copy_rows(Pair, ("id", "a_id", "b_id", "organization_id", "a_organization_id",
                     "b_organization_id", "region_id", "b_region_id", "weight", "a_teaches_b",
                     "b_teaches_a", "starts_on", "ends_on", "curator_id", "status",
                     "a_confirmed_at", "b_confirmed_at", "ended_reason", "names"),
              ((p.id, p.a_id, p.b_id, p.organization_id, p.a_organization_id,
                p.b_organization_id, region_of[p.a_organization_id],
                (None if region_of[p.b_organization_id] == region_of[p.a_organization_id]
                 else region_of[p.b_organization_id]), p.weight, p.a_teaches_b,
                p.b_teaches_a, p.starts_on, PAIRS_TO, p.curator_id, p.status.value,
                now if p.confirmed else None, now if p.confirmed else None,
                "смена места работы" if p.status == Pair.Status.ENDED_EARLY else "",
                names_joined(name_of[p.a_id], name_of[p.b_id]))
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
    libraries = _libraries_by_competency(region, organizations)
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
    # COPY passes by the meetings' signals: the pairs keep their meeting dates here
    # (Pair.held_until, held_next; tandem/maps/held.py).
    ids = [p.id for p in pairs]
    for i in range(0, len(ids), 5000):
        Pair.objects.filter(pk__in=ids[i:i + 5000]).keep_held(today)


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


def _libraries_by_competency(region: Region, organizations: dict[str, Organization]
                             ) -> dict[int, dict[str, list[core_library.TaskTemplate]]]:
    """Each organization's task library (docs/task-library.md) grouped by competency, read
    once: the bulk maps of a big region draft thousands of rows from it. An organization
    with no templates of its own sees the region's library: that one is read once for
    them all, not once an organization."""
    from tandem.maps.models import TaskTemplate
    from tandem.maps.selectors import library_for

    def grouped_by_code(templates: list[core_library.TaskTemplate]
                        ) -> dict[str, list[core_library.TaskTemplate]]:
        by_code: dict[str, list[core_library.TaskTemplate]] = {}
        for template in templates:
            by_code.setdefault(template.competency, []).append(template)
        return by_code

    own = set(TaskTemplate.objects.filter(organization__in=list(organizations.values()))
              .values_list("organization_id", flat=True).distinct())
    regional = grouped_by_code(library_for(region_id=region.pk))
    return {org.pk: grouped_by_code(library_for(organization_id=org.pk))
            if org.pk in own else regional for org in organizations.values()}


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
        # bulk_create passes by the meetings' signals (tandem/maps/held.py).
        Pair.objects.filter(pk=pair.pk).keep_held(timezone.localdate())
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


# A questionnaire's organization (its cell): its person's — an organization's campaign
# asks its own people (``_campaigns``).
RESPONSE_COLUMNS = ("id", "campaign_id", "participant_id", "status", "answered",
                    "submitted_at", "organization_id")
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
                              *teacher_users.values()], batch_size=2000)

    assignments = [RoleAssignment(user=operator, role=Role.REGION_OPERATOR, region=region)]
    if not suffix:  # the country's: the framework's owner, every region's figures
        assignments.append(RoleAssignment(user=federal, role=Role.FEDERAL_OPERATOR))
        logins.append(DemoLogin("federal", str(Role.FEDERAL_OPERATOR.label),
                                "все регионы, только сводные показатели"))
    logins.append(DemoLogin(operator.username, str(Role.REGION_OPERATOR.label), region.name))
    named_municipalities = {m[0] for m in generator.MUNICIPALITIES}
    named_organizations = {o[1] for o in generator.ORGANIZATIONS}
    for code, user in coordinators.items():
        assignments.append(RoleAssignment(user=user, role=Role.MUNICIPAL_COORDINATOR,
                                          municipality=municipalities[code]))
        logins.append(DemoLogin(user.username, str(Role.MUNICIPAL_COORDINATOR.label),
                                municipalities[code].name, code in named_municipalities))
    for code, user in curators.items():
        assignments.append(RoleAssignment(user=user, role=Role.CURATOR,
                                          organization=organizations[code]))
        logins.append(DemoLogin(user.username, str(Role.CURATOR.label),
                                organizations[code].short_name, code in named_organizations))
    RoleAssignment.objects.bulk_create(assignments, batch_size=2000)

    for code, deputy in deputies.items():
        deputy.user = curators[code]
    for name, person in teachers:
        person.user = teacher_users[name]
        logins.append(DemoLogin(name, "педагог", f"{person.full_name}, {person.position}"))
    # In batches: one CASE of thousands of branches per row would be quadratic.
    Participant.objects.bulk_update([*deputies.values(), *(p for _n, p in teachers)], ["user"],
                                    batch_size=500)
    if not suffix:
        logins.append(DemoLogin("admin", "суперпользователь", "/admin/"))
    return logins
