"""The pair's life, with one owner: every change of ``Pair.status`` and ``Map.status``
happens here (docs/architecture.md, "one home per rule").

approved (the curator approves pairs of a proposal; their maps are drafted) → confirmed
by both (the pair is active) → the map agreed by both → approved by the curator → in
progress → completed, or ended early at any step with a reason. Every change is saved
through the model (never ``.update()``), so the audit trail records it."""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.accounts.models import User
from tandem.core import names
from tandem.maps.models import Map
from tandem.maps.services import (
    NOT_A_MEMBER,
    REASON_REQUIRED,
    REOPEN_PAIR_TAKEN,
    REOPEN_REASON_REQUIRED,
    REOPEN_TOO_LATE,
    TRAINING_NO_RECORD,
    WRONG_STEP,
    MapError,
    map_drafts,
)
from tandem.notifications.models import Notification
from tandem.notifications.services import notify
from tandem.pairs import selectors
from tandem.pairs.models import MatchingRun, Pair
from tandem.pairs.services import (
    ALREADY_CONFIRMED,
    ALREADY_PAIRED,
    DATES_REVERSED,
    DECLINE_REASON_REQUIRED,
    DECLINE_TOO_LATE,
    NOT_IN_PROPOSAL,
    NOT_WAITING,
    PAIR_EXISTS,
    TERM_TOO_SHORT,
    AlreadyConfirmed,
    PairsError,
)
from tandem.pairs.services import NOT_A_MEMBER as NOT_A_PAIR_MEMBER
from tandem.people.models import Participant
from tandem.web.confirm import reopen_days, reopenable
from tandem.web.tasks import send_email

FINISHED = (Map.Status.COMPLETED, Map.Status.ENDED_EARLY)


def _close(the_map: Map, status: str) -> None:
    the_map.closed_from, the_map.closed_at = the_map.status, timezone.now()
    the_map.status = status


# -- pairs ----------------------------------------------------------------------------
def _months_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / 30.44


def _locked_people(ids: Iterable[int]) -> dict[int, Participant]:
    """The people of the pairs to approve, their rows held, each with its organization.
    Their rows only (``of=("self",)``): joined without it the statement also locked their
    organizations FOR UPDATE in the scan's order, and the technologies' rebuild
    (maps/tallies.py) locks organizations in id order — a deadlock (review, 2026-12-04;
    maps/tests/test_lock_scope.py)."""
    return {p.pk: p for p in Participant.objects.filter(pk__in=list(ids))
            .select_for_update(of=("self",)).select_related("organization")}


@transaction.atomic
def pairs_approve(*, run: MatchingRun, keys: Sequence[str], starts_on: dt.date,
                  ends_on: dt.date, curator: User | None, base_url: str) -> list[Pair]:
    """Creates the chosen pairs of the proposal and asks both members to confirm."""
    if ends_on < starts_on:
        raise PairsError(str(DATES_REVERSED))
    if not 2.9 <= _months_between(starts_on, ends_on) <= 12.2:
        raise PairsError(str(TERM_TOO_SHORT))
    proposal = {f"{min(p['a'], p['b'])}-{max(p['a'], p['b'])}": p
                for p in run.result.get("pairs", [])}
    chosen = []
    for key in keys:
        if key not in proposal:
            raise PairsError(str(NOT_IN_PROPOSAL) % {"key": key})
        chosen.append(proposal[key])
    ids = {i for p in chosen for i in (p["a"], p["b"])}
    people = _locked_people(ids)
    # Each person's capacity in the run is the pairs they could still take then; pairs
    # approved since (from this proposal or elsewhere) use it up.
    room = {p["id"]: p.get("capacity", 1) for p in run.instance.get("participants", [])}
    taken: Counter[int] = selectors.busy_counts(
        Participant.objects.filter(pk__in=ids), created_at__gte=run.created_at)
    created = []
    for p in chosen:
        a, b = people[p["a"]], people[p["b"]]
        if selectors.running_pair_exists(a.pk, b.pk):
            raise PairsError(str(PAIR_EXISTS) % {"a": a.full_name, "b": b.full_name})
        for person in (a, b):
            if taken[person.pk] >= room.get(person.pk, 1):
                raise PairsError(str(ALREADY_PAIRED) % {"name": person.full_name})
        taken.update((a.pk, b.pk))
        created.append(Pair.objects.create(
            a=a, b=b, organization=a.organization, starts_on=starts_on, ends_on=ends_on,
            curator=curator, weight=p["weight"], a_teaches_b=p["a_teaches_b"],
            b_teaches_a=p["b_teaches_a"], run=run))
    map_drafts(created)
    for pair in created:
        notify(users=[pair.a.user, pair.b.user], kind=Notification.Kind.PAIR_PROPOSED,
               text=_("Куратор предложил пару %(pair)s: подтвердите участие или "
                      "откажитесь.") % {"pair": str(pair)}, url=_pair_url(pair),
               about=(pair.a_id, pair.b_id), mailed=True)  # _notify's letter
    transaction.on_commit(lambda: _notify(created, base_url))
    return created


