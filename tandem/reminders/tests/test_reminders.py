"""Reminders: each kind fires once per event, again for a new event, never for a
resolved one, and never to or about another organization's people."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import scope_for
from tandem.maps.models import Map, Meeting, Row
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.reminders.models import ReminderLog
from tandem.reminders.selectors import open_reminders, open_reminders_by_pair
from tandem.reminders.services import MAX_EVENTS_PER_EMAIL, reminders_send
from tandem.reminders.tasks import next_run_at, schedule_next
from tandem.surveys.models import Survey
from tandem.surveys.tests.helpers import active_pair
from tandem.testing import World

START = dt.date(2026, 9, 1)
TODAY = dt.date(2026, 11, 20)  # 11 weeks and 4 days after the start


def _map(pair: Pair, status: str = Map.Status.IN_PROGRESS) -> Map:
    return Map.objects.update_or_create(pair=pair, defaults={"status": status})[0]


def _row(the_map: Map, deadline: dt.date, title: str = "Онлайн-тесты") -> Row:
    return Row.objects.create(map=the_map, direction=Row.Direction.A_TO_B, competency="ict.x",
                              title=title, current_level=0, target_level=2, partner_level=3,
                              task="Задача", deadline=deadline, product="Тест",
                              evidence="Показ")


def _meeting(pair: Pair, date: dt.date, planned: bool = False) -> Meeting:
    return Meeting.objects.create(pair=pair, date=date, topic="Встреча", planned=planned)


@pytest.fixture
def pair(world: World) -> Pair:
    """Bob ⇄ Carol in A, under way with an agreed map, with a meeting last week: nothing to
    remind yet."""
    p = active_pair(world.bob_p, world.carol_p, starts_on=START)
    _map(p, Map.Status.AGREED)
    _meeting(p, TODAY - dt.timedelta(days=7))
    return p


def _send(today: dt.date = TODAY, capture: object = None) -> int:
    if capture is None:
        return reminders_send(today=today).emails
    with capture(execute=True):  # type: ignore[operator]
        return reminders_send(today=today).emails


def _kinds() -> list[str]:
    return sorted(ReminderLog.objects.values_list("kind", flat=True))


def test_nothing_to_remind_for_a_pair_at_work(world: World, pair: Pair) -> None:
    the_map = _map(pair)
    _row(the_map, TODAY + dt.timedelta(days=10))
    assert reminders_send(today=TODAY).events == 0


def test_an_overdue_task_is_reminded_once_to_both(
        world: World, pair: Pair, django_capture_on_commit_callbacks: object) -> None:
    row = _row(_map(pair), TODAY - dt.timedelta(days=2))
    assert _send(capture=django_capture_on_commit_callbacks) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.org", "carol@example.org"]
    assert "Онлайн-тесты" in mail.outbox[0].body
    assert reverse("maps:detail", kwargs={"pair_pk": pair.pk}) in mail.outbox[0].body
    # A second run, the same day or the next: the same event is not reminded again.
    assert _send(capture=django_capture_on_commit_callbacks) == 0
    assert _send(TODAY + dt.timedelta(days=1), django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 2
    # A new deadline, missed again, is a new event.
    Row.objects.filter(pk=row.pk).update(deadline=TODAY + dt.timedelta(days=3))
    assert _send(TODAY + dt.timedelta(days=5), django_capture_on_commit_callbacks) == 2
    assert _kinds() == ["overdue_task", "overdue_task"]


def test_a_task_done_or_a_map_not_in_progress_is_not_reminded(world: World,
                                                             pair: Pair) -> None:
    the_map = _map(pair)
    done = _row(the_map, TODAY - dt.timedelta(days=2))
    Row.objects.filter(pk=done.pk).update(done_at=TODAY - dt.timedelta(days=1))
    other = active_pair(world.alice_p, world.someone_b, starts_on=START)
    _meeting(other, TODAY - dt.timedelta(days=3))
    _row(_map(other, Map.Status.COMPLETED), TODAY - dt.timedelta(days=2))
    assert reminders_send(today=TODAY).events == 0


def test_no_meeting_for_three_weeks(world: World, pair: Pair, settings: object,
                                    django_capture_on_commit_callbacks: object) -> None:
    settings.TANDEM_NO_MEETING_WEEKS = 3  # type: ignore[attr-defined]
    Meeting.objects.all().delete()
    last = TODAY - dt.timedelta(weeks=3)
    _meeting(pair, last)
    _meeting(pair, TODAY + dt.timedelta(days=2), planned=True)  # planned ones do not count
    assert _send(capture=django_capture_on_commit_callbacks) == 2
    assert "не записано ни одной встречи" in mail.outbox[0].body
    assert _send(TODAY + dt.timedelta(days=6), django_capture_on_commit_callbacks) == 0
    # Still idle three weeks later: another stretch, reminded again.
    assert _send(TODAY + dt.timedelta(weeks=3), django_capture_on_commit_callbacks) == 2
    # A meeting logged: resolved.
    _meeting(pair, TODAY + dt.timedelta(weeks=3, days=1))
    assert reminders_send(today=TODAY + dt.timedelta(weeks=5)).events == 0
    assert _kinds() == ["no_meeting", "no_meeting"]


def test_the_idle_threshold_is_configurable(world: World, pair: Pair,
                                            settings: object) -> None:
    assert reminders_send(today=TODAY, dry_run=True).events == 0  # met a week ago
    settings.TANDEM_NO_MEETING_WEEKS = 1  # type: ignore[attr-defined]
    assert reminders_send(today=TODAY, dry_run=True).by_kind == {"no_meeting": 1}


def test_an_unanswered_survey_is_reminded_to_its_respondent_only(
        world: World, pair: Pair, django_capture_on_commit_callbacks: object) -> None:
    survey = Survey.objects.create(pair=pair, participant=world.carol_p, stage="mid",
                                   due_on=TODAY - dt.timedelta(days=1))
    Survey.objects.create(pair=pair, participant=world.bob_p, stage="mid",
                          due_on=TODAY - dt.timedelta(days=1), submitted_at=timezone.now())
    assert _send(capture=django_capture_on_commit_callbacks) == 1
    [message] = mail.outbox
    assert message.to == ["carol@example.org"]
    assert reverse("surveys:answer", kwargs={"pk": survey.pk}) in message.body
    assert _send(capture=django_capture_on_commit_callbacks) == 0
    Survey.objects.filter(pk=survey.pk).update(submitted_at=timezone.now())
    later = reminders_send(today=TODAY + dt.timedelta(days=30), dry_run=True)
    assert "survey" not in later.by_kind


def test_a_map_still_a_draft_a_week_after_the_pair_became_active(
        world: World, pair: Pair, settings: object,
        django_capture_on_commit_callbacks: object) -> None:
    settings.TANDEM_MAP_AGREE_DAYS = 7  # type: ignore[attr-defined]
    the_map = _map(pair, Map.Status.DRAFT)
    confirmed = timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=7),
                                                        dt.time(10)))
    Pair.objects.filter(pk=pair.pk).update(a_confirmed_at=confirmed, b_confirmed_at=confirmed)
    assert reminders_send(today=TODAY, dry_run=True).events == 0  # exactly a week: not yet
    assert _send(TODAY + dt.timedelta(days=1), django_capture_on_commit_callbacks) == 2
    assert "согласуйте" in mail.outbox[0].body
    assert _send(TODAY + dt.timedelta(days=2), django_capture_on_commit_callbacks) == 0
    Map.objects.filter(pk=the_map.pk).update(status=Map.Status.AGREED)
    assert not open_reminders(scope_for(world.alice), 10, today=TODAY + dt.timedelta(days=2))


def test_events_of_a_pair_are_bundled_and_capped(
        world: World, pair: Pair, django_capture_on_commit_callbacks: object) -> None:
    the_map = _map(pair)
    for i in range(MAX_EVENTS_PER_EMAIL + 2):
        _row(the_map, TODAY - dt.timedelta(days=i + 1), title=f"Задача {i:02}")
    Survey.objects.create(pair=pair, participant=world.bob_p, stage="mid",
                          due_on=TODAY - dt.timedelta(days=1))
    result_emails = _send(capture=django_capture_on_commit_callbacks)
    assert result_emails == 2  # one letter per person, however many events
    bob = next(m for m in mail.outbox if m.to == ["bob@example.org"])
    assert bob.body.count("просрочена задача") == MAX_EVENTS_PER_EMAIL
    assert "И ещё событий: 3" in bob.body  # 2 more tasks and the survey
    assert ReminderLog.objects.count() == MAX_EVENTS_PER_EMAIL + 3


def test_no_e_mail_without_an_address_or_consent(
        world: World, pair: Pair, django_capture_on_commit_callbacks: object) -> None:
    Participant.objects.filter(pk=world.carol_p.pk).update(personal_data_consent_date=None)
    _row(_map(pair), TODAY - dt.timedelta(days=2))
    assert _send(capture=django_capture_on_commit_callbacks) == 1
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]


def test_an_ended_pair_is_not_reminded(world: World, pair: Pair) -> None:
    _row(_map(pair), TODAY - dt.timedelta(days=2))
    Meeting.objects.all().delete()
    Pair.objects.filter(pk=pair.pk).update(status=Pair.Status.ENDED_EARLY)
    assert reminders_send(today=TODAY).events == 0


def test_outsiders_never_see_another_organization_s_reminders(
        client: Client, world: World, pair: Pair) -> None:
    _row(_map(pair), TODAY - dt.timedelta(days=2), title="Задача школы А")
    assert [line.event.pair.pk for line in open_reminders(scope_for(world.alice), 10,
                                                          today=TODAY)] == [pair.pk]
    for outsider in (world.charlie, world.dave, world.bob):
        assert open_reminders(scope_for(outsider), 10, today=TODAY) == []
    client.force_login(world.alice)
    assert "Задача школы А" in client.get(reverse("dashboard")).content.decode()
    client.force_login(world.charlie)
    assert "Задача школы А" not in client.get(reverse("dashboard")).content.decode()


def test_the_dashboard_line_says_when_it_was_reminded(client: Client, world: World,
                                                      pair: Pair) -> None:
    _row(_map(pair), timezone.localdate() - dt.timedelta(days=2), title="Задача школы А")
    client.force_login(world.alice)
    assert "Напомнить сейчас" in client.get(reverse("dashboard")).content.decode()
    reminders_send(today=timezone.localdate())
    html = client.get(reverse("dashboard")).content.decode()
    assert "напомнили" in html and "обо всём уже напомнили" in html
    assert "Напомнить сейчас" not in html


def test_one_entry_per_pair_and_remind_now_sends_once(
        client: Client, world: World, pair: Pair,
        django_capture_on_commit_callbacks: object) -> None:
    """Issue #14, defect 5: two overdue tasks of one pair are one entry on the dashboard,
    and «Напомнить сейчас» sends the pair's open events now, once."""
    today = timezone.localdate()
    the_map = _map(pair)
    _row(the_map, today - dt.timedelta(days=3), title="Первая задача")
    _row(the_map, today - dt.timedelta(days=2), title="Вторая задача")
    [group] = open_reminders_by_pair(scope_for(world.alice), 10)
    assert group.pair == pair and len(group.lines) == 2 and group.pending
    client.force_login(world.alice)
    html = client.get(reverse("dashboard")).content.decode()
    assert html.count(f'href="/maps/{pair.pk}/"') == 1
    assert "Первая задача" in html and "Вторая задача" in html
    url = reverse("reminders:send_now", kwargs={"pk": pair.pk})
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        html = client.post(url, follow=True).content.decode()
    assert "Напоминание отправлено" in html
    assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.org", "carol@example.org"]
    assert ReminderLog.objects.filter(pair=pair).count() == 2
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        html = client.post(url, follow=True).content.decode()
    assert "повторно письма не уходят" in html and len(mail.outbox) == 2
    # The daily run does not send them again either.
    assert reminders_send(today=today).events == 0
    # Another organization's curator cannot press it.
    client.force_login(world.charlie)
    assert client.post(url).status_code == 404


