"""Figures of diagnostics kept current, per organization: the one home of «how many
questionnaires, answers, deficits, strengths and strong people» that pages read.

Monitoring's dashboards, its reports and the deficit map of a big campaign never scan the
answers table (a region of 300,000 teachers holds 12 million answers per round): they sum
these tallies — per organization and campaign (:class:`ResponseTally`,
:class:`StrongTally`), per organization, campaign and competency (:class:`AnswerTally`),
per organization and area the best initial campaign's strong people (:class:`StrongBest`,
the potential mentors of the standard view), and per municipality and sector: answers by
round — kind and dates, what the dashboard picks campaigns by — and competency
(:class:`MunicipalityAnswerTally`), questionnaires handed out and submitted by round
(:class:`MunicipalityResponseTally`), levels before and after by final round and
competency — of the cells the release rule counts, with the others' people apart
(:class:`MunicipalityGainTally`; ``tandem.core.release``, gains) and the best rounds'
mentors by area (:class:`MunicipalityStrong`), which is what a region and the country
read. A campaign that changes its round or goes redoes what derives from its tallies
(:func:`rederive`). «Before / after» are read from each cell's published state
(:class:`PublishedGain`), which follows the current one (:class:`GainTally`, with its
people and their levels by part — a side of a competency —
:class:`GainMember`) only in steps of at least three people in every part that changed
(rule 5, :func:`_publish`). The deficit and strength shares likewise: each group
(organization, campaign) is read from its published counts (:class:`PublishedAnswer`),
which follow the current ones (:class:`AnswerTally`, with its people and their
contribution to each competency — :class:`AnswerMember`) only in steps of at least three
people in every competency that changed (:func:`_publish_answers`); the municipalities'
sums of answers are of the published counts. The potential mentors
(:class:`StrongTally`, and so :class:`StrongBest` and :class:`MunicipalityStrong`) are
counted from each group's published people (:func:`_strong_sql`), not from its answers.

Every figure keys a questionnaire by the organization it counts in —
:func:`tandem.diagnostics.models.response_organization`, ``Response.organization``: where
its person was when they submitted it (not submitted: where they are now) — never by the
person's organization now, so a person's move moves no submitted answer between cells
(docs/monitoring.md, «Переходы между ячейками»): only their questionnaires not yet
submitted follow them (:func:`_participant_moved`).

How they stay current: whatever writes questionnaires or answers calls :func:`touch` with
the organizations concerned, inside its own transaction.

- A few organizations (a teacher submits, a curator assesses, a file of one school):
  ``touch(ids, now=True)`` rebuilds them there and then, in the writer's transaction — the
  figures commit with the answers. Each rebuild locks its municipality and organization
  rows (its ``TallyState``) first, in that order and sorted, so two submissions in one
  school queue rather than
  both rewrite its tallies; before them, on PostgreSQL, it holds its campaigns' rows
  shared, so a campaign changing its round waits for it, or it for the change.
- Many (a campaign handed to a whole region, people moving with questionnaires not yet
  submitted, a participant deleted):
  :func:`touch` marks them (``TallyState.dirty_since``, in the same transaction, so a crash
  loses nothing) and, once the transaction commits, enqueues
  :func:`tandem.diagnostics.tasks.refresh_tallies` — immediate by default, a worker's job in
  production; several marks of one transaction are one job. A page says how many
  organizations still wait and when the figures were rebuilt.

A rebuild reads the organization's own answers (an index scan of a few thousand rows),
then redoes its municipality's sums — the current one and the one it was added into last
time. It computes on the database server: each table of sums is its rows deleted and one
``INSERT … SELECT … GROUP BY`` (no row passes through Python: a region of 5,000
organizations is half a million rows). :func:`rebuild` redoes every organization (after a
bulk load: the demo seeding, ``tandem tallies --rebuild``); :func:`stale` lists what
differs from the answers — the same sums computed in Python (:func:`_computed`,
:func:`_summed`), the check the tests run after every kind of write. The questionnaire and
answer counts of that check are the very querysets the rebuild wraps (a mistake there
would be stored and confirmed alike); the strong sides, gains and municipality sums are
computed apart, and ``tests/test_tallies_server.py`` holds all of them to a row-by-row
reference.
"""

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tandem.core import release
from tandem.diagnostics.models import (
    DEFICIT_Q,
    STRENGTH_Q,
    Answer,
    AnswerMember,
    AnswerTally,
    Campaign,
    FrameworkVersion,
    GainMember,
    GainTally,
    MunicipalityAnswerTally,
    MunicipalityGainTally,
    MunicipalityResponseTally,
    MunicipalityStrong,
    PublishedAnswer,
    PublishedAnswerMember,
    PublishedGain,
    PublishedGainMember,
    RegionAnswerTally,
    RegionGainTally,
    Response,
    ResponseTally,
    StrongBest,
    StrongTally,
    TallyState,
    answer_counted_q,
    gain_cell_q,
    gain_counted_q,
    gain_published_q,
    response_counted_q,
    response_organization,
    strong_counted_q,
)
from tandem.people.models import Participant, organizations_then
from tandem.territory.models import Municipality, Organization
from tandem.web.signals import figures_changed
from tandem.web.tracking import Tracked
from tandem.web.tracking import stored as as_stored
from tandem.web.transactions import hold_keys, read_only_snapshot, transaction_memory

SUBMITTED = Response.Status.SUBMITTED
# The organization a questionnaire counts in (models.response_organization): from a
# questionnaire, an answer, a campaign.
ORG = response_organization()
ANSWER_ORG = response_organization("response__")
CAMPAIGN_ORG = response_organization("responses__")
BATCH = 200  # organizations rebuilt per round of queries
CELLS = 2000  # cells of «before / after» a statement publishes (tallies._replace)
COUNTS = ("answers", "answered", "deficit", "strong")
ORGANIZATION_TALLIES = (ResponseTally, AnswerTally, StrongTally, StrongBest, GainTally,
                        GainMember, AnswerMember)
MUNICIPALITY_TALLIES = (MunicipalityAnswerTally, MunicipalityStrong, MunicipalityResponseTally,
                        MunicipalityGainTally)
Progress = Callable[[int, int], None]

_local = threading.local()


def sync_max() -> int:
    """Up to how many organizations ``touch(now=True)`` rebuilds in the writer's
    transaction; more go to the background job."""
    return int(getattr(settings, "TANDEM_TALLIES_SYNC_MAX", 20))


def touch(organization_ids: Iterable[int | None], *, now: bool = False) -> None:
    """The organizations' questionnaires or answers changed: rebuild their figures in
    this transaction (``now``, a few of them) or mark them for the job that runs after
    it commits."""
    ids = sorted({pk for pk in organization_ids if pk is not None})
    if not ids:
        return
    # Answers also decide which map rows are closed (tandem/monitoring/tallies.py).
    figures_changed.send(sender=Answer, organization_ids=ids)
    collecting: set[int] | None = getattr(_local, "collecting", None)
    if now and collecting is not None:
        collecting.update(ids)
        return
    if now and len(ids) <= sync_max():
        with transaction.atomic():
            _rebuild_locked(ids)
        return
    TallyState.objects.bulk_create([TallyState(organization_id=pk) for pk in ids],
                                   ignore_conflicts=True)
    # Every marked row is written (an already marked one keeps its time): the row lock
    # makes a rebuild that is running wait for this transaction, so it cannot clear the
    # mark of a change it did not see.
    TallyState.objects.filter(organization_id__in=ids).update(
        dirty_since=Coalesce(F("dirty_since"), Value(timezone.now())))
    _schedule()


@contextmanager
def together() -> Iterator[None]:
    """Many writes of one transaction (a bulk request): inside, ``touch(now=True)`` only
    collects; one rebuild at the end, locks taken once and in order."""
    if getattr(_local, "collecting", None) is not None:
        yield
        return
    _local.collecting = set()
    try:
        yield
        ids: set[int] = _local.collecting
    finally:
        _local.collecting = None
    touch(ids, now=True)


def touch_responses(responses: Iterable[Response | int], *, now: bool = False,
                    also: Iterable[int | None] = ()) -> None:
    """:func:`touch` for the organizations of these questionnaires and of their people's
    other questionnaires (``also``: more, say the one a questionnaire counted in before
    it was submitted again). A person's questionnaires may count in several organizations
    (``Response.organization``: where they answered each), and one of them changes
    another's cell of «before / after»: a baseline's levels are summed in the cell of the
    person's latest final round of it, and a later final takes the person out of an
    earlier final's cell (:func:`_latest_finals`)."""
    ids = [r if isinstance(r, int) else r.pk for r in responses]
    if ids:
        people = Response.objects.filter(pk__in=ids).values("participant_id")
        touch([*Response.objects.filter(participant_id__in=people).order_by()
               .values_list(ORG, flat=True).distinct(), *also], now=now)


def recount_progress(response: Response) -> None:
    """A questionnaire went from «не начата» to «заполняется»: only its organization's
    :class:`ResponseTally` for the campaign changes (answers count once submitted), so
    only that row is recounted — the questionnaires of one organization in one campaign,
    not its answers; its municipality's sums (:class:`MunicipalityResponseTally`: handed
    out and submitted) stay as they were — in the writer's transaction, under its
    municipality's row and the organization's ``TallyState`` row, taken in a full
    rebuild's order; inside
    :func:`together` only collected for the one rebuild at the end.

    No campaign's row is held (a rebuild's :func:`_hold_rounds`): the count is by status,
    not by round, and a round change's :func:`rederive` sums only what it leaves as it
    was (handed out and submitted), so nothing here
    needs a campaign to keep its round — or to stay open: a draft written beside a
    closing is a draft of a closed campaign (``services._locked``). Held ``FOR SHARE``,
    every campaign of the organization made a closing (or a round change) wait for each
    first save in any of them, and PostgreSQL lets new shared locks past a waiting
    closing (tests/test_submit_race.py). The recount comes last among its transaction's
    tally writes (a page saves one draft a transaction; a bulk request collects it):
    a rebuild after it in the same transaction would take campaigns' rows after the
    municipality's, against a round change's order."""
    organization_id = (Response.objects.filter(pk=response.pk)
                       .values_list(ORG, flat=True).first())
    if organization_id is None:
        return
    collecting: set[int] | None = getattr(_local, "collecting", None)
    if collecting is not None:  # a bulk request: its one rebuild at the end recounts it
        collecting.add(organization_id)
        return
    with transaction.atomic():
        _lock([organization_id])
        counts = Response.objects.filter(
            campaign_id=response.campaign_id, **{ORG: organization_id}).aggregate(
            invited=Count("pk"), new=Count("pk", filter=Q(status=Response.Status.NEW)),
            draft=Count("pk", filter=Q(status=Response.Status.DRAFT)),
            submitted=Count("pk", filter=Q(status=SUBMITTED)))
        ResponseTally.objects.update_or_create(
            organization_id=organization_id, campaign_id=response.campaign_id,
            defaults=counts)


def _schedule() -> None:
    """One job per transaction: registered with on_commit the first time the
    transaction marks something (a rolled-back transaction drops it with its marks)."""
    memory = transaction_memory("tallies")
    if memory is not None:
        if memory.get("job"):
            return
        memory["job"] = True
    transaction.on_commit(enqueue_refresh)


def enqueue_refresh() -> None:
    from tandem.diagnostics.tasks import refresh_tallies

    refresh_tallies.enqueue()


def refresh(*, progress: Progress | None = None) -> int:
    """Rebuilds every marked organization, oldest mark first; returns how many."""
    ids = list(TallyState.objects.filter(dirty_since__isnull=False)
               .order_by("dirty_since", "pk").values_list("organization_id", flat=True))
    _in_batches(ids, progress)
    return len(ids)


def rebuild(organization_ids: Iterable[int] | None = None, *,
            progress: Progress | None = None, batch: int = BATCH,
            answers_after: int | None = None, responses_after: int | None = None) -> int:
    """Figures from the answers of these organizations (all of them: None) — after a
    bulk load, or to repair. ``batch`` organizations a round of queries (and a
    transaction): a loader that holds the whole region in its own transaction anyway
    (``seed-demo``) rebuilds it in one round — each round's aggregates read the answers
    table, and thousands of organizations in rounds of 200 would read it dozens of times.

    ``answers_after``: every answer of these organizations has a greater id — a loader
    that has just written all of them after the table's older rows says so (``seed-demo``:
    a country's next region, its organizations new), and the aggregates read the table's
    tail only (a range of its primary key), not the answers of every region loaded before
    (a whole-table scan that grew with the country). A wrong bound loses answers: only
    for a load whose organizations had no answers before it. ``responses_after``: the
    same of their questionnaires — the counts of questionnaires and the answers' join
    with them read the questionnaires' tail only, not every earlier region's again (a
    country of five regions of 300,000: the fifth region's figures read 1.3 million
    questionnaires of the four before, three times)."""
    ids = sorted(organization_ids if organization_ids is not None else
                 Organization.objects.values_list("pk", flat=True))
    _in_batches(ids, progress, batch, answers_after, responses_after)
    return len(ids)


def _in_batches(ids: list[int], progress: Progress | None, batch: int = BATCH,
                answers_after: int | None = None,
                responses_after: int | None = None) -> None:
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            _rebuild_locked(sorted(ids[start:start + batch]), answers_after,
                            responses_after)
        if progress:
            progress(min(start + batch, len(ids)), len(ids))


def _lock(ids: list[int]) -> list[int]:
    """Holds the rows a rebuild of these organizations writes under, always in one order —
    their municipalities (now and as last summed) first, then the organizations' states,
    each in id order — so two writers never wait on each other in a circle. The states
    missing are created between the two, under the municipalities' rows: created before
    them, the insert (a key check on the organization, a wait on another writer's
    uncommitted row of the same organization) made a circle with an organization's move
    (review finding). Returns the municipalities."""
    municipalities = _lock_municipalities(ids)
    TallyState.objects.bulk_create([TallyState(organization_id=pk) for pk in sorted(ids)],
                                   ignore_conflicts=True)
    list(TallyState.objects.select_for_update().filter(organization_id__in=ids)
         .order_by("pk").values_list("pk", flat=True))
    return municipalities