def _by_gender(person: Participant, female: str, male: str, unknown: str) -> str:
    return names.by_gender(person.name, person.patronymic, female, male, unknown)


def _declined(person: Participant) -> str:
    return _by_gender(person, _("отказалась"), _("отказался"), _("отказался (отказалась)"))


def _pair_url(pair: Pair) -> str:
    return reverse("pairs:detail", kwargs={"pk": pair.pk})


def _map_url(pair: Pair) -> str:
    return reverse("maps:detail", kwargs={"pair_pk": pair.pk})


def _notify(pairs: list[Pair], base_url: str) -> None:
    for pair in pairs:
        url = base_url.rstrip("/") + reverse("pairs:detail", kwargs={"pk": pair.pk})
        for me, partner in ((pair.a, pair.b), (pair.b, pair.a)):
            if not me.mailable:  # the one e-mail rule (consent, address, active)
                continue
            body = render_to_string("pairs/email/approved.txt",
                                    {"me": me, "partner": partner, "pair": pair, "url": url})
            send_email.enqueue(subject=_("Тандем: ваша наставническая пара"), body=body,
                               to=[me.email])


# What a member who presses «Подтверждаю участие» is told: the truth about the pair
# (waiting for the partner, begun just now, running before) and the step that follows.
CONFIRMED = gettext_lazy("Спасибо! Вы подтвердили участие в паре.")
AWAITING_PARTNER = gettext_lazy("Ждём подтверждения партнёра: когда подтвердят оба, пара "
                                "начнёт работу.")
CONFIRMED_BEGAN = gettext_lazy("Спасибо! Вы подтвердили участие, партнёр тоже: пара начала "
                               "работу.")
CONFIRMED_RUNNING = gettext_lazy("Ваше подтверждение участия записано. Пара уже работает: "
                                 "подтверждать больше ничего не нужно.")
ALREADY_RUNNING = gettext_lazy("Вы уже подтвердили участие в этой паре раньше, и пара уже "
                               "работает: подтверждать больше ничего не нужно.")
# The step that follows, by the step of the pair's map (a draft: whether I agreed to it).
NEXT_AGREE_MAP = gettext_lazy("Дальше — карта наставничества: откройте её и согласуйте с "
                              "партнёром.")
NEXT_PARTNER_AGREES = gettext_lazy("Вы согласовали карту; ждём согласования партнёра.")
NEXT = {
    Map.Status.AGREED: gettext_lazy("Дальше — карта наставничества: вы оба её согласовали, "
                                    "теперь её утверждает куратор."),
    Map.Status.APPROVED: gettext_lazy("Дальше — карта наставничества: куратор её утвердил "
                                      "и начнёт выполнение."),
    Map.Status.IN_PROGRESS: gettext_lazy("Дальше — работа по карте наставничества: "
                                         "записывайте встречи и отмечайте выполненные "
                                         "задачи."),
}


