"""Writing and reading notifications: one home (tandem/notifications/models.py)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.accounts.models import User
from tandem.notifications.models import Notification
from tandem.people.models import Participant
from tandem.web.tasks import send_email


@dataclass(frozen=True)
class News:
    """One piece of news for :func:`notify_many`: whom it tells (ids of users; ``None``,
    a person without a login, is skipped), its text, the path it leads to and the ids of
    the participants it names."""

    user_ids: tuple[int | None, ...]
    text: str
    url: str
    about: tuple[int, ...] = ()


def notify(*, users: Iterable[User | None] = (), user_ids: Iterable[int | None] = (),
           kind: str, text: str, url: str, about: Iterable[int] = (),
           mailed: bool = False) -> int:
    """Tells each of ``users`` (people without a login are skipped) once; ``url`` is a
    path inside the product; ``about``: the ids of the participants the text names;
    ``mailed``: the same news already goes by its own letter. Otherwise a person who chose
    letters «сразу» (``Participant.email_reminders``) gets one now, and one who chose «раз
    в день» finds it in the next daily letter (``digest``). Returns how many were told."""
    told = (*(u.pk for u in users if u is not None), *user_ids)
    return notify_many(kind=kind, news=[News(told, text, url, tuple(about))], mailed=mailed)


def notify_many(*, kind: str, news: Iterable[News], mailed: bool = False) -> int:
    """:func:`notify` of several pieces of news of one ``kind`` at once — the hourly
    run's overdue tasks of a page: one INSERT (per 500 rows) and at most one read of who
    wants letters at once, not one of each per task. Notifications are not in the audit
    trail (tandem/notifications/models.py): ``bulk_create`` skips nothing. Returns how
    many rows were written."""
    rows: list[Notification] = []
    for item in news:
        if not item.url.startswith("/") or item.url.startswith("//"):
            raise ValueError("a notification leads to a path inside the product")
        # A sentence that ends with an abbreviation («… Каролёва К.С.») takes no second
        # period.
        text = item.text[:-1] if item.text.endswith("..") else item.text
        named = "".join(f",{pk}" for pk in sorted(set(item.about)))
        named = f"{named}," if named else ""
        rows += [Notification(user_id=pk, kind=kind, text=text[:300], url=item.url,
                              about=named)
                 for pk in sorted({pk for pk in item.user_ids if pk is not None})]
    if not rows:
        return 0
    now = timezone.now()
    at_once = {} if mailed else {p.user_id: p for p in Participant.objects.filter(
        user_id__in=sorted({row.user_id for row in rows}),
        email_reminders=Participant.EmailReminders.IMMEDIATELY) if p.mailable}
    for row in rows:
        row.emailed_at = now if mailed or row.user_id in at_once else None
    Notification.objects.bulk_create(rows, batch_size=500)
    if at_once:
        letters = [_letter(person, [row]) for row in rows
                   if (person := at_once.get(row.user_id)) is not None]
        transaction.on_commit(lambda: _enqueue(letters))
    return len(rows)


def _letter(person: Participant, news: list[Notification]) -> tuple[str, str, list[str]]:
    body = render_to_string("notifications/email/notification.txt", {
        "me": person, "news": [(n, absolute(n.url)) for n in news],
        "settings_url": absolute(reverse("people:email_settings"))})
    return _("Тандем: %(text)s") % {"text": news[0].text} if len(news) == 1 \
        else _("Тандем: новое за день"), body, [person.email]


def _enqueue(letters: list[tuple[str, str, list[str]]]) -> None:
    for subject, body, to in letters:
        send_email.enqueue(subject=subject[:200], body=body, to=to)


def absolute(path: str) -> str:
    return settings.TANDEM_BASE_URL.rstrip("/") + path


def undigested() -> QuerySet[Notification]:
    """News the daily letter has still to carry: unread and not e-mailed yet — one home for
    :func:`digest` and for who the daily run reads (``reminders.services``)."""
    return Notification.objects.filter(read_at__isnull=True, emailed_at__isnull=True)


def digest(*, people: Iterable[Participant]) -> dict[int, list[Notification]]:
    """The daily letter's «новое за день» of each of ``people`` who chose «раз в день»:
    their unread news not e-mailed yet, oldest first (participant id → news)."""
    daily = {p.user_id: p.pk for p in people
             if p.user_id and p.mailable
             and p.email_reminders == Participant.EmailReminders.DAILY}
    news: dict[int, list[Notification]] = {}
    for n in undigested().filter(user_id__in=list(daily)).order_by("created_at", "pk"):
        news.setdefault(daily[n.user_id], []).append(n)
    return news


def digested(news: Iterable[Notification]) -> None:
    """Marks news e-mailed by the daily letter (not audited: see the model)."""
    now = timezone.now()
    rows = list(news)
    for n in rows:
        n.emailed_at = now
    Notification.objects.bulk_update(rows, ["emailed_at"])


@transaction.atomic
def notification_open(*, notification: Notification) -> str:
    """Marks it read; the path to go to."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification.url


@transaction.atomic
def notifications_read_all(*, user: User) -> int:
    """Marks every unread notification of the user read (not audited: see the model)."""
    unread = list(Notification.objects.filter(user=user, read_at__isnull=True))
    now = timezone.now()
    for n in unread:
        n.read_at = now
    Notification.objects.bulk_update(unread, ["read_at"], batch_size=500)
    return len(unread)
