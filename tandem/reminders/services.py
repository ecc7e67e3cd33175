"""Sending reminders: once per event, one e-mail per person per run, never a flood."""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from tandem.audit.entries import write_entries
from tandem.notifications.models import Notification
from tandem.notifications.services import News, digest, digested, notify_many, undigested
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.reminders.models import ReminderLog
from tandem.reminders.selectors import ORDER, Due, Event, Kind, events_of, pending
from tandem.territory.models import Organization
from tandem.web.tasks import send_email

# One e-mail per person per run lists at most this many events; the rest are counted
# («и ещё N») and are on the pair's page. All are logged as reminded.
MAX_EVENTS_PER_EMAIL = 10
# «Новое за день» lists at most this many items; all of them are on the bell.
MAX_NEWS_PER_EMAIL = 20


@dataclass
class SendResult:
    """What a run did. The events are those it logged (``dry_run``: would log) — found by
    their keys and still due when their page read them again (``selectors.events_of``),
    not logged a moment ago by another run: an event resolved in between is not sent,
    and is not counted either."""

    events: int = 0  # new events logged
    emails: int = 0  # e-mails enqueued (one per person)
    without_address: int = 0  # of them, events none of whose people can be e-mailed
    by_kind: dict[str, int] = field(default_factory=dict)

    def count(self, events: list[Event]) -> None:
        """These events were logged (or would be, in a dry run)."""
        for e in events:
            self.events += 1
            self.by_kind[e.kind] = self.by_kind.get(e.kind, 0) + 1
            self.without_address += not any(p.wants_reminders for p in e.recipients)


def _priority(event: Event) -> tuple[int, dt.date]:
    return (ORDER.index(Kind(event.kind)), event.event_on)


# The run pages over the people it writes to, this many at a time (module-level: the
# tests make it small). A page reads only its people's events, writes their letters and
# commits; memory holds one page, not a region (docs/performance.md).
PEOPLE_PER_PAGE = 1000


def reminders_send(*, today: dt.date, dry_run: bool = False, base_url: str | None = None,
                   progress: Callable[[str], None] | None = None,
                   pairs: QuerySet[Pair] | None = None,
                   news_of: QuerySet[Organization] | None = None) -> SendResult:
    """Finds every event not reminded yet (of ``pairs`` only, when given: the curator's
    «напомнить» sends now what the daily run would send), logs it, and e-mails each
    concerned person one bundled letter. An event is e-mailed once, whoever sends it.
    The people of ``news_of`` who chose «раз в день» also get the news of their bell not
    e-mailed yet (``notifications.services.digest``) — the region's first working hour
    passes its organizations (reminders/tasks.py), the curator's «напомнить» none.
    With ``dry_run`` nothing is written or sent: only counted.

    The events are found once, by keys only (``selectors.pending``); then the run goes
    over the people concerned — the events' recipients and the readers of «Новое за
    день» — in the order of their ids, ``PEOPLE_PER_PAGE`` at a time. Each person is in
    exactly one page and gets one letter there with all of their events and news,
    however many pairs they have; an event is logged (with its audit entry and the bell's
    news of an overdue task) in the page of its first recipient, and a later page sends
    the partner the events this run logged. The pages are one transaction (each a
    savepoint), the letters queued after its commit: a run that fails on a later page
    writes nothing, and the next one sends every letter — with a transaction a page, the
    partner of an event logged on an earlier page was never written to (review of
    h/hourly). The letters wait for the commit in memory (≈ 30 MB at 300,000); the pages
    bound the rest."""
    dues = pending(today=today, pairs=pairs)
    result = SendResult()  # counted as the pages log them
    if progress is not None:
        progress(_("Напоминания: найдено новых событий — %(n)s.") % {"n": len(dues)})
    by_person: dict[int, list[int]] = defaultdict(list)  # person → their events' places
    for i, due in enumerate(dues):
        for person_id in set(due.recipient_ids):
            by_person[person_id].append(i)
    # The daily run's «новое за день»: people with news on the bell not e-mailed yet.
    # Only people with such news, by ``EXISTS`` (an outer join through the relation
    # matched everyone of the region on «раз в день»; h/hourlymem, 2026-12-06); ids only.
    readers = set() if news_of is None or dry_run else set(Participant.objects.filter(
        Exists(undigested().filter(user_id=OuterRef("user_id"))),
        organization__in=news_of, email_reminders=Participant.EmailReminders.DAILY,
    ).values_list("pk", flat=True))
    everyone = sorted({*by_person, *readers})
    run = _Run(run=uuid.uuid4().hex, today=today, result=result, dues=dues,
               by_person=by_person, readers=readers, base_url=base_url)
    with transaction.atomic():  # all pages, or none (each page a savepoint)
        run.pages(everyone, dry_run=dry_run)
    return result


@dataclass
class _Run:
    """One run over its pages: what it found (``dues``, whose they are), what it counts,
    and what its pages share."""

    run: str
    today: dt.date
    result: SendResult
    dues: list[Due]
    by_person: dict[int, list[int]]  # person → their events' places in ``dues``
    readers: set[int]  # the people of «новое за день»
    base_url: str | None
    ours: set[tuple[str, int, dt.date]] = field(default_factory=set)  # logged, all pages
    last_log: int = 0  # the last ReminderLog this run inserted (their ids grow)

    def pages(self, everyone: list[int], *, dry_run: bool) -> None:
        result = self.result
        for start in range(0, len(everyone), PEOPLE_PER_PAGE):
            page = everyone[start:start + PEOPLE_PER_PAGE]
            here = set(page)
            places = sorted({i for person_id in page for i in self.by_person.get(person_id, ())})
            # Read under each kind's rule again: an event resolved since the keys were
            # read (minutes ago, on a region's run) drops out here (selectors.events_of).
            events = events_of([self.dues[i] for i in places], today=self.today,
                               logged=self.ours)
            # An event is logged in the page of its first recipient: once, whatever the pages.
            first = [e for e in events if min(p.pk for p in e.recipients) in here]
            if dry_run:
                result.count(first)
                result.emails += len({p.pk for e in events for p in e.recipients
                                      if p.pk in here and p.wants_reminders})
                continue
            result.emails += _page(self, here, events, first, self.readers & here)


