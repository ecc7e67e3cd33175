"""«Did this save change these fields?» — the one rule of the kept figures' trackers.

A kept figure (the people counts, the pair, diagnostics, survey and technology tallies)
must hear a save that changes what it counts: a person who moves to another organization,
an organization that moves to another municipality, a round whose dates change. The
values before the save are the ones STORED, read just before it (``pre_save``, one
indexed read of the row), not the ones the object had when it was loaded: a save from an
out-of-date copy (a roster import that loaded a batch of people before one of them moved
on the web, then saves each whole) puts back values the loaded copy never saw change —
and what derives from them follows (``pairs/members.py`` writes the pair's member
organizations back on every save that writes the person's organization) — so comparing
with the loaded copy found «no change» and the figures stayed wrong with no mark.

A :class:`Tracked` names a model, its fields (attnames) and what to call when a save
changed them. Every tracker of one model shares one read per save: the union of the
fields of the trackers the save can concern (with ``update_fields`` that names none of a
tracker's fields, that tracker is not asked; naming none of any, nothing is read). A field
the save does not write (left out of ``update_fields``, or deferred) keeps its stored
value. ``on_create``: a new row counts as a change (``before`` all ``None``). Saves of
fixtures (``raw``, loaddata) are not tracked: ``tandem tallies --rebuild`` follows them.
Both sides are compared as the field's Python value (``to_python``): a key assigned as a
string (``organization_id = "4"``) is the stored 4, not a change.

The stored values are read without a lock (pre-existing, left so: locking there would
take rows out of the rebuilds' order): a whole save from an out-of-date copy racing an
uncommitted web move of the same person reads the values before that move and is still
unheard. A tracker that cannot live with that asks for ``locked``: in a transaction the
shared read then holds the row as the save's own ``UPDATE`` is about to (``FOR NO KEY
UPDATE``: the same lock, taken a moment earlier, so no lock order changes and inserts
that reference the row are not held up), so no other save of the row slips between the
read and the write, and «unchanged» is exact. Outside a transaction the read cannot hold
the row: such a tracker is told of every save that writes its fields, as if changed.

:func:`stored` is the same read for a delete handler (``pre_delete``): what the row
holds, not the copy being deleted.

The kept figures register their trackers in their ``AppConfig.ready`` (:func:`track`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.db.models import Model
from django.db.models.signals import post_save, pre_save

BEFORE = "_tracked_before"  # instance.__dict__: {attname: stored value} or None (no row)
LOCKED = "_tracked_locked"  # instance.__dict__: whether that read held the row


@dataclass(frozen=True)
class Tracked:
    """``changed(instance, before, after)`` when a save of ``model`` changed ``fields``
    (attnames; ``before`` as stored just before the save, ``after`` as written)."""

    model: type[Model]
    name: str  # unique per model: registering the same name again is a no-op
    fields: tuple[str, ...]
    changed: Callable[[Any, tuple[Any, ...], tuple[Any, ...]], None]
    on_create: bool = False
    # The read holds the row (in a transaction); unlocked, every save writing the fields
    # counts as a change.
    locked: bool = False


_TRACKERS: dict[type[Model], list[Tracked]] = {}


def track(*trackers: Tracked) -> None:
    """Registers these trackers (in ``AppConfig.ready``); the signals of a model are
    connected once, for all its trackers."""
    for tracked in trackers:
        known = _TRACKERS.setdefault(tracked.model, [])
        if any(t.name == tracked.name for t in known):
            continue
        known.append(tracked)
        label = tracked.model._meta.label_lower
        pre_save.connect(_saving, sender=tracked.model, dispatch_uid=f"tracking_{label}_saving")
        post_save.connect(_saved, sender=tracked.model, dispatch_uid=f"tracking_{label}_saved")


def trackers_of(model: type[Model]) -> tuple[Tracked, ...]:
    return tuple(_TRACKERS.get(model, ()))


def _python(model: type[Model], attname: str, value: Any) -> Any:
    """The field's Python value (``"4"`` assigned to a key is 4); as given if it is none."""
    try:
        return model._meta.get_field(attname).to_python(value)  # type: ignore[union-attr]
    except (ValidationError, TypeError, ValueError, AttributeError):
        return value