def _lock_municipalities(ids: list[int]) -> list[int]:
    """The first half of :func:`_lock`: holds the municipalities of these organizations,
    now and as last summed, in id order, and returns them. Alone, it is what a writer of
    municipalities' sums that reads organizations' tallies without writing them needs
    (:func:`regain`): every rebuild of an organization holds both of its municipalities
    before writing its tallies."""
    municipalities = sorted(
        set(Organization.objects.filter(pk__in=ids).values_list("municipality_id", flat=True))
        | set(TallyState.objects.filter(organization_id__in=ids, municipality__isnull=False)
              .values_list("municipality_id", flat=True)))
    list(Municipality.objects.select_for_update(no_key=True).filter(pk__in=municipalities)
         .order_by("pk").values_list("pk", flat=True))
    return municipalities


def _hold_rounds(ids: list[int]) -> None:
    """Holds the campaigns of these organizations' questionnaires ``FOR SHARE`` until the
    transaction ends, before the rebuild's other locks: a campaign changing its round
    (kind, dates) and a rebuild that sums its answers by round take turns — the change
    waits for the rebuild (and its :func:`rederive` then finds the municipality the
    rebuild added), or the rebuild for the change (and reads the new round). Without it a
    first import in a municipality with none of the campaign's tallies yet summed under
    the old round, and the change's rederive — which locks only municipalities with the
    campaign's tallies — missed it (review finding). SQLite's writers take turns anyway.

    Only a change of a campaign's row waits here: rebuilds do not wait for each other
    (shared locks), nor for a questionnaire being written to (:func:`hold_campaign`). So
    a transaction that rebuilds must not hold a campaign row ``FOR UPDATE`` itself — a
    ``select_for_update()`` joining the campaign without ``of=("self",)`` does — or two
    submissions of one organization to two campaigns deadlock (review finding;
    diagnostics/tests/test_submit_race.py)."""
    if connection.vendor != "postgresql" or not ids:
        return
    campaigns = (Campaign.objects.filter(pk__in=Response.objects.filter(
        **{f"{ORG}__in": ids}).values("campaign_id"))
        .order_by("pk").values_list("pk", flat=True))
    sql, params = campaigns.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} FOR SHARE", params)


def hold_campaign(campaign_id: int) -> str:
    """Holds one campaign's row ``FOR SHARE`` until the transaction ends (PostgreSQL; SQLite's
    writers take turns anyway) and returns its status as it is now, after any change that
    committed first: a questionnaire being written to keeps its campaign from closing or
    changing its round meanwhile, yet lets other writers of the campaign, a rebuild's
    :func:`_hold_rounds` and the key checks of tally inserts through."""
    status = Campaign.objects.filter(pk=campaign_id).values_list("status", flat=True)
    if connection.vendor != "postgresql":
        return str(status.get())
    sql, params = status.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} FOR SHARE", params)
        return str(cursor.fetchone()[0])


def _rebuild_locked(ids: list[int], answers_after: int | None = None,
                    responses_after: int | None = None) -> None:
    """Rebuilds these organizations and their municipalities' sums, holding the rows of
    their campaigns (shared), then of both (municipalities first, then organizations'
    states, each in id order). ``answers_after``, ``responses_after``: as in
    :func:`rebuild`."""
    started = timezone.now()
    _hold_rounds(ids)
    municipalities = _lock(ids)
    _rebuild_organizations(ids, answers_after, responses_after)
    _roll_up(municipalities)
    # A mark made after this rebuild began is left for the next one.
    TallyState.objects.filter(organization_id__in=ids, dirty_since__lte=started).update(
        dirty_since=None)
    # An organization moved while this rebuild waited for its locks (the move committed
    # in between; its municipalities were read before): its new municipality was not
    # summed here, and the move's mark, older than ``started``, was just cleared — marked
    # again, so the next job sums it there (review finding, 2026-12-05).
    TallyState.objects.filter(organization_id__in=Organization.objects.filter(
        pk__in=ids).exclude(municipality_id__in=municipalities).values("pk")).update(
        dirty_since=timezone.now())
    TallyState.objects.filter(organization_id__in=ids).update(
        refreshed_at=timezone.now(), municipality_id=Subquery(
        Organization.objects.filter(pk=OuterRef("organization_id")).values("municipality_id")))


def _rebuild_organizations(ids: list[int], answers_after: int | None = None,
                           responses_after: int | None = None) -> None:
    """Replaces the organizations' tallies with sums of their questionnaires, computed on
    the database server: each tally one ``INSERT … SELECT … GROUP BY`` (a region of
    thousands of organizations is hundreds of thousands of rows, which as Python objects
    cost minutes). :func:`_computed` is the same in Python, what ``stale()`` compares.
    ``answers_after``, ``responses_after``: as in :func:`rebuild`."""
    if not ids:  # ``IN ()`` is no SQL; nothing to replace
        return
    for model in ORGANIZATION_TALLIES:
        model.objects.filter(organization_id__in=ids).delete()  # type: ignore[attr-defined]
    responses = _response_counts(ids)
    answers = _submitted_answers(ids)
    if responses_after is not None:
        responses = responses.filter(pk__gt=responses_after)
        answers = answers.filter(_questionnaire_after(responses_after))
    _insert(ResponseTally, *responses.query.sql_with_params())
    if answers_after is not None:
        answers = answers.filter(pk__gt=answers_after)
    _insert(AnswerTally, *_answer_counts(answers).query.sql_with_params())
    _insert(AnswerMember, *_answer_members_sql(answers, ids))
    _insert(GainTally, *_gains_sql(ids, answers_after))
    _insert(GainMember, *_gains_sql(ids, answers_after, members=True))
    _publish(ids)
    _publish_answers(ids)
    # The potential mentors: of the groups' published people (rule 5), just published.
    _insert(StrongTally, *_strong_sql(ids))
    _insert(StrongBest, *_best_counts(ids).query.sql_with_params())


def _questionnaire_after(pk: int) -> RawSQL:
    """A condition on the id of the questionnaire an answer is joined with (the join of
    :func:`_submitted_answers`, under the table's own name), not on the answer's own
    ``response_id`` — what ``response__pk__gt`` becomes, and which the planner does not
    carry over the join: the questionnaires' side of the join is what it bounds."""
    table = connection.ops.quote_name(Response._meta.db_table)
    return RawSQL(f"{table}.{connection.ops.quote_name('id')} > %s", (pk,),  # noqa: S611
                  output_field=BooleanField())


def _best_counts(ids: list[int]) -> QuerySet[Any, Any]:
    """Per organization and area, the most people strong in it in one initial campaign
    of a counted cell (:func:`strong_counted_q`; columns ``t_<field>``), from the
    organizations' :class:`StrongTally` just stored."""
    return (StrongTally.objects.filter(strong_counted_q(), organization_id__in=ids,
                                       campaign__kind=Campaign.Kind.INITIAL).order_by()
            .values(t_organization_id=F("organization_id"), t_area=F("area"))
            .annotate(t_people=Max("people")))


def _best(strong: list[StrongTally]) -> list[StrongBest]:
    """:func:`_best_counts` in Python, from computed (unsaved) strong tallies — the release
    rule itself (not its query twin) deciding the counted cells."""
    initial = set(Campaign.objects.filter(
        pk__in={row.campaign_id for row in strong}, kind=Campaign.Kind.INITIAL,
    ).values_list("pk", flat=True))
    most: dict[tuple[int, str], int] = {}
    for row in strong:
        if row.campaign_id in initial and release.mentors_counted(row.levelled):
            key = (row.organization_id, row.area)
            most[key] = max(most.get(key, 0), row.people)
    return [StrongBest(organization_id=org, area=area, people=n)
            for (org, area), n in sorted(most.items())]


def _insert(model: type, sql: str, params: Iterable[Any]) -> None:
    """``INSERT INTO`` the model's table the rows of a SELECT whose columns are named
    ``t_<field>`` for the model's fields in ``_FIELDS`` (in any order)."""
    quote = connection.ops.quote_name
    fields = _FIELDS[model]
    columns = ", ".join(quote(model._meta.get_field(name).column)  # type: ignore[attr-defined]
                        for name in fields)
    aliases = ", ".join(f"s.{quote(f't_{name}')}" for name in fields)
    with connection.cursor() as cursor:
        table = quote(model._meta.db_table)  # type: ignore[attr-defined]
        cursor.execute(f"INSERT INTO {table} ({columns}) "  # noqa: S608  (names are ours)
                       f"SELECT {aliases} FROM ({sql}) s", tuple(params))


def _response_counts(ids: list[int]) -> QuerySet[Any, Any]:
    """Questionnaires per organization and campaign, by status (columns ``t_<field>``)."""
    return (Response.objects.filter(**{f"{ORG}__in": ids}).order_by()
            .values(t_organization_id=F(ORG), t_campaign_id=F("campaign_id"))
            .annotate(t_invited=Count("pk"),
                      t_new=Count("pk", filter=Q(status=Response.Status.NEW)),
                      t_draft=Count("pk", filter=Q(status=Response.Status.DRAFT)),
                      t_submitted=Count("pk", filter=Q(status=SUBMITTED))))


def _submitted_answers(ids: list[int]) -> QuerySet[Answer]:
    return Answer.objects.filter(response__status=SUBMITTED,
                                 **{f"{ANSWER_ORG}__in": ids}).order_by()


def _answer_counts(answers: QuerySet[Answer]) -> QuerySet[Any, Any]:
    """Answers per organization, campaign and competency (columns ``t_<field>``)."""
    return (answers.values(t_organization_id=F(ANSWER_ORG),
                           t_campaign_id=F("response__campaign_id"),
                           t_competency=F("competency"))
            .annotate(t_answers=Count("pk"), t_answered=Count("pk", filter=Q(level__isnull=False)),
                      t_deficit=Count("pk", filter=DEFICIT_Q),
                      t_strong=Count("pk", filter=STRENGTH_Q)))


def _model_rows(model: type, rows: Iterable[dict[str, Any]]) -> list[Any]:
    return [model(**{name: row[f"t_{name}"] for name in _FIELDS[model]}) for row in rows]


def _computed(ids: list[int]) -> dict[type, list[Any]]:
    """The organizations' tallies as sums of their questionnaires, unsaved, computed in
    Python: what ``stale()`` compares with the stored ones, and the reference the tests
    hold a rebuild (:func:`_rebuild_organizations`, on the server) to."""
    answers = _submitted_answers(ids)
    strong = _strong(ids)
    responses = _model_rows(ResponseTally, _response_counts(ids))
    pairs = _final_pairs(ids)  # one read for both «before / after» and its members
    return {ResponseTally: responses,
            AnswerTally: _model_rows(AnswerTally, _answer_counts(answers)),
            StrongTally: strong, StrongBest: _best(strong), GainTally: _gains(pairs),
            GainMember: _members(pairs), AnswerMember: _answer_members(answers)}


def _final_pairs(ids: list[int]) -> list[tuple[int, int, int, int, int]]:
    """The people of these organizations' cells (organization, final round) of «before /
    after»: their final questionnaires ``(pk, person, organization, final, baseline)``
    — the latest of each baseline (:func:`_latest_finals`) whose person submitted it too.
    The latest of all the person's finals of that baseline, wherever they answered them:
    one answered later in another organization takes them out of these cells (as
    :func:`_gains_sql`'s ``NOT EXISTS``)."""
    later = Response.objects.filter(
        participant=OuterRef("participant"), status=SUBMITTED,
        campaign__kind=Campaign.Kind.FINAL, campaign__baseline=OuterRef("campaign__baseline"),
    ).filter(Q(campaign__ends_on__gt=OuterRef("campaign__ends_on"))
             | Q(campaign__ends_on=OuterRef("campaign__ends_on"),
                 campaign__pk__gt=OuterRef("campaign_id")))
    finals = Response.objects.filter(
        status=SUBMITTED, campaign__kind=Campaign.Kind.FINAL, campaign__baseline__isnull=False,
        **{f"{ORG}__in": ids},
    ).filter(Exists(Response.objects.filter(
        participant=OuterRef("participant"), campaign=OuterRef("campaign__baseline"),
        status=SUBMITTED))).exclude(Exists(later))
    return _latest_finals(finals.values_list(
        "pk", "participant_id", ORG, "campaign_id",
        "campaign__baseline_id", "campaign__ends_on"))


# A person's text of a cell of «before / after» (:class:`GainMember`): what rule 5 by part
# compares (``release.republish_parts`` with :func:`member_reader`). A part is a side
# (``b`` before — the baseline —, ``a`` after — the final round) of one **competency**,
# its digest the level itself (one digit): the figures shown sum a competency's levels
# only where the release rule counts it (``release.level_counted``) and by the version
# read, so a part of a whole area let two people's changes of a competency no figure
# shows complete a step of a third's change of one shown (review, 2026-12-06). Stored by
# position, not ``part:digest`` items (≈ 20 characters a competency): ``<final's
# version>.<baseline's version>|`` then two characters a competency of the pair's
# competencies in code point order (:func:`gain_codes`) — its level before and after, or
# ``NO_LEVEL`` — the trailing ``NO_LEVEL`` cut; levels of a competency of neither version
# (no writer makes them: a questionnaire takes its version's codes) follow a second ``|``
# as ``<side><code>=<level>`` in code point order, comma-joined — one part of them all.
NO_LEVEL = "."
LAYOUT = "|"
OTHERS = "?"  # the part of the levels of no competency of the pair's versions
_SLOT_LEVELS = frozenset("0123456789" + release.UNKNOWN + NO_LEVEL)


