"""Ask once before ending or destroying work, and the window to undo it.

An action that ends something (a map finished or ended early, a diagnostic closed, a
certificate revoked) is a POST. Without ``confirmed=1`` its view answers with
:func:`confirm_page`: what will happen, in the user's words, and one button that posts the
same form again with ``confirmed=1``; «Отмена» goes back. The step can then be undone by
the curator, with a reason, for ``TANDEM_REOPEN_DAYS`` days (:func:`reopenable`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tandem.core import attention

CONFIRMED = "confirmed"


def reopen_days() -> int:
    return int(getattr(settings, "TANDEM_REOPEN_DAYS", attention.REOPEN_DAYS))


def reopenable(closed_at: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    """Whether a step closed at ``closed_at`` may still be undone (the setting's window)."""
    return attention.reopenable(closed_at=closed_at, now=now or timezone.now(),
                                days=reopen_days())


def reopen_until(closed_at: dt.datetime | None) -> dt.datetime | None:
    """The last moment the step may be undone, to show beside the «вернуть» button."""
    return None if closed_at is None else closed_at + dt.timedelta(days=reopen_days())


def is_confirmed(request: HttpRequest) -> bool:
    return request.POST.get(CONFIRMED) == "1"


@dataclass(frozen=True)
class Confirmation:
    title: str  # «Завершить карту?»
    consequences: Sequence[str]  # what will happen, one sentence each
    action: str  # the URL the confirmed form posts to
    button: str  # «Да, завершить»
    back: str  # where «Отмена» leads
    fields: Mapping[str, str] = field(default_factory=dict)  # posted again as they came
    undo: str = ""  # how it can be undone, if it can
    reason_label: str = ""  # when set, the reason is asked here (required)
    reason: str = ""


def confirm_page(request: HttpRequest, confirmation: Confirmation) -> HttpResponse:
    return render(request, "web/confirm.html", {"c": confirmation})
