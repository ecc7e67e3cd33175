"""Satisfaction figures kept current per cell of the release rule: what
:func:`tandem.surveys.selectors.satisfaction_summary` reads instead of scanning the surveys
(at 300,000 teachers the scan cost a third of a second per first view of a dashboard).

What is kept (:class:`tandem.surveys.models.SurveyCell`): per (organization, academic
year, stage) — the rule's cells (docs/surveys.md, «Правило публикации») — the surveys
sent and answered, the different people who answered, and for every 1–10 question its
sum, its answers and the different people who gave them. A request is a set of
organizations and whole academic years (``release_period`` widens any window), so it is a
union of cells and these sums answer every filter. People are never added across cells:
the rule asks for them only within one.

What is published (rule 5, «steps of three», by question:
:func:`tandem.core.release.republish_parts`): every cell keeps beside its sums now the
sums it last published and who was in it then (``published_*``, ``published_members``:
person id → :func:`member_parts`, the digests of their answers in the cell per question
— a figure is a question's, and a blank answer is no part of it), and every figure reads
the published ones. Whenever a cell is computed again — a recount, a rebuild of its
organization, the bulk path, an answer given again elsewhere, a deletion — its published
state moves to the new sums only when every question whose answers changed changed for at
least three people (they came, left, or changed their answer to it), else it stays
(:func:`_published`); a cell never published is published with its third person, and a
full rebuild compares with the stored state, never starts afresh. So two requests, before
and after one or two people answered a question or withdrew, read the same figure of it
(a move of a person changes no cell at all) — also when
others answered with that question blank (``survey_submit`` takes blanks: the API, an
import). The surveys sent and answered stay live (they tell who answered, not what).

Which organization: the one the respondent belonged to when they answered
(``Survey.organization``, written by ``services.survey_submit``; before an answer, when
the survey was created for them) — never their organization now: a person's move touches
no cell (it used to move their answers, and rule 5, comparing neighbouring published
states of one cell, could be walked around by moving three people out and back around
one answer).

Which year: an answered survey counts in the academic year it was answered in, an
unanswered one in the year it is due (as ``sent`` always counted); the day of an answer
is taken in the time zone of the organization's region (``Region.time_zone``), so a cell
is the same for every viewer.

How they stay current — as the diagnostics and the pair figures:

- a survey saved one by one (a teacher's answer, the admin, a test) — the model signals
  recount, there and then in the writer's transaction, only the cell(s) it touches: the
  cell of its row after the save and, if it was counted in another one before (another
  year — the answer's date or the due date changed —, another stage, another
  organization of the answer), that one too (:func:`recount`: exact sums of that cell's
  surveys, never deltas — the different people are not additive), and each organization
  whose figures changed gets a new ``refreshed_at`` (the dashboards' cache version of it
  moves: the organization an answer left too). The cell before is
  read in ``pre_save`` with the survey's row locked (the lock its ``UPDATE`` takes
  anyway), so a concurrent save of the same survey cannot slip between;
- the schedule creating a day's surveys calls ``touch(ids, now=True)``: whole
  organizations, in the writer's transaction, for up to ``TANDEM_TALLIES_SYNC_MAX`` of them;
- many at once (more organizations than that, the demo region), surveys deleted (with
  their pairs or people), a region's time zone changed,
  a municipality moved to a region of another time zone:
  the writer marks the organizations (a :class:`SurveyCellMark`, inserted in its
  transaction: a crash loses nothing) and, once it commits, one job
  (:func:`tandem.surveys.tasks.refresh_survey_cells`) rebuilds them; the hourly
  ``tandem send-reminders`` (:data:`tandem.web.signals.hourly`) picks up marks whose job
  was lost.

Per municipality and sector the cells are summed too (:class:`MunicipalitySurveyCell`:
what the rule adds up across counted cells, :func:`tandem.surveys.selectors.municipality_share`)
— what a region's and the country's figures read. Every change of cells above changes
those sums by the difference, in the same transaction (:func:`apply`), at the place where
the organization's :class:`SurveyCellState` records its cells are summed — recorded by
the writer that summed them there, under that state's lock, never taken from a read
made before the lock (``pre_save``'s unlocked read, a form's copy: two admins saving
one organization at once would leave its sums where it is not, and a region's figure of
a sector minus the organization's own could then show one person's answer). Every
writer holding a state first takes the organization's cells from the recorded place to
where it is now, as read after the lock, and records that (:func:`_settle`): a save of
the organization that changes its municipality or sector — compared with the place
stored just before it, read holding the organization's row, so a stale form's save that
writes the old place back is a change and a rename is none — does just that in the
saver's transaction (:func:`organization_moved`); one deleted takes them from the
recorded place (:func:`organization_deleting`). A full rebuild and the hourly run sum
them again from the cells, every state held (:func:`roll_up`): a drift lasts an hour at
most.

A rebuild of an organization holds its state row (so two rebuilds of one organization
queue), reads its surveys (an index scan of its people's few hundred
rows) and replaces its cells; a recount of a cell holds the same row (the states of its
organizations in id order, as a rebuild), so it queues behind a rebuild of its
organization and the other way round, and replaces that cell only. Sending a survey
(``sent_at``) and anonymising a person (free texts only) change no figure. :func:`stale`
lists what differs from a recount (``tandem tallies --check``); :func:`live_summary` is
the old scan of the surveys, kept as the tests' oracle.
"""