def gain_codes(frameworks: Iterable[tuple[int, int]]) -> dict[tuple[int, int], tuple[str, ...]]:
    """For each pair (final round's framework version, its baseline's), the competencies
    of either version in code point order: the positions of a person's text (the one
    home of the layout, in Python — :func:`member_text` — and on the server — the
    ``layout`` rows of :func:`_gains_sql`). A version not found adds none."""
    pairs = sorted(set(frameworks))
    versions = {v.pk: v.codes() for v in FrameworkVersion.objects.filter(
        pk__in={pk for pair in pairs for pk in pair})}
    return {(final, baseline): tuple(sorted(set(versions.get(final, ()))
                                            | set(versions.get(baseline, ()))))
            for final, baseline in pairs}


def member_text(pair: tuple[int, int], codes: tuple[str, ...],
                levels: Mapping[tuple[str, str], int]) -> str:
    """A person's text of a cell whose final round and baseline have the versions
    ``pair`` (their competencies ``codes``: :func:`gain_codes`), of their levels
    ``(side, competency) → level`` (side ``b`` or ``a``; a blank level: no item)."""
    slots = [NO_LEVEL] * (2 * len(codes))
    position = {code: i for i, code in enumerate(codes)}
    others = []
    for (side, code), level in levels.items():
        if code in position:
            slots[2 * position[code] + (side == "a")] = str(level)
        else:
            others.append(f"{side}{code}={level}")
    text = f"{pair[0]}.{pair[1]}{LAYOUT}{''.join(slots).rstrip(NO_LEVEL)}"
    return text + (LAYOUT + ",".join(sorted(others)) if others else "")


def member_parts(text: str, codes_of: Callable[[tuple[int, int]], tuple[str, ...]]
                 ) -> dict[str, str]:
    """The digests by part of a person's text (:func:`member_text`): ``b<code>`` and
    ``a<code>`` → the level (or ``release.UNKNOWN``, a migration's mark), the levels of no
    version's competency as one part (``OTHERS``). ``codes_of``: a pair's positions. The
    empty text (no one): no part; a text that is not one (the digests by area of older
    code): ``ValueError``."""
    if not isinstance(text, str):
        raise ValueError(text)
    if not text:
        return {}
    head, bar, tail = text.partition(LAYOUT)
    final, dot, baseline = head.partition(".")
    if not (bar and dot and final.isdigit() and baseline.isdigit()):
        raise ValueError(text)
    slots, more, others = tail.partition(LAYOUT)
    codes = codes_of((int(final), int(baseline)))
    if len(slots) > 2 * len(codes) or not set(slots) <= _SLOT_LEVELS:
        raise ValueError(text)
    parts = {f"{'ba'[i % 2]}{codes[i // 2]}": level for i, level in enumerate(slots)
             if level != NO_LEVEL}
    if more:
        parts[OTHERS] = others
    return parts


def member_reader() -> release.Reader:
    """:func:`member_parts` with each pair's positions read once (rule 5's reader)."""
    layouts: dict[tuple[int, int], tuple[str, ...]] = {}

    def codes_of(pair: tuple[int, int]) -> tuple[str, ...]:
        if pair not in layouts:
            layouts.update(gain_codes([pair]))
        return layouts[pair]

    return lambda text: member_parts(text, codes_of)


class _OthersAggregate:
    """The items of no version's competency in code point order, comma-joined (NULL:
    none; none at all: NULL) — ``STRING_AGG(… ORDER BY … COLLATE "C")`` on PostgreSQL."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def step(self, item: str | None) -> None:
        if item is not None:
            self.items.append(item)

    def finalize(self) -> str | None:
        return ",".join(sorted(self.items)) if self.items else None


def sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """(``connection_created``) Registers SQLite's aggregate ``tandem_others`` (SQLite
    before 3.44 has no ordered ``group_concat``) for :func:`_gains_sql` (the migrations
    0017/0018 register their own frozen aggregates)."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("tandem_others", 1, _OthersAggregate)


def _members(pairs: list[tuple[Any, ...]]) -> list[GainMember]:
    """The people of these organizations' cells of «before / after» and their texts
    (:func:`member_text`), computed in Python: what ``stale()`` compares with the stored
    :class:`GainMember` (put there by :func:`_gains_sql` on the server); ``pairs``:
    :func:`_final_pairs` of the organizations."""
    levels: dict[int, dict[tuple[str, str], int]] = {pk: {} for pk, *_rest in pairs}
    final_of = {(person, baseline): pk for pk, person, _org, _final, baseline in pairs}
    frameworks = {pk: (final, baseline) for pk, final, baseline in Campaign.objects.filter(
        pk__in={final for *_r, final, _b in pairs}).values_list(
            "pk", "framework_id", "baseline__framework_id")}
    pair_of = {pk: frameworks[final] for pk, _person, _org, final, _baseline in pairs}
    codes = gain_codes(pair_of.values())
    levelled = Answer.objects.filter(level__isnull=False).order_by()
    for chunk in _chunks(sorted(levels)):
        for response, code, level in levelled.filter(response__in=chunk).values_list(
                "response_id", "competency", "level"):
            levels[response][("a", code)] = int(level or 0)  # (not null)
    baselines = sorted({baseline for *_rest, baseline in pairs})
    for chunk in _chunks(sorted({person for _pk, person, *_rest in pairs})):
        for person, baseline, code, level in (
                levelled.filter(response__campaign_id__in=baselines,
                                response__participant__in=chunk, response__status=SUBMITTED)
                .values_list("response__participant_id", "response__campaign_id",
                             "competency", "level")):
            if (person, baseline) in final_of:
                levels[final_of[(person, baseline)]][("b", code)] = int(level or 0)
    return [GainMember(organization_id=org, campaign_id=final, person=person,
                       digest=member_text(pair_of[pk], codes[pair_of[pk]], levels[pk]))
            for pk, person, org, final, _baseline in pairs]


