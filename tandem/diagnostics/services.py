"""Writes: publishing the framework, campaigns, questionnaires, expert levels, reminders."""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from tandem.access.services import participant_login
from tandem.accounts.models import User
from tandem.core import diagnostics as core
from tandem.core import release
from tandem.diagnostics import tallies
from tandem.diagnostics.models import (
    Answer,
    Campaign,
    Competency,
    CompetencyArea,
    FrameworkVersion,
    Response,
)
from tandem.diagnostics.selectors import competency_entry, region_snapshot
from tandem.people.models import Participant, organizations_now
from tandem.territory.models import Municipality, Organization, Region
from tandem.web.confirm import reopen_days, reopenable
from tandem.web.tasks import send_email

LOCKED = gettext_lazy("Анкета уже отправлена: изменить её можно, только если куратор "
                      "откроет её снова.")
UNKNOWN_COMPETENCY = gettext_lazy("Такой компетенции нет в рамке этой диагностики: %(code)s.")
LEVEL_OUT_OF_RANGE = gettext_lazy("Уровень должен быть от 0 до 3.")
PRIORITY_OUT_OF_RANGE = gettext_lazy("Приоритет — 1, 2 или 3.")
CAMPAIGN_CLOSED = gettext_lazy("Диагностика завершена: ответы больше не принимаются.")
NO_EXPERT = gettext_lazy("В этой диагностике нет экспертной оценки.")
REOPEN_CAMPAIGN_FIRST = gettext_lazy(
    "Диагностика завершена, её цифры опубликованы: анкету нельзя открыть снова одну. "
    "Сначала откройте снова всю диагностику (на её странице), затем анкету.")
REOPEN_MOVED = gettext_lazy(
    "Анкету нельзя открыть снова: после ответа участник перешёл в другую организацию, и "
    "анкета учтена там, где он отвечал. Чтобы он ответил заново, включите его в "
    "диагностику его новой организации.")
BASELINE_FROZEN = gettext_lazy(
    "Итоговая диагностика «%(title)s», которая сравнивается с этой входной, завершена, и "
    "её «до и после» опубликованы: анкеты входной больше не меняются. Чтобы отправить или "
    "исправить анкету, сначала откройте снова итоговую диагностику (на её странице).")
BASELINE_FROZEN_FOR_GOOD = gettext_lazy(
    "Итоговая диагностика «%(title)s», которая сравнивается с этой входной, завершена, и "
    "её «до и после» опубликованы; срок, когда её можно было открыть снова, прошёл. Анкеты "
    "входной больше не отправить и не изменить.")
BASELINE_FROZEN_TEACHER = gettext_lazy(
    "Входная диагностика закрыта: итоговая уже завершена и её итоги опубликованы. Если вы "
    "не успели отправить анкету, обратитесь к куратору.")
FINAL_AFTER_CLOSED = gettext_lazy(
    "Итоговая «%(other)s» с этой входной уже завершена, и её «до и после» опубликованы. "
    "Новая итоговая с той же входной, которая кончается не раньше неё, меняла бы эти "
    "цифры по одному человеку. Выберите другую входную, поставьте окончание раньше, чем у "
    "«%(other)s», или сначала откройте «%(other)s» снова.")
CLOSE_LATER_FINAL_FIRST = gettext_lazy(
    "Итоговая «%(other)s» с той же входной кончается позже и ещё идёт: её анкеты меняли бы "
    "опубликованные цифры «до и после» этой диагностики по одному человеку. Сначала "
    "завершите «%(other)s», затем эту.")
CLOSE_WAIT_FOR_TALLIES = ngettext_lazy(
    "Цифры %(n)s организации этой диагностики ещё пересчитываются после недавних изменений "
    "(например, загрузки анкет). Завершите диагностику через несколько минут, когда пересчёт "
    "закончится: сейчас опубликовались бы цифры «до и после» без этих изменений.",
    "Цифры %(n)s организаций этой диагностики ещё пересчитываются после недавних изменений "
    "(например, загрузки анкет). Завершите диагностику через несколько минут, когда пересчёт "
    "закончится: сейчас опубликовались бы цифры «до и после» без этих изменений.", "n")
