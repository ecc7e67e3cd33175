"""The reminder run serves each region on its own day, in its own working hours: a task
due «yesterday» in Tyumen (UTC+5) may still be due «today» in Moscow (UTC+3)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from tandem.maps.models import Map, Row
from tandem.pairs.models import Pair
from tandem.reminders.models import ReminderLog
from tandem.reminders.tasks import regions_due, run_daily
from tandem.surveys.tests.helpers import active_pair
from tandem.testing import MunicipalityFactory, OrganizationFactory, ParticipantFactory, World

DEADLINE = dt.date(2026, 11, 20)
# 20:30 UTC on the deadline: 01:30 the next day in Tyumen, still 23:30 on it in Moscow.
LATE = dt.datetime(2026, 11, 20, 20, 30, tzinfo=dt.UTC)
# 03:30 UTC the day after: 08:30 in Tyumen (working hours), 06:30 in Moscow (not yet).
TYUMEN_MORNING = dt.datetime(2026, 11, 21, 3, 30, tzinfo=dt.UTC)


def _pair_with_a_task(a: object, b: object) -> Pair:
    pair = active_pair(a, b, starts_on=dt.date(2026, 9, 1))  # type: ignore[arg-type]
    the_map = Map.objects.create(pair=pair, status=Map.Status.IN_PROGRESS)
    Row.objects.create(
        map=the_map,
        direction=Row.Direction.A_TO_B,
        competency="ict.x",
        title="Онлайн-тесты",
        current_level=0,
        target_level=2,
        partner_level=3,
        task="Задача",
        deadline=DEADLINE,
        product="Тест",
        evidence="Показ",
    )
    return pair


@pytest.fixture
def pairs(world: World) -> dict[str, Pair]:
    """Bob ⇄ Carol in Tyumen's region, and a pair in a Moscow region; each has a map task
    due on DEADLINE and a meeting recently (so only the task is an event)."""
    from tandem.maps.models import Meeting
    from tandem.testing import RegionFactory

    moscow = RegionFactory.create(name="Московская тестовая", code="msk", time_zone="Europe/Moscow")
    org = OrganizationFactory.create(municipality=MunicipalityFactory.create(region=moscow))
    made = {
        "tyumen": _pair_with_a_task(world.bob_p, world.carol_p),
        "moscow": _pair_with_a_task(
            ParticipantFactory.create(organization=org, email="m1@example.org"),
            ParticipantFactory.create(organization=org, email="m2@example.org"),
        ),
    }
    for pair in made.values():
        Meeting.objects.create(pair=pair, date=DEADLINE - dt.timedelta(days=3), topic="Встреча")
    return made


def _reminded() -> set[int]:
    return set(ReminderLog.objects.values_list("pair_id", flat=True))


def test_the_same_instant_is_a_different_day_in_each_region(
    pairs: dict[str, Pair], settings: object
) -> None:
    settings.TANDEM_REMINDERS_FROM_HOUR, settings.TANDEM_REMINDERS_UNTIL_HOUR = 0, 24  # type: ignore[attr-defined]
    days = {d.zone.key: d.today for d in regions_due(LATE)}
    assert days == {
        "Asia/Yekaterinburg": DEADLINE + dt.timedelta(days=1),
        "Europe/Moscow": DEADLINE,
    }
    result = run_daily(now=LATE)
    # Overdue in Tyumen (the deadline was yesterday there), not yet in Moscow.
    assert _reminded() == {pairs["tyumen"].pk}
    assert result.reminders.by_kind == {ReminderLog.Kind.OVERDUE_TASK: 1}
    # Two hours later Moscow's day has turned too.
    run_daily(now=LATE + dt.timedelta(hours=2))
    assert _reminded() == {pairs["tyumen"].pk, pairs["moscow"].pk}


def test_a_region_gets_its_letters_in_its_own_working_hours(
    pairs: dict[str, Pair], django_capture_on_commit_callbacks: object
) -> None:
    assert [d.zone.key for d in regions_due(TYUMEN_MORNING)] == ["Asia/Yekaterinburg"]
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        run_daily(now=TYUMEN_MORNING)
    assert _reminded() == {pairs["tyumen"].pk}
    assert {m.to[0] for m in mail.outbox} == {"bob@example.org", "carol@example.org"}
    assert "срок был 20.11.2026" in mail.outbox[0].body
    # Moscow's morning: its own pair now, nothing again for Tyumen's.
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        run_daily(now=TYUMEN_MORNING + dt.timedelta(hours=2))
    assert _reminded() == {pairs["tyumen"].pk, pairs["moscow"].pk}
    assert len(mail.outbox) == 4
    # At night (23:30 in Tyumen, 21:30 in Moscow) nobody is written to.
    assert regions_due(dt.datetime(2026, 11, 21, 18, 30, tzinfo=dt.UTC)) == []


def test_the_command_without_a_date_serves_the_regions_in_their_hours(
    pairs: dict[str, Pair], settings: object, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.TANDEM_REMINDERS_FROM_HOUR, settings.TANDEM_REMINDERS_UNTIL_HOUR = 5, 5  # type: ignore[attr-defined]
    call_command("send-reminders")  # an empty window: no region is ever in its hours
    assert "Ни у одного региона сейчас не рабочие часы" in capsys.readouterr().out
    assert not ReminderLog.objects.exists()
    settings.TANDEM_REMINDERS_FROM_HOUR, settings.TANDEM_REMINDERS_UNTIL_HOUR = 0, 24  # type: ignore[attr-defined]
    call_command("send-reminders")  # the whole day: both regions, each on its own date
    assert "просрочена задача карты — 2" in capsys.readouterr().out
