"""Memory that lives as long as the current database transaction: what a transaction has
already done once (scheduled a job, written a row), forgotten when it commits or rolls
back. Used by the diagnostics figures (one rebuild job per transaction) and the monitoring
cache versions (one change row per transaction and unit). One run after the commit over
the ids a whole transaction collected (:func:`ids_at_commit`: the derived columns kept
again after the commit). And a read-only snapshot for the figures' checks
(:func:`read_only_snapshot`)."""

import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, transaction

_local = threading.local()


def _memories() -> dict[str, tuple[Callable[[], None], dict[Any, Any]]]:
    memories = getattr(_local, "memories", None)
    if memories is None:
        memories = _local.memories = {}
    return memories


def transaction_memory(name: str) -> dict[Any, Any] | None:
    """The same dict on every call under ``name`` within one transaction, a fresh one in
    the next; None outside a transaction (there every statement commits by itself). It is
    forgotten by an on_commit callback; a rollback drops that callback, and the next call,
    not finding it among the transaction's callbacks, starts anew."""
    if not connection.in_atomic_block:
        return None
    memories = _memories()
    entry = memories.get(name)
    if entry is not None and any(item[1] is entry[0] for item in connection.run_on_commit):
        return entry[1]

    def forget() -> None:
        if memories.get(name, (None,))[0] is forget:
            del memories[name]

    memory: dict[Any, Any] = {}
    memories[name] = (forget, memory)
    transaction.on_commit(forget)
    return memory


def forget_transaction_memory(name: str) -> None:
    """Starts ``name`` anew at its next use, even within the same transaction."""
    _memories().pop(name, None)


def savepoint_memory(name: str, make: Callable[[], Any]) -> Any:
    """What is kept under ``name`` at this savepoint of this transaction — ``make()`` at
    its first use there (a savepoint rolled back takes it along: the next one has its
    own); None outside a transaction."""
    memory = transaction_memory(name)
    if memory is None:
        return None
    key = tuple(connection.savepoint_ids)
    if key not in memory:
        memory[key] = make()
    return memory[key]


def _here(name: str) -> set[Any] | None:
    """What was done under ``name`` at this savepoint of this transaction."""
    here: set[Any] | None = savepoint_memory(name, set)
    return here


def mark_once(name: str, ids: set[int], *, insert: Callable[[list[int]], object],
              enqueue: Callable[[], None]) -> None:
    """The marking step of kept figures (diagnostics, pairs, survey cells): ``insert`` the
    marks of the ``ids`` not yet marked in this transaction under ``name`` — once per
    savepoint, so one rolled back takes its marks along — and ``enqueue`` one job after
    the commit (at once outside a transaction). Marks are inserts only: no row lock, so
    writers touching organizations in any order never wait on each other or on a rebuild
    (which removes only the marks it saw)."""
    here = _here(name)
    marked: set[int] = here if here is not None else set()
    ids = ids - marked
    if not ids:
        return
    insert(sorted(ids))
    marked |= ids
    if not connection.in_atomic_block:
        enqueue()
    elif not any(item[1] is enqueue for item in connection.run_on_commit):
        transaction.on_commit(enqueue)  # one job per transaction


def first_in_savepoint(name: str, key: Any) -> bool:
    """Whether ``key`` is new under ``name`` in this transaction at this savepoint (kept
    per savepoint as :func:`mark_once` keeps its marks: one rolled back forgets it). A
    figures' handler that hears each child deleted or saved (a pair's hundred map rows in
    one cascade) resolves and marks their parent once, not once a child; what it marked
    stays marked until this savepoint ends. Outside a transaction: always new."""
    seen = _here(name)
    if seen is None:
        return True
    if key in seen:
        return False
    seen.add(key)
    return True


# Ids one statement of an after-commit run names (:func:`ids_at_commit`): a person's
# place, a pair's names or regions — an ``IN`` of a thousand keys, bound once or twice.
IDS_PER_STATEMENT = 1_000


class _AtCommit:
    """The one after-commit run of :func:`ids_at_commit` under one name at one savepoint:
    ``run`` over the ids collected, :data:`IDS_PER_STATEMENT` at a time, in the order they
    came."""

    def __init__(self, name: str, run: Callable[[list[Any]], object], size: int) -> None:
        self.name, self.run, self.size = name, run, size
        self.ids: dict[Any, None] = {}  # an ordered set
        self.done = False
        self.queue: list[Any] | None = None  # the connection's callbacks it was put in

    def __call__(self) -> None:
        self.done = True
        ids = list(self.ids)
        for start in range(0, len(ids), self.size):
            self.run(ids[start:start + self.size])

    def waiting(self, conn: Any) -> bool:
        """Whether it is still among the callbacks of the transaction open on ``conn``:
        not run, nor dropped by a rollback. Django replaces that list (never changes it in
        place) when a savepoint or the transaction rolls back or commits: while it is the
        same list, the answer is yes without reading it."""
        if self.done:
            return False
        if self.queue is conn.run_on_commit:
            return True
        if any(item[1] is self for item in conn.run_on_commit):
            self.queue = conn.run_on_commit
            return True
        return False


# The runs registered under each name, per connection (a connection belongs to one
# thread) and per savepoint (the tuple of the savepoints open): {connection: {name:
# {savepoints: _AtCommit}}} — only those of the savepoints still open.
_at_commit: "weakref.WeakKeyDictionary[Any, dict[str, dict[tuple[Any, ...], _AtCommit]]]" = (
    weakref.WeakKeyDictionary())