REOPEN_EARLIER_FINAL_FIRST = gettext_lazy(
    "Итоговая «%(other)s» с той же входной кончается раньше и завершена: анкеты этой "
    "диагностики, открытой снова, меняли бы её опубликованные цифры «до и после» по одному "
    "человеку. Сначала откройте снова «%(other)s», затем эту.")
REOPEN_REASON_REQUIRED = gettext_lazy("Укажите, почему диагностику открывают снова.")
REOPEN_TOO_LATE = ngettext_lazy(
    "Открыть диагностику снова можно в течение %(days)s дня после завершения; этот срок "
    "прошёл.",
    "Открыть диагностику снова можно в течение %(days)s дней после завершения; этот срок "
    "прошёл.", "days")
PROBLEM_TEXT = {
    core.UNANSWERED: gettext_lazy("не выбран уровень"),
    core.PRIORITY_NOT_A_DEFICIT: gettext_lazy(
        "приоритет можно ставить только тому, чему вы хотите научиться"),
    core.TOO_MANY_PRIORITIES: gettext_lazy("приоритетов не больше трёх"),
    core.DUPLICATE_PRIORITY: gettext_lazy("этот номер приоритета уже занят"),
}


class DiagnosticsError(Exception):
    """A refused write; ``problems`` maps competency codes to messages, if any."""

    def __init__(self, message: str, problems: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.problems = dict(problems or {})


# -- framework -----------------------------------------------------------------------
def framework_snapshot() -> dict[str, object]:
    """The federal competencies in use, by area (a region's own are added per campaign:
    :func:`region_version`)."""
    areas = []
    competencies = Competency.objects.filter(is_active=True, region__isnull=True)
    by_area: dict[int, list[Competency]] = {}
    for c in competencies:
        by_area.setdefault(c.area_id, []).append(c)
    for area in CompetencyArea.objects.all():
        items = by_area.get(area.pk, [])
        if not items:
            continue
        areas.append({"code": area.code, "name": area.name,
                      "competencies": [competency_entry(c) for c in items]})
    return {"areas": areas}


def region_version(*, federal: FrameworkVersion, region: Region | None,
                   user: User | None) -> FrameworkVersion:
    """The version a new campaign of ``region`` pins: the federal one, or — when the region
    has competencies of its own — that version with them added. Such a regional version
    is made once and reused while neither part changes; a region's edits reach its new
    campaigns at once (no publication), and campaigns already made keep their version."""
    if federal.region_id is not None:
        raise ValueError("a regional version is built on a federal one")
    if region is None:
        return federal
    snapshot = region_snapshot(federal, region)
    if snapshot is None:
        return federal
    with transaction.atomic():
        # One at a time; NO KEY: a rebuild inserting the region's sums (a foreign key to
        # the row: KEY SHARE) must not wait for it while this creation waits for the
        # rebuild's municipality (review of h/regionsums: «deadlock detected»).
        Region.objects.select_for_update(no_key=True).filter(pk=region.pk).exists()
        latest = FrameworkVersion.objects.filter(region=region).newest_first().first()
        if latest is not None and latest.snapshot == snapshot:
            return latest
        last = FrameworkVersion.objects.aggregate(n=Max("number"))["n"] or 0
        note = _("Версия %(n)s и компетенции региона «%(region)s»") % {
            "n": federal.number, "region": region.name}
        return FrameworkVersion.objects.create(number=last + 1, note=note[:300],
                                               snapshot=snapshot, region=region,
                                               created_by=user)


@transaction.atomic
def framework_publish(*, note: str, user: User | None) -> FrameworkVersion:
    """Freezes the current federal framework as a new version for the campaigns to come."""
    last = FrameworkVersion.objects.aggregate(n=Max("number"))["n"] or 0
    return FrameworkVersion.objects.create(number=last + 1, note=note,
                                           snapshot=framework_snapshot(), created_by=user)


def unit_region(unit: Region | Municipality | Organization) -> Region:
    if isinstance(unit, Region):
        return unit
    if isinstance(unit, Municipality):
        return unit.region
    return unit.municipality.region


# -- campaigns -----------------------------------------------------------------------
@transaction.atomic
def campaign_create(*, title: str, kind: str, unit: Region | Municipality | Organization,
                    starts_on: dt.date, ends_on: dt.date, with_expert: bool,
                    baseline: Campaign | None, participants: QuerySet[Participant],
                    framework: FrameworkVersion, user: User | None) -> Campaign:
    """A campaign of ``unit`` on the federal ``framework`` with the unit's region's own
    competencies added (:func:`region_version`)."""
    framework = region_version(federal=framework, region=unit_region(unit), user=user)
    if kind == Campaign.Kind.FINAL and baseline is not None:
        other = _final_blocked_by(baseline_id=baseline.pk, changed=None, ends_on=ends_on,
                                  closed=False)
        if other:
            raise DiagnosticsError(FINAL_AFTER_CLOSED % {"other": other})
    campaign = Campaign(title=title, kind=kind, starts_on=starts_on, ends_on=ends_on,
                        with_expert=with_expert, baseline=baseline, framework=framework,
                        created_by=user)
    if isinstance(unit, Region):
        campaign.region = unit
    elif isinstance(unit, Municipality):
        campaign.municipality = unit
    else:
        campaign.organization = unit
    campaign.full_clean()
    campaign.save()
    campaign_add(campaign=campaign, participants=participants)
    return campaign


@transaction.atomic
def campaign_add(*, campaign: Campaign, participants: Iterable[Participant]) -> int:
    """Adds people to the campaign; those already in it are left as they are."""
    have = set(campaign.responses.values_list("participant_id", flat=True))
    new = [Response(campaign=campaign, participant=p) for p in participants if p.pk not in have]
    Response.objects.bulk_create(new)  # each counts in its person's organization now
    tallies.touch({r.organization_id for r in new}, now=True)
    return len(new)


@transaction.atomic
def campaign_close(*, campaign: Campaign) -> None:
    """Nobody answers a closed campaign; the curator may reopen it for a while. A final
    round closes after the later finals of its baseline (:func:`_final_blocked_by`)."""
    if campaign.kind == Campaign.Kind.FINAL:
        other = _final_blocked_by(baseline_id=campaign.baseline_id, changed=campaign.pk,
                                  ends_on=campaign.ends_on, closed=True)
        if other:
            raise DiagnosticsError(CLOSE_LATER_FINAL_FIRST % {"other": other})
        # Its closing publishes its municipalities' sums as they stand (tallies.regain):
        # not while organizations of it wait for the job that rebuilds them — a big
        # import committed just before would then move the published figure. The row
        # held first: a writer of the round or of its baseline holds it (or the
        # baseline's, above) shared until it commits, so its marks are seen here.
        list(Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk)
             .values_list("pk", flat=True))
        waiting = tallies.waiting_for(campaign.pk)
        if waiting:
            raise DiagnosticsError(CLOSE_WAIT_FOR_TALLIES % {"n": waiting})
    campaign.status, campaign.closed_at = Campaign.Status.CLOSED, timezone.now()
    campaign.save(update_fields=["status", "closed_at"])