import datetime as dt
import logging
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import LessThan
from django.utils import timezone

from tandem.core import release as rule
from tandem.core.periods import YEAR_STARTS, academic_year, academic_year_bounds
from tandem.surveys.models import (
    MunicipalitySurveyCell,
    Survey,
    SurveyCell,
    SurveyCellMark,
    SurveyCellState,
)
from tandem.surveys.selectors import (
    CELL_COLUMNS,
    FIELDS,
    MIN_ANSWERS,
    MUNICIPALITY_COLUMNS,
    MUNICIPALITY_SUMS,
    PUBLISHED_COLUMNS,
    SatisfactionSummary,
    assemble,
    municipality_share,
    published,
    summed_by_municipality,
)
from tandem.territory.models import Municipality, Organization, Region
from tandem.territory.zones import zone_named
from tandem.web.tracking import Tracked
from tandem.web.transactions import (
    forget_transaction_memory,
    in_batches,
    mark_once,
    read_only_snapshot,
)

logger = logging.getLogger(__name__)

BATCH = 200  # organizations rebuilt per transaction
# The hourly roll_up takes the states' lock only when free: so many tries, so far apart.
ROLL_UP_TRIES = 5
ROLL_UP_PAUSE = 0.5  # seconds
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE of a NOWAIT lock refused
MEMORY = "survey-cells"  # the organizations a transaction has marked
Progress = Callable[[int, int], None]
Key = tuple[int, int, str]  # a cell: (organization, academic year, stage)
# Who is in a cell: person id (a string, as JSON keeps it) → digests of their answers in
# it, per question (member_parts: rule.joined text).
Members = dict[str, str]
Place = tuple[int, str]  # where an organization's cells are summed: (municipality, sector)
# A change of the municipalities' sums: per (municipality, sector, year, stage), what to
# add to each of MUNICIPALITY_SUMS.
Delta = dict[tuple[int, str, int, str], list[int]]
# The survey's fields a cell counts: a save that changes none of them (``update_fields``)
# recounts nothing.
COUNTED = frozenset({"participant", "participant_id", "organization", "organization_id",
                     "stage", "due_on", "submitted_at", *FIELDS})


def sync_max() -> int:
    """Up to how many organizations ``touch(now=True)`` rebuilds in the writer's
    transaction (the setting the diagnostics figures use too); more go to the job."""
    return int(getattr(settings, "TANDEM_TALLIES_SYNC_MAX", 20))


# -- marking ------------------------------------------------------------------------------
def touch(organization_ids: Iterable[int | None], *, now: bool = False) -> None:
    """These organizations' surveys changed: rebuild their cells in this transaction
    (``now``, a few of them) or mark them for the job that runs after it commits."""
    ids = {pk for pk in organization_ids if pk is not None}
    if not ids:
        return
    if now and len(ids) <= sync_max():
        with transaction.atomic():
            _rebuild_locked(sorted(ids))
        return
    mark_once(MEMORY, ids, insert=lambda marked: SurveyCellMark.objects.bulk_create(
        [SurveyCellMark(organization_id=pk) for pk in marked]), enqueue=enqueue_refresh)


def enqueue_refresh() -> None:
    from tandem.surveys.tasks import refresh_survey_cells

    refresh_survey_cells.enqueue()


# -- rebuilding ---------------------------------------------------------------------------
def refresh(*, progress: Progress | None = None) -> int:
    """Rebuilds every marked organization; returns how many."""
    return rebuild(set(SurveyCellMark.objects.values_list("organization_id", flat=True)),
                   progress=progress)


def rebuild(organization_ids: Iterable[int] | None = None, *,
            progress: Progress | None = None) -> int:
    """Cells of these organizations (all: None) from their surveys — after a bulk load,
    or to repair. Idempotent; each batch of organizations is one transaction."""
    ids = sorted(organization_ids if organization_ids is not None else
                 Organization.objects.values_list("pk", flat=True))
    done = in_batches(list(ids), BATCH, _rebuild_locked, progress)
    if organization_ids is None:  # a repair: the municipalities' sums from the cells again
        with transaction.atomic():
            roll_up()
    return done


def _rebuild_locked(ids: list[int]) -> None:
    """Replaces these organizations' cells, holding their states in id order. Writers
    take no lock (their marks are inserts): a rebuild removes only the marks it read
    before reading the surveys, so a write committed after that keeps its mark."""
    zones, summed = _hold(ids)
    held = sorted(zones)  # an organization deleted meanwhile has nothing to keep
    places = _places(held)
    seen = list(SurveyCellMark.objects.filter(organization_id__in=ids)
                .values_list("pk", flat=True))
    delta: Delta = {}
    _settle(summed, places, delta)  # from here on its cells are summed at ``places``
    before = list(SurveyCell.objects.filter(organization_id__in=held))
    SurveyCell.objects.filter(organization_id__in=held).delete()
    fresh = _published(before, _computed(zones))
    SurveyCell.objects.bulk_create(fresh, batch_size=2000)
    apply(_add(places, before, -1, _add(places, fresh, 1, delta)))
    SurveyCellState.objects.filter(organization_id__in=held).update(refreshed_at=timezone.now())
    SurveyCellMark.objects.filter(pk__in=seen).delete()
    # A write after this, even in the same transaction, must mark again.
    forget_transaction_memory(MEMORY)