def _gains(pairs: list[tuple[Any, ...]]) -> list[GainTally]:
    """Levels before (in the baseline) and after (in the final round), per final round
    and competency, over the people who submitted both (``pairs``: :func:`_final_pairs`
    of the organizations)."""
    if not pairs:
        return []
    baseline_of: dict[tuple[int, int | None], list[tuple[int, int]]] = defaultdict(list)
    for _pk, person, org, final, baseline in pairs:  # a baseline may serve several finals
        baseline_of[(person, baseline)].append((org, final))
    sums: dict[tuple[int, int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    people: dict[tuple[int, int], int] = defaultdict(int)
    for _pk, _person, org, final, _baseline in pairs:
        people[(org, final)] += 1
    levelled = Answer.objects.filter(level__isnull=False).order_by()
    # The final questionnaires and their people as lists already read, in chunks — not
    # as the subquery ``finals`` again: for thousands of organizations the planner
    # reckoned it one row and ran it once per answer (a 300,000 demo region: minutes).
    # Sums and counts of chunks add up to those of the whole.
    finals_ids = sorted(pk for pk, *_rest in pairs)
    for chunk in _chunks(finals_ids):
        for org, final, code, total, n in (
                levelled.filter(response__in=chunk)
                .values_list(F(ANSWER_ORG), F("response__campaign_id"), "competency")
                .annotate(s=Sum("level"), n=Count("pk"))):
            item = sums[(org, final, code)]
            item[2] += total
            item[3] += n
    baselines = sorted({baseline for _p, _person, _o, _f, baseline in pairs
                        if baseline is not None})
    for chunk in _chunks(sorted({person for _p, person, _o, _f, _b in pairs})):
        for person, baseline, code, level in (
                levelled.filter(response__campaign_id__in=baselines,
                                response__participant__in=chunk,
                                response__status=SUBMITTED)
                .values_list("response__participant_id", "response__campaign_id",
                             "competency", "level")):
            if level is None:
                continue
            for key in baseline_of.get((person, baseline), ()):
                item = sums[(*key, code)]
                item[0] += level
                item[1] += 1
    return [GainTally(organization_id=org, campaign_id=final, competency=code,
                      before_sum=b, before_n=bn, after_sum=a, after_n=an,
                      people=people[(org, final)])
            for (org, final, code), (b, bn, a, an) in sorted(sums.items())]


def _latest_finals(rows: Iterable[tuple[Any, ...]]) -> list[tuple[int, int, int, int, int]]:
    """Of the final questionnaires ``(pk, person, organization, final, baseline, ends_on)``
    each person's latest for each baseline — the final round ending last, of two ending on
    one day the later made — without ``ends_on``. Several final rounds may share a
    baseline; were a person's baseline levels summed in the cells of each, the difference
    of two cells' sums would be that one person's levels (review finding, 2026-12-06):
    so a person's baseline answers are in one cell at most (docs/monitoring.md,
    «Правило публикации «до / после»»). :func:`_gains_sql` is the same on the server."""
    latest: dict[tuple[int, int], tuple[Any, ...]] = {}
    for row in rows:
        key = (row[1], row[4])
        if key not in latest or (row[5], row[3]) > (latest[key][5], latest[key][3]):
            latest[key] = row
    return sorted(row[:5] for row in latest.values())


_FINALS_SQL = """
WITH finals AS (
    SELECT f.{r_id} AS final_id, b.{r_id} AS base_id, f.{r_org} AS org, f.{r_campaign} AS campaign,
           f.{r_participant} AS person,
           COUNT(*) OVER (PARTITION BY f.{r_org}, f.{r_campaign}) AS people{frameworks}
    FROM {response} f
    JOIN {campaign} c ON c.{c_id} = f.{r_campaign}{framework_join}
    JOIN {response} b ON b.{r_participant} = f.{r_participant} AND b.{r_campaign} = c.{c_baseline}
    WHERE f.{r_status} = %s AND b.{r_status} = %s AND c.{c_kind} = %s AND f.{r_org} IN ({ids})
      AND NOT EXISTS (
          SELECT 1 FROM {response} l JOIN {campaign} lc ON lc.{c_id} = l.{r_campaign}
          WHERE l.{r_participant} = f.{r_participant} AND l.{r_status} = %s
            AND lc.{c_kind} = %s AND lc.{c_baseline} = c.{c_baseline}
            AND (lc.{c_ends} > c.{c_ends} OR (lc.{c_ends} = c.{c_ends} AND lc.{c_id} > c.{c_id})))
)
"""

_GAINS_SELECT = """
SELECT g.org AS t_organization_id, g.campaign AS t_campaign_id, g.competency AS t_competency,
       SUM(g.bs) AS t_before_sum, SUM(g.bn) AS t_before_n,
       SUM(g.afs) AS t_after_sum, SUM(g.afn) AS t_after_n, g.people AS t_people
FROM (SELECT f.org, f.campaign, f.people, a.{a_competency} AS competency,
             a.{a_level} AS bs, 1 AS bn, 0 AS afs, 0 AS afn
      FROM finals f JOIN {answer} a ON a.{a_response} = f.base_id
      WHERE a.{a_level} IS NOT NULL{after}
      UNION ALL
      SELECT f.org, f.campaign, f.people, a.{a_competency}, 0, 0, a.{a_level}, 1
      FROM finals f JOIN {answer} a ON a.{a_response} = f.final_id
      WHERE a.{a_level} IS NOT NULL{after}) g
GROUP BY g.org, g.campaign, g.competency, g.people
"""

# Each person of a cell and their text (``tallies.member_text``): the levels of their
# baseline (slot ``2 × position``) and final answers (``2 × position + 1``) at the
# positions of the ``layout`` rows of the pair of versions (``tallies.gain_codes``), one
# column per slot (``{levels}``), the trailing blanks cut; the levels of no version's
# competency after a second ``|``, in byte order. A person with no level: the pair alone.
_LAYOUT_SQL = """, layout (fw, bfw, code, pos) AS (VALUES {rows})
"""
_MEMBERS_SELECT = """
SELECT f.org AS t_organization_id, f.campaign AS t_campaign_id, f.person AS t_person,
       CAST(f.fw AS TEXT) || '.' || CAST(f.bfw AS TEXT) || '|'
       || RTRIM(COALESCE(d.levels, ''), '.') || COALESCE('|' || d.others, '') AS t_digest
FROM finals f LEFT JOIN (
    SELECT g.final_id, {levels} AS levels, {others} AS others
    FROM (SELECT x.final_id, 2 * m.pos AS slot, a.{a_level} AS level,
                 CASE WHEN m.pos IS NULL THEN 'b' || a.{a_competency} || '='
                      || CAST(a.{a_level} AS TEXT) END AS item
          FROM finals x JOIN {answer} a ON a.{a_response} = x.base_id
          LEFT JOIN layout m ON m.fw = x.fw AND m.bfw = x.bfw AND m.code = a.{a_competency}
          WHERE a.{a_level} IS NOT NULL{after}
          UNION ALL
          SELECT x.final_id, 2 * m.pos + 1, a.{a_level},
                 CASE WHEN m.pos IS NULL THEN 'a' || a.{a_competency} || '='
                      || CAST(a.{a_level} AS TEXT) END
          FROM finals x JOIN {answer} a ON a.{a_response} = x.final_id
          LEFT JOIN layout m ON m.fw = x.fw AND m.bfw = x.bfw AND m.code = a.{a_competency}
          WHERE a.{a_level} IS NOT NULL{after}) g
    GROUP BY g.final_id) d ON d.final_id = f.final_id
"""
_SLOT = "COALESCE(CAST(MAX(CASE WHEN g.slot = {i} THEN g.level END) AS TEXT), '.')"
_OTHERS = {
    "postgresql": """STRING_AGG(g.item, ',' ORDER BY g.item COLLATE "C")
                     FILTER (WHERE g.item IS NOT NULL)""",
    "sqlite": "tandem_others(g.item)",
}


def _gains_sql(ids: list[int], answers_after: int | None = None,
               members: bool = False) -> tuple[str, list[Any]]:
    """:func:`_gains` as one SELECT (columns ``t_<field>``): the final questionnaires whose
    person also submitted the baseline (one per person and campaign: ``one_response_per_campaign``)
    and no later final round of that baseline (``NOT EXISTS``: :func:`_latest_finals`),
    the levels of both summed per organization, final round and competency, and
    ``people`` — how many such finals. ``answers_after``: as in :func:`rebuild` — the
    answers are read from the table's tail (a range of its primary key), which needs no
    index on ``response_id`` (``seed-demo``'s country builds that once, after its last
    region's load). ``members``: instead, :func:`_members` — the cells' people and their
    texts of levels by position (:class:`GainMember`, :func:`member_text`)."""
    quote = connection.ops.quote_name

    def column(model: type, name: str) -> str:
        return quote(model._meta.get_field(name).column)  # type: ignore[attr-defined]

    names = {"response": Response, "campaign": Campaign, "answer": Answer}
    select = _MEMBERS_SELECT if members else _GAINS_SELECT
    rows: list[Any] = []
    slots = 0
    if members:  # the positions of each pair's competencies (gain_codes), as rows
        frameworks = Campaign.objects.filter(
            kind=Campaign.Kind.FINAL, baseline__isnull=False,
            **{f"{CAMPAIGN_ORG}__in": ids}).values_list(
                "framework_id", "baseline__framework_id").distinct().order_by()
        layouts = gain_codes(frameworks)
        rows = [(*pair, code, i) for pair, codes in layouts.items()
                for i, code in enumerate(codes)]
        slots = 2 * max((len(codes) for codes in layouts.values()), default=0)
        select = _LAYOUT_SQL.format(rows=", ".join(
            ["(CAST(%s AS INTEGER), CAST(%s AS INTEGER), %s, CAST(%s AS INTEGER))"]
            * max(len(rows), 1))) + select
        rows = [value for row in rows or [(0, 0, "", 0)] for value in row]  # 0: no version
    c_framework = column(Campaign, "framework")
    sql = (_FINALS_SQL + select).format(
        **{key: quote(model._meta.db_table) for key, model in names.items()},  # type: ignore[attr-defined]
        r_id=column(Response, "id"), r_campaign=column(Response, "campaign"),
        r_participant=column(Response, "participant"), r_status=column(Response, "status"),
        c_id=column(Campaign, "id"), c_baseline=column(Campaign, "baseline"),
        c_kind=column(Campaign, "kind"), c_ends=column(Campaign, "ends_on"),
        r_org=column(Response, "organization"), a_response=column(Answer, "response"),
        a_competency=column(Answer, "competency"), a_level=column(Answer, "level"),
        ids=", ".join(["%s"] * len(ids)),
        after="" if answers_after is None else f" AND a.{column(Answer, 'id')} > %s",
        levels=" || ".join(_SLOT.format(i=i) for i in range(slots)) or "''",
        others=_OTHERS[connection.vendor] if members else "",
        frameworks=f", c.{c_framework} AS fw, bc.{c_framework} AS bfw" if members else "",
        framework_join=(f"\n    JOIN {quote(Campaign._meta.db_table)} bc"
                        f" ON bc.{column(Campaign, 'id')} = c.{column(Campaign, 'baseline')}"
                        if members else ""))
    bound = [] if answers_after is None else [answers_after, answers_after]
    final = Campaign.Kind.FINAL.value
    return sql, [SUBMITTED, SUBMITTED, final, *ids, SUBMITTED, final, *rows, *bound]


def _chunks(ids: list[int], size: int = 10_000) -> Iterator[list[int]]:
    """``ids`` in lists of ``size``: an IN list within SQLite's and PostgreSQL's limits
    on a statement's parameters."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _publish(ids: list[int], campaign_id: int | None = None) -> None:
    """Rule 5 of the release rule, «steps of three», by part (``release.republish_parts``),
    for these organizations' cells (organization, final round; of that round only:
    ``campaign_id``, the round just closed or reopened — :func:`regain`).

    A cell of a **closed** round whose current people (:class:`GainMember`) differ from
    its published members (:class:`PublishedGainMember`) — and every part (a side, before
    or after, of a competency: :func:`member_parts`) that differs does so in at least
    ``MIN_PEOPLE`` people's digests of it (a cell never published: once it holds
    ``MIN_PEOPLE`` people) — is published anew: its published sums (:class:`PublishedGain`) and
    members become its current ones (:class:`GainTally`, :class:`GainMember`); otherwise
    it keeps showing what it showed — a published cell of an open round too (pending; its
    next closing compares). The round's **first publication** — it is closed and was never
    reopened (``Campaign.reopened``) — publishes each cell of it with people, a small one
    too (its levels enter nothing, its people count as left out), with its members: from
    then on rule 5 holds it, its «вне цифр» with it. A cell of a round reopened since (its
    first publication past) that was never published has no published sums at all: its
    people are not counted anywhere, not even as left out, until ``MIN_PEOPLE`` of them
    publish it (else one answer after a reopening moved «вне цифр» by one — docs/
    monitoring.md, «Правило публикации «до / после»», rule 5). A cell of an open round with
    no published member has its current sums as published, members apart: shown nowhere
    (pending — its rows say so). Called by whatever recomputes a cell — a rebuild
    (answers, moves, deletions, the seed) and a closing — under the municipalities'
    rows."""
    moved, following, withdrawn = _unpublished(ids, campaign_id)
    _replace(moved, PublishedGain, GainTally)
    _replace(moved, PublishedGainMember, GainMember)
    _replace(following, PublishedGain, GainTally)
    _replace(withdrawn, PublishedGain, None)


UNPUBLISHED_BATCH = 500  # organizations whose members _unpublished holds at once
Unpublished = tuple[set[tuple[int, int]], set[tuple[int, int]], set[tuple[int, int]]]


def _unpublished(ids: list[int], campaign_id: int | None = None, *, compare: bool = False
                 ) -> Unpublished:
    """:func:`_unpublished_of` a batch of organizations at a time: a cell is one
    organization's, so the batches' answers add up; the members held are a batch's, not a
    region's (closing a final of 300,000 people in a web request held ≈ 130 MB of them —
    review of h/stepdiag, 2026-12-06)."""
    found: Unpublished = (set(), set(), set())
    for chunk in _chunks(sorted(ids), UNPUBLISHED_BATCH):
        for cells, more in zip(found, _unpublished_of(chunk, campaign_id, compare=compare),
                               strict=True):
            cells |= more
    return found


def _unpublished_of(ids: list[int], campaign_id: int | None = None, *, compare: bool = False
                    ) -> Unpublished:
    """The cells of these organizations (of that final round: ``campaign_id``) that
    :func:`_publish` rewrites: those of closed rounds to publish anew, whole (rule 5, or
    the round's first publication); those with no published member of rounds open or in
    their first publication, whose published sums follow the current ones; those with no
    published member of closed rounds reopened since, whose published sums are none — all
    of them; ``compare``: only those whose published sums differ (what ``stale()``
    reports)."""
    where = Q(organization_id__in=ids)
    if campaign_id is not None:
        where &= Q(campaign_id=campaign_id)
    closed: set[tuple[int, int]] = set()
    again: set[tuple[int, int]] = set()
    cells: set[tuple[int, int]] = set()
    for model in _GAIN_STATE:
        cells |= _cells(model.objects.filter(where), closed, again)  # type: ignore[attr-defined]
    # The people of open rounds' cells are not compared (their published state waits).
    current = _members_of(GainMember.objects.filter(where, gain_published_q("campaign__")))
    published = _members_of(PublishedGainMember.objects.filter(where))
    reader = member_reader()
    moved = {cell for cell in closed
             if release.republish_parts(published.get(cell, {}), current.get(cell, {}),
                                        parts=reader)
             or (cell not in again and cell not in published and current.get(cell))}
    memberless = cells - moved - set(published)
    following, withdrawn = memberless - again, memberless & again
    if not compare or not (following or withdrawn):
        return moved, following, withdrawn
    fields = _FIELDS[GainTally][2:]
    sums: dict[type, dict[tuple[int, int], set[tuple[Any, ...]]]] = {}
    for kept in (GainTally, PublishedGain):  # ids: one batch (_unpublished)
        sums[kept] = defaultdict(set)
        for row in kept.objects.filter(where).order_by().values_list(  # type: ignore[attr-defined]
                "organization_id", "campaign_id", *fields):
            if row[:2] in memberless:
                sums[kept][row[:2]].add(row[2:])
    return (moved,
            {cell for cell in following
             if sums[GainTally].get(cell) != sums[PublishedGain].get(cell)},
            {cell for cell in withdrawn if sums[PublishedGain].get(cell)})


def _cells(rows: QuerySet[Any], closed: set[tuple[int, int]],
           again: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The cells (organization, final round) of these rows; those of closed rounds
    (``gain_published_q``) added to ``closed``, and of them those of rounds reopened since
    their first closing (``Campaign.reopened``) to ``again``."""
    shown = ExpressionWrapper(gain_published_q("campaign__"), output_field=BooleanField())
    found = set()
    for org, campaign, published, reopened in rows.order_by().annotate(shown=shown).values_list(
            "organization_id", "campaign_id", "shown", "campaign__reopened").distinct():
        found.add((org, campaign))
        if published:
            closed.add((org, campaign))
            if reopened:
                again.add((org, campaign))
    return found


def _members_of(rows: QuerySet[Any]) -> dict[tuple[int, int], dict[int, str]]:
    """Members by cell: person → digest."""
    maps: dict[tuple[int, int], dict[int, str]] = defaultdict(dict)
    for org, campaign, person, digest in rows.order_by().values_list(
            "organization_id", "campaign_id", "person", "digest"):
        maps[(org, campaign)][person] = digest
    return maps


def _replace(cells: set[tuple[int, int]], published: type, current: type | None) -> None:
    """The published rows of these cells replaced by their current rows (``current``
    None: by none — deleted), on the server,
    ``CELLS`` cells a statement, picked by the pair (a row value ``IN (VALUES …)``: a
    region-wide round is one round of thousands of organizations, a region's seed
    thousands of rounds of one each — neither a statement a round nor an ``OR`` of
    pairs, which PostgreSQL checks row by row)."""
    quote = connection.ops.quote_name
    target = quote(published._meta.db_table)  # type: ignore[attr-defined]
    if current is not None:
        meta = current._meta  # type: ignore[attr-defined]
        source = quote(meta.db_table)
        names = ", ".join(f"{quote(meta.get_field(name).column)} AS {quote(f't_{name}')}"
                          for name in _FIELDS[published])
    ordered = sorted(cells)
    for start in range(0, len(ordered), CELLS):
        chunk = ordered[start:start + CELLS]
        pick = (f"({quote('organization_id')}, {quote('campaign_id')}) IN "
                f"(VALUES {', '.join(['(%s, %s)'] * len(chunk))})")
        params = [value for cell in chunk for value in cell]
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {target} WHERE {pick}", params)  # noqa: S608
        if current is not None:
            _insert(published, f"SELECT {names} FROM {source} WHERE {pick}",  # noqa: S608
                    params)


# -- rule 5 for the deficit and strength shares (docs/monitoring.md, «Правило публикации
# дефицитов»). A cell group is (organization, campaign): its cells are its competencies
# (:class:`AnswerTally`), its people those who submitted a questionnaire of the campaign
# counted there (:class:`AnswerMember`). A part is a competency, its digest the person's
# contribution to the cell's counts — one character, ``answered + 2 × deficit + 4 ×
# strong`` (``0``: an answer without a level; ``DEFICIT_Q``, ``STRENGTH_Q``): what any
# share, left-out count or number of strong people can show of them, and no more (a
# level that moves from 0 to 1 moves no figure, so it is no change). Stored by position,
# one text a person and group — not a row a person and competency (≈ 40 times as many):
# ``<framework version>|`` then a character a competency of the version in code point
# order (:func:`answer_codes`), ``NO_LEVEL`` where none was given, the trailing ones cut;
# answers of a competency not in the version (no writer makes them) follow a second
# ``|`` as ``<code>=<digit>`` in code point order, comma-joined — one part of them all.
_ANSWER_DIGITS = frozenset("01234567" + release.UNKNOWN + NO_LEVEL)


def answer_digit(level: int | None, can_teach: bool, wants_to_learn: bool) -> int:
    """A person's contribution to a cell (organization, campaign, competency) as one
    number (:func:`_answer_digit_sql` on the server)."""
    from tandem.core import diagnostics as core

    return ((level is not None) + 2 * core.is_deficit(level, wants_to_learn)
            + 4 * core.is_strength(level, can_teach))


def _answer_digit_sql() -> Any:
    """:func:`answer_digit` as an expression over an answer (the rule's own ``DEFICIT_Q``
    and ``STRENGTH_Q``)."""
    from django.db.models import IntegerField

    def one(q: Q) -> Case:
        return Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())

    return (one(Q(level__isnull=False)) + Value(2) * one(DEFICIT_Q)
            + Value(4) * one(STRENGTH_Q))