def _final_blocked_by(*, baseline_id: int | None, changed: int | None, ends_on: dt.date,
                      closed: bool) -> str | None:
    """The title of the final round of this baseline that a final round (``changed``: its
    id; None — a new one, created last) may not be beside once it ends on ``ends_on`` and
    is ``closed`` or open (``release.final_blocked_by``), or None. The baseline's row is
    held ``FOR NO KEY UPDATE`` until the transaction ends, so two curators closing,
    reopening and creating finals of one baseline take turns (questionnaire writers only
    share-lock campaign rows and are not held up by it beyond that)."""
    if baseline_id is None:
        return None
    list(Campaign.objects.select_for_update(no_key=True).filter(pk=baseline_id)
         .values_list("pk", flat=True))
    finals: list[tuple[tuple[dt.date, float], bool, int | None]] = [
        ((end, pk), status == Campaign.Status.CLOSED, pk)
        for pk, end, status in Campaign.objects.filter(
            baseline_id=baseline_id, kind=Campaign.Kind.FINAL).exclude(pk=changed or 0)
        .values_list("pk", "ends_on", "status")]
    newest = float("inf")
    finals.append(((ends_on, changed if changed is not None else newest), closed, changed))
    other = release.final_blocked_by(finals, changed)
    if other is None:
        return None
    return str(Campaign.objects.values_list("title", flat=True).get(pk=other))


