"""The meeting dates kept on each pair (``Pair.held_until``, ``Pair.held_next``: the
overview's «тихие пары», ``PairQuerySet.quiet``) follow every meeting saved or deleted.

A meeting created, edited (its date, its «запланирована» mark, moved to another pair) or
deleted — one by one, through the model, as every writer of meetings does but seed-demo's
bulk (which keeps the dates itself) — keeps the dates of its pair again, and of the pair
it was on when loaded if that differs: one ``UPDATE`` (``PairQuerySet.keep_held``) as of
the installation's day. The rule never trusts the dates beyond the day they hold on
(``held_kept_q``), so a day in another time zone or a report for a past day stays right.

Several meetings deleted in one go — a pair deleted with its meetings (the cascade), a
queryset's ``delete()`` — keep their pair's dates once, after the last of them: Django
sends every ``pre_delete`` of a delete before it deletes a row and every ``post_delete``
after the rows of the model are gone, so each pair's meetings are counted in
(:func:`meeting_deleting`) and the dates kept when the count is back to none — of the
pairs that stay: a pair deleted itself (its ``pre_delete`` comes before any row goes,
:func:`pair_deleting`) is left out, its row is about to go. The audit
trail keeps one entry per meeting deleted (docs/architecture.md, ``audit/deletes.py``):
auditlog writes them one by one in its own ``post_delete``, and has no bulk write.
"""

import datetime as dt
from collections import Counter
from typing import Any

from django.utils import timezone

from tandem.pairs.models import Pair
from tandem.web.transactions import savepoint_memory

_LOADED = "_held_pair_id"
_DELETING = "held_meetings_deleting"  # meetings of each pair being deleted now
_READY = "held_pairs_deleted"  # pairs whose meetings of this delete are all gone
_GONE = "held_pairs_gone"  # pairs being deleted themselves: no dates to keep


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


def _pairs_of(instance: Any) -> set[int]:
    return {instance.__dict__.get("pair_id"), instance.__dict__.get(_LOADED)} - {None}


def meeting_deleting(sender: type, instance: Any, **kwargs: object) -> None:
    """(``pre_delete``) One more meeting of its pair to go in this delete."""
    deleting = savepoint_memory(_DELETING, Counter)
    if deleting is not None:
        deleting.update(_pairs_of(instance))


def pair_deleting(sender: type, instance: Any, **kwargs: object) -> None:
    """(``pre_delete`` of a pair) Its meetings go with it: their delete keeps the dates
    of the other pairs only (an ``UPDATE`` of the row being deleted was wasted)."""
    gone = savepoint_memory(_GONE, set)
    if gone is not None:
        gone.add(instance.pk)


def meeting_deleted(sender: type, instance: Any, **kwargs: object) -> None:
    """(``post_delete``) The pairs' dates kept once the last meeting of this delete is
    gone, all in one ``UPDATE`` (outside a transaction, or not counted in: at once)."""
    deleting = savepoint_memory(_DELETING, Counter)
    pairs = _pairs_of(instance)
    if deleting is not None and pairs and all(deleting[pk] > 0 for pk in pairs):
        deleting.subtract(pairs)
        ready: set[int] = savepoint_memory(_READY, set)  # (never None: as ``deleting``)
        for pk in pairs:
            if deleting[pk] <= 0:
                del deleting[pk]
                ready.add(pk)
        # All the pairs of the delete at once, after its last meeting, in the order of
        # their ids (``keep_held`` locks so): two deletes of two pairs' meetings in
        # opposite orders locked the pairs crosswise — a deadlock (review of h/smalls3).
        pairs = set() if deleting else set(ready)
        if pairs:
            ready.clear()
            pairs -= savepoint_memory(_GONE, set)
    if pairs:
        Pair.objects.filter(pk__in=pairs).keep_held(today())
    instance.__dict__[_LOADED] = instance.__dict__.get("pair_id")


def hourly(sender: object, **kwargs: object) -> None:
    """The roll-over: the running pairs whose next held meeting's day has come are kept
    as of today (``PairQuerySet.roll_held``), so that the quiet rule reads the meetings of
    none of them. Found by index; a day without such pairs costs two index probes."""
    Pair.objects.roll_held(today())
