"""The meeting dates kept on each pair (``Pair.held_until``, ``Pair.held_next``: the
overview's «тихие пары», ``PairQuerySet.quiet``) follow every meeting saved or deleted.

A meeting created, edited (its date, its «запланирована» mark, moved to another pair) or
deleted — one by one, through the model, as every writer of meetings does but seed-demo's
bulk (which keeps the dates itself) — keeps the dates of its pair again, and of the pair
it was on when loaded if that differs: one ``UPDATE`` (``PairQuerySet.keep_held``) as of
the installation's day. The rule never trusts the dates beyond the day they hold on
(``held_kept_q``), so a day in another time zone or a report for a past day stays right.
"""

import datetime as dt
from typing import Any

from django.utils import timezone

from tandem.pairs.models import Pair

_LOADED = "_held_pair_id"


def loaded(sender: type, instance: Any, **kwargs: object) -> None:
    """Remembers the pair a meeting was loaded with (a move keeps both pairs)."""
    instance.__dict__[_LOADED] = instance.__dict__.get("pair_id")


def today() -> dt.date:
    """The day the dates are kept as of: the installation's (a test sets another)."""
    return timezone.localdate()


def _keep(instance: Any) -> None:
    ids = {instance.__dict__.get("pair_id"), instance.__dict__.get(_LOADED)} - {None}
    if ids:
        Pair.objects.filter(pk__in=ids).keep_held(today())
    instance.__dict__[_LOADED] = instance.__dict__.get("pair_id")


def meeting_saved(sender: type, instance: Any, **kwargs: object) -> None:
    _keep(instance)


def meeting_deleted(sender: type, instance: Any, **kwargs: object) -> None:
    _keep(instance)


def hourly(sender: object, **kwargs: object) -> None:
    """The roll-over: the running pairs whose next held meeting's day has come are kept
    as of today (``PairQuerySet.roll_held``), so that the quiet rule reads the meetings of
    none of them. Found by index; a day without such pairs costs two index probes."""
    Pair.objects.roll_held(today())