def campaign_reopenable(campaign: Campaign) -> bool:
    return campaign.status == Campaign.Status.CLOSED and reopenable(campaign.closed_at)


@transaction.atomic
def campaign_reopen(*, campaign: Campaign, reason: str) -> None:
    """Undoes closing, with a reason (audited), within ``TANDEM_REOPEN_DAYS``."""
    if not reason.strip():
        raise DiagnosticsError(str(REOPEN_REASON_REQUIRED))
    if not campaign_reopenable(campaign):
        raise DiagnosticsError(REOPEN_TOO_LATE % {"days": reopen_days()})
    if campaign.kind == Campaign.Kind.FINAL:
        other = _final_blocked_by(baseline_id=campaign.baseline_id, changed=campaign.pk,
                                  ends_on=campaign.ends_on, closed=False)
        if other:
            raise DiagnosticsError(REOPEN_EARLIER_FINAL_FIRST % {"other": other})
    campaign.status, campaign.closed_at = Campaign.Status.OPEN, None
    # Its first publication is past: what a cell of it gains meanwhile is published at the
    # next closing by rule 5 only (``tallies._unpublished_of``), its «вне цифр» too.
    campaign.reopened = True
    campaign.audit_reason = reason.strip()
    campaign.save(update_fields=["status", "closed_at", "reopened"])


def campaign_remind(*, campaign: Campaign, responses: Iterable[Response],
                    base_url: str) -> int:
    """E-mails everyone who has not submitted yet, through the task queue.

    The e-mail is also the invitation: someone without a login gets one (the e-mail
    address) and, while no password is set, a link to set it. People who may not be sent e-mail
    (``Participant.mailable``: no address, no consent to the processing of personal data,
    left the programme) are skipped. A round nobody may send to any more — closed, or the
    baseline of a closed final round (``models.answerable_q``) — is refused, saying why.
    """
    if campaign.status != Campaign.Status.OPEN:
        raise DiagnosticsError(str(CAMPAIGN_CLOSED))
    _check_published(campaign, hold=False)
    sent = 0
    now = timezone.now()
    reminded = []
    for response in responses:
        participant = response.participant
        if response.locked or not participant.mailable:
            continue
        with transaction.atomic():
            user, link = participant_login(participant=participant, base_url=base_url)
        url = base_url.rstrip("/") + reverse("diagnostics:questionnaire",
                                             kwargs={"pk": response.pk})
        body = render_to_string("diagnostics/email/reminder.txt", {
            "participant": participant, "campaign": campaign, "url": url,
            "login": user.get_username(), "link": link})
        send_email.enqueue(subject=_("Тандем: заполните анкету диагностики"), body=body,
                           to=[participant.email])
        reminded.append(response.pk)
        sent += 1
    Response.objects.filter(pk__in=reminded).update(reminded_at=now)
    return sent


# -- questionnaires ------------------------------------------------------------------
@dataclass(frozen=True)
class AnswerInput:
    level: int | None
    can_teach: bool = False
    wants_to_learn: bool = False
    priority: int | None = None


def _check_writable(response: Response) -> None:
    if response.campaign.status == Campaign.Status.CLOSED:
        raise DiagnosticsError(str(CAMPAIGN_CLOSED))
    if response.locked:
        raise DiagnosticsError(str(LOCKED))


@dataclass(frozen=True)
class Frozen:
    """A frozen baseline: why, said to whom can act, and the closed final rounds that
    freeze it (by their end), which a page links — one read of them for both."""

    said: str
    by: list[Campaign]


def baseline_frozen(campaign: Campaign, *, teacher: bool = False,
                    hold: bool = True) -> str | None:
    """:func:`baseline_frozen_by`, only why."""
    frozen = baseline_frozen_by(campaign, teacher=teacher, hold=hold)
    return frozen.said if frozen else None


