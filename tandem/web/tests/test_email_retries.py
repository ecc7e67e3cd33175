"""E-mail sending retries with backoff: an SMTP failure queues the letter again after
1, 2, 4 … minutes, at most TANDEM_EMAIL_RETRIES times; then the failure is kept."""

import datetime as dt
import smtplib
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.tasks import default_task_backend
from django.test import override_settings
from django.utils import timezone

from tandem.web import tasks

DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def queue() -> Iterator[object]:
    with override_settings(TASKS=DUMMY, TANDEM_EMAIL_RETRIES=2):
        default_task_backend.clear()  # type: ignore[attr-defined]
        yield default_task_backend
        default_task_backend.clear()  # type: ignore[attr-defined]


def _broken(*args: object, **kwargs: object) -> int:
    raise smtplib.SMTPServerDisconnected("connection lost")


def test_backoff_grows_and_is_capped() -> None:
    assert [tasks.retry_delay(n) for n in (1, 2, 3, 4)] == [
        dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert tasks.retry_delay(30) == dt.timedelta(hours=1)


def test_failed_send_is_queued_again_then_given_up(
        queue: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks, "send_mail", _broken)
    letter: dict[str, Any] = {"subject": "Тема", "body": "Текст", "to": ["bob@example.org"]}
    before = timezone.now()
    assert tasks.send_email.call(**letter) == 0
    [retry] = queue.results  # type: ignore[attr-defined]
    assert retry.kwargs == {**letter, "attempt": 1}
    assert retry.task.run_after - before >= dt.timedelta(minutes=1)
    assert tasks.send_email.call(**letter, attempt=1) == 0
    second = queue.results[-1]  # type: ignore[attr-defined]
    assert second.kwargs["attempt"] == 2
    assert second.task.run_after - before >= dt.timedelta(minutes=2)
    with pytest.raises(smtplib.SMTPException):  # the last try: the failure stays
        tasks.send_email.call(**letter, attempt=2)
    assert len(queue.results) == 2  # type: ignore[attr-defined]


def test_a_good_send_is_not_repeated(queue: object) -> None:
    assert tasks.send_email.call(subject="Тема", body="Текст", to=["bob@example.org"]) == 1
    assert len(mail.outbox) == 1 and not queue.results  # type: ignore[attr-defined]