def test_the_command_prints_a_summary_and_dry_run_changes_nothing(
        world: World, pair: Pair, capsys: pytest.CaptureFixture[str]) -> None:
    _row(_map(pair), TODAY - dt.timedelta(days=2))
    call_command("send-reminders", "--dry-run", f"--date={TODAY}")
    out = capsys.readouterr().out
    assert "Пробный запуск" in out and "событий 1" in out and "писем 2" in out
    assert not ReminderLog.objects.exists()
    call_command("send-reminders", f"--date={TODAY}")
    out = capsys.readouterr().out
    assert "20.11.2026" in out and "просрочена задача карты — 1" in out
    assert ReminderLog.objects.count() == 1
    call_command("send-reminders", f"--date={TODAY}")
    assert "событий 0" in capsys.readouterr().out


def test_the_command_refuses_a_bad_date(db: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ГГГГ-ММ-ДД"):
        call_command("send-reminders", "--date=31.12.2026")


def test_the_command_also_creates_and_sends_due_surveys(
        world: World, pair: Pair, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("send-reminders", "--date=2027-01-15")
    assert "опросов создано 2, разослано 2" in capsys.readouterr().out
    assert Survey.objects.filter(sent_at__isnull=False).count() == 2


def test_the_daily_task_is_not_deferred_on_the_immediate_backend(db: None) -> None:
    assert schedule_next() is False


def test_the_next_run_is_the_next_full_hour() -> None:
    # Hourly: each region is served in its own working hours (tandem/reminders/tasks.py).
    tz = timezone.get_current_timezone()
    evening = dt.datetime(2026, 11, 20, 19, 25, tzinfo=tz)
    on_the_hour = dt.datetime(2026, 11, 20, 6, 0, tzinfo=tz)
    assert timezone.localtime(next_run_at(evening)).replace(tzinfo=None) == dt.datetime(
        2026, 11, 20, 20, 0)
    assert timezone.localtime(next_run_at(on_the_hour)).replace(tzinfo=None) == dt.datetime(
        2026, 11, 20, 7, 0)


def _stuck_pairs(world: World, n: int, today: dt.date) -> None:
    """``n`` pairs in A, each with every kind of open event."""
    from tandem.testing import ParticipantFactory

    long_ago = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=30),
                                                       dt.time(9)))
    for _i in range(n):
        a = ParticipantFactory.create(organization=world.org_a)
        b = ParticipantFactory.create(organization=world.org_a)
        p = active_pair(a, b, starts_on=today - dt.timedelta(weeks=8),
                        ends_on=today + dt.timedelta(weeks=20))
        _row(_map(p), today - dt.timedelta(days=3))
        q = active_pair(ParticipantFactory.create(organization=world.org_a),
                        ParticipantFactory.create(organization=world.org_a),
                        starts_on=today - dt.timedelta(weeks=8),
                        ends_on=today + dt.timedelta(weeks=20))
        Pair.objects.filter(pk=q.pk).update(a_confirmed_at=long_ago, b_confirmed_at=long_ago)
        _map(q, Map.Status.DRAFT)
        Survey.objects.create(pair=p, participant=a, stage="mid",
                              due_on=today - dt.timedelta(days=2))


