"""Writes for the school of mentors: events and their materials, registrations with a
waiting list, attendance, certificates.

Capacity is kept under concurrency by locking the event's row (``select_for_update``)
in every transaction that changes who holds a place: registering, cancelling, changing
the capacity. Invariant (tested with Hypothesis): at most ``capacity`` registrations are
``registered``, and someone waits only while every place is taken.
"""

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from tandem.access.scope import Scope
from tandem.accounts.models import User
from tandem.notifications.models import Notification
from tandem.notifications.services import notify
from tandem.people.models import Participant
from tandem.school.models import Certificate, Event, Material, Registration
from tandem.web.confirm import reopen_days, reopenable
from tandem.web.tasks import send_email

ALREADY = gettext_lazy("%(name)s: запись на это мероприятие уже есть.")
ALREADY_WAITING = gettext_lazy("%(name)s уже в листе ожидания этого мероприятия.")
NOT_AUDIENCE = gettext_lazy("Мероприятие не для сферы «%(sector)s»: записать "
                            "%(name)s на него нельзя.")
EVENT_OVER = gettext_lazy("Мероприятие уже прошло: запись закрыта.")
NOBODY_CHOSEN = gettext_lazy("Выберите хотя бы одного участника.")
NOT_SELF = gettext_lazy("На это мероприятие педагоги сами не записываются: обратитесь к "
                        "куратору организации.")
ALREADY_CANCELLED = gettext_lazy("Эта запись уже отменена.")
CAPACITY_BELOW = gettext_lazy("Нельзя сделать мест меньше, чем уже записано: %(taken)s.")
NOT_REGISTERED = gettext_lazy("Отметить присутствие можно только у записанных участников "
                              "(не в листе ожидания).")
TOO_EARLY = gettext_lazy("Присутствие отмечают в день мероприятия: %(date)s.")
NOT_ATTENDED = gettext_lazy("Сертификат выдаётся только тем, кто присутствовал.")
ALREADY_REVOKED = gettext_lazy("Сертификат уже отозван.")
PAST_ORGANISER_ONLY = gettext_lazy(
    "Мероприятие уже прошло: отменить запись (а с ней отметку о присутствии и сертификат) "
    "может только организатор мероприятия.")
PAST_REASON_REQUIRED = gettext_lazy(
    "Укажите причину: запись на прошедшее мероприятие отменяется только с причиной.")
REVOKE_REASON_REQUIRED = gettext_lazy("Укажите причину отзыва сертификата.")
RESTORE_REASON_REQUIRED = gettext_lazy("Укажите, почему сертификат возвращают.")
RESTORE_NEWER_EXISTS = gettext_lazy("Участнику уже выдан новый сертификат: старый вернуть "
                                    "нельзя.")
RESTORE_TOO_LATE = ngettext_lazy(
    "Вернуть сертификат можно в течение %(days)s дня после отзыва; этот срок прошёл. "
    "Выдайте новый.",
    "Вернуть сертификат можно в течение %(days)s дней после отзыва; этот срок прошёл. "
    "Выдайте новый.", "days")


# 32 letters and digits without the look-alikes (0/O, 1/I): 12 of them are 60 random bits.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


class SchoolError(Exception):
    pass


# -- events ----------------------------------------------------------------------------
EVENT_FIELDS = ("kind", "title", "description", "region", "municipality", "starts_at",
                "ends_at", "place", "online_link", "speaker", "capacity", "sectors",
                "self_registration", "hours", "organizer_name")


@transaction.atomic
def event_create(*, data: Mapping[str, Any], user: User | None) -> Event:
    return Event.objects.create(created_by=user, **{k: data[k] for k in EVENT_FIELDS
                                                    if k in data})