def recount(cells: Iterable[Key]) -> None:
    """Exactly these cells from their surveys, in this transaction (what one survey's
    save changed — :func:`survey_saving`): each cell's sums are read again from the
    surveys table, not moved by a delta (the different people are not additive). Holds
    the states of their organizations in id order, as a rebuild does; marks stay for the
    job (they are about whole organizations). An organization whose cells are summed
    elsewhere than where it now is (:func:`_settle`) takes them there first.

    Every organization whose kept figures changed gets a new ``refreshed_at``: the
    dashboards' cache version of it moves (``monitoring.versions``). The survey's audit
    entry moves only the versions of its pair's organizations now — not that of the
    organization an answer leaves (a teacher who moved answers in the new one: the
    survey leaves the cell it was created in), whose cached figures stayed stale up to
    ``CACHE_SECONDS``."""
    keys = sorted(set(cells))
    if not keys:
        return
    with transaction.atomic():
        zones, summed = _hold(sorted({org for org, _, _ in keys}))
        places = _places(sorted(zones))
        delta: Delta = {}
        moved = _settle(summed, places, delta)
        changed: set[int] = set()
        for org, year, stage in keys:
            if org not in zones:  # deleted meanwhile: nothing to keep
                continue
            cell = SurveyCell.objects.filter(organization_id=org, year=year, stage=stage)
            before = list(cell)
            fresh = _published(before, _computed({org: zones[org]}, only=(year, stage)))
            if _figures(before) != _figures(fresh):
                changed.add(org)
            cell.delete()
            SurveyCell.objects.bulk_create(fresh)
            _add(places, before, -1, _add(places, fresh, 1, delta))
        apply(delta)
        if changed:  # (their states are held)
            SurveyCellState.objects.filter(organization_id__in=sorted(changed)).update(
                refreshed_at=timezone.now())
        touch(moved)


def _figures(cells: Iterable[SurveyCell]) -> list[tuple[object, ...]]:
    """What figures read of these cells: their sums now and published."""
    return sorted(tuple(getattr(cell, name) for name in (*CELL_COLUMNS, *PUBLISHED_COLUMNS))
                  for cell in cells)


def _hold(ids: list[int]) -> tuple[dict[int, str], dict[int, Place | None]]:
    """Locks the states of these organizations (created if missing) in id order — the one
    order of every writer of their cells and sums — and returns the zones of those that
    exist and where their cells are summed, as their states record it (None: nowhere)."""
    zones = _zones(ids)
    held = sorted(zones)
    SurveyCellState.objects.bulk_create([SurveyCellState(organization_id=pk) for pk in held],
                                        ignore_conflicts=True)
    rows = (SurveyCellState.objects.select_for_update().filter(organization_id__in=held)
            .order_by("pk").values_list("pk", "summed_municipality_id", "summed_sector"))
    return zones, {pk: None if municipality is None else (municipality, sector)
                   for pk, municipality, sector in rows}


# -- the municipalities' sums -------------------------------------------------------------
def _places(ids: list[int] | None) -> dict[int, Place]:
    """Each organization's municipality and sector (of all: None) — where its cells
    belong — read after its state is held: a move of it that committed first is seen
    here, and a move by this transaction (the organization's row written before its
    ``post_save``) too."""
    organizations = Organization.objects.all() if ids is None else (
        Organization.objects.filter(pk__in=ids))
    return {pk: (municipality, sector) for pk, municipality, sector in
            organizations.values_list("pk", "municipality_id", "sector")}


def _add(places: Mapping[int, Place | None], cells: Iterable[SurveyCell], sign: int,
         delta: Delta | None = None) -> Delta:
    """``delta`` (a new one: None) plus ``sign`` times these cells' share of the sums of
    the municipality ``places`` names for their organization (none: no share anywhere;
    :func:`tandem.surveys.selectors.municipality_share`)."""
    delta = {} if delta is None else delta
    for cell in cells:
        place = places.get(cell.organization_id)
        if place is None:
            continue
        key = (*place, cell.year, cell.stage)
        sums = delta.setdefault(key, [0] * len(MUNICIPALITY_SUMS))
        for i, value in enumerate(municipality_share(cell)):
            sums[i] += sign * value
    return delta


def _settle(summed: Mapping[int, Place | None], places: dict[int, Place],
            delta: Delta) -> list[int]:
    """The held organizations whose cells are summed elsewhere than where they now are
    (``summed``, as their states record it, against ``places``, read after the hold):
    their cells' share leaves the recorded place and joins the current one (in ``delta``,
    for the caller to :func:`apply`), and their states record the current one. Only the
    recorded place is subtracted from — never one read before the hold, which a
    concurrent save may have made untrue. Returns those that changed municipality
    (another region may be another time zone: the caller marks them for a rebuild; one
    whose cells were summed nowhere — a new state — is not returned)."""
    moved = sorted(pk for pk, place in places.items() if summed.get(pk) != place)
    if not moved:
        return []
    cells = list(SurveyCell.objects.filter(organization_id__in=moved))
    _add(summed, cells, -1, _add(places, cells, 1, delta))
    _record({pk: places[pk] for pk in moved})
    return [pk for pk in moved if (summed.get(pk) or places[pk])[0] != places[pk][0]]