def _next_step(pair: Pair, participant_id: int) -> str:
    """The step a member of a running pair takes next: the one its map is at."""
    the_map = (Map.objects.filter(pair=pair).exclude(status__in=FINISHED)
               .only("status", "a_agreed_at", "b_agreed_at").first())
    if the_map is None:
        return ""
    if the_map.status == Map.Status.DRAFT:
        mine = the_map.a_agreed_at if participant_id == pair.a_id else the_map.b_agreed_at
        return str(NEXT_PARTNER_AGREES if mine else NEXT_AGREE_MAP)
    return str(NEXT.get(Map.Status(the_map.status), ""))


def _said(*parts: object) -> str:
    return " ".join(str(part) for part in parts if part)


@transaction.atomic
def pair_confirm(*, pair: Pair, participant: Participant) -> str:
    """A member agrees to the pair; with both, the pair becomes active. A pair already
    running (the curator started its map before both had confirmed) records the
    confirmation all the same — it is the member's consent (ст. 351.8 ТК РФ) — and says
    the pair runs. Returns what the member is told: the truth and the next step."""
    pair = Pair.objects.select_for_update().get(pk=pair.pk)
    if pair.status not in (Pair.Status.APPROVED, Pair.Status.ACTIVE):
        raise PairsError(str(NOT_WAITING))
    if participant.pk not in (pair.a_id, pair.b_id):
        raise PairsError(str(NOT_A_PAIR_MEMBER))
    side = "a_confirmed_at" if participant.pk == pair.a_id else "b_confirmed_at"
    running = pair.status == Pair.Status.ACTIVE
    if getattr(pair, side) is not None:
        # A second press (a form sent again, another tab) changes nothing: no save, no
        # audit entry, no notice to the partner; the page says it was done before, where
        # the pair stands and what comes next.
        raise AlreadyConfirmed(
            _said(ALREADY_RUNNING, _next_step(pair, participant.pk)) if running
            else _said(ALREADY_CONFIRMED, AWAITING_PARTNER))
    setattr(pair, side, timezone.now())
    if pair.confirmed and pair.status == Pair.Status.APPROVED:
        pair.status = Pair.Status.ACTIVE
    pair.save(update_fields=["a_confirmed_at", "b_confirmed_at", "status"])
    partner = pair.b if participant.pk == pair.a_id else pair.a
    notify(users=[partner.user], kind=Notification.Kind.PARTNER_CONFIRMED,
           text=_("%(name)s %(confirmed)s участие в паре %(pair)s.") % {
               "name": participant.short_name, "pair": str(pair),
               "confirmed": _by_gender(participant, _("подтвердила"),
                                       _("подтвердил"), _("подтвердил(а)"))},
           url=_pair_url(pair), about=(pair.a_id, pair.b_id))
    if running:
        said = _said(CONFIRMED_RUNNING, _next_step(pair, participant.pk))
    elif pair.status == Pair.Status.ACTIVE:
        said = _said(CONFIRMED_BEGAN, _next_step(pair, participant.pk))
    else:
        said = str(CONFIRMED)
    return said