@transaction.atomic
def event_update(*, event: Event, data: Mapping[str, Any], base_url: str = "") -> Event:
    """Saves the event; more places let the waiting list in, fewer than taken is refused."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    taken = _taken(event)
    if data.get("capacity", event.capacity) < taken:
        raise SchoolError(str(CAPACITY_BELOW) % {"taken": taken})
    for key in EVENT_FIELDS:
        if key in data:
            setattr(event, key, data[key])
    event.save()
    _promote(event, base_url=base_url)
    return event


@transaction.atomic
def material_add(*, event: Event, title: str, upload: UploadedFile | None, link: str,
                 user: User | None) -> Material:
    """An event's material: a file or a link, exactly one (web/attachments.py); without
    a title it is called by the file's name or the link."""
    material = Material(event=event, title=title.strip(), uploaded_by=user)
    try:
        material.attach(upload, link)
    except ValueError as problem:
        raise SchoolError(str(problem)) from None
    material.title = material.title or material.display_name
    material.save()
    material.store_after_commit(upload)
    return material


@transaction.atomic
def material_delete(*, material: Material) -> None:
    if material.file:
        material.file.delete(save=False)
    material.delete()


# -- registrations -----------------------------------------------------------------------
@dataclass
class Outcome:
    """What a registration request did, person by person."""

    registered: list[Participant] = field(default_factory=list)
    waiting: list[Participant] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # messages, one per person


def _taken(event: Event) -> int:
    return Registration.objects.filter(event=event,
                                       status=Registration.Status.REGISTERED).count()


def _lock(event: Event) -> Event:
    """The event's row, locked until the transaction ends: whoever changes who holds a
    place waits here, so two requests never both take the last place."""
    return Event.objects.select_for_update().get(pk=event.pk)


@transaction.atomic
def registrations_create(*, event: Event, participants: Iterable[Participant],
                         user: User | None, now: dt.datetime | None = None) -> Outcome:
    """Registers people in order: a place while there is one, then the waiting list.

    Someone already registered or waiting, or outside the audience, is refused with a
    message naming them; the others are still registered."""
    now = now or timezone.now()
    event = _lock(event)
    people = list(participants)
    if not people:
        raise SchoolError(str(NOBODY_CHOSEN))
    if event.ends_at < now:
        raise SchoolError(str(EVENT_OVER))
    existing = {r.participant_id: r for r in Registration.objects.filter(
        event=event, participant__in=[p.pk for p in people])}
    free = event.capacity - _taken(event)
    outcome = Outcome()
    for person in people:
        old = existing.get(person.pk)
        if old is not None and old.status == Registration.Status.REGISTERED:
            outcome.refused.append(str(ALREADY) % {"name": person.full_name})
            continue
        if old is not None and old.status == Registration.Status.WAITING:
            outcome.refused.append(str(ALREADY_WAITING) % {"name": person.full_name})
            continue
        sector = person.organization.sector
        if not event.admits_sector(sector):
            outcome.refused.append(str(NOT_AUDIENCE) % {
                "name": person.full_name, "sector": person.organization.get_sector_display()})
            continue
        status = Registration.Status.REGISTERED if free > 0 else Registration.Status.WAITING
        free -= status == Registration.Status.REGISTERED
        registration = old or Registration(event=event, participant=person)
        registration.status, registration.queued_at = status, now
        registration.registered_by, registration.cancelled_at = user, None
        registration.attended, registration.attendance_marked_at = False, None
        registration.save()
        (outcome.registered if status == Registration.Status.REGISTERED
         else outcome.waiting).append(person)
        # Registered by someone else (a curator, a coordinator): the person is told.
        if status == Registration.Status.REGISTERED and (
                user is None or user.pk != person.user_id):
            _tell_registered(event, person, mailed=False)
    return outcome


def _tell_registered(event: Event, person: Participant, *, mailed: bool) -> None:
    when = timezone.localtime(event.starts_at).strftime("%d.%m.%Y %H:%M")
    notify(user_ids=[person.user_id], kind=Notification.Kind.REGISTRATION_CONFIRMED,
           text=_("Вы записаны на мероприятие школы наставников «%(title)s» (%(when)s).")
           % {"title": event.title, "when": when},
           url=reverse("school:event", kwargs={"pk": event.pk}), about=(person.pk,),
           mailed=mailed)


