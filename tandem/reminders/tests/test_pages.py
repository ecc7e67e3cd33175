"""The hourly run goes over the people it writes to a page at a time
(``reminders.services.PEOPLE_PER_PAGE``): whatever the page, each person gets the same
letters, the bell the same news, the log the same events — and a person with several pairs,
news on the bell, or both, gets ONE letter with all of it, never two."""

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.maps.models import Map, Meeting, Row
from tandem.notifications.models import Notification
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.reminders import selectors, services
from tandem.reminders.models import ReminderLog
from tandem.surveys.models import Survey
from tandem.surveys.tests.helpers import active_pair
from tandem.territory.models import Organization
from tandem.testing import ParticipantFactory, UserFactory, World

TODAY = dt.date(2026, 11, 20)
START = TODAY - dt.timedelta(weeks=8)
EVERYONE = 10**6  # one page: the run as it was before the pages
# The hourly run's queries with overdue tasks (keys, a page's events, log, audit, bell,
# «новое за день», savepoints), whatever their number.
QUERIES_OF_A_RUN = 18


def _person(world: World, choice: str = "daily", consent: bool = True) -> Participant:
    return ParticipantFactory.create(
        organization=world.org_a, user=UserFactory.create(), email_reminders=choice,
        personal_data_consent_date=dt.date(2026, 9, 1) if consent else None)


def _pair(a: Participant, b: Participant, *, overdue: int = 0, met: bool = True,
          status: str = Map.Status.IN_PROGRESS, survey: Participant | None = None) -> Pair:
    """A pair at work since START: ``overdue`` rows past their deadline; no meeting at all
    unless ``met`` (quiet); its map ``status`` (a draft, confirmed long ago: not agreed);
    an unanswered survey of ``survey``."""
    a, b = sorted((a, b), key=lambda p: p.pk)
    pair = active_pair(a, b, starts_on=START, ends_on=TODAY + dt.timedelta(weeks=20))
    long_ago = timezone.make_aware(dt.datetime.combine(START, dt.time(9)))
    Pair.objects.filter(pk=pair.pk).update(a_confirmed_at=long_ago, b_confirmed_at=long_ago)
    the_map = Map.objects.update_or_create(pair=pair, defaults={"status": status})[0]
    for i in range(overdue):
        Row.objects.create(map=the_map, direction=Row.Direction.A_TO_B, competency="ict.x",
                           title=f"Задача {pair.pk}-{i}", current_level=0, target_level=2,
                           partner_level=3, task="Задача",
                           deadline=TODAY - dt.timedelta(days=2 + i), product="Тест",
                           evidence="Показ")
    if met:
        Meeting.objects.create(pair=pair, date=TODAY - dt.timedelta(days=3), topic="Встреча")
    if survey is not None:
        Survey.objects.create(pair=pair, participant=survey, stage="mid",
                              due_on=TODAY - dt.timedelta(days=4))
    return pair


def _news(person: Participant, text: str) -> None:
    assert person.user_id is not None
    Notification.objects.create(user_id=person.user_id, kind=Notification.Kind.MAP_AGREED,
                                text=text, url="/maps/1/")


def _run(page: int, monkeypatch: pytest.MonkeyPatch, capture: Any,
         news_of: Any) -> dict[str, Any]:
    """One run with pages of ``page`` people, and what people see after it; the database
    is put back as it was, so the next run starts from the same state."""
    monkeypatch.setattr(services, "PEOPLE_PER_PAGE", page)
    mail.outbox.clear()
    with transaction.atomic():
        with capture(execute=True):
            result = services.reminders_send(today=TODAY, news_of=news_of)
        seen = {
            "result": (result.events, result.emails, result.without_address,
                       sorted(result.by_kind.items())),
            "letters": sorted((m.to[0], m.subject, m.body) for m in mail.outbox),
            "to": [m.to[0] for m in mail.outbox],
            "log": sorted(ReminderLog.objects.values_list(
                "kind", "object_id", "event_on", "pair_id", "recipients")),
            "bell": sorted((n.user_id, n.kind, n.text, n.url, n.about, n.emailed_at is None)
                           for n in Notification.objects.all()),
            "audit": sorted((e.object_repr, str(e.additional_data)) for e in
                            LogEntry.objects.get_for_model(ReminderLog)),
        }
        transaction.set_rollback(True)
    return seen