def _read(model: type[Model], pk: Any, fields: Iterable[str],
          using: str | None, *, lock: bool = False) -> dict[str, Any] | None:
    """The row's stored values of these attnames (None: no row), from the database the
    write goes to (``using``), never a replica the copy was read from
    (tandem/web/dbrouter.py); through the base manager, as Django's saves and deletes.
    ``lock``: the row held (``FOR NO KEY UPDATE``; the caller is in a transaction)."""
    fields = list(fields)
    rows = model._base_manager.using(using or DEFAULT_DB_ALIAS).filter(pk=pk).order_by()
    if lock:
        rows = rows.select_for_update(no_key=True)
    row = list(rows.values_list(*fields)[:1])
    return dict(zip(fields, row[0], strict=True)) if row else None


def stored(instance: Any, fields: Iterable[str], using: Any = None) -> tuple[Any, ...] | None:
    """What the database holds for ``instance``'s row in these attnames (one indexed read;
    None: no row or no key) — for a delete handler (``pre_delete``, pass its ``using``),
    whose copy may be out of date."""
    if instance.pk is None:
        return None
    fields = tuple(fields)
    row = _read(type(instance), instance.pk, fields,
                using or router.db_for_write(type(instance), instance=instance))
    return None if row is None else tuple(row[f] for f in fields)


def _written(model: type[Model], update_fields: Iterable[str] | None) -> set[str] | None:
    """The attnames a save writes (None: all)."""
    if update_fields is None:
        return None
    return {getattr(model._meta.get_field(name), "attname", name) for name in update_fields}


def _concerned(model: type[Model], written: set[str] | None) -> list[Tracked]:
    return [t for t in _TRACKERS.get(model, ())
            if written is None or not written.isdisjoint(t.fields)]


def _saving(sender: type[Model], instance: Any, raw: bool = False, using: str | None = None,
            update_fields: Iterable[str] | None = None, **kwargs: object) -> None:
    d = instance.__dict__
    d.pop(BEFORE, None)
    d.pop(LOCKED, None)
    if raw or instance.pk is None:
        return  # a fixture, or a new row without a key
    # A new copy given its key is read as any save: Django may UPDATE a row with that key,
    # and ``pre_save`` is not told of ``force_insert`` (a forced insert wastes the one read:
    # no row, nothing to compare).
    concerned = _concerned(sender, _written(sender, update_fields))
    if not concerned:
        return  # writes nothing any tracker watches: no read
    lock = (any(t.locked for t in concerned)
            and transaction.get_connection(using or DEFAULT_DB_ALIAS).in_atomic_block)
    d[BEFORE] = _read(sender, instance.pk, sorted({f for t in concerned for f in t.fields}),
                      using, lock=lock)
    d[LOCKED] = lock


def _saved(sender: type[Model], instance: Any, created: bool = False, raw: bool = False,
           update_fields: Iterable[str] | None = None, **kwargs: object) -> None:
    if raw:
        return
    d = instance.__dict__
    written = _written(sender, update_fields)
    if created:
        for tracked in _TRACKERS.get(sender, ()):
            if tracked.on_create:
                tracked.changed(instance, (None,) * len(tracked.fields),
                                tuple(_python(sender, f, d.get(f)) for f in tracked.fields))
        d.pop(BEFORE, None)
        return
    if BEFORE not in d:
        return  # nothing watched was written (or the row was not there to read)
    was = d.pop(BEFORE)
    locked = d.pop(LOCKED, False)
    if was is None:
        return
    for tracked in _concerned(sender, written):
        before = tuple(_python(sender, f, was[f]) for f in tracked.fields)
        # A field not written (left out of update_fields, deferred) keeps its stored value.
        after = tuple(_python(sender, f, d[f] if f in d and (written is None or f in written)
                              else was[f]) for f in tracked.fields)
        if before != after or (tracked.locked and not locked):
            tracked.changed(instance, before, after)