def registration_self(*, event: Event, participant: Participant, user: User | None,
                      now: dt.datetime | None = None) -> Outcome:
    """A teacher registers themselves, where the event allows it; a refusal is an error."""
    if not event.self_registration:
        raise SchoolError(str(NOT_SELF))
    outcome = registrations_create(event=event, participants=[participant], user=user, now=now)
    if outcome.refused:
        raise SchoolError(outcome.refused[0])
    return outcome


@transaction.atomic
def registration_cancel(*, registration: Registration, base_url: str = "",
                        now: dt.datetime | None = None, scope: Scope | None = None,
                        user: User | None = None, reason: str = "") -> list[Registration]:
    """Cancels a place (or a place in the queue); a freed place goes to the first in the
    waiting list, who is told by e-mail. Returns the promoted registrations.

    Once the event is over, a cancellation wipes attendance and revokes the certificate:
    only the event's organiser (``scope.organizes(event)``) may do it, with a reason, and
    the audit trail keeps who and why (#13.14)."""
    now = now or timezone.now()
    event = _lock(registration.event)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == Registration.Status.CANCELLED:
        raise SchoolError(str(ALREADY_CANCELLED))
    reason = reason.strip()
    if event.ends_at < now:
        if scope is None or not scope.organizes(event):
            raise SchoolError(str(PAST_ORGANISER_ONLY))
        if not reason:
            raise SchoolError(str(PAST_REASON_REQUIRED))
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = now
    registration.attended, registration.attendance_marked_at = False, None
    registration.audit_reason = reason
    registration.save()
    _revoke_valid(registration, at=now, user=user, reason=reason)
    return _promote(event, base_url=base_url)


def _revoke_valid(registration: Registration, *, at: dt.datetime, user: User | None,
                  reason: str) -> None:
    """Revokes the registration's valid certificate one by one (so the audit trail
    records who revoked it and why)."""
    for certificate in Certificate.objects.select_for_update().filter(
            registration=registration, revoked_at__isnull=True):
        certificate.revoked_at, certificate.revoked_by = at, user
        certificate.audit_reason = reason
        certificate.save(update_fields=["revoked_at", "revoked_by"])


def _promote(event: Event, *, base_url: str = "") -> list[Registration]:
    """Fills free places from the waiting list, first come first served (event locked)."""
    free = event.capacity - _taken(event)
    if free <= 0:
        return []
    promoted = list(Registration.objects.filter(event=event,
                                                status=Registration.Status.WAITING)
                    .select_related("participant").order_by("queued_at", "pk")[:free])
    if not promoted:
        return []
    for r in promoted:  # one by one, so the audit trail records each promotion
        r.status = Registration.Status.REGISTERED
        r.save(update_fields=["status"])
        _tell_registered(event, r.participant, mailed=True)  # _notify_promoted's letter
    emails = [(r.participant.full_name, r.participant.email) for r in promoted
              if r.participant.mailable]
    transaction.on_commit(lambda: _notify_promoted(event, emails, base_url))
    return promoted


def _notify_promoted(event: Event, emails: list[tuple[str, str]], base_url: str) -> None:
    # The event's own wall clock (its region's zone), not the sender's.
    when = timezone.localtime(event.starts_at, event.zone).strftime(
        "%d.%m.%Y %H:%M")
    for name, email in emails:
        body = _("Здравствуйте, %(name)s!\n\nОсвободилось место, и вы записаны на мероприятие "
                 "школы наставников «%(title)s» (%(when)s, %(place)s).\n%(url)s") % {
            "name": name, "title": event.title, "when": when,
            "place": event.place or event.online_link, "url": base_url}
        send_email.enqueue(subject=_("Тандем: вы записаны на мероприятие"), body=body,
                           to=[email])