def baseline_frozen_by(campaign: Campaign, *, teacher: bool = False,
                       hold: bool = True) -> Frozen | None:
    """Why the submitted questionnaires of ``campaign`` may not change, when it is the
    baseline of a closed final round — whose «before / after» are published
    (``core.release.round_published``): a baseline questionnaire submitted, reopened or
    imported would move that figure by one person's levels. None: they may. Each such
    final round's row is held ``FOR SHARE`` (``tallies.hold_campaign``), so its closing
    waits for this write, or the write sees it closed; ``hold=False`` only reads (a page
    that explains; the query twin is ``models.baseline_frozen_q``). The closed round
    itself refuses every write (:data:`CAMPAIGN_CLOSED`).

    Said to whom can act: the ``teacher`` whose questionnaire it is — to ask the curator;
    the curator — to reopen the final round first, or, once its reopening window
    (``TANDEM_REOPEN_DAYS``) has passed for a closed final, that nothing can change it."""
    if campaign.kind != Campaign.Kind.INITIAL:
        return None
    closed = []
    for final in (Campaign.objects.filter(baseline=campaign, kind=Campaign.Kind.FINAL)
                  .order_by("ends_on", "pk").only("pk", "title", "status", "closed_at")):
        if hold:
            final.status = tallies.hold_campaign(final.pk)
        if final.status == Campaign.Status.CLOSED:
            closed.append(final)
    if not closed:
        return None
    if teacher:
        return Frozen(str(BASELINE_FROZEN_TEACHER), closed)
    for final in closed:
        if not campaign_reopenable(final):
            return Frozen(str(BASELINE_FROZEN_FOR_GOOD) % {"title": final.title}, closed)
    return Frozen(str(BASELINE_FROZEN) % {"title": closed[0].title}, closed)


def _check_published(campaign: Campaign, *, teacher: bool = False, hold: bool = True) -> None:
    """Refuses a write that would change a questionnaire of a round whose figures are
    published (:func:`baseline_frozen`; ``hold``: its closed finals locked)."""
    refused = baseline_frozen(campaign, teacher=teacher, hold=hold)
    if refused:
        raise DiagnosticsError(refused)


def check_published(campaign: Campaign, *, hold: bool) -> None:
    """The check of :func:`_check_published` once for many questionnaires of ``campaign``
    written in one transaction (the API's batch of results), so each write passes
    ``checked=True`` instead of reading the finals again. ``hold``: some are submitted —
    the campaign's row is held ``FOR SHARE`` first, then its finals', in the order one
    submission takes them (:func:`_locked`, then :func:`baseline_frozen`): a curator
    closing a final holds the baseline, then the final (:func:`_final_blocked_by`), and
    the final held first here would wait for the baseline he holds while he waits for
    it. The locks last until the batch commits."""
    if hold:
        tallies.hold_campaign(campaign.pk)
    _check_published(campaign, hold=hold)


def _locked(response: Response, *, hold: bool = True) -> Response:
    """The questionnaire's row locked for this transaction — its own row only
    (``of=("self",)``): without it PostgreSQL locks the joined campaign and framework rows
    ``FOR UPDATE`` too, and two teachers of one organization submitting to two campaigns
    at once deadlock in the tallies' rebuild, which holds the organization's campaigns
    ``FOR SHARE`` (``tallies._hold_rounds``) and checks their keys on insert (review
    finding; diagnostics/tests/test_submit_race.py). The campaign is read ``FOR SHARE``
    instead: a closing waits for the submission (or it for the closing, and then sees the
    campaign closed), and submissions to one campaign don't wait for each other. A draft
    save (``hold=False``) only reads the campaign's status: PostgreSQL lets a new shared
    lock past a closing already waiting, so the autosaves of a campaign's teachers could
    hold its closing off for seconds (review finding); a draft written beside a closing
    is a draft of a closed campaign, which counts for nothing. Raises
    :class:`DiagnosticsError` when it may not be written to."""
    response = Response.objects.select_for_update(of=("self",)).select_related(
        "campaign__framework").get(pk=response.pk)
    if hold:
        response.campaign.status = tallies.hold_campaign(response.campaign_id)
    _check_writable(response)
    return response