@pytest.mark.parametrize("persona", ["alice", "erin", "olga"])
def test_dashboard_reminders_query_count_does_not_grow(client: Client, world: World,
                                                       persona: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = timezone.localdate()
    client.force_login(getattr(world, persona))
    url = reverse("dashboard")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(url).content.decode()
        assert "Пары, которым нужно внимание" in page
        return len(ctx.captured_queries)

    _stuck_pairs(world, 2, today)
    small = count()
    _stuck_pairs(world, 25, today)
    reminders_send(today=today)  # some lines now say when they were reminded
    assert count() == small


@given(rows=st.lists(st.tuples(st.integers(min_value=-20, max_value=20), st.booleans()),
                     min_size=1, max_size=14),
       shift=st.integers(min_value=0, max_value=10))
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_invariants_once_per_event_and_one_letter_per_person(
        world: World, django_capture_on_commit_callbacks: object,
        rows: list[tuple[int, bool]], shift: int) -> None:
    from tandem.testing import ParticipantFactory

    mail.outbox.clear()
    today = TODAY + dt.timedelta(days=shift)
    a = ParticipantFactory.create(organization=world.org_a)
    b = ParticipantFactory.create(organization=world.org_a)
    p = active_pair(a, b, starts_on=START)
    _meeting(p, today)  # no idle-pair events: only the rows count here
    the_map = _map(p)
    overdue = 0
    for offset, done in rows:
        row = _row(the_map, today + dt.timedelta(days=offset))
        if done:
            Row.objects.filter(pk=row.pk).update(done_at=today)
        overdue += offset < 0 and not done
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        first = reminders_send(today=today)
        second = reminders_send(today=today)
    # (Pairs of earlier examples share the database: count this pair's own.)
    assert ReminderLog.objects.filter(pair=p).count() == overdue <= first.events
    assert second.events == 0 and second.emails == 0
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == len(set(recipients))  # one letter per person per run
    assert len({a.email, b.email} & set(recipients)) == (2 if overdue else 0)


def test_the_daily_task_chains_itself_once_on_the_database_queue(db: None,
                                                                 settings: object) -> None:
    from django_tasks_db.models import DBTaskResult

    from tandem.reminders.tasks import daily

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # type: ignore[attr-defined]
    now = timezone.now()
    assert schedule_next(now) is True
    assert schedule_next(now) is True  # already waiting: not twice
    [queued] = DBTaskResult.objects.filter(task_path=daily.module_path)
    assert queued.status == "READY"
    assert queued.run_after == next_run_at(now)


def test_a_teacher_who_turned_reminders_off_gets_none_but_sees_them(
        client: Client, world: World, pair: Pair,
        django_capture_on_commit_callbacks: object) -> None:
    """Issue #14, item 12: reminder letters are the person's choice; the curator's
    dashboard still lists the event and the pair's notices are not affected."""
    client.force_login(world.bob)
    html = client.get(reverse("people:email_settings")).content.decode()
    assert "раз в день, одним письмом" in html
    response = client.post(reverse("people:email_settings"), {"email_reminders": "sometimes"})
    assert "Выберите один из вариантов" in response.content.decode()
    assert Participant.objects.get(pk=world.bob_p.pk).email_reminders == "daily"
    client.post(reverse("people:email_settings"), {"email_reminders": "off"})
    assert Participant.objects.get(pk=world.bob_p.pk).email_reminders == "off"
    _row(_map(pair), TODAY - dt.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        result = reminders_send(today=TODAY)
    assert result.events == 1
    assert [m.to for m in mail.outbox] == [["carol@example.org"]]


def _quiet_pairs(organization: object, n: int, today: dt.date) -> list[Pair]:
    """``n`` running pairs of ``organization`` with no meeting for 6 to 6 + n weeks."""
    from tandem.testing import ParticipantFactory

    made = []
    for i in range(n):
        p = active_pair(ParticipantFactory.create(organization=organization),
                        ParticipantFactory.create(organization=organization),
                        starts_on=today - dt.timedelta(weeks=20),
                        ends_on=today + dt.timedelta(weeks=20))
        _meeting(p, today - dt.timedelta(weeks=6 + i, days=i % 3))
        made.append(p)
    return made


def test_the_quiet_panel_keeps_to_the_curator_s_pairs(world: World) -> None:
    """The curator's «quiet pairs» are A's, oldest silence first, as the rule orders them
    (the last meeting, else the start); quiet pairs of B in the same region neither appear
    nor cost a query, and the last meeting is worked out only for the pairs it keeps
    (issue #16: not before narrowing to the organization)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.core import attention
    from tandem.pairs.selectors import pairs_manageable
    from tandem.reminders.selectors import idle_pairs

    today = timezone.localdate()
    ours = _quiet_pairs(world.org_a, 3, today)
    busy = _quiet_pairs(world.org_a, 1, today)[0]
    _meeting(busy, today - dt.timedelta(days=3))  # met this week: not quiet
    _quiet_pairs(world.org_b, 2, today)
    scope = scope_for(world.alice)

    def panel() -> tuple[list[int], int]:
        with CaptureQueriesContext(connection) as ctx:
            events = idle_pairs(today=today, limit=40,
                                pairs=pairs_manageable(scope=scope))
        return [e.pair.pk for e in events], len(ctx.captured_queries)

    def last(p: Pair) -> dt.date | None:
        return max((m.date for m in p.meetings.all() if not m.planned and m.date <= today),
                   default=None)

    expected = sorted((p for p in ours if attention.quiet(
        starts_on=p.starts_on, last_held_on=last(p), as_of=today)),
        key=lambda p: (attention.quiet_since(p.starts_on, last(p)), p.pk))
    shown, queries = panel()
    assert shown == [p.pk for p in expected] == [p.pk for p in reversed(ours)]
    assert [line.event.pair.pk for line in open_reminders(scope, 10, today=today)
            if line.event.kind == "no_meeting"] == shown
    # Twenty more quiet pairs elsewhere in the region change nothing, not even the count.
    _quiet_pairs(world.org_b, 20, today)
    assert panel() == (shown, queries)
    # The last meeting (MAX) is computed in the select list only, for the rows kept —
    # the quiet rule itself is an anti-join on the meetings of the last N weeks.
    with CaptureQueriesContext(connection) as ctx:
        idle_pairs(today=today, limit=40, pairs=pairs_manageable(scope=scope))
    [sql] = [q["sql"] for q in ctx.captured_queries if "maps_meeting" in q["sql"]]
    assert sql.upper().count("MAX(") == 1


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "dave", "erin", "olga"])
def test_the_overview_s_pairs_by_the_pair_s_columns_are_the_manageable_pairs(
        world: World, persona: str) -> None:
    """The overview checks its pairs by the members' organizations kept on the pair
    (``pairs=scope``, the rule of ``pairs_manageable`` said on the pair's columns): each
    kind of event, cut or not, is the one computed over ``pairs_manageable`` — events in
    A, in B and of a municipal-pool pair across them (seen from both)."""
    from tandem.pairs.selectors import pairs_manageable
    from tandem.reminders.selectors import (
        idle_pairs,
        maps_not_agreed,
        overdue_tasks,
        unanswered_surveys,
    )
    from tandem.testing import ParticipantFactory

    today = timezone.localdate()
    _stuck_pairs(world, 3, today)
    across = active_pair(ParticipantFactory.create(organization=world.org_b),
                         ParticipantFactory.create(organization=world.org_a),
                         starts_on=today - dt.timedelta(weeks=8),
                         ends_on=today + dt.timedelta(weeks=20))
    _row(_map(across), today - dt.timedelta(days=5))
    Survey.objects.create(pair=across, participant=across.a, stage="mid",
                          due_on=today - dt.timedelta(days=4))
    in_b = active_pair(ParticipantFactory.create(organization=world.org_b),
                       ParticipantFactory.create(organization=world.org_b),
                       starts_on=today - dt.timedelta(weeks=9),
                       ends_on=today + dt.timedelta(weeks=20))
    _map(in_b, Map.Status.DRAFT)
    scope = scope_for(getattr(world, persona))
    manageable = pairs_manageable(scope=scope)
    for compute in (overdue_tasks, idle_pairs, maps_not_agreed, unanswered_surveys):
        for limit in (None, 2):
            by_columns = compute(today=today, pairs=scope, limit=limit)  # type: ignore[operator]
            by_pairs = compute(today=today, pairs=manageable, limit=limit)  # type: ignore[operator]
            assert [e.key for e in by_columns] == [e.key for e in by_pairs]
    seen = {e.pair.pk for compute in (overdue_tasks, idle_pairs, maps_not_agreed)
            for e in compute(today=today, pairs=scope)}  # type: ignore[operator]
    assert (across.pk in seen) == (persona in {"alice", "charlie", "dave", "erin", "olga"})
    assert (in_b.pk in seen) == (persona in {"charlie", "dave", "olga"})