@transaction.atomic
def pair_decline(*, pair: Pair, participant: Participant, reason: str,
                 base_url: str) -> Pair:
    """A member declines the pair before it began (mentoring needs written consent,
    ст. 351.8 ТК РФ): the pair returns to the curator with the reason, its draft map is
    closed, both people go back to the pool; the curator and the partner are told."""
    pair = Pair.objects.select_for_update().get(pk=pair.pk)
    if participant.pk not in (pair.a_id, pair.b_id):
        raise PairsError(str(NOT_A_PAIR_MEMBER))
    if not reason.strip():
        raise PairsError(str(DECLINE_REASON_REQUIRED))
    if pair.status != Pair.Status.APPROVED:
        raise PairsError(str(DECLINE_TOO_LATE))
    pair.status, pair.ended_reason = Pair.Status.DECLINED, reason.strip()[:300]
    pair.declined_by = participant
    pair.save(update_fields=["status", "ended_reason", "declined_by"])
    the_map = Map.objects.filter(pair=pair).exclude(status__in=FINISHED).first()
    if the_map is not None:
        _close(the_map, Map.Status.ENDED_EARLY)
        the_map.ended_reason = pair.ended_reason
        the_map.save()
    notify(users=[pair.curator, (pair.b if participant.pk == pair.a_id else pair.a).user],
           kind=Notification.Kind.PAIR_DECLINED,
           text=_("%(name)s %(declined)s от пары %(pair)s: %(reason)s") % {
               "name": participant.short_name, "pair": str(pair),
               "declined": _declined(participant), "reason": pair.ended_reason},
           url=_pair_url(pair), about=(pair.a_id, pair.b_id), mailed=True)
    transaction.on_commit(lambda: _notify_declined(pair, participant, base_url))
    return pair


def _notify_declined(pair: Pair, who: Participant, base_url: str) -> None:
    url = base_url.rstrip("/") + reverse("pairs:detail", kwargs={"pk": pair.pk})
    partner = pair.b if who.pk == pair.a_id else pair.a
    context = {"who": who, "partner": partner, "pair": pair, "url": url,
               "declined": _declined(who)}
    to = []
    if pair.curator is not None and pair.curator.email:
        to.append(pair.curator.email)
    if partner.mailable:
        to.append(partner.email)
    for address in to:
        send_email.enqueue(subject=_("Тандем: участник отказался от пары"),
                           body=render_to_string("pairs/email/declined.txt", context),
                           to=[address])


# -- maps -----------------------------------------------------------------------------
def _pair_id(the_map: Map) -> int:
    """A training map has no status flow: it is never agreed, approved or carried out."""
    if the_map.pair_id is None:
        raise MapError(str(TRAINING_NO_RECORD))
    return the_map.pair_id


@transaction.atomic
def map_agree(*, the_map: Map, participant: Participant) -> Map:
    """A participant agrees to the map; with both, it is agreed and waits for the curator."""
    if the_map.status != Map.Status.DRAFT:
        raise MapError(str(WRONG_STEP) % {"status": the_map.get_status_display()})
    pair = Pair.objects.get(pk=_pair_id(the_map))
    now = timezone.now()
    if participant.pk == pair.a_id:
        the_map.a_agreed_at = now
    elif participant.pk == pair.b_id:
        the_map.b_agreed_at = now
    else:
        raise MapError(str(NOT_A_MEMBER))
    if the_map.a_agreed_at and the_map.b_agreed_at:
        the_map.status = Map.Status.AGREED
        notify(users=[pair.curator], kind=Notification.Kind.MAP_AGREED,
               text=_("Карта пары %(pair)s согласована обоими: утвердите её.") % {
                   "pair": str(pair)}, url=_map_url(pair), about=(pair.a_id, pair.b_id))
    the_map.save()
    return the_map


@transaction.atomic
def map_approve(*, the_map: Map, user: User | None) -> Map:
    _pair_id(the_map)
    if the_map.status != Map.Status.AGREED:
        raise MapError(str(WRONG_STEP) % {"status": the_map.get_status_display()})
    the_map.status = Map.Status.APPROVED
    the_map.approved_at, the_map.approved_by = timezone.now(), user
    the_map.save()
    return the_map


@transaction.atomic
def map_start(*, the_map: Map) -> Map:
    if the_map.status != Map.Status.APPROVED:
        raise MapError(str(WRONG_STEP) % {"status": the_map.get_status_display()})
    the_map.status = Map.Status.IN_PROGRESS
    the_map.save()
    pair = Pair.objects.select_for_update().get(pk=_pair_id(the_map))
    if pair.status == Pair.Status.APPROVED:
        pair.status = Pair.Status.ACTIVE
        pair.save(update_fields=["status"])
    return the_map