def _same_whatever_the_page(monkeypatch: pytest.MonkeyPatch, capture: Any, news_of: Any,
                            pages: tuple[int, ...] = (1, 2, 3)) -> dict[str, Any]:
    whole = _run(EVERYONE, monkeypatch, capture, news_of)
    assert len(whole["to"]) == len(set(whole["to"]))  # one letter per person
    for page in pages:
        paged = _run(page, monkeypatch, capture, news_of)
        assert len(paged["to"]) == len(set(paged["to"]))
        for what in whole:
            assert Counter(map(str, paged[what])) == Counter(map(str, whole[what])), \
                (page, what)
    return whole


def test_a_person_with_several_pairs_and_news_gets_one_letter_whatever_the_page(
        world: World, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    """Worked example. Bob has three pairs (with Carol, Dan and Eve), each with its event,
    and news on his bell; the pages of one, two and three people cut his partners and him
    apart every way. Each person gets one letter; Bob's has his three events and his news —
    the reverted batches of 2026-12-06 sent «новое за день» in a second letter."""
    bob = _person(world)
    carol, dan, eve = _person(world), _person(world, "immediately"), _person(world)
    off = _person(world, "off")
    _pair(bob, carol, overdue=1)
    _pair(dan, bob, met=False, status=Map.Status.AGREED)  # quiet
    _pair(bob, eve, status=Map.Status.DRAFT, survey=bob)  # not agreed, Bob's survey
    _pair(eve, off, overdue=2)
    _news(bob, "Карта пары согласована.")
    _news(eve, "Новый материал в библиотеке.")
    seen = _same_whatever_the_page(monkeypatch, django_capture_on_commit_callbacks,
                                   Organization.objects.filter(pk=world.org_a.pk))
    letters = {to: body for to, _subject, body in seen["letters"]}
    assert sorted(letters) == sorted(p.email for p in (bob, carol, dan, eve))
    mine = letters[bob.email]
    for words in ("просрочена задача карты", "не записано ни одной встречи",
                  "всё ещё черновик", "не ответили на", "Новое за день:",
                  "Карта пары согласована."):
        assert words in mine
    assert "Новый материал" in letters[eve.email] and "Задача" in letters[eve.email]
    assert "Новое за день:" not in letters[dan.email]  # «сразу»: no daily news
    assert seen["result"][0] == len(seen["log"]) == 1 + 1 + 2 + 2  # the survey counts


def test_an_event_of_two_pages_is_logged_once_and_sent_to_both(
        world: World, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    """Pages of one person: the overdue row of Bob and Carol's pair is logged (with its
    bell news for both) in Bob's page, and Carol's later page still sends it to her."""
    bob, carol = _person(world), _person(world)
    _pair(bob, carol, overdue=1)
    seen = _run(1, monkeypatch, django_capture_on_commit_callbacks, None)
    assert sorted(seen["to"]) == sorted([bob.email, carol.email])
    assert [log[0] for log in seen["log"]] == [ReminderLog.Kind.OVERDUE_TASK]
    assert Counter(b[0] for b in seen["bell"]) == Counter([bob.user_id, carol.user_id])


def test_a_run_that_fails_on_a_later_page_writes_nothing_and_the_next_sends_both(
        world: World, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    """Bob's page logs the overdue row, Carol's page fails (a deploy, a lost connection):
    with a transaction a page the event stayed logged and Carol never got it, not even
    from the next run (review of h/hourly). Now the run writes nothing and the next one
    writes to both."""
    bob, carol = _person(world), _person(world)
    _pair(bob, carol, overdue=1)
    monkeypatch.setattr(services, "PEOPLE_PER_PAGE", 1)
    real = services._page
    calls = []

    def failing(*args: Any, **kwargs: Any) -> int:
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_page", failing)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ConnectionError):
        services.reminders_send(today=TODAY)
    assert not ReminderLog.objects.exists()
    assert mail.outbox == []
    monkeypatch.setattr(services, "_page", real)
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_send(today=TODAY)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([bob.email, carol.email])


def test_a_page_reads_only_its_own_people_s_events(
        world: World, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    """Twelve pairs of two, each with an overdue row: in pages of two people, no page
    builds more than its own people's events (the run held the region's all at once)."""
    people = [_person(world) for _i in range(24)]
    for a, b in zip(people[::2], people[1::2], strict=True):
        _pair(a, b, overdue=1)
    sizes: list[int] = []
    real = selectors.events_of

    def spy(dues: list[selectors.Due], **kwargs: Any) -> list[selectors.Event]:
        sizes.append(len(dues))
        return real(dues, **kwargs)

    monkeypatch.setattr(services, "events_of", spy)
    seen = _run(2, monkeypatch, django_capture_on_commit_callbacks, None)
    assert len(seen["to"]) == 24 and len(seen["log"]) == 12
    assert sizes and max(sizes) <= 2


CHOICES = st.sampled_from(["daily", "daily", "immediately", "off"])
PAIRS = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 2),
                           st.booleans(), st.sampled_from(list(Map.Status)),
                           st.sampled_from([None, 0, 1])),
                 min_size=1, max_size=7)


@given(choices=st.lists(st.tuples(CHOICES, st.booleans(), st.booleans()),
                        min_size=6, max_size=6),
       pairs=PAIRS, page=st.integers(1, 4))
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_letters_do_not_depend_on_the_page(
        world: World, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any,
        choices: list[tuple[str, bool, bool]],
        pairs: list[tuple[int, int, int, bool, str, int | None]], page: int) -> None:
    """Random worlds: six people (each with a choice of letters, consent or not, news or
    not) and pairs among them, every kind of event. Pages of 1–4 people send what one page
    sends — letters, bell, log, audit — and one letter per person."""
    with transaction.atomic():  # each example starts from the world alone
        people = [_person(world, choice, consent) for choice, consent, _news_ in choices]
        for person, (_c, _consent, news) in zip(people, choices, strict=True):
            if news:
                _news(person, f"Новость для {person.surname}.")
        taken: set[frozenset[int]] = set()
        for i, j, overdue, met, status, survey in pairs:
            if i == j or frozenset((i, j)) in taken:
                continue
            taken.add(frozenset((i, j)))
            a, b = people[i], people[j]
            _pair(a, b, overdue=overdue, met=met, status=status,
                  survey=None if survey is None else (a, b)[survey])
        _same_whatever_the_page(monkeypatch, django_capture_on_commit_callbacks,
                                Organization.objects.filter(pk=world.org_a.pk),
                                pages=(page,))
        transaction.set_rollback(True)


def _resolve(how: str, pair: Pair) -> None:
    """What a curator or a teacher does in the minutes between the run's read of the keys
    and the read of a page."""
    if how == "task done":
        Row.objects.filter(map__pair=pair).update(done_at=TODAY - dt.timedelta(days=1))
    elif how == "pair ended":
        Pair.objects.filter(pk=pair.pk).update(status=Pair.Status.COMPLETED)
    elif how == "meeting held":
        Meeting.objects.create(pair=pair, date=TODAY - dt.timedelta(days=1), topic="Встреча")
    elif how == "map agreed":
        Map.objects.filter(pair=pair).update(status=Map.Status.AGREED)
    elif how == "survey answered":
        Survey.objects.filter(pair=pair).update(submitted_at=timezone.now())


@pytest.mark.parametrize(("kind", "how"), [
    (ReminderLog.Kind.OVERDUE_TASK, "task done"), (ReminderLog.Kind.OVERDUE_TASK, "pair ended"),
    (ReminderLog.Kind.NO_MEETING, "meeting held"), (ReminderLog.Kind.NO_MEETING, "pair ended"),
    (ReminderLog.Kind.MAP_NOT_AGREED, "map agreed"),
    (ReminderLog.Kind.SURVEY, "survey answered"),
    (ReminderLog.Kind.OVERDUE_TASK, "nothing"), (ReminderLog.Kind.NO_MEETING, "nothing"),
    (ReminderLog.Kind.MAP_NOT_AGREED, "nothing"), (ReminderLog.Kind.SURVEY, "nothing")])
def test_an_event_resolved_after_the_keys_were_read_is_not_sent(
        world: World, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any, kind: str, how: str) -> None:
    """The run reads the events' keys once (``selectors.pending``), then each page reads its
    people's events (``events_of``) — on a region, minutes later. An event resolved in
    between (the task done, a meeting held, the map agreed, the survey answered, the pair
    ended) was read back by key alone and still sent, logged and put on the bell; the
    page's read now applies each kind's rule again. ``nothing``: the same event sent. The
    run's counts (the command prints them) are of what it sent: they counted the keys
    found, the resolved event too."""
    bob, carol = _person(world), _person(world)
    pair = _pair(bob, carol, overdue=1 if kind == ReminderLog.Kind.OVERDUE_TASK else 0,
                 met=kind != ReminderLog.Kind.NO_MEETING,
                 status=(Map.Status.DRAFT if kind == ReminderLog.Kind.MAP_NOT_AGREED
                         else Map.Status.IN_PROGRESS),
                 survey=bob if kind == ReminderLog.Kind.SURVEY else None)
    real = services.events_of

    def meanwhile(dues: list[selectors.Due], **kwargs: Any) -> list[selectors.Event]:
        _resolve(how, pair)
        return real(dues, **kwargs)

    monkeypatch.setattr(services, "events_of", meanwhile)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.reminders_send(today=TODAY)
    sent = how == "nothing"
    assert result.by_kind == ({kind: 1} if sent else {})  # found by its keys: not counted
    assert (result.events, result.without_address) == (int(sent), 0)
    assert [log.kind for log in ReminderLog.objects.all()] == ([kind] if sent else [])
    assert len(mail.outbox) == result.emails == (
        (1 if kind == ReminderLog.Kind.SURVEY else 2) if sent else 0)
    assert Notification.objects.count() == (
        2 if sent and kind == ReminderLog.Kind.OVERDUE_TASK else 0)


@pytest.mark.parametrize("how", ["task done", "nothing"])
def test_a_dry_run_counts_only_what_it_would_still_send(
        world: World, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """``--dry-run`` counts as the run sends: an event resolved after its key was read is
    neither an event nor one «без адреса или согласия» (nobody here can be e-mailed)."""
    bob, carol = _person(world, consent=False), _person(world, consent=False)
    pair = _pair(bob, carol, overdue=1)
    real = services.events_of

    def meanwhile(dues: list[selectors.Due], **kwargs: Any) -> list[selectors.Event]:
        _resolve(how, pair)
        return real(dues, **kwargs)

    monkeypatch.setattr(services, "events_of", meanwhile)
    result = services.reminders_send(today=TODAY, dry_run=True)
    sent = int(how == "nothing")
    assert (result.events, result.without_address, result.emails) == (sent, sent, 0)
    assert result.by_kind == ({ReminderLog.Kind.OVERDUE_TASK: 1} if sent else {})
    assert not ReminderLog.objects.exists()


@pytest.mark.parametrize("overdue", [2, 6])
def test_the_bell_news_of_a_page_s_overdue_tasks_is_one_insert(
        world: World, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any, overdue: int) -> None:
    """Each overdue task of a page is news on the bell of both people: written one INSERT
    a task (``notify`` in a loop), now one for the page — and the run's queries do not
    grow with the tasks."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bob, carol = _person(world), _person(world)
    _pair(bob, carol, overdue=overdue)
    mail.outbox.clear()
    ContentType.objects.clear_cache()  # the audit's content type: read by each size
    with (CaptureQueriesContext(connection) as ctx,
          django_capture_on_commit_callbacks(execute=True)):
        services.reminders_send(today=TODAY)
    table = Notification._meta.db_table
    inserts = [q["sql"] for q in ctx.captured_queries
               if q["sql"].startswith(f'INSERT INTO "{table}"')]
    assert len(inserts) == 1
    assert Notification.objects.filter(kind=Notification.Kind.TASK_OVERDUE).count() == 2 * overdue
    assert len(mail.outbox) == 2
    assert len(ctx.captured_queries) == QUERIES_OF_A_RUN


def test_the_partner_on_a_later_page_gets_an_event_logged_before_it_was_resolved(
        world: World, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    """An event logged on the first recipient's page (its log counts both people, both
    get the bell's news) and resolved before the partner's page still reaches the
    partner by letter: a page reads the events this run logged by key, not under the
    rule again (review of h/warmtasks: the partner got the bell's news and no letter)."""
    bob, carol = _person(world), _person(world)
    pair = _pair(bob, carol, overdue=1)
    monkeypatch.setattr(services, "PEOPLE_PER_PAGE", 1)
    real = services.events_of
    pages: list[int] = []

    def meanwhile(dues: list[selectors.Due], **kwargs: Any) -> list[selectors.Event]:
        pages.append(len(dues))
        if len(pages) == 2:  # between bob's page and carol's
            _resolve("task done", pair)
        return real(dues, **kwargs)

    monkeypatch.setattr(services, "events_of", meanwhile)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_send(today=TODAY)
    assert pages == [1, 1]
    assert list(ReminderLog.objects.values_list("recipients", flat=True)) == [2]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([bob.email, carol.email])