def ids_at_commit(name: str, ids: Iterable[Any], run: Callable[[list[Any]], object], *,
                  using: str | None = None, size: int = IDS_PER_STATEMENT) -> None:
    """``run(chunk)`` after the commit of the transaction open on ``using`` over these
    ``ids`` and every other given under ``name`` in it: ONE ``on_commit`` callback per
    transaction and name (and savepoint), not one a call — a roster import that saves 500
    people leaves one run of ``keep_places`` in statements of ``size`` ids, not 500
    callbacks and 500 one-statement transactions after its commit (issue #16, review of
    h/partcols). Outside a transaction (autocommit) ``run`` goes at once, as ``on_commit``
    does. Every caller under one name passes the same ``run``: the first one registered
    is the one that runs.

    One run per savepoint the ids are given in, so that rollbacks take exactly what they
    should: a rolled-back transaction runs nothing (Django drops every callback), a
    savepoint rolled back drops the run of the ids given inside it (their saves are
    undone: nothing to keep) and no other — ids given before it, or after it, are in the
    run of their own savepoint (or of the transaction). A test capturing the callbacks
    (``captureOnCommitCallbacks``) around an ``atomic`` block sees that block's run. A
    loop of one savepoint a row would leave one run a row, as before."""
    alias = using or DEFAULT_DB_ALIAS
    conn = transaction.get_connection(alias)
    if not conn.in_atomic_block:
        once = _AtCommit(name, run, size)
        once.ids.update(dict.fromkeys(ids))
        transaction.on_commit(once, using=alias)  # at once (or refused, as on_commit is)
        return
    here = tuple(conn.savepoint_ids)
    runs = _at_commit.setdefault(conn, {})
    mine = runs.get(name, {})
    latest = mine.get(here)
    if latest is None or not latest.waiting(conn):
        # Forget those of savepoints no longer open (released or rolled back): their
        # savepoints never come back in this transaction. One of a transaction that ended
        # is found not waiting when its savepoints' ids come back in a later one.
        mine = runs[name] = {key: other for key, other in mine.items()
                             if key == here[:len(key)] and key != here}
        latest = mine[here] = _AtCommit(name, run, size)
        transaction.on_commit(latest, using=alias)
        latest.queue = conn.run_on_commit
    latest.ids.update(dict.fromkeys(ids))


@contextmanager
def read_only_snapshot() -> Iterator[None]:
    """A transaction that sees one moment of the database and writes nothing — for checks
    that compare stored figures with a recount while people keep writing (``tandem tallies
    --check``). On PostgreSQL ``REPEATABLE READ READ ONLY`` when it opens the transaction
    (inside one already open, a savepoint that inherits its isolation); elsewhere a plain
    transaction."""
    own_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if own_transaction and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


# Organizations a set-based rebuild of kept figures takes per transaction (people counts,
# technologies, pair figures: each statement groups the whole batch, so a batch of
# thousands costs about what a batch of a few does — after a 300,000 seed all 5,456
# organizations are one batch on PostgreSQL). A statement binds the ids at most four times:
# ≤ 64,000 of the 65,535 parameters PostgreSQL allows should it bind them server-side,
# ≤ 20,000 of SQLite's 32,766.
ORGANIZATIONS_PER_BATCH = 5_000
ORGANIZATIONS_PER_BATCH_POSTGRESQL = 16_000
ROWS_PER_STATEMENT = 2_000  # rows one INSERT or DELETE of such a rebuild names


def organizations_per_batch() -> int:
    """:data:`ORGANIZATIONS_PER_BATCH` for this database."""
    return (ORGANIZATIONS_PER_BATCH_POSTGRESQL if connection.vendor == "postgresql"
            else ORGANIZATIONS_PER_BATCH)


def delete_in_pieces(model: Any, pks: list[int]) -> None:
    """Deletes these rows of ``model`` (the marks a rebuild saw: many writers may have
    marked one organization) :data:`ROWS_PER_STATEMENT` ids a statement."""
    for start in range(0, len(pks), ROWS_PER_STATEMENT):
        model.objects.filter(pk__in=pks[start:start + ROWS_PER_STATEMENT]).delete()


def in_batches(ids: list[int], size: int, rebuild: Callable[[list[int]], None],
               progress: Callable[[int, int], None] | None = None) -> int:
    """The rebuild loop of kept figures (survey cells, technologies, people counts):
    ``rebuild`` each batch of ``size`` organizations in a transaction of its own (its row
    locks held only that long), reporting ``progress(done, total)``; returns how many."""
    for start in range(0, len(ids), size):
        with transaction.atomic():
            rebuild(ids[start:start + size])
        if progress is not None:
            progress(min(start + size, len(ids)), len(ids))
    return len(ids)


def hold_keys(space: int, ids: list[int]) -> None:
    """Hold PostgreSQL's advisory transaction locks ``(space, id)`` for these ids, in id
    order, until the transaction ends: the right to write a kept sum of each id (a
    region's sums of diagnostics, of technologies — each its own ``space``), not a row
    another writer holds for its own reasons. Callers take them last, after every row
    lock of their transaction, so no cycle closes. SQLite writes one transaction at a
    time: nothing to hold."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for pk in sorted(set(ids)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [space, pk])