def answer_codes(frameworks: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """For each framework version, its competencies in code point order: the positions of
    a person's text of a cell group (:func:`answer_member_text`; on the server the
    ``layout`` rows of :func:`_answer_members_sql`). A version not found: none."""
    return {v.pk: tuple(sorted(set(v.codes())))
            for v in FrameworkVersion.objects.filter(pk__in=set(frameworks))}


def answer_member_text(framework: int, codes: tuple[str, ...],
                       digits: Mapping[str, int]) -> str:
    """A person's text of a cell group whose campaign has the framework version
    ``framework`` (its competencies ``codes``), of their contributions ``competency →``
    :func:`answer_digit`."""
    slots = [NO_LEVEL] * len(codes)
    position = {code: i for i, code in enumerate(codes)}
    others = []
    for code, digit in digits.items():
        if code in position:
            slots[position[code]] = str(digit)
        else:
            others.append(f"{code}={digit}")
    text = f"{framework}{LAYOUT}{''.join(slots).rstrip(NO_LEVEL)}"
    return text + (LAYOUT + ",".join(sorted(others)) if others else "")


def answer_member_parts(text: str, codes_of: Callable[[int], tuple[str, ...]]
                        ) -> dict[str, str]:
    """The digests by part (competency) of a person's text (:func:`answer_member_text`),
    the answers of no version's competency as one part (``OTHERS``); empty text: no
    part; a text that is not one: ``ValueError``."""
    if not isinstance(text, str):
        raise ValueError(text)
    if not text:
        return {}
    head, bar, tail = text.partition(LAYOUT)
    if not (bar and head.isdigit()):
        raise ValueError(text)
    slots, more, others = tail.partition(LAYOUT)
    codes = codes_of(int(head))
    if len(slots) > len(codes) or not set(slots) <= _ANSWER_DIGITS:
        raise ValueError(text)
    parts = {codes[i]: digit for i, digit in enumerate(slots) if digit != NO_LEVEL}
    if more:
        parts[OTHERS] = others
    return parts


AREA_PART = "area "  # no competency code holds a space


def answer_area_parts(parts: Mapping[str, str], area_of: Mapping[str, str]) -> dict[str, str]:
    """A person's contribution to each **area** the dashboards show: of the competencies
    of :func:`answer_member_parts` in it, how many answered, with a level, deficits,
    strengths (the digit's bits: ``answer_digit``). The shares are shown by area, and
    parts by competency alone counted a person who swapped two competencies' levels of
    one area as changed in both though the area's figure did not move: three such swaps
    released a fourth person's change alone (review of h/heat5, 2026-12-07). With these
    parts, a changed area must have changed for ``MIN_PEOPLE`` people too. A code no
    area has goes by the part before its dot, as ``FrameworkVersion.shown_area_of``
    says."""
    sums: dict[str, list[int]] = {}
    for code, digit in parts.items():
        if code == OTHERS:
            continue
        bits = int(digit)
        area = area_shown(area_of, code)
        total = sums.setdefault(area, [0, 0, 0, 0])
        total[0] += 1
        total[1] += bits & 1
        total[2] += (bits >> 1) & 1
        total[3] += (bits >> 2) & 1
    return {AREA_PART + area: ",".join(map(str, total)) for area, total in sums.items()}


def area_shown(area_of: Mapping[str, str], code: str) -> str:
    """A competency's area in ``area_of`` (:func:`shown_areas`); a code no area has, by
    the part before its dot, as ``FrameworkVersion.shown_area_of`` says."""
    return area_of.get(code) or code.split(".", 1)[0]


def shown_areas() -> dict[str, str]:
    """The area each competency is shown in now (``FrameworkVersion.shown_area_of`` of
    the current version; none before the first publication: every code by the part before
    its dot) — of the areas' parts of rule 5 (:func:`answer_member_reader`) and of the
    potential mentors (:func:`_strong_sql`, :func:`_strong`), one map for both: a person
    counted strong in an area is a person whose part of that area changed when it did."""
    framework = FrameworkVersion.objects.current()
    return framework.shown_area_of() if framework else {}


def _codes_reader() -> Callable[[int], tuple[str, ...]]:
    """:func:`answer_codes` one version at a time, each read once (a version not found:
    no competencies) — the ``codes_of`` of :func:`answer_member_parts`."""
    layouts: dict[int, tuple[str, ...]] = {}

    def codes_of(framework: int) -> tuple[str, ...]:
        if framework not in layouts:
            layouts.update(answer_codes([framework]))
            layouts.setdefault(framework, ())
        return layouts[framework]

    return codes_of


def answer_member_reader() -> release.Reader:
    """:func:`answer_member_parts` with each version's positions read once, and the
    areas' parts (:func:`answer_area_parts`) by the areas shown now (read once)."""
    codes_of = _codes_reader()
    area_of = shown_areas()

    def read(text: str) -> dict[str, str]:
        parts = answer_member_parts(text, codes_of)
        return {**parts, **answer_area_parts(parts, area_of)}

    return read


_ANSWER_MEMBERS_SQL = """WITH layout (fw, code, pos) AS (VALUES {rows})
SELECT g.o AS t_organization_id, g.c AS t_campaign_id, g.p AS t_person,
       CAST(g.fw AS TEXT) || '|' || RTRIM({slots}, '.')
       || COALESCE('|' || {others}, '') AS t_digest
FROM (SELECT x.o, x.c, x.p, x.fw, m.pos, x.digit,
             CASE WHEN m.pos IS NULL THEN x.code || '=' || CAST(x.digit AS TEXT) END AS item
      FROM ({answers}) x LEFT JOIN layout m ON m.fw = x.fw AND m.code = x.code) g
GROUP BY g.o, g.c, g.p, g.fw
"""
_ANSWER_SLOT = "COALESCE(CAST(MAX(CASE WHEN g.pos = {i} THEN g.digit END) AS TEXT), '.')"


def _answer_members_sql(answers: QuerySet[Answer], ids: list[int]) -> tuple[str, list[Any]]:
    """The people of these organizations' cell groups and their texts
    (:func:`answer_member_text`) as one SELECT on the server (columns ``t_<field>``),
    over ``answers`` (:func:`_submitted_answers`, bounded as the rebuild's)."""
    frameworks = Campaign.objects.filter(**{f"{CAMPAIGN_ORG}__in": ids}).values_list(
        "framework_id", flat=True).distinct().order_by()
    layouts = answer_codes(frameworks)
    rows = [(fw, code, i) for fw, codes in sorted(layouts.items())
            for i, code in enumerate(codes)] or [(0, "", 0)]  # 0: no version
    slots = max((len(codes) for codes in layouts.values()), default=0)
    inner, params = (answers.values(o=F(ANSWER_ORG), c=F("response__campaign_id"),
                                    p=F("response__participant_id"),
                                    fw=F("response__campaign__framework_id"),
                                    code=F("competency"), digit=_answer_digit_sql())
                     .query.sql_with_params())
    sql = _ANSWER_MEMBERS_SQL.format(
        rows=", ".join(["(CAST(%s AS INTEGER), %s, CAST(%s AS INTEGER))"] * len(rows)),
        slots=" || ".join(_ANSWER_SLOT.format(i=i) for i in range(slots)) or "''",
        others=_OTHERS[connection.vendor], answers=inner)
    return sql, [value for row in rows for value in row] + list(params)


def _answer_members(answers: QuerySet[Answer]) -> list[AnswerMember]:
    """:func:`_answer_members_sql` in Python, by the rule's own functions (what ``stale()``
    compares the stored :class:`AnswerMember` with)."""
    digits: dict[tuple[int, int, int], dict[str, int]] = defaultdict(dict)
    framework_of: dict[int, int] = {}
    for org, campaign, person, framework, code, level, teach, learn in answers.values_list(
            ANSWER_ORG, "response__campaign_id", "response__participant_id",
            "response__campaign__framework_id", "competency", "level", "can_teach",
            "wants_to_learn"):
        digits[(org, campaign, person)][code] = answer_digit(level, teach, learn)
        framework_of[campaign] = framework
    codes = answer_codes(framework_of.values())
    return [AnswerMember(organization_id=org, campaign_id=campaign, person=person,
                         digest=answer_member_text(framework_of[campaign],
                                                   codes.get(framework_of[campaign], ()),
                                                   mine))
            for (org, campaign, person), mine in sorted(digits.items())]


# -- the potential mentors (docs/monitoring.md, «Кто может научить»): of each group's
# **published** people (:class:`PublishedAnswerMember`, rule 5 above), not of its answers
# now — a cell (organization, campaign, area) counts its published people strong in at
# least one competency of the area (a digit with the strength bit, ``answer_digit``) and
# those who gave one of them a level (the level bit: ``levelled``). A person's strength
# and levels in an area are their part of the area (``answer_area_parts``), so the
# published mentors move only when that part changed for at least ``MIN_PEOPLE`` people
# (review of h/heat5: saving the dashboard before and after one questionnaire told whether
# its person was strong in an area). A group never published has no mentors; a digit
# ``-`` (``release.UNKNOWN``, migration 0023) and the answers of no version's competency
# (``OTHERS``; no writer makes them) count in no area.
_STRONG_DIGITS = ("4", "5", "6", "7")  # answer_digit with 4 × strong
_LEVELLED_DIGITS = ("1", "3", "5", "7")  # answer_digit with 1 × a level
# A person's text is cut once (``texts``: materialized, or the planner inlines the cut
# into every place read) into its version's head ``<id>|`` and its slots — up to a second
# ``|``: the others' items after it count in no area. ``layout`` holds a row per version
# and area shown, with the places of the area's competencies in the slots (``at1`` …
# ``at<n>``, n the most competencies of an area; an area of fewer repeats its last place —
# a place read twice changes no «any»). A text joins one row per area and its flags in the
# area are read in that row: no row per answer, no grouping per person (a text is one
# person's), only the sums per cell.
_STRONG_SQL = """WITH layout (head, area, {places}) AS (VALUES {rows}),
texts AS MATERIALIZED (
    SELECT t.o, t.c, t.head, SUBSTR(t.rest, 1, {find}(t.rest || '|', '|') - 1) AS slots
    FROM (SELECT x.o, x.c, SUBSTR(x.digest, 1, {find}(x.digest, '|')) AS head,
                 SUBSTR(x.digest, {find}(x.digest, '|') + 1) AS rest
          FROM ({members}) x) t)
SELECT g.o AS t_organization_id, g.c AS t_campaign_id, g.area AS t_area,
       SUM(g.strong) AS t_people, SUM(g.levelled) AS t_levelled
FROM (SELECT m.o, m.c, l.area,
             CASE WHEN {strong} THEN 1 ELSE 0 END AS strong,
             CASE WHEN {levelled} THEN 1 ELSE 0 END AS levelled
      FROM texts m JOIN layout l ON l.head = m.head) g
GROUP BY g.o, g.c, g.area
HAVING SUM(g.strong) > 0
"""
_FIND = {"postgresql": "STRPOS", "sqlite": "INSTR"}


def _any_place(digits: tuple[str, ...], places: int) -> str:
    """«The character at one of the row's places is one of ``digits``», over the places
    ``at1`` … ``at<places>`` of a ``layout`` row of :data:`_STRONG_SQL`."""
    among = ", ".join(f"'{d}'" for d in digits)
    return " OR ".join(f"SUBSTR(m.slots, l.at{i}, 1) IN ({among})"
                       for i in range(1, places + 1))


def _area_places(layouts: Mapping[int, tuple[str, ...]], area_of: Mapping[str, str]
                 ) -> dict[tuple[int, str], list[int]]:
    """For each version and area shown (:func:`area_shown`), the places of its
    competencies in a person's slots (:func:`answer_member_text`: the ``i``-th code of
    the version — from 1 — at place ``i``)."""
    places: dict[tuple[int, str], list[int]] = defaultdict(list)
    for fw, codes in sorted(layouts.items()):
        for i, code in enumerate(codes, start=1):
            places[(fw, area_shown(area_of, code))].append(i)
    return places


def _strong_sql(ids: list[int]) -> tuple[str, list[Any]]:
    """The potential mentors of these organizations' groups (:class:`StrongTally`, columns
    ``t_<field>``) as one SELECT on the server, of their published people: each person's
    slots (before a second ``|``: the others' items count in no area) read at the places
    of each area's competencies of its version (``layout``, :func:`_area_places`, the
    areas shown now: :func:`shown_areas`) — one row per person and area, counted once.
    :func:`_strong` is the same in Python, by the rule's own readers."""
    members = PublishedAnswerMember.objects.filter(organization_id__in=ids).order_by()
    layouts = answer_codes(Campaign.objects.filter(
        pk__in=members.values("campaign_id")).values_list("framework_id", flat=True))
    places = _area_places(layouts, shown_areas())
    most = max(map(len, places.values()), default=1)
    rows = [(f"{fw}{LAYOUT}", area, *at, *[at[-1]] * (most - len(at)))
            for (fw, area), at in sorted(places.items())
            ] or [(LAYOUT, "", 0)]  # no version: a row no text matches (none begins with a bar)
    inner, params = members.values("digest", o=F("organization_id"), c=F("campaign_id")
                                   ).query.sql_with_params()
    sql = _STRONG_SQL.format(
        places=", ".join(f"at{i}" for i in range(1, most + 1)),
        rows=", ".join([f"(CAST(%s AS TEXT), CAST(%s AS TEXT){', CAST(%s AS INTEGER)' * most})"]
                       * len(rows)),
        strong=_any_place(_STRONG_DIGITS, most), levelled=_any_place(_LEVELLED_DIGITS, most),
        members=inner, find=_FIND[connection.vendor])
    return sql, [value for row in rows for value in row] + list(params)


def _strong(ids: list[int]) -> list[StrongTally]:
    """:func:`_strong_sql` in Python, by the rule's own readers
    (:func:`answer_member_parts`, :func:`answer_area_parts`): what ``stale()`` compares the
    stored :class:`StrongTally` with."""
    area_of = shown_areas()
    codes_of = _codes_reader()
    people: dict[tuple[int, int, str], int] = defaultdict(int)
    levelled: dict[tuple[int, int, str], int] = defaultdict(int)
    for org, campaign, text in PublishedAnswerMember.objects.filter(
            organization_id__in=ids).order_by().values_list(
                "organization_id", "campaign_id", "digest"):
        try:
            parts = answer_member_parts(text, codes_of)
        except ValueError:
            continue
        known = {code: digit for code, digit in parts.items() if digit.isdigit()}
        for part, sums in answer_area_parts(known, area_of).items():
            _answered, with_level, _deficit, strong = (int(n) for n in sums.split(","))
            key = (org, campaign, part.removeprefix(AREA_PART))
            levelled[key] += with_level > 0
            people[key] += strong > 0
    return [StrongTally(organization_id=org, campaign_id=campaign, area=area, people=n,
                        levelled=levelled[(org, campaign, area)])
            for (org, campaign, area), n in sorted(people.items()) if n > 0]


def _publish_answers(ids: list[int]) -> None:
    """Rule 5 by part (``release.republish_parts``) for these organizations' cell groups
    of the deficit and strength shares: a group whose current people
    (:class:`AnswerMember`) differ from its published ones (:class:`PublishedAnswerMember`)
    in every changed competency by at least ``MIN_PEOPLE`` people's contributions — a
    group never published: once it holds ``MIN_PEOPLE`` people — is published anew: its
    published counts (:class:`PublishedAnswer`) and members become its current ones.
    Otherwise it keeps showing what it showed. Called by every rebuild of an
    organization, under its municipalities' rows, before its municipalities' sums."""
    moved = _answers_unpublished(ids)
    _replace(moved, PublishedAnswer, AnswerTally)
    _replace(moved, PublishedAnswerMember, AnswerMember)


def _answers_unpublished(ids: list[int]) -> set[tuple[int, int]]:
    """The cell groups of these organizations that rule 5 publishes anew now, a batch of
    organizations at a time (a group is one organization's).

    A group with published counts and no published member (an **orphan**: migration
    ``0023`` published the stored counts of an organization waiting for its rebuild, and
    the people of a group of it had all withdrawn in the meantime — no one's answers to
    name as its members) is compared by its counts: with nobody in it now, it goes when
    every competency it shows was answered by at least ``MIN_PEOPLE`` people (each of
    them left that part: a step of three in every part); a competency answered by one or
    two holds it, as rule 5 holds any group. With people in it now it is as a group never
    published (published once ``MIN_PEOPLE`` are in it)."""
    moved: set[tuple[int, int]] = set()
    reader = answer_member_reader()
    for chunk in _chunks(sorted(ids), UNPUBLISHED_BATCH):
        current = _members_of(AnswerMember.objects.filter(organization_id__in=chunk))
        published = _members_of(PublishedAnswerMember.objects.filter(organization_id__in=chunk))
        moved |= {group for group in current.keys() | published.keys()
                  if release.republish_parts(published.get(group, {}),
                                             current.get(group, {}), parts=reader)}
        fewest: dict[tuple[int, int], int] = {}
        for org, campaign, answers in PublishedAnswer.objects.filter(
                organization_id__in=chunk).order_by().values_list(
                    "organization_id", "campaign_id", "answers"):
            if (org, campaign) not in published and (org, campaign) not in current:
                fewest[(org, campaign)] = min(answers, fewest.get((org, campaign), answers))
        moved |= {group for group, least in fewest.items() if least >= release.MIN_PEOPLE}
    return moved


def _answers_misheld(ids: list[int]) -> set[tuple[object, ...]]:
    """What ``stale()`` reports of the published state of these organizations' groups:
    a group rule 5 would publish now (a rebuild missed it — an orphan too, by the rule of
    :func:`_answers_unpublished`), a group whose published members are its current ones
    but whose published counts are not its current counts. An orphan the rule holds (a
    competency answered by one or two) is not reported: the rebuild keeps it on purpose,
    and a check reporting it («published answers without members», until 2026-12-07)
    reported it forever."""
    found: set[tuple[object, ...]] = {("unpublished answers", *group)
                                      for group in _answers_unpublished(ids)}
    for chunk in _chunks(sorted(ids), UNPUBLISHED_BATCH):
        current = _members_of(AnswerMember.objects.filter(organization_id__in=chunk))
        published = _members_of(PublishedAnswerMember.objects.filter(organization_id__in=chunk))
        counts: dict[type, dict[tuple[int, int], set[tuple[Any, ...]]]] = {}
        for model in (AnswerTally, PublishedAnswer):
            counts[model] = defaultdict(set)
            for row in model.objects.filter(organization_id__in=chunk).order_by().values_list(
                    "organization_id", "campaign_id", "competency", *COUNTS):
                counts[model][row[:2]].add(row[2:])
        for group, members in published.items():
            if members == current.get(group) and (
                    counts[AnswerTally].get(group) != counts[PublishedAnswer].get(group)):
                found.add(("published answers not of their members", *group))
    return found


def _roll_up(municipality_ids: list[int]) -> None:
    """Each municipality's sums by sector — of answers by round (kind and dates) and
    competency, of questionnaires by round, of levels before and after by final round and
    competency, of potential mentors by area — from its organizations' tallies, on the
    server (:func:`_summed` is the same in Python)."""
    if not municipality_ids:
        return
    for model in (MunicipalityAnswerTally, MunicipalityStrong, MunicipalityResponseTally):
        model.objects.filter(municipality_id__in=municipality_ids).delete()  # type: ignore[attr-defined]
    org = "organization__"
    _insert(MunicipalityAnswerTally, *(
        PublishedAnswer.objects.filter(**{f"{org}municipality_id__in": municipality_ids})
        .order_by()
        .values(t_municipality_id=F(f"{org}municipality_id"), t_sector=F(f"{org}sector"),
                t_kind=F("campaign__kind"), t_starts_on=F("campaign__starts_on"),
                t_ends_on=F("campaign__ends_on"), t_competency=F("competency"))
        # Of counted cells only (the release rule); the others' levels apart.
        .annotate(**{f"t_{name}": Coalesce(Sum(name, filter=answer_counted_q()), Value(0))
                     for name in COUNTS},
                  t_left_out=Coalesce(Sum("answered", filter=~answer_counted_q()), Value(0)))
        .query.sql_with_params()))
    _insert(MunicipalityStrong, *(
        StrongBest.objects.filter(**{f"{org}municipality_id__in": municipality_ids})
        .order_by()
        .values(t_municipality_id=F(f"{org}municipality_id"), t_sector=F(f"{org}sector"),
                t_area=F("area"))
        .annotate(t_people=Sum("people"))
        .query.sql_with_params()))
    _insert(MunicipalityResponseTally, *(
        ResponseTally.objects.filter(**{f"{org}municipality_id__in": municipality_ids})
        .order_by()
        .values(t_municipality_id=F(f"{org}municipality_id"), t_sector=F(f"{org}sector"),
                t_kind=F("campaign__kind"), t_starts_on=F("campaign__starts_on"),
                t_ends_on=F("campaign__ends_on"))
        .annotate(t_invited=Sum("invited"), t_submitted=Sum("submitted"),
                  t_counted=Count("pk", filter=response_counted_q()))
        .query.sql_with_params()))
    _redo_gain_sums(municipality_ids)
    _resum_regions(_regions_of(municipality_ids), (RegionAnswerTally,))


def _regions_of(municipality_ids: list[int]) -> list[int]:
    return list(Municipality.objects.filter(pk__in=municipality_ids)
                .values_list("region_id", flat=True))


# The key space of the regions' sums' locks: PostgreSQL's advisory transaction lock on two
# 32-bit keys (this constant, the region's id) — a space apart from the one-key lock of
# ``web.exports``.
REGION_SUMS_LOCK = 0x5253


def _hold_region_sums(regions: list[int]) -> None:
    """Hold the right to write these regions' sums, in id order, until the transaction
    ends: an advisory lock per region, not the region's row — ``campaign_create`` holds a
    region's row (``FOR UPDATE``, its competencies' version) while it rebuilds the
    organizations it adds (municipality rows next), so a rebuild holding a municipality and
    waiting for that row closed a cycle (review of h/regionsums: «deadlock detected»); the
    pair figures' job holds region rows too. SQLite writes one transaction at a time
    (:func:`tandem.web.transactions.hold_keys`)."""
    hold_keys(REGION_SUMS_LOCK, regions)


def _resum_regions(region_ids: Iterable[int | None],
                   models: tuple[type, ...] = (RegionAnswerTally, RegionGainTally)) -> None:
    """The regions' sums of answers (:class:`RegionAnswerTally`) and of «before / after»
    (:class:`RegionGainTally`; ``models``: which) redone whole from their municipalities'
    sums, on the server (one ``INSERT … SELECT … GROUP BY`` each), under the regions'
    sums' locks (:func:`_hold_region_sums`), taken in id order and held until the
    transaction ends.

    Two rebuilds in different municipalities of one region both write the region's rows:
    each holds its own municipalities' rows (:func:`_lock`), then, last, the region's —
    so the second waits for the first to commit, and its statements, begun after the
    wait (READ COMMITTED: a snapshot a statement), sum the first one's municipality rows
    as committed, with its own. Recounting from the municipalities' rows rather than
    adding a difference: nothing to lose if a writer is wrong once, and the lock order
    stays municipalities → organizations' states → regions' sums (an advisory lock per
    region, :func:`_hold_region_sums`) in every writer
    (:func:`_roll_up` after :func:`_lock`, :func:`_redo_gain_sums` after :func:`_lock`
    or :func:`_lock_municipalities`; a rezoned
    municipality, whose row the save holds, :func:`_municipality_rezoned`). A
    transaction that rolls up twice, in two batches (a campaign's deletion rederives
    then rebuilds its finals), holds the first batch's regions while it takes the second
    batch's municipalities: like the municipalities' rows before, it must not meet a
    writer of those municipalities in the same moment — writers that touch many
    organizations mark them and roll up once (:func:`together`, the job).

    Its cost: a region's municipality rows (27,600 of a region of 300,000 teachers,
    every round) summed by an index on the municipality — a few tens of milliseconds a
    rebuild, which the region's writers now take in turns for the end of their
    transaction (docs/performance.md, «Суммы регионов»)."""
    regions = sorted({pk for pk in region_ids if pk is not None})
    if not regions:
        return
    _hold_region_sums(regions)
    if RegionGainTally in models:
        RegionGainTally.objects.filter(region_id__in=regions).delete()
        _insert(RegionGainTally, *_region_gains(regions))
    if RegionAnswerTally not in models:
        return
    RegionAnswerTally.objects.filter(region_id__in=regions).delete()
    _insert(RegionAnswerTally, *(
        MunicipalityAnswerTally.objects.filter(municipality__region_id__in=regions)
        .order_by()
        .values(t_region_id=F("municipality__region_id"), t_sector=F("sector"),
                t_kind=F("kind"), t_starts_on=F("starts_on"), t_ends_on=F("ends_on"),
                t_competency=F("competency"))
        .annotate(**{f"t_{name}": Sum(name) for name in (*COUNTS, "left_out")})
        .query.sql_with_params()))


def _redo_gain_sums(municipality_ids: list[int]) -> None:
    """The municipalities' :class:`MunicipalityGainTally` replaced by :func:`_gain_sums`
    of their organizations' published cells (:class:`PublishedGain`) — the one home of
    it, for a whole roll-up (:func:`_roll_up`) and for a final round closed or reopened
    (:func:`regain`). The caller holds the municipalities' rows."""
    if not municipality_ids:
        return
    MunicipalityGainTally.objects.filter(municipality_id__in=municipality_ids).delete()
    _insert(MunicipalityGainTally, *_gain_sums(municipality_ids))
    _resum_regions(_regions_of(municipality_ids), (RegionGainTally,))


_GAIN_KEYS = ("sector", "kind", "starts_on", "ends_on", "status")
_LEVELS = ("before_sum", "before_n", "after_sum", "after_n")


def _region_gains(region_ids: list[int]) -> tuple[str, list[Any]]:
    """The regions' sums of their municipalities' «before / after»
    (:class:`MunicipalityGainTally`; columns ``t_<field>``): the levels summed per
    competency; ``people`` and ``left_out``, each municipality's value for the group once
    (it is repeated in the group's competencies' rows), summed."""
    rows = MunicipalityGainTally.objects.filter(
        municipality__region_id__in=region_ids).order_by()
    keys = {f"t_{k}": F(k) for k in _GAIN_KEYS}
    sums_sql, sums_params = (
        rows.values(t_region_id=F("municipality__region_id"), t_competency=F("competency"),
                    **keys)
        .annotate(**{f"t_{name}": Sum(name) for name in _LEVELS}).query.sql_with_params())
    each_sql, each_params = (
        rows.values("municipality_id", "people", "left_out",
                    p_region_id=F("municipality__region_id"),
                    **{f"p_{k}": F(k) for k in _GAIN_KEYS})
        .distinct().query.sql_with_params())
    quote = connection.ops.quote_name
    names = [quote(f"p_{k}") for k in ("region_id", *_GAIN_KEYS)]
    on = " AND ".join(f"s.{quote(f't_{k}')} = n.{quote(f'p_{k}')}"
                      for k in ("region_id", *_GAIN_KEYS))
    sql = (f"SELECT s.*, n.{quote('t_people')}, n.{quote('t_left_out')} "  # noqa: S608
           f"FROM ({sums_sql}) s JOIN (SELECT {', '.join(names)}, "
           f"SUM({quote('people')}) AS {quote('t_people')}, "
           f"SUM({quote('left_out')}) AS {quote('t_left_out')} "
           f"FROM ({each_sql}) x GROUP BY {', '.join(names)}) n ON {on}")
    return sql, [*sums_params, *each_params]


def _gain_sums(municipality_ids: list[int]) -> tuple[str, list[Any]]:
    """The municipalities' sums of :class:`PublishedGain` by sector, final round (kind, dates
    and status: an open round's sums are kept apart, pending) and competency (columns
    ``t_<field>``) — of counted cells only (:func:`gain_counted_q`,
    the release rule: a small cell's levels enter no sum), a row for every competency of
    any cell — each row with its group's ``people``: the sum over the group's counted
    organizations and campaigns of their people (one value per organization and campaign,
    repeated in its competencies' rows — so not a sum of the rows), and ``left_out``: the
    same over the small ones."""
    org = "organization__"
    gains = PublishedGain.objects.filter(
        **{f"{org}municipality_id__in": municipality_ids}).order_by()
    counted, cell = gain_counted_q(), gain_cell_q()
    place = {"municipality_id": F(f"{org}municipality_id"), "sector": F(f"{org}sector"),
             "kind": F("campaign__kind"), "starts_on": F("campaign__starts_on"),
             "ends_on": F("campaign__ends_on"), "status": F("campaign__status")}
    sums_sql, sums_params = (
        gains.values(t_competency=F("competency"), **{f"t_{k}": v for k, v in place.items()})
        .annotate(**{f"t_{name}": Coalesce(Sum(name, filter=counted), Value(0))
                     for name in ("before_sum", "before_n", "after_sum", "after_n")})
        .query.sql_with_params())
    people_sql, people_params = (
        gains.values("organization_id", "campaign_id", **{f"p_{k}": v for k, v in place.items()})
        .annotate(p_people=Max("people", filter=cell), p_left=Max("people", filter=~cell))
        .query.sql_with_params())
    quote = connection.ops.quote_name
    keys = [quote(f"p_{k}") for k in place]
    on = " AND ".join(f"s.{quote(f't_{k}')} = n.{quote(f'p_{k}')}" for k in place)
    sql = (f"SELECT s.*, n.{quote('t_people')}, n.{quote('t_left_out')} "  # noqa: S608
           f"FROM ({sums_sql}) s JOIN ("
           f"SELECT {', '.join(keys)}, COALESCE(SUM({quote('p_people')}), 0) AS "
           f"{quote('t_people')}, COALESCE(SUM({quote('p_left')}), 0) AS {quote('t_left_out')} "
           f"FROM ({people_sql}) x GROUP BY {', '.join(keys)}) n ON {on}")
    return sql, [*sums_params, *people_params]


def rederive(organization_ids: Iterable[int | None]) -> None:
    """A campaign changed its kind or dates, or was deleted: what is derived from these
    organizations' tallies without reading answers — their potential mentors' best round
    and their municipalities' sums — is redone in this transaction, under a rebuild's
    locks (the campaign's own tallies stay or went with it)."""
    ids = sorted({pk for pk in organization_ids if pk is not None})
    if not ids:
        return
    with transaction.atomic():
        municipalities = _lock(ids)
        StrongBest.objects.filter(organization_id__in=ids).delete()
        _insert(StrongBest, *_best_counts(ids).query.sql_with_params())
        _roll_up(municipalities)


def regain(organization_ids: Iterable[int | None], campaign_id: int | None = None) -> None:
    """A final round closed or reopened: only its status changed, and of everything
    derived the status keys only the published state of its cells (:func:`_publish`) and
    the municipalities' sums of «before/after» (:class:`MunicipalityGainTally`; the
    organizations' current tallies do not depend on it, nor does the potential mentors'
    best round). So only those are redone, in this transaction, under the
    municipalities' rows (:func:`_lock_municipalities`: a rebuild holds them before it
    writes an organization's tallies or sums a municipality, so none of it runs
    meanwhile). Neither the organizations' ``TallyState`` rows nor their mentors, nor the
    other sums, are locked or rewritten: a region-wide round's closing held every
    municipality's and organization's rows for a whole :func:`rederive` (docs/performance.md,
    «Закрытие итогового раунда»). Sums of organizations still waiting for a rebuild would be
    published stale — a closing refuses while any of the round's wait
    (``services.campaign_close``, :func:`waiting_for`).

    ``campaign_id``: the final round closed or reopened — closed, its cells' published
    states follow rule 5 first (:func:`_publish`: the stored members of its cells compared
    with the published ones, no answer read); reopened, its published cells stay as they
    were (a cell never published follows its current sums until the round's first
    closing; in a round reopened since — ``Campaign.reopened`` — it is counted nowhere
    until three people are in it, and its published sums are deleted)."""
    ids = sorted({pk for pk in organization_ids if pk is not None})
    if not ids:
        return
    with transaction.atomic():
        municipalities = _lock_municipalities(ids)
        if campaign_id is not None:
            _publish(ids, campaign_id)
        _redo_gain_sums(municipalities)


def waiting_for(campaign_id: int) -> int:
    """How many organizations with a questionnaire of this campaign wait for a rebuild
    (``TallyState.dirty_since``): their tallies, and so the sums of their
    municipalities, may not yet hold what was written (an import of more than
    :func:`sync_max` organizations is rebuilt by the job after it commits)."""
    return TallyState.objects.filter(dirty_since__isnull=False).filter(Exists(
        Response.objects.filter(campaign_id=campaign_id,
                                **{ORG: OuterRef("organization_id")}))
    ).count()


def state(organizations: QuerySet[Organization], *, every: bool = False
          ) -> tuple[dt.datetime | None, int]:
    """For a set of organizations: when their figures were last rebuilt (the newest
    rebuild; None: never) and how many of them wait for one. ``every``: they are every
    organization there is (``access.filters.Filters.every_organization``)."""
    # No row at all where the organizations are known to be none (an empty IN: Django
    # sends no query).
    for at, waiting in state_rows(organizations, every=every).values_list("at", "waiting"):
        return at, waiting
    return None, 0


def state_rows(organizations: QuerySet[Organization], *, every: bool = False
               ) -> QuerySet[Any, Any]:
    """:func:`state` as one row (columns ``at``, ``waiting``), for a statement that reads
    it beside other things: the monitoring cache's version reads the newest rebuild of a
    dashboard's organizations anyway (``tandem.monitoring.versions.version``) and hands
    both on to the figures it keys, so that ``TallyState`` is read once, not twice."""
    # A constant to group by adds no GROUP BY: one row, even of no organizations. The
    # country's (``every``): the whole table (no join with every organization's id).
    rows = (TallyState.objects.all() if every
            else TallyState.objects.filter(organization_id__in=organizations))
    return (rows.order_by()
            .annotate(one=Value(1)).values("one")
            .annotate(at=Max("refreshed_at"),
                      waiting=Count("pk", filter=Q(dirty_since__isnull=False)))
            .values("at", "waiting"))


def as_datetime(value: object) -> dt.datetime | None:
    """A time read by a raw cursor as the ORM would give it: SQLite hands a text (of UTC,
    as Django writes it), PostgreSQL a datetime."""
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"not a time: {value!r}")
    return timezone.make_aware(parsed, dt.UTC) if timezone.is_naive(parsed) else parsed