def _validate(code: str, value: AnswerInput, codes: set[str]) -> None:
    if code not in codes:
        raise DiagnosticsError(str(UNKNOWN_COMPETENCY) % {"code": code})
    if value.level is not None and value.level not in core.LEVELS:
        raise DiagnosticsError(str(LEVEL_OUT_OF_RANGE), {code: str(LEVEL_OUT_OF_RANGE)})
    if value.priority is not None and not 1 <= value.priority <= core.MAX_PRIORITIES:
        raise DiagnosticsError(str(PRIORITY_OUT_OF_RANGE), {code: str(PRIORITY_OUT_OF_RANGE)})


@transaction.atomic
def answers_save(*, response: Response, values: Mapping[str, AnswerInput],
                 own: bool = False, checked: bool = False) -> Response:
    """Saves (part of) a questionnaire as a draft. All or nothing. Not to the baseline of
    a closed final round (:func:`baseline_frozen`, said to the teacher when ``own``): its
    page disables the fields, but a page opened before the final closed still autosaves,
    and a draft accepted there could never be sent. ``checked``: the caller has checked
    that once for the whole batch in this transaction (:func:`check_published`)."""
    response = _locked(response, hold=False)
    if not checked:
        _check_published(response.campaign, teacher=own, hold=False)
    codes = set(response.campaign.framework.codes())
    for code, value in values.items():
        _validate(code, value, codes)
    existing = {a.competency: a for a in response.answers.all()}
    to_create: list[Answer] = []
    to_update: list[Answer] = []
    for code, value in values.items():
        answer = existing.get(code) or Answer(response=response, competency=code)
        answer.self_level = value.level
        answer.can_teach = value.can_teach
        answer.wants_to_learn = value.wants_to_learn
        answer.priority = value.priority
        answer.recompute()
        (to_update if answer.pk else to_create).append(answer)
    Answer.objects.bulk_create(to_create)
    Answer.objects.bulk_update(to_update, ["self_level", "can_teach", "wants_to_learn",
                                           "priority", "level"])
    response.answered = response.answers.filter(self_level__isnull=False).count()
    started = response.status == Response.Status.NEW
    if started:
        response.status = Response.Status.DRAFT
    response.save(update_fields=["answered", "status", "updated_at"])
    if started:  # the campaign's progress counts drafts (tallies.ResponseTally)
        tallies.recount_progress(response)
    return response


@transaction.atomic
def response_submit(*, response: Response, own: bool = False,
                    checked: bool = False) -> Response:
    """Locks a complete questionnaire; an incomplete one is refused, naming what is
    missing, and stays a draft. ``own``: its person sends it (a refusal is worded for
    her, :func:`baseline_frozen`); otherwise staff or an external system on her behalf.
    ``checked``: the caller has held the finals once for the whole batch in this
    transaction (:func:`check_published` with ``hold=True``)."""
    # Its person's row first, shared (people.models.organizations_now), before the
    # questionnaire's: a move of theirs takes their row, then their questionnaires not
    # submitted.
    _organization_now(response.participant_id)
    response = _locked(response)
    if not checked:
        _check_published(response.campaign, teacher=own)
    marks = {a.competency: core.Mark(a.self_level, a.can_teach, a.wants_to_learn, a.priority)
             for a in response.answers.all()}
    try:
        core.check_questionnaire(marks, response.campaign.framework.codes())
    except core.QuestionnaireError as error:
        problems = {code: str(PROBLEM_TEXT[p]) for code, p in error.problems.items()}
        raise DiagnosticsError(ngettext(
            "Анкета не отправлена: %(n)s вопрос требует ответа или исправления.",
            "Анкета не отправлена: %(n)s вопросов требуют ответа или исправления.",
            len(problems)) % {"n": len(problems)}, problems) from None
    response.status = Response.Status.SUBMITTED
    response.submitted_at = timezone.now()
    # Its cell: the organization its person belongs to now, as they submit it — a later
    # move of theirs moves it nowhere (``Response.organization``).
    before = response.organization_id
    response.organization_id = _organization_now(response.participant_id)
    response.save(update_fields=["status", "submitted_at", "organization", "updated_at"])
    tallies.touch_responses([response], now=True, also=[before])
    return response