def _page(state: _Run, here: set[int], events: list[Event], first: list[Event],
          reader_ids: set[int]) -> int:
    """One page of the run: logs ``first`` (its events not logged by an earlier page),
    then writes each person of ``here`` their letter — their events this run logged and
    their «новое за день». The number of letters."""
    readers = list(Participant.objects.filter(pk__in=sorted(reader_ids))
                   .select_related("user")) if reader_ids else []
    by_person: dict[int, list[Event]] = defaultdict(list)
    people: dict[int, Participant] = {}
    for e in events:
        for p in e.recipients:
            if p.pk in here and p.wants_reminders:
                by_person[p.pk].append(e)
                people[p.pk] = p
    with transaction.atomic():
        ReminderLog.objects.bulk_create(
            [ReminderLog(kind=e.kind, object_id=e.object_id, event_on=e.event_on,
                         pair_id=e.pair.pk, run=state.run,
                         recipients=len([p for p in e.recipients if p.wants_reminders]))
             for e in first], ignore_conflicts=True, batch_size=1000)
        # Another run may have logged some of these a moment ago: send only ours.
        logged = list(ReminderLog.objects.filter(run=state.run, pk__gt=state.last_log)
                      .order_by("pk")) if first else []
        mine = {(log.kind, log.object_id, log.event_on) for log in logged}
        state.ours |= mine
        state.result.count([e for e in first if e.key in mine])
        _audit(logged)
        # An overdue task is news on the bell too (the letter is below): one INSERT a page.
        notify_many(kind=Notification.Kind.TASK_OVERDUE, mailed=True, news=[
            News(user_ids=tuple(p.user_id for p in e.recipients),
                 text=_("Просрочена задача карты «%(title)s» (срок был %(date)s).") % {
                     "title": e.title, "date": f"{e.event_on:%d.%m.%Y}"},
                 url=reverse("maps:detail", kwargs={"pair_pk": e.pair.pk}),
                 about=(e.pair.a_id, e.pair.b_id))
            for e in first if e.kind == Kind.OVERDUE_TASK and e.key in mine])
        news = digest(people=readers)
        for participant in readers:
            if participant.pk in news:
                people.setdefault(participant.pk, participant)
        letters = []
        for person_id in {*by_person, *news}:
            lines = sorted((e for e in by_person.get(person_id, []) if e.key in state.ours),
                           key=_priority)
            if lines or news.get(person_id):
                letters.append(_letter(people[person_id], lines, state.base_url,
                                       news.get(person_id, [])))
        digested([n for items in news.values() for n in items])
        transaction.on_commit(lambda: _enqueue(letters))
    if logged:
        state.last_log = logged[-1].pk
    return len(letters)


def _audit(logged: list[ReminderLog]) -> None:
    """The audit entries of the logs a run inserted in bulk (no model signal hears
    ``bulk_create``): «напомнили» on the overview is its pair's unit changing, which the
    overview's and the dashboard's cache hear (tandem/monitoring/versions.py). The pairs'
    units read in one query."""
    if not logged:
        return
    units = {pair.pk: pair.get_additional_data() for pair in Pair.objects.filter(
        pk__in={log.pair_id for log in logged}).select_related(
        "organization__municipality")}
    log_type = ContentType.objects.get_for_model(ReminderLog)
    write_entries([LogEntry(
        content_type=log_type, object_pk=str(log.pk), object_id=log.pk,
        object_repr=str(log), action=LogEntry.Action.CREATE,
        changes={"kind": ["None", log.kind], "object_id": ["None", str(log.object_id)],
                 "event_on": ["None", str(log.event_on)],
                 "sent_at": ["None", str(log.sent_at)]},
        additional_data=units.get(log.pair_id, {})) for log in logged])


def _letter(person: Participant, events: list[Event], base_url: str | None,
            news: list[Notification]) -> tuple[str, str, list[str]]:
    base = (base_url or settings.TANDEM_BASE_URL).rstrip("/")
    shown = events[:MAX_EVENTS_PER_EMAIL]
    lines = []
    for e in shown:
        if e.kind == Kind.SURVEY:
            url = base + reverse("surveys:answer", kwargs={"pk": e.object_id})
        else:
            url = base + reverse("maps:detail", kwargs={"pair_pk": e.pair.pk})
        partner = e.pair.b if e.pair.a_id == person.pk else e.pair.a
        lines.append({"event": e, "url": url, "partner": partner})
    body = render_to_string("reminders/email/reminder.txt", {
        "me": person, "lines": lines, "more": len(events) - len(shown),
        "news": [(n, base + n.url) for n in news[:MAX_NEWS_PER_EMAIL]],
        "more_news": max(0, len(news) - MAX_NEWS_PER_EMAIL),
        "settings_url": base + reverse("people:email_settings")})
    subject = _("Тандем: напоминание о работе в паре") if events else _("Тандем: новое за день")
    return (subject, body, [person.email])


def _enqueue(letters: list[tuple[str, str, list[str]]]) -> None:
    for subject, body, to in letters:
        send_email.enqueue(subject=subject, body=body, to=to)