# -- attendance ----------------------------------------------------------------------------
@transaction.atomic
def attendance_set(*, registration: Registration, attended: bool,
                   now: dt.datetime | None = None, user: User | None = None) -> Registration:
    """Marks (or unmarks) presence; unmarking revokes a certificate already issued."""
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().select_related(
        "event", "participant").get(pk=registration.pk)
    if registration.status != Registration.Status.REGISTERED:
        raise SchoolError(str(NOT_REGISTERED))
    zone = registration.event.zone
    day = timezone.localtime(registration.event.starts_at, zone).date()
    if attended and timezone.localtime(now, zone).date() < day:
        raise SchoolError(str(TOO_EARLY) % {"date": day.strftime("%d.%m.%Y")})
    registration.attended = attended
    registration.attendance_marked_at = now
    registration.save(update_fields=["attended", "attendance_marked_at"])
    if not attended:
        _revoke_valid(registration, at=now, user=user, reason=str(_("присутствие снято")))
    return registration


# -- certificates ------------------------------------------------------------------------
def new_code() -> str:
    """An unguessable code (``secrets``), shown as XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(text: str) -> str:
    """What a person typed, as stored: upper case, dashes where they belong; junk gives
    a string that matches nothing."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())[:CODE_LENGTH]
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def certificate_issue(*, registration: Registration, user: User | None) -> Certificate:
    """The attendee's valid certificate, issued now if there is none."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if not registration.attended:
        raise SchoolError(str(NOT_ATTENDED))
    valid = Certificate.objects.filter(registration=registration,
                                       revoked_at__isnull=True).first()
    if valid is not None:
        return valid
    return Certificate.objects.create(registration=registration, code=new_code(),
                                      issued_by=user)


@transaction.atomic
def certificates_issue_all(*, event: Event, user: User | None) -> int:
    """Certificates for every attendee who has none; returns how many were issued."""
    have = Certificate.objects.filter(registration__event=event,
                                      revoked_at__isnull=True).values("registration_id")
    todo = (Registration.objects.filter(event=event, attended=True)
            .exclude(pk__in=have).values_list("pk", flat=True))
    created = Certificate.objects.bulk_create(
        [Certificate(registration_id=pk, code=new_code(), issued_by=user) for pk in todo])
    return len(created)


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, user: User | None,
                       reason: str) -> Certificate:
    """Revokes a certificate; the audit trail records who (``revoked_by``) and why."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise SchoolError(str(ALREADY_REVOKED))
    if not reason.strip():
        raise SchoolError(str(REVOKE_REASON_REQUIRED))
    certificate.revoked_at, certificate.revoked_by = timezone.now(), user
    certificate.audit_reason = reason.strip()
    certificate.save(update_fields=["revoked_at", "revoked_by"])
    return certificate


def certificate_restorable(certificate: Certificate) -> bool:
    return reopenable(certificate.revoked_at)


@transaction.atomic
def certificate_restore(*, certificate: Certificate, reason: str) -> Certificate:
    """Undoes a revocation within ``TANDEM_REOPEN_DAYS``, with a reason (audited): the same
    code is valid again."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not reason.strip():
        raise SchoolError(str(RESTORE_REASON_REQUIRED))
    if certificate.revoked_at is None:
        return certificate
    if not certificate_restorable(certificate):
        raise SchoolError(RESTORE_TOO_LATE % {"days": reopen_days()})
    if Certificate.objects.filter(registration_id=certificate.registration_id,
                                  revoked_at__isnull=True).exists():
        raise SchoolError(str(RESTORE_NEWER_EXISTS))
    certificate.revoked_at, certificate.revoked_by = None, None
    certificate.audit_reason = reason.strip()
    certificate.save(update_fields=["revoked_at", "revoked_by"])
    return certificate