def stale() -> list[tuple[object, ...]]:
    """What the stored tallies hold and a rebuild from the answers would not (or the
    other way round), and the organizations that wait for a rebuild: empty when every
    writer touched what it changed. Reads only (one repeatable snapshot on PostgreSQL),
    so it may run while people write: a write that commits meanwhile is not seen."""
    with read_only_snapshot():
        stored = _snapshot({model: model.objects.all()  # type: ignore[attr-defined]
                            for model in (*ORGANIZATION_TALLIES, *MUNICIPALITY_TALLIES,
                                          RegionAnswerTally, RegionGainTally)})
        ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
        fresh_rows: dict[type, list[Any]] = defaultdict(list)
        for start in range(0, len(ids), BATCH):
            for model, rows in _computed(ids[start:start + BATCH]).items():
                fresh_rows[model] += rows
        # The municipalities' «before / after»: of the cells' published states (rule 5),
        # which are checked against the current ones apart (``unpublished``).
        # The municipalities' answers likewise: of the groups' published counts (rule 5),
        # checked against the current ones apart (``_answers_misheld``).
        fresh_rows.update(_summed(list(PublishedAnswer.objects.all()), fresh_rows[StrongBest],
                                  fresh_rows[ResponseTally], list(PublishedGain.objects.all())))
        # The regions' sums: of the municipalities' sums just computed, by their region.
        fresh_rows[RegionAnswerTally] = _by_region(fresh_rows[MunicipalityAnswerTally])
        fresh_rows[RegionGainTally] = _gains_by_region(fresh_rows[MunicipalityGainTally])
        fresh = _snapshot(fresh_rows)
        waiting = {("waiting", pk) for pk in TallyState.objects.filter(
            dirty_since__isnull=False).values_list("organization_id", flat=True)}
        unpublished: set[tuple[object, ...]] = set()
        for start in range(0, len(ids), BATCH):
            for kind, cells in zip(("republish", "current sums", "never published"),
                                   _unpublished(ids[start:start + BATCH], compare=True),
                                   strict=True):
                unpublished |= {("unpublished", kind, *cell) for cell in cells}
            unpublished |= _answers_misheld(ids[start:start + BATCH])
        misplaced = _misplaced()
    return sorted(stored ^ fresh | waiting | unpublished | misplaced, key=str)