@transaction.atomic
def map_complete(*, the_map: Map) -> Map:
    if the_map.status != Map.Status.IN_PROGRESS:
        raise MapError(str(WRONG_STEP) % {"status": the_map.get_status_display()})
    _close(the_map, Map.Status.COMPLETED)
    the_map.save()
    pair = Pair.objects.select_for_update().get(pk=_pair_id(the_map))
    pair.status = Pair.Status.COMPLETED
    pair.save(update_fields=["status"])
    return the_map


@transaction.atomic
def map_end_early(*, the_map: Map, reason: str) -> Map:
    """Either side may end mentoring early (ст. 351.8 ТК РФ); the reason is kept."""
    if not reason.strip():
        raise MapError(str(REASON_REQUIRED))
    if the_map.status in FINISHED:
        raise MapError(str(WRONG_STEP) % {"status": the_map.get_status_display()})
    _close(the_map, Map.Status.ENDED_EARLY)
    the_map.ended_reason = reason.strip()
    the_map.save()
    pair = Pair.objects.select_for_update().get(pk=_pair_id(the_map))
    pair.status, pair.ended_reason = Pair.Status.ENDED_EARLY, reason.strip()
    pair.save(update_fields=["status", "ended_reason"])
    return the_map


def map_reopenable(the_map: Map) -> bool:
    """A finished map the curator may still return to work (the window of
    ``TANDEM_REOPEN_DAYS`` after it was closed)."""
    return (the_map.status in FINISHED and reopenable(the_map.closed_at)
            and the_map.pair is not None and the_map.pair.status != Pair.Status.DECLINED)


@transaction.atomic
def map_reopen(*, the_map: Map, reason: str) -> Map:
    """The curator undoes finishing or ending a map early, with a reason (audited): the
    map returns to the step it was closed from (a completed one to «выполняется») and the
    pair runs again — unless the same two people already run a new pair."""
    _pair_id(the_map)
    if not reason.strip():
        raise MapError(str(REOPEN_REASON_REQUIRED))
    if the_map.status not in FINISHED:
        raise MapError(str(WRONG_STEP) % {"status": the_map.get_status_display()})
    if not reopenable(the_map.closed_at):
        raise MapError(REOPEN_TOO_LATE % {"days": reopen_days()})
    pair = Pair.objects.select_for_update().get(pk=_pair_id(the_map))
    if pair.status == Pair.Status.DECLINED:  # a member said no: a new pair, not this one
        raise MapError(str(WRONG_STEP) % {"status": the_map.get_status_display()})
    back = the_map.closed_from if the_map.closed_from in Map.Status.values else ""
    if back in ("", Map.Status.COMPLETED, Map.Status.ENDED_EARLY):
        back = Map.Status.IN_PROGRESS
    the_map.status, the_map.ended_reason = back, ""
    the_map.closed_at, the_map.closed_from = None, ""
    the_map.audit_reason = reason.strip()
    the_map.save()
    started = back == Map.Status.IN_PROGRESS or pair.confirmed
    pair.status = Pair.Status.ACTIVE if started else Pair.Status.APPROVED
    pair.ended_reason = ""
    try:
        with transaction.atomic():
            pair.save(update_fields=["status", "ended_reason"])
    except IntegrityError:  # one_running_pair_of_two: they already work in a new pair
        raise MapError(str(REOPEN_PAIR_TAKEN)) from None
    notify(users=[pair.a.user, pair.b.user], kind=Notification.Kind.MAP_REOPENED,
           text=_("Карта пары %(pair)s снова в работе: %(reason)s") % {
               "pair": str(pair), "reason": reason.strip()}, url=_map_url(pair),
           about=(pair.a_id, pair.b_id))
    return the_map
