"""The reminder run in batches of pairs (``TANDEM_REMINDERS_BATCH``): any batch size
sends the same letters, logs the same events and writes the same trail as one batch; a
failure in batch k leaves the earlier batches done, and the next run sends the rest, none
twice (issue #16: memory bounded by the batch, not the region)."""

import datetime as dt
from collections import Counter
from typing import Any
from unittest import mock

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.maps.models import Map, Row
from tandem.notifications.models import Notification
from tandem.notifications.services import notify
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.reminders import services
from tandem.reminders.models import ReminderLog
from tandem.surveys.tests.helpers import active_pair
from tandem.territory.models import Organization
from tandem.testing import ParticipantFactory, UserFactory, World

START = dt.date(2026, 9, 1)
TODAY = dt.date(2026, 11, 20)


def _person(world: World) -> Participant:
    return ParticipantFactory.create(organization=world.org_a, user=UserFactory.create())


def _overdue(pair: Pair, title: str) -> None:
    the_map = Map.objects.create(pair=pair, status=Map.Status.IN_PROGRESS)
    Row.objects.create(map=the_map, direction=Row.Direction.A_TO_B, competency="ict.x",
                       title=title, current_level=0, target_level=2, partner_level=3,
                       task="Задача", deadline=TODAY - dt.timedelta(days=3), product="Тест",
                       evidence="Показ")


def _news(person: Participant, text: str) -> None:
    notify(users=[person.user], kind=Notification.Kind.MAP_AGREED, text=text, url="/")


@pytest.fixture
def region(world: World) -> list[Pair]:
    """Anna is in two pairs — the first and the last made — so a batch of one pair must
    take in the other for her one letter; a quiet pair without a map between them; a pair
    at work whose Vera has news on the bell; Gleb, in no pair, has news too."""
    anna, boris, dina, egor, vera, zoya, ivan, gleb = (_person(world) for _ in range(8))
    first = active_pair(boris, anna, starts_on=START)
    _overdue(first, "Онлайн-тесты")
    quiet = active_pair(dina, egor, starts_on=START)  # no meeting, no map: two events
    calm = active_pair(vera, zoya, starts_on=TODAY)
    Map.objects.create(pair=calm, status=Map.Status.AGREED)
    last = active_pair(anna, ivan, starts_on=START)
    _overdue(last, "Электронный журнал")
    _news(vera, "Карта согласована.")
    _news(gleb, "Новости для Глеба.")
    _news(anna, "Новости для Анны.")
    return [first, quiet, calm, last]


class _Rollback(Exception):
    pass


def _outcome(result: services.SendResult) -> dict[str, Any]:
    log_type = ContentType.objects.get_for_model(ReminderLog)
    return {
        "counts": (result.events, result.emails, result.without_address,
                   sorted(result.by_kind.items())),
        "letters": Counter((m.to[0], m.subject, m.body) for m in mail.outbox),
        "logs": sorted(ReminderLog.objects.values_list("kind", "object_id", "event_on",
                                                       "pair_id", "recipients")),
        "bell": sorted(Notification.objects.values_list("user_id", "kind", "text", "url")),
        "unsent": sorted(Notification.objects.filter(emailed_at__isnull=True)
                         .values_list("user_id", "text")),
        "trail": sorted(LogEntry.objects.filter(content_type=log_type)
                        .values_list("object_repr", "action")),
    }


def _run(capture: Any, **kwargs: Any) -> services.SendResult:
    with capture(execute=True):
        return services.reminders_send(today=TODAY, news_of=Organization.objects.all(),
                                       **kwargs)


def _tried(capture: Any, django_settings: Any, size: int) -> dict[str, Any]:
    """One run with batches of ``size`` pairs, then everything undone."""
    django_settings.TANDEM_REMINDERS_BATCH = size
    mail.outbox.clear()
    try:
        with transaction.atomic():
            outcome = _outcome(_run(capture))
            raise _Rollback
    except _Rollback:
        return outcome


@given(size=st.integers(min_value=1, max_value=5))
@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_batch_size_sends_what_one_batch_sends(
        region: list[Pair], django_capture_on_commit_callbacks: Any, settings: Any,
        size: int) -> None:
    whole = _tried(django_capture_on_commit_callbacks, settings, 1000)
    assert _tried(django_capture_on_commit_callbacks, settings, size) == whole


def test_a_worked_example(region: list[Pair], django_capture_on_commit_callbacks: Any,
                          settings: Any) -> None:
    """Anna's two overdue tasks and her news come in one letter though her pairs are the
    first and the last; Vera's and Gleb's news come alone; nobody gets two."""
    settings.TANDEM_REMINDERS_BATCH = 1
    result = _run(django_capture_on_commit_callbacks)
    last = region[-1]
    # No meeting yet in the three pairs begun on 1 September; the quiet one has no map.
    assert result.by_kind == {"overdue_task": 2, "no_meeting": 3, "map_not_agreed": 1}
    to = Counter(m.to[0] for m in mail.outbox)
    assert set(to.values()) == {1}
    anna = next(m.body for m in mail.outbox if m.to[0] == last.a.email)
    assert "Онлайн-тесты" in anna and "Электронный журнал" in anna
    assert "Новости для Анны." in anna
    assert len(to) == result.emails == 7  # 5 people of the three pairs with events, Vera, Gleb
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_a_failure_in_batch_k_keeps_the_earlier_and_the_rerun_sends_the_rest_once(
        region: list[Pair], django_capture_on_commit_callbacks: Any, settings: Any) -> None:
    whole = _tried(django_capture_on_commit_callbacks, settings, 1000)
    settings.TANDEM_REMINDERS_BATCH = 1
    mail.outbox.clear()
    audit = services._audit
    calls = []

    def failing_second(logged: list[ReminderLog]) -> None:
        calls.append(len(logged))
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        audit(logged)

    with mock.patch.object(services, "_audit", failing_second), \
            pytest.raises(RuntimeError):
        _run(django_capture_on_commit_callbacks)
    first, quiet, _calm, last = region
    # Batch 1 (the first pair and, for Anna, the last) is done: logged, trailed, mailed.
    assert set(ReminderLog.objects.values_list("pair_id", flat=True)) == {first.pk, last.pk}
    sent = Counter(m.to[0] for m in mail.outbox)
    assert set(sent) == {first.a.email, first.b.email, last.b.email}
    assert not ReminderLog.objects.filter(pair=quiet).exists()
    before = list(mail.outbox)

    rerun = _run(django_capture_on_commit_callbacks)
    assert rerun.by_kind == {"no_meeting": 1, "map_not_agreed": 1}
    assert rerun.emails == 4  # Dina, Egor, Vera, Gleb
    # Both runs together: exactly what one run without the failure sends and writes.
    together = _outcome(rerun)
    assert together["letters"] == whole["letters"]
    assert Counter((m.to[0], m.subject, m.body) for m in before) <= whole["letters"]
    for key in ("logs", "bell", "unsent", "trail"):
        assert together[key] == whole[key], key