def _organization_now(participant_id: int) -> int | None:
    """The organization a person belongs to now, as their questionnaire is submitted or
    reopened (:attr:`Response.organization`) — read ``FOR SHARE`` and held until the
    transaction ends (:func:`tandem.people.models.organizations_now`): a move of theirs
    waits for the submission (and then sees it submitted) or the submission for the move
    (and then reads the new organization). Read before the questionnaire's row is locked,
    in the move's order (their row, then their questionnaires)."""
    return organizations_now([participant_id], using="default").get(participant_id)


@transaction.atomic
def response_reopen(*, response: Response) -> Response:
    """A submitted questionnaire back to a draft — not in a closed round (its figures
    are published: reopening one questionnaire would move them by one person's levels;
    the whole round is reopened first, which makes them pending), nor in the baseline of a
    closed final round (:func:`baseline_frozen`), nor once its person has moved to
    another organization since answering it (:data:`REOPEN_MOVED`): it counts where they
    answered it (``Response.organization``); a draft again, it would count where they are
    now, and its answers would move between cells — a new questionnaire in their new
    organization's round is the way. Their row is held first (:func:`_organization_now`),
    so a move waits for the reopening, or the reopening sees the move."""
    now = _organization_now(response.participant_id)
    response = Response.objects.select_for_update(of=("self",)).select_related(
        "campaign").get(pk=response.pk)
    if response.locked and response.organization_id != now:
        raise DiagnosticsError(str(REOPEN_MOVED))
    if tallies.hold_campaign(response.campaign_id) == Campaign.Status.CLOSED:
        raise DiagnosticsError(str(REOPEN_CAMPAIGN_FIRST))
    _check_published(response.campaign)
    response.status = Response.Status.DRAFT
    response.submitted_at = None
    # A draft again, where its person is now (and answered it: checked above), until it
    # is submitted again — and then in the organization of that submission.
    before = response.organization_id
    response.organization_id = now
    response.save(update_fields=["status", "submitted_at", "organization", "updated_at"])
    tallies.touch_responses([response], now=True, also=[before])
    return response


@transaction.atomic
def expert_levels_save(*, response: Response, levels: Mapping[str, int | None]) -> Response:
    """The curator's own level per competency; the combined level follows the rule. The
    questionnaire's row is locked and its campaign read ``FOR SHARE``, as for a
    submission (:func:`_locked`): a closing that commits first is seen, one that comes
    later waits (review finding: the status was read from the object the view had)."""
    response = Response.objects.select_for_update(of=("self",)).select_related(
        "campaign__framework").get(pk=response.pk)
    response.campaign.status = tallies.hold_campaign(response.campaign_id)
    if not response.campaign.with_expert:
        raise DiagnosticsError(str(NO_EXPERT))
    if response.campaign.status == Campaign.Status.CLOSED:
        raise DiagnosticsError(str(CAMPAIGN_CLOSED))
    if response.locked:  # a draft's levels count for nothing yet
        _check_published(response.campaign)
    codes = set(response.campaign.framework.codes())
    for code, level in levels.items():
        _validate(code, AnswerInput(level), codes)
    existing = {a.competency: a for a in response.answers.all()}
    to_create: list[Answer] = []
    to_update: list[Answer] = []
    for code, level in levels.items():
        answer = existing.get(code) or Answer(response=response, competency=code)
        answer.expert_level = level
        answer.recompute()
        (to_update if answer.pk else to_create).append(answer)
    Answer.objects.bulk_create(to_create)
    Answer.objects.bulk_update(to_update, ["expert_level", "level"])
    # Whatever the status now (the teacher may be submitting at this moment): a draft's
    # organization is rebuilt to what it was, a submitted one counts the new levels.
    tallies.touch_responses([response], now=True)
    return response