def _misplaced() -> set[tuple[object, ...]]:
    """Questionnaires not where they count (``Response.organization``), which no rebuild
    puts right: (a) one not submitted whose organization is not its person's now (every
    move, hand-out and reopening sets it — not, a writer missed it: it counts in the
    wrong cell); (b) one submitted without an organization since migration 0020 filled
    them — handed out by old code still running after the fill (it counts in no cell).
    An organization deleted (``organization_deleting``) also leaves its questionnaires
    without one, as it should: those submitted before 0020 are not reported, nor those
    whose person was, when they submitted it, in an organization deleted since (the
    audit trail of their moves, ``people.models.organizations_then``): they count in no
    cell, as a rebuild keeps them (docs/diagnostics.md)."""
    found: set[tuple[object, ...]] = {
        ("questionnaire not with its person", pk, org, now)
        for pk, org, now in Response.objects.exclude(status=SUBMITTED)
        .exclude(**{ORG: F("participant__organization_id")})
        .values_list("pk", ORG, "participant__organization_id").order_by()}
    from django.db.migrations.recorder import MigrationRecorder

    filled = (MigrationRecorder.Migration.objects
              .filter(app="diagnostics", name="0020_response_organization")
              .values_list("applied", flat=True).first())
    if filled is not None:
        left = [(pk, person, at) for pk, person, at in Response.objects.filter(
            status=SUBMITTED, submitted_at__gte=filled, **{f"{ORG}__isnull": True})
            .values_list("pk", "participant_id", "submitted_at").order_by()
            if at is not None]  # (none is: ``__gte``)
        # Where each was answered: an organization deleted since leaves it in no cell, as
        # the rebuild keeps it — no difference (the delete set it to NULL).
        there = organizations_then((person, at) for _pk, person, at in left)
        standing = set(Organization.objects.filter(pk__in=set(there.values()))
                       .values_list("pk", flat=True))
        found |= {("questionnaire without organization", pk, person)
                  for pk, person, at in left if there.get((person, at)) in standing}
    return found


def _summed(counts: list[Any], best: list[StrongBest],
            responses: list[ResponseTally], gains: list[Any]) -> dict[type, list[Any]]:
    """What ``_roll_up`` would store for every municipality, from organizations' published
    counts (:class:`PublishedAnswer`), best rounds, questionnaires and published gains
    (:class:`PublishedGain`)."""
    unit = {pk: (municipality, sector) for pk, municipality, sector
            in Organization.objects.values_list("pk", "municipality_id", "sector")}
    rounds: dict[int, tuple[Any, ...]] = {}
    status: dict[int, str] = {}  # a final round's is part of its gains' place
    for pk, kind, starts_on, ends_on, state in Campaign.objects.values_list(
            "pk", "kind", "starts_on", "ends_on", "status"):
        rounds[pk], status[pk] = (kind, starts_on, ends_on), state
    # Answers cell by cell, by the release rule itself (not its query twin): a small
    # cell adds its competency's row (zeros) and its levels as left out.
    sums: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * (len(COUNTS) + 1))
    for row in counts:
        key = (*unit[row.organization_id], *rounds[row.campaign_id], row.competency)
        if release.counted(release.Cell(key, row.deficit, row.answered, row.answered)):
            added = [getattr(row, name) for name in COUNTS] + [0]
        else:
            added = [0] * len(COUNTS) + [row.answered]
        sums[key] = [a + b for a, b in zip(sums[key], added, strict=True)]
    mentors: dict[tuple[int, str, str], int] = defaultdict(int)
    for item in best:
        mentors[(*unit[item.organization_id], item.area)] += item.people
    handed: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for tally in responses:
        place = (*unit[tally.organization_id], *rounds[tally.campaign_id])
        handed[place][0] += tally.invited
        handed[place][1] += tally.submitted
        handed[place][2] += release.enough(tally.submitted)
    # Gains cell by cell, by the release rule itself (not its query twin): a small cell
    # adds its competencies' rows (zeros) and its people as left out; a round's status is
    # part of its place (an open one is pending).
    levels: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    people: dict[tuple[Any, ...], dict[tuple[int, int], int]] = defaultdict(dict)
    left_out: dict[tuple[Any, ...], dict[tuple[int, int], int]] = defaultdict(dict)
    for gain in gains:
        group = (*unit[gain.organization_id], *rounds[gain.campaign_id],
                 status[gain.campaign_id])
        cell = (gain.organization_id, gain.campaign_id)
        counted = release.level_counted(gain.people, gain.before_n, gain.after_n)
        levels[(*group, gain.competency)] = [
            a + (b if counted else 0) for a, b in zip(levels[(*group, gain.competency)], (
                gain.before_sum, gain.before_n, gain.after_sum, gain.after_n), strict=True)]
        (people if release.enough(gain.people) else left_out)[group][cell] = gain.people
    return {
        MunicipalityAnswerTally: [
            MunicipalityAnswerTally(municipality_id=m, sector=sector, kind=kind,
                                    starts_on=starts_on, ends_on=ends_on, competency=code,
                                    **dict(zip((*COUNTS, "left_out"), values, strict=True)))
            for (m, sector, kind, starts_on, ends_on, code), values in sums.items()],
        MunicipalityStrong: [MunicipalityStrong(municipality_id=m, sector=sector, area=area,
                                                people=n)
                             for (m, sector, area), n in mentors.items()],
        MunicipalityResponseTally: [
            MunicipalityResponseTally(municipality_id=m, sector=sector, kind=kind,
                                      starts_on=starts_on, ends_on=ends_on, invited=invited,
                                      submitted=submitted, counted=counted)
            for (m, sector, kind, starts_on, ends_on), (invited, submitted, counted)
            in handed.items()],
        MunicipalityGainTally: [
            MunicipalityGainTally(municipality_id=m, sector=sector, kind=kind,
                                  starts_on=starts_on, ends_on=ends_on, status=state,
                                  competency=code,
                                  before_sum=b, before_n=bn, after_sum=a, after_n=an,
                                  people=sum(people[(m, sector, kind, starts_on, ends_on,
                                                     state)].values()),
                                  left_out=sum(left_out[(m, sector, kind, starts_on, ends_on,
                                                         state)].values()))
            for (m, sector, kind, starts_on, ends_on, state, code), (b, bn, a, an)
            in levels.items()]}