def _record(places: dict[int, Place]) -> None:
    """These organizations' states (held) record that their cells are summed there."""
    at: dict[Place, list[int]] = defaultdict(list)
    for pk, place in places.items():
        at[place].append(pk)
    for (municipality, sector), pks in sorted(at.items()):
        SurveyCellState.objects.filter(organization_id__in=pks).update(
            summed_municipality_id=municipality, summed_sector=sector)


def apply(delta: Delta) -> None:
    """Adds ``delta`` to the municipalities' sums, row by row in key order (two writers
    lock the rows they share in one order), in this transaction: an upsert that adds
    (``INSERT … ON CONFLICT … DO UPDATE SET x = x + excluded.x``, PostgreSQL and SQLite),
    so two writers of one row add up whoever comes first; a row left with every sum zero
    goes (one with no cell but other sums is a drift: it stays for ``--check`` to see).
    The organizations' states the caller holds keep their cells and the place they are
    summed at from changing meanwhile, so what it subtracts is what was added there."""
    rows = sorted((key, sums) for key, sums in delta.items() if any(sums))
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(MunicipalitySurveyCell._meta.db_table)
    keys = ("municipality_id", "sector", "year", "stage")
    columns = [*keys, *MUNICIPALITY_SUMS]
    sql = (f"INSERT INTO {table} ({', '.join(map(qn, columns))}) "  # noqa: S608  (names are ours)
           f"VALUES ({', '.join(['%s'] * len(columns))}) "
           f"ON CONFLICT ({', '.join(map(qn, keys))}) DO UPDATE SET "
           + ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}"
                       for c in MUNICIPALITY_SUMS))
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[*key, *sums] for key, sums in rows])
    MunicipalitySurveyCell.objects.filter(
        municipality_id__in=sorted({key[0] for key, _sums in rows}),
        **dict.fromkeys(MUNICIPALITY_SUMS, 0)).delete()


def roll_up(*, wait: bool = True) -> int | None:
    """Every municipality's sums again from the organizations' kept cells, on the server
    (:func:`tandem.surveys.selectors.summed_by_municipality` — the rule's SQL twin): the end
    of a full rebuild (``tandem tallies --rebuild``) and the hourly run's safety net, so a
    drift (code older than these sums still running after ``migrate``, a write that
    skipped the signals) does not last. Returns how many rows it found wrong (and wrote
    again), or None: skipped.

    Holds every organization's state at once (PostgreSQL: the states' table locked
    ``EXCLUSIVE`` — plain reads go on, every writer of cells or sums waits, and none is
    between its cells and its sums), records each organization's place as where its
    cells are summed, sums them at the recorded places and writes only the rows that
    differ; the organizations of a municipality whose rows changed get a new
    ``refreshed_at``, so the dashboards' cached figures of them are read again
    (``monitoring.versions``). ``wait=False`` (the hourly run): the lock is taken only if
    free (``NOWAIT``, a few tries) — waiting would queue every writer behind the longest
    transaction that holds a state — else skipped until the next hour."""
    tries = 1 if wait else ROLL_UP_TRIES
    for attempt in range(tries):
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    table = connection.ops.quote_name(SurveyCellState._meta.db_table)
                    with connection.cursor() as cursor:
                        cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE"
                                       + ("" if wait else " NOWAIT"))
                return _rolled_up()
        except OperationalError as error:
            if wait or getattr(error.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            if attempt + 1 < tries:
                time.sleep(ROLL_UP_PAUSE)
    return None


def _rolled_up() -> int:
    """:func:`roll_up`, every state held."""
    SurveyCellState.objects.bulk_create(
        [SurveyCellState(organization_id=pk) for pk in sorted(set(
            SurveyCell.objects.filter(organization__survey_cell_state__isnull=True)
            .values_list("organization_id", flat=True)))], ignore_conflicts=True)
    places = _places(None)
    recorded = {pk: (municipality, sector) for pk, municipality, sector in
                SurveyCellState.objects.values_list("pk", "summed_municipality_id",
                                                    "summed_sector")}
    _record({pk: place for pk, place in places.items()
             if pk in recorded and recorded[pk] != place})
    keys = ("municipality_id", "sector", "year", "stage")
    fresh = {tuple(row[k] for k in keys): row for row in summed_by_municipality(
        SurveyCell.objects.filter(organization__survey_cell_state__isnull=False),
        at=("organization__survey_cell_state__summed_municipality",
            "organization__survey_cell_state__summed_sector"))}
    stored = {tuple(row[k] for k in keys): row for row in
              MunicipalitySurveyCell.objects.values("pk", *keys, *MUNICIPALITY_SUMS)}
    wrong = sorted(key for key in fresh.keys() | stored.keys()
                   if key not in stored or key not in fresh
                   or any(stored[key][name] != fresh[key][name] for name in MUNICIPALITY_SUMS))
    if not wrong:
        return 0
    MunicipalitySurveyCell.objects.filter(
        pk__in=[stored[key]["pk"] for key in wrong if key in stored]).delete()
    MunicipalitySurveyCell.objects.bulk_create(
        [MunicipalitySurveyCell(**fresh[key]) for key in wrong if key in fresh],
        batch_size=2000)
    SurveyCellState.objects.filter(
        summed_municipality_id__in=sorted({key[0] for key in wrong})).update(
        refreshed_at=timezone.now())
    return len(wrong)


def organization_moved(instance: Any, before: tuple[Any, ...],
                       after: tuple[Any, ...]) -> None:
    """(A tracker, :data:`TRACKED`) An organization saved to another municipality or
    sector, as compared with the place stored just before the save — a read that held its
    row (``Tracked.locked``): from it to this save's ``UPDATE`` and on to its commit no
    other save of the organization slips between, so a save that writes back the place it
    read (a rename) is no move, while a form loaded before another admin's move that
    writes the old place back is one. Outside a transaction that read cannot hold the row
    and every save that writes the place comes here. A save that changes no place costs
    nothing here: no state held, none created.

    Its state held, its place read again (this save's row, or a later committed one), its
    cells leave the place its state records and join that one (:func:`_settle`), in the
    saver's transaction; another municipality (perhaps another region, another time zone)
    marks it for a rebuild too. An organization with no state and no cells keeps no
    state: the one inserted here (so that a rebuild creating its first cells at once
    waits for this save and then reads its new place) goes again. A rebuild or a recount
    that holds the state first settles the move itself."""
    if instance.pk is None:
        return
    with transaction.atomic():
        try:
            with transaction.atomic():
                SurveyCellState.objects.create(organization_id=instance.pk)
            new = True
        except IntegrityError:  # it had one (or a writer made one meanwhile: committed)
            new = False
        if new and not SurveyCell.objects.filter(organization_id=instance.pk).exists():
            # Nothing summed anywhere, nothing to sum: the state held, but not kept.
            SurveyCellState.objects.filter(organization_id=instance.pk).delete()
            return
        zones, summed = _hold([instance.pk])
        if not zones:
            return
        delta: Delta = {}
        moved = _settle(summed, _places(sorted(zones)), delta)
        apply(delta)
        touch(moved)


def organization_deleting(sender: type, instance: Any, **kwargs: object) -> None:
    """(``pre_delete``) An organization deleted: its cells (they cascade) leave the sums
    of the place its state records (none: they are summed nowhere)."""
    if instance.pk is None:
        return
    with transaction.atomic():
        # Its state held if it has one (none is created: the delete has already collected
        # what cascades, a new row would be left pointing at no organization).
        summed: dict[int, Place | None] = {
            pk: None if municipality is None else (municipality, sector)
            for pk, municipality, sector in SurveyCellState.objects.select_for_update()
            .filter(organization_id=instance.pk)
            .values_list("pk", "summed_municipality_id", "summed_sector")}
        apply(_add(summed, SurveyCell.objects.filter(organization_id=instance.pk), -1))


def _cell_of(pk: Any, *, lock: bool = False) -> Key | None:
    """The cell this survey's stored row counts in (None: no such row). ``lock``: its row
    is locked first (in a transaction) — the lock its ``UPDATE`` takes anyway. The year is
    :func:`tandem.core.periods.academic_year` of the answer's day in the zone of the
    organization's region (else of the due date): the rule the SQL of :func:`_computed`
    writes."""
    rows = Survey.objects.filter(pk=pk)
    if lock and connection.in_atomic_block:
        rows = rows.select_for_update(of=("self",))
    row = rows.values_list("organization_id", "organization__municipality__region__time_zone",
                           "stage", "submitted_at", "due_on").first()
    if row is None or row[0] is None:
        return None
    organization, zone, stage, submitted_at, due_on = row
    day = (timezone.localtime(submitted_at, zone_named(zone)).date()
           if submitted_at is not None else due_on)
    return organization, academic_year(day), stage


def _zones(ids: Iterable[int]) -> dict[int, str]:
    """Each existing organization's region's time zone name."""
    return dict(Organization.objects.filter(pk__in=list(ids))
                .values_list("pk", "municipality__region__time_zone"))


def _academic_year(year: Any, month: Any, day: Any) -> Case:
    """:func:`tandem.core.periods.academic_year` as an SQL expression over a date's
    parts: the calendar year, less one before the first day of the academic year."""
    before_start = LessThan(month * 100 + day, YEAR_STARTS[0] * 100 + YEAR_STARTS[1])
    return Case(When(before_start, then=year - 1), default=year, output_field=IntegerField())


def _within(year: int) -> Q:
    """A superset of the surveys of this academic year that indexes can find (answers
    within a day of its ends in any zone, due dates within it): the exact year is still
    the expression's, this only spares reading and grouping the other years."""
    start, end = academic_year_bounds(year)
    return (Q(submitted_at__gte=dt.datetime.combine(start - dt.timedelta(days=1), dt.time(),
                                                   dt.UTC),
              submitted_at__lt=dt.datetime.combine(end + dt.timedelta(days=2), dt.time(),
                                                   dt.UTC))
            | Q(submitted_at__isnull=True, due_on__range=(start, end)))


def member_digest(answers: Iterable[tuple[Any, ...]]) -> int:
    """Rule 5's digest of one person in a cell **before** it was kept per question (until
    migration ``surveys/0008_published_parts``): a CRC-32 of their surveys in it, each as
    ``(id, *the 1–10 answers)``, sorted. Kept for the migrations 0007 and 0008 only (0008
    tells by it who had not changed since the cell was last published)."""
    return zlib.crc32(repr(sorted(answers)).encode())


def member_parts(answers: Iterable[tuple[Any, ...]]) -> str:
    """What one person put in a cell, per question (rule 5 by part,
    :func:`tandem.core.release.republish_parts`): for every 1–10 question they answered in
    it, a CRC-32 of their answers to it (the values, sorted: one person may answer in a
    cell more than once, in several pairs), joined as :func:`tandem.core.release.joined`
    keeps them; a blank answer is no part (a person who left a question blank changed
    nothing of its figure). ``answers``: their surveys in the cell, each as ``(id, *the 1–10
    answers)`` in the order of ``FIELDS``. Only the values count, not which survey gave
    them — a figure depends on nothing else (a survey withdrawn and another one given with
    the same answer change no figure). The same in every process (no salted hash). Two
    different answers to a question that happen to share a digest (one chance in 2³² per
    person and question changed) count as unchanged: that change would neither count
    toward its question's three nor hold the cell."""
    given: dict[str, list[int]] = defaultdict(list)
    for survey in answers:
        for name, value in zip(FIELDS, survey[1:], strict=True):
            if value is not None:
                given[name].append(value)
    return rule.joined({name: str(zlib.crc32(repr(sorted(values)).encode()))
                        for name, values in given.items()})


def _computed(zones: dict[int, str], *,
              only: tuple[int, str] | None = None) -> list[SurveyCell]:
    """The organizations' cells as sums of their surveys, unsaved, as if published now
    (``published_*`` = the sums, ``published_members`` = who answered and the digests of
    their answers per question, :func:`member_parts`): what a rebuild writes after
    :func:`_published` and what :func:`stale` compares with the stored ones (``only``:
    just the cells of that academic year and stage — a recount). One query per time zone
    of their regions (mostly one), of their surveys' rows: the sums and the members come
    from the same rows, so a published state is always one moment's."""
    groups: dict[str, list[int]] = defaultdict(list)
    for pk, name in zones.items():
        groups[name].append(pk)
    answered = Q(submitted_at__isnull=False)
    cells: dict[Key, SurveyCell] = {}
    members: dict[Key, dict[int, list[tuple[Any, ...]]]] = defaultdict(lambda: defaultdict(list))
    for name, group in sorted(groups.items()):
        tz = zone_named(name)
        year = Case(
            When(answered, then=_academic_year(ExtractYear("submitted_at", tzinfo=tz),
                                               ExtractMonth("submitted_at", tzinfo=tz),
                                               ExtractDay("submitted_at", tzinfo=tz))),
            default=_academic_year(ExtractYear("due_on"), ExtractMonth("due_on"),
                                   ExtractDay("due_on")),
            output_field=IntegerField())
        surveys = (Survey.objects.filter(organization_id__in=group)
                   .annotate(cell_year=year,
                             given=ExpressionWrapper(answered, output_field=BooleanField())))
        if only is not None:
            # Narrowed by what the planner can estimate and indexes can find; the exact
            # year is the row's (filtering on the expression itself misleads the plan:
            # a nested loop over every survey of the region).
            surveys = surveys.filter(_within(only[0]), stage=only[1])
        rows: Any = (surveys.order_by()
                     .values_list("organization_id", "cell_year", "stage",
                                  "given", "participant_id", "pk", *FIELDS))
        for organization, cell_year, stage, given, person, pk, *values in rows:
            if only is not None and cell_year != only[0]:
                continue
            key = (organization, cell_year, stage)
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = SurveyCell(organization_id=organization, year=cell_year,
                                               stage=stage)
            cell.sent += 1
            if given:
                cell.answered += 1
                members[key][person].append((pk, *values))
    for key, people in members.items():
        cell = cells[key]
        cell.people = len(people)
        for i, field in enumerate(FIELDS):
            given_by = [[survey[1 + i] for survey in theirs if survey[1 + i] is not None]
                        for theirs in people.values()]
            setattr(cell, f"{field}_sum", sum(sum(v) for v in given_by))
            setattr(cell, f"{field}_n", sum(len(v) for v in given_by))
            setattr(cell, f"{field}_people", sum(1 for v in given_by if v))
        for column in PUBLISHED_COLUMNS:
            setattr(cell, column, getattr(cell, column.removeprefix("published_")))
        cell.published_members = {str(person): member_parts(theirs)
                                  for person, theirs in people.items()}
    return [cells[key] for key in sorted(cells)]


def _published(before: Iterable[SurveyCell], fresh: Iterable[SurveyCell]) -> list[SurveyCell]:
    """The cells to keep, given those stored (``before``) and those just computed from the
    surveys (``fresh``, :func:`_computed`: as if published now) of the same organizations
    and years: rule 5 by question (:func:`tandem.core.release.republish_parts` over
    :func:`member_parts`) decides, cell by cell, whether the published state moves to the
    fresh one — every question whose answers differ from the published ones differs for
    at least three people — or stays as stored (a cell never stored, or published empty,
    is published with its third person). A cell with no survey now stays while something
    is published of it, and goes when nothing is."""
    stored = {(c.organization_id, c.year, c.stage): c for c in before}
    now = {(c.organization_id, c.year, c.stage): c for c in fresh}
    kept = []
    for key in sorted(stored.keys() | now.keys()):
        old = stored.get(key)
        cell = now.get(key) or SurveyCell(organization_id=key[0], year=key[1], stage=key[2])
        published: Members = old.published_members if old is not None else {}
        if not rule.republish_parts(published, cell.published_members):
            for column in PUBLISHED_COLUMNS:
                setattr(cell, column, getattr(old, column) if old is not None else 0)
            cell.published_members = published
        if cell.sent or cell.published_members:
            kept.append(cell)
    return kept


# -- checking -----------------------------------------------------------------------------
def stale() -> list[tuple[object, ...]]:
    """What the kept cells hold now and a recount from the surveys would not (or the
    other way round; a cell kept only for what it published holds nothing now), cells
    kept with nothing now and nothing published, or published with more people to a
    question than its published members with that question (:func:`_published_beyond`),
    the municipalities' sums that differ from the kept
    cells' published sums (:func:`tandem.surveys.selectors.municipality_share`) summed at
    their organizations' places, organizations with cells whose state records another
    place than theirs, and the organizations that wait: empty when every writer marked
    what it changed. What was published cannot be recounted (it is a past moment's); the
    sums built on it can. Reads only (one snapshot on PostgreSQL), so it may run while
    people write."""
    with read_only_snapshot():
        kept = list(SurveyCell.objects.order_by())
        stored = {("SurveyCell", *row) for row in (
            tuple(getattr(cell, name) for name in CELL_COLUMNS) for cell in kept)
            if any(row[3:])}
        stored |= {("SurveyCell published", cell.organization_id, cell.year, cell.stage)
                   for cell in kept if not (cell.sent or cell.published_members)
                   or _published_beyond(cell)}
        waiting = {("waiting", pk) for pk in SurveyCellMark.objects.values_list(
            "organization_id", flat=True)}
        stored |= {("MunicipalitySurveyCell", *row) for row in
                   MunicipalitySurveyCell.objects.values_list(*MUNICIPALITY_COLUMNS)}
        places = _places(None)
        ids = sorted(places)
        recorded = {pk: (municipality, sector) for pk, municipality, sector in
                    SurveyCellState.objects.values_list("pk", "summed_municipality_id",
                                                        "summed_sector")}
        stored |= {("SurveyCellState", pk, *recorded.get(pk, (None, "")))
                   for pk in {cell.organization_id for cell in kept}
                   if recorded.get(pk) != places.get(pk)}
        fresh: set[tuple[object, ...]] = set()
        for start in range(0, len(ids), BATCH):
            cells = _computed(_zones(ids[start:start + BATCH]))
            fresh |= {("SurveyCell", *(getattr(cell, name) for name in CELL_COLUMNS))
                      for cell in cells}
        # Summed in Python (municipality_share), apart from the SQL of roll_up.
        summed = _add(places, kept, 1)
        fresh |= {("MunicipalitySurveyCell", *key, *sums) for key, sums in summed.items()
                  if any(sums)}
    return sorted(stored ^ fresh | waiting, key=str)


def _published_beyond(cell: SurveyCell) -> bool:
    """A kept cell publishes more people to some question than its published members who
    have that question (:func:`member_parts`), or members not kept per question (a
    digest of code older than migration ``surveys/0008_published_parts``): its published
    state is not one moment's. (More members with a question than people published to it
    is no error: migration 0008 gave every question to a member it could not tell had not
    changed.)"""
    members = cell.published_members
    if not all(isinstance(text, str) for text in members.values()):
        return True
    having: dict[str, int] = defaultdict(int)
    for text in members.values():
        for name in rule.split(text):
            having[name] += 1
    return any(getattr(cell, published(name, "people")) > having[name] for name in FIELDS)


def live_summary(organizations: QuerySet[Organization],
                 years: tuple[int, int]) -> SatisfactionSummary:
    """The summary of these organizations over these academic years by scanning their
    surveys — the computation the kept cells replaced, kept as the oracle of the tests
    (the dashboard must never call it). The day of an answer is taken in the zone of its
    organization's region, as the cells take it."""
    start, end = academic_year_bounds(years[0])[0], academic_year_bounds(years[1])[1]
    sent: dict[str, dict[str, int]] = {}
    cells: dict[tuple[str, str], list[rule.Cell]] = {}
    counted: dict[str, set[int]] = {stage: set() for stage in Survey.Stage.values}
    zones = defaultdict(list)
    for pk, name in organizations.values_list("pk", "municipality__region__time_zone"):
        zones[name].append(pk)
    for name, group in sorted(zones.items()):
        with timezone.override(zone_named(name)):
            surveys = Survey.objects.filter(
                Q(submitted_at__date__range=(start, end))
                | Q(submitted_at__isnull=True, due_on__range=(start, end)),
                organization__in=group)
            for row in surveys.values("stage").order_by("stage").annotate(
                    sent=Count("pk"), answered=Count("submitted_at")):
                counts = sent.setdefault(row["stage"], {"sent": 0, "answered": 0})
                counts["sent"] += row["sent"]
                counts["answered"] += row["answered"]
            year = Case(*[When(submitted_at__date__range=academic_year_bounds(y),
                               then=Value(y)) for y in range(years[0], years[1] + 1)],
                        output_field=IntegerField())
            aggregates: dict[str, Any] = {}
            for field in FIELDS:
                given = Q(**{f"{field}__isnull": False})
                aggregates[f"s_{field}"] = Sum(field)
                aggregates[f"n_{field}"] = Count(field)
                aggregates[f"p_{field}"] = Count("participant", filter=given, distinct=True)
            aggregates["people"] = Count("participant", distinct=True)
            grouped: Any = (surveys.filter(submitted_at__isnull=False)
                            .annotate(year=year)
                            .values("organization", "year", "stage")
                            .order_by().annotate(**aggregates))
            for row in grouped:
                key = (row["organization"], row["year"], row["stage"])
                if row["people"] >= MIN_ANSWERS:
                    counted[row["stage"]].add(row["year"])
                for field in FIELDS:
                    cells.setdefault((field, row["stage"]), []).append(rule.Cell(
                        key, row[f"s_{field}"] or 0, row[f"n_{field}"], row[f"p_{field}"]))
    # The rule applied to each cell in Python (rule.summed), where the summary asks the
    # database for the sums of the counted cells (selectors.counted_q).
    return assemble(sent=sent, sums={key: rule.summed(group) for key, group in cells.items()},
                    counted=counted, years=years)


# -- model signals (connected in apps.py) -------------------------------------------------
def _counted(update_fields: Iterable[str] | None) -> bool:
    return update_fields is None or not COUNTED.isdisjoint(update_fields)


def survey_saving(sender: type, instance: Any, update_fields: Iterable[str] | None = None,
                  **kwargs: object) -> None:
    """Before a survey is saved: the cell its stored row counts in (none for a new one),
    its row locked so no other save of it slips between this read and the write."""
    instance.__dict__["_survey_cells_before"] = (
        _cell_of(instance.pk, lock=True)
        if instance.pk is not None and _counted(update_fields) else None)


def survey_saved(sender: type, instance: Any, update_fields: Iterable[str] | None = None,
                 **kwargs: object) -> None:
    """One survey created, answered or changed: the cell it counts in now and the one it
    counted in before, recounted now (not its whole organization)."""
    before = instance.__dict__.pop("_survey_cells_before", None)
    if _counted(update_fields):
        recount(key for key in (before, _cell_of(instance.pk)) if key is not None)


def survey_deleted(sender: type, instance: Any, **kwargs: object) -> None:
    """A survey deleted (with its pair or its person, or by itself): its organization
    marked, rebuilt after the commit (a pair's surveys go one signal each; the job
    rebuilds once)."""
    touch([instance.__dict__.get("organization_id")])


def _moved(organizations: Callable[[Any, Any, Any], Iterable[int]]) -> Callable[..., None]:
    """A field whose change moves a unit's surveys to other cells: a save that writes it
    other than stored touches the organizations ``organizations`` names (given the
    instance and the values before and after, as the field's Python values: a key
    assigned as a string is an int here)."""
    def changed(instance: Any, before: tuple[Any, ...], after: tuple[Any, ...]) -> None:
        touch(organizations(instance, before[0], after[0]))
    return changed


# Compared as stored just before each save (tandem/web/tracking.py), not as loaded.
TRACKED = (
    # A region's time zone decides the year of an answer given near 1 September.
    Tracked(Region, "survey_cells_region", ("time_zone",),
            _moved(lambda region, _before, _after: Organization.objects.filter(
                municipality__region_id=region.pk).values_list("pk", flat=True))),
    # A municipality moved to another region: so are its organizations' answers to that
    # region's time zone (their sums stay the municipality's, whatever its region).
    Tracked(Municipality, "survey_cells_municipality", ("region_id",),
            _moved(lambda municipality, before, after: municipality_rezoned(
                municipality.pk, before, after))),
    # An organization moved to another municipality or sector: its cells' share of the
    # sums follows it. Compared on a read that holds its row (a stale form's save that
    # writes an old place back is a move, a rename is none).
    Tracked(Organization, "survey_cells_organization", ("municipality_id", "sector"),
            organization_moved, locked=True),
)


def municipality_rezoned(municipality: int, before: int | None, after: int | None
                         ) -> list[int]:
    """The organizations of a municipality moved from region ``before`` to ``after`` whose
    cells may change: all of them when the two regions' time zones differ (the academic
    year of an answer given near 1 September is the day's in the region's zone), none
    when they are one zone."""
    zones = set(Region.objects.filter(pk__in=[before, after]).values_list("time_zone",
                                                                         flat=True))
    if len(zones) < 2 and None not in (before, after):
        return []
    return list(Organization.objects.filter(municipality_id=municipality)
                .values_list("pk", flat=True))


def hourly(sender: object, **kwargs: object) -> None:
    """The marks whose job was lost, and the municipalities' sums again from the cells
    (:func:`roll_up`, if it can hold the states now): a drift is logged and lasts an hour
    at most."""
    refresh()
    wrong = roll_up(wait=False)
    if wrong:
        logger.warning("survey municipality sums: %d rows differed from the cells, "
                       "summed again", wrong)
    elif wrong is None:
        logger.warning("survey municipality sums: the states were busy, not summed again "
                       "this hour")