def _by_region(rows: list[Any]) -> list[RegionAnswerTally]:
    """What :func:`_resum_regions` would store from these municipalities' sums."""
    region_of = dict(Municipality.objects.values_list("pk", "region_id"))
    sums: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * (len(COUNTS) + 1))
    for row in rows:
        key = (region_of[row.municipality_id], row.sector, row.kind, row.starts_on,
               row.ends_on, row.competency)
        sums[key] = [a + getattr(row, name) for a, name in
                     zip(sums[key], (*COUNTS, "left_out"), strict=True)]
    return [RegionAnswerTally(region_id=r, sector=sector, kind=kind, starts_on=starts_on,
                              ends_on=ends_on, competency=code,
                              **dict(zip((*COUNTS, "left_out"), values, strict=True)))
            for (r, sector, kind, starts_on, ends_on, code), values in sums.items()]


def _gains_by_region(rows: list[Any]) -> list[RegionGainTally]:
    """What :func:`_region_gains` would store from these municipalities' sums."""
    region_of = dict(Municipality.objects.values_list("pk", "region_id"))
    levels: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(_LEVELS))
    groups: dict[tuple[Any, ...], dict[int, tuple[int, int]]] = defaultdict(dict)
    for row in rows:
        group = (region_of[row.municipality_id], *(getattr(row, k) for k in _GAIN_KEYS))
        levels[(*group, row.competency)] = [
            a + getattr(row, name) for a, name in
            zip(levels[(*group, row.competency)], _LEVELS, strict=True)]
        groups[group][row.municipality_id] = (row.people, row.left_out)
    return [RegionGainTally(
        region_id=key[0], **dict(zip(_GAIN_KEYS, key[1:-1], strict=True)),
        competency=key[-1], **dict(zip(_LEVELS, values, strict=True)),
        people=sum(p for p, _s in groups[key[:-1]].values()),
        left_out=sum(s for _p, s in groups[key[:-1]].values()))
        for key, values in levels.items()]


_GAIN_FIELDS = ("organization_id", "campaign_id", "competency", "before_sum", "before_n",
                "after_sum", "after_n", "people")
_MEMBER_FIELDS = ("organization_id", "campaign_id", "person", "digest")
# The tables of «before / after» beyond GainTally: its people, and their published state.
_GAIN_STATE = (GainMember, PublishedGain, PublishedGainMember)
_FIELDS: dict[type, tuple[str, ...]] = {
    ResponseTally: ("organization_id", "campaign_id", "invited", "new", "draft", "submitted"),
    AnswerTally: ("organization_id", "campaign_id", "competency", *COUNTS),
    PublishedAnswer: ("organization_id", "campaign_id", "competency", *COUNTS),
    AnswerMember: _MEMBER_FIELDS,
    PublishedAnswerMember: _MEMBER_FIELDS,
    StrongTally: ("organization_id", "campaign_id", "area", "people", "levelled"),
    StrongBest: ("organization_id", "area", "people"),
    GainTally: _GAIN_FIELDS,
    PublishedGain: _GAIN_FIELDS,  # the published state of the same sums
    GainMember: _MEMBER_FIELDS,
    PublishedGainMember: _MEMBER_FIELDS,
    MunicipalityAnswerTally: ("municipality_id", "sector", "kind", "starts_on", "ends_on",
                              "competency", *COUNTS, "left_out"),
    RegionAnswerTally: ("region_id", "sector", "kind", "starts_on", "ends_on", "competency",
                        *COUNTS, "left_out"),
    RegionGainTally: ("region_id", "sector", "kind", "starts_on", "ends_on", "status",
                      "competency", "before_sum", "before_n", "after_sum", "after_n",
                      "people", "left_out"),
    MunicipalityStrong: ("municipality_id", "sector", "area", "people"),
    MunicipalityResponseTally: ("municipality_id", "sector", "kind", "starts_on", "ends_on",
                                "invited", "submitted", "counted"),
    MunicipalityGainTally: ("municipality_id", "sector", "kind", "starts_on", "ends_on",
                            "status", "competency", "before_sum", "before_n", "after_sum",
                            "after_n", "people", "left_out"),
}


def _snapshot(sources: Mapping[type, Iterable[Any]]) -> set[tuple[object, ...]]:
    """Rows as comparable tuples: stored ones (a queryset) or computed ones (instances)."""
    rows: set[tuple[object, ...]] = set()
    for model, source in sources.items():
        fields = _FIELDS[model]
        if isinstance(source, QuerySet):
            rows |= {(model.__name__, *row) for row in source.values_list(*fields)}
        else:
            rows |= {(model.__name__, *(getattr(item, name) for name in fields))
                     for item in source}
    return rows


# Writers outside this app, through signals (connected in apps.py): a participant who
# moves to another organization takes their questionnaires along; one deleted takes them
# away (a campaign deleted takes its tallies with it: they cascade); an organization that
# moves to another municipality or sector takes its sums along; a campaign whose kind or
# dates change, or that is deleted, moves its answers to another round of the
# municipalities' sums (or out of them) and may change an organization's best initial
# round: what derives from the tallies is redone (the tallies themselves are per
# campaign: they stay, or cascade with it).


def _participant_moved(person: Any, before: tuple[Any, ...], after: tuple[Any, ...]) -> None:
    """A person moved to another organization. Their submitted questionnaires stay in the
    cells where they answered them (``Response.organization``): no answer, no level of
    «before / after» moves between cells — three people moving together out of a cell
    and back around one answer, or together to another municipality, move no figure by
    anyone's levels (docs/monitoring.md, «Переходы между ячейками»). Their questionnaires
    not submitted (handed out, a draft) follow them: the questionnaire counts of both
    organizations (:class:`ResponseTally`) change."""
    if None in before or None in after:  # (not read: deferred)
        return
    waiting = (Response.objects.filter(participant_id=person.pk)
               .exclude(status=SUBMITTED).exclude(**{ORG: after[0]}))
    organizations = list(waiting.order_by().values_list(ORG, flat=True).distinct())
    if waiting.update(organization_id=after[0]):
        touch([*organizations, after[0]])


def _organization_moved(organization: Any, before: tuple[Any, ...],
                        after: tuple[Any, ...]) -> None:
    """Moved to another municipality or changed its sector: its answers move in the
    municipalities' sums."""
    if None not in before:
        touch([getattr(organization, "pk", None)])


def _municipality_rezoned(municipality: Any, before: tuple[Any, ...],
                          after: tuple[Any, ...]) -> None:
    """A municipality moved to another region: its sums move with it — both regions'
    sums (:class:`RegionAnswerTally`) redone in the saving transaction, under the
    regions' rows, after the municipality's row (the save's own ``UPDATE`` holds it:
    the lock order of :func:`_resum_regions`)."""
    with transaction.atomic():
        _resum_regions([*before, *after])


def _campaign_organizations(campaign_id: Any) -> list[int]:
    """The organizations with a tally of the campaign. Its :class:`ResponseTally` alone
    names them: an organization's tallies are replaced together (one rebuild), and its
    questionnaire counts are of all its questionnaires of the campaign, while answers and
    strong sides (:class:`AnswerTally`, :class:`StrongTally`) and gains are of the
    submitted ones among them — and :func:`recount_progress` only adds or rewrites a
    questionnaire count (tests/test_tallies.py)."""
    return sorted(set(ResponseTally.objects.filter(campaign_id=campaign_id).values_list(
        "organization_id", flat=True)))


def _campaign_rerounded(campaign: Any, before: tuple[Any, ...],
                        after: tuple[Any, ...]) -> None:
    organizations = _campaign_organizations(getattr(campaign, "pk", None))
    # kind: a final round's «before/after» come or go; the end of a final round sharing
    # its baseline with another: which is a person's latest (their baseline levels are
    # in its cell only, :func:`_latest_finals`) may change.
    gains = before[0] != after[0] or (before[2] != after[2] and _shares_baseline(campaign))
    if gains and len(organizations) <= sync_max():
        # rebuilt now, which redoes what rederive would (the mentors' best round, the
        # municipalities' sums)
        touch(organizations, now=True)
        return
    rederive(organizations)
    if gains:  # too many to rebuild now: marked for the job
        touch(organizations, now=True)


def _shares_baseline(campaign: Any) -> bool:
    """A final round whose baseline another final round has too."""
    baseline, pk = getattr(campaign, "baseline_id", None), getattr(campaign, "pk", None)
    return baseline is not None and pk is not None and Campaign.objects.filter(
        baseline_id=baseline, kind=Campaign.Kind.FINAL).exclude(pk=pk).exists()


def _gain_organizations(campaign_ids: Iterable[Any]) -> list[int]:
    """The organizations holding «before/after» of these final rounds: people in their
    cells now, or a published state."""
    ids = list(campaign_ids)
    return sorted(set().union(*(
        model.objects.filter(campaign_id__in=ids).order_by()  # type: ignore[attr-defined]
        .values_list("organization_id", flat=True).distinct()
        for model in _GAIN_STATE)))


def _campaign_rebased(campaign: Any, before: tuple[Any, ...],
                      after: tuple[Any, ...]) -> None:
    """A final round given another baseline (or none): its «before/after» are rebuilt — the
    organizations' view reads only finals with a baseline, the municipalities' sums must
    hold the same (review finding, 2026-12-05)."""
    # Its «before/after» (GainTally) are of organizations with its questionnaires.
    touch(_campaign_organizations(getattr(campaign, "pk", None)), now=True)


def _campaign_closed(campaign: Any, before: tuple[Any, ...],
                     after: tuple[Any, ...]) -> None:
    """A final round closed or reopened: its «before/after» are published or pending
    again (``gain_published_q``); its cells' published state (rule 5) and the
    municipalities' sums of them are redone (:func:`regain`); the organizations' current
    tallies stay."""
    if getattr(campaign, "kind", None) == Campaign.Kind.FINAL:
        pk = getattr(campaign, "pk", None)
        regain(_gain_organizations([pk]), pk)


ROUND = ("kind", "starts_on", "ends_on")
# Compared as stored just before each save (tandem/web/tracking.py), not as loaded.
TRACKED = (
    Tracked(Participant, "diagnostics_organization", ("organization_id",), _participant_moved),
    Tracked(Organization, "diagnostics_place", ("municipality_id", "sector"),
            _organization_moved),
    Tracked(Campaign, "diagnostics_round", ROUND, _campaign_rerounded),
    Tracked(Campaign, "diagnostics_baseline", ("baseline_id",), _campaign_rebased),
    Tracked(Campaign, "diagnostics_status", ("status",), _campaign_closed),
    Tracked(Municipality, "diagnostics_region", ("region_id",), _municipality_rezoned,
            locked=True),  # the region before the move, read holding the row
)


def participant_deleted(sender: type, instance: object, **kwargs: object) -> None:
    """(``pre_delete``) The organizations their questionnaires count in (they cascade;
    wherever they answered them), and theirs as stored, not as the deleted copy holds it."""
    pk = getattr(instance, "pk", None)
    answered = [] if pk is None else list(Response.objects.filter(participant_id=pk)
                                          .order_by().values_list(ORG, flat=True).distinct())
    touch([*(as_stored(instance, ("organization_id",), using=kwargs.get("using")) or ()),
           *answered])


def organization_deleting(sender: type, instance: object, **kwargs: object) -> None:
    """(``pre_delete``) An organization deleted — none of its people left (a person's
    organization is protected), but questionnaires answered there by people who have
    moved since may be. They stay their people's and count in no cell
    (``Response.organization`` set to NULL by the delete); its tallies (they cascade) —
    the published «before / after» too — leave its municipalities' sums now, in the
    deleting transaction: the cascade would take the rows and leave the sums (the
    published deficits' groups too: whole groups of at least three people). Its state
    is held if it has one, none is created (the delete has collected what cascades: a new
    row would be left pointing at no organization)."""
    pk = getattr(instance, "pk", None)
    if pk is None:
        return
    with transaction.atomic():
        municipalities = _lock_municipalities([pk])
        list(TallyState.objects.select_for_update().filter(organization_id=pk)
             .values_list("pk", flat=True))
        for model in (*ORGANIZATION_TALLIES, PublishedGain, PublishedGainMember,
                      PublishedAnswer, PublishedAnswerMember):
            model.objects.filter(organization_id=pk).delete()  # type: ignore[attr-defined]
        _roll_up(municipalities)


def municipality_deleted(sender: type, instance: object, **kwargs: object) -> None:
    """(``post_delete``) A municipality deleted (none of its organizations left; its sums
    cascaded): its region's sums redone without them in the deleting transaction. An
    organization that left it for another region before the job re-summed it left its
    figures in the old region's sums until then (review of h/regionsums: the country
    counted it in both regions)."""
    region = getattr(instance, "region_id", None)
    if region is not None:
        with transaction.atomic():
            _resum_regions([region])


def campaign_deleting(sender: type, instance: object, **kwargs: object) -> None:
    pk = getattr(instance, "pk", None)
    instance.__dict__["_tally_organizations"] = _campaign_organizations(pk)
    # Its finals lose their baseline (SET_NULL, no save): their «before/after» go.
    instance.__dict__["_gain_organizations"] = _gain_organizations(
        Campaign.objects.filter(baseline_id=pk).values_list("pk", flat=True))


def campaign_deleted(sender: type, instance: object, **kwargs: object) -> None:
    rederive(instance.__dict__.pop("_tally_organizations", []))
    touch(instance.__dict__.pop("_gain_organizations", []), now=True)
