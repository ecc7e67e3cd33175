"""Loading many generated rows at once (``seed-demo``): PostgreSQL's COPY, elsewhere a plain
``executemany``.

The ORM's ``bulk_create`` builds a model instance per row and compiles and binds every
value on the client; for a region of 300,000 teachers (millions of rows) that, not the
database, was most of seed-demo's time. Here rows are plain tuples of column values in the
order of ``columns`` (attribute names: ``organization_id``, not ``organization``); every
other column gets its field's default, ``auto_now``/``auto_now_add`` columns the time of
the call. No ``save()``, no signals, no audit entries — exactly like ``bulk_create``; use it
for fabricated data (the demo) and for kept figures derived from audited records (the map
technologies' tallies, ``tandem/maps/tallies.py``), never for what a person changes.

Ids without RETURNING: a caller that needs the ids of the rows it writes (responses before
their answers, pairs before their maps) takes them first with :func:`reserve_ids` and
writes them in the ``id`` column. On PostgreSQL that is ``nextval`` of the table's own
sequence, once per id in one query — the very numbers ``bulk_create`` would have got, safe
with other writers (a sequence never gives a number twice). On SQLite it moves the table's
``sqlite_sequence`` counter past the block in the current transaction (Django's SQLite ids
are AUTOINCREMENT), which is the same promise: nobody else gets those ids. A caller that
does not need the ids leaves ``id`` out and the database numbers the rows.

Foreign keys: Django's are DEFERRABLE INITIALLY DEFERRED, so PostgreSQL checks each new row
by a trigger at COMMIT — for 1.26 million answers that was a third of seed-demo's wall time.
:func:`foreign_keys_checked_once` drops the tables' foreign keys for the load and adds the
very same constraints back at the end, which checks all rows in one join per constraint.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.utils import timezone

# Fields whose Python values psycopg writes into COPY as they are; any other field's
# value goes through the field's own get_db_prep_save (JSONField → Jsonb, …).
_AS_IS = frozenset({
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
    "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
    "PositiveSmallIntegerField", "CharField", "TextField", "EmailField", "SlugField",
    "URLField", "BooleanField", "DateField", "DateTimeField", "TimeField", "FloatField",
    "ForeignKey", "OneToOneField"})
_EXECUTEMANY_BATCH = 5_000


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys of ``model``'s table, in increasing order, that no other
    insert will take (see the module's docstring). Call inside the transaction that
    writes the rows."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                           "FROM generate_series(1, %s)",
                           [connection.ops.quote_name(table), str(model._meta.pk.column), count])
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"reserve_ids: {connection.vendor}")
        last, counted = _sqlite_last_id(cursor, model)
        if counted:
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s",
                           [last + count, table])
        else:
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                           [table, last + count])
        return list(range(last + 1, last + count + 1))


def _sqlite_last_id(cursor: Any, model: type[models.Model]) -> tuple[int, bool]:
    """SQLite: the last id given in ``model``'s table — its ``sqlite_sequence`` counter,
    or the largest id where the table has none yet — and whether the counter exists
    (:func:`reserve_ids` moves it, :func:`next_id` only reads it)."""
    table = model._meta.db_table
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
    row = cursor.fetchone()
    if row is not None:
        return int(row[0]), True
    pk = connection.ops.quote_name(str(model._meta.pk.column))
    cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) "  # noqa: S608  (names are ours)
                   f"FROM {connection.ops.quote_name(table)}")
    return int(cursor.fetchone()[0]), False


def _filler(field: models.Field[Any, Any], now: Any) -> Callable[[], Any]:
    """What a column left out of ``columns`` gets in every row."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda: now
    if field.has_default() and callable(field.default):
        return field.get_default  # a fresh value per row (list(), uuid4(), …)
    value = field.get_default()
    return lambda: value


def _same_in_every_row(field: models.Field[Any, Any]) -> bool:
    return not (field.has_default() and callable(field.default)) or bool(
        getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def copy_rows(model: type[models.Model], columns: Sequence[str],
              rows: Iterable[Sequence[Any]]) -> int:
    """Writes ``rows`` (tuples in the order of ``columns``) into ``model``'s table and
    returns how many. ``rows`` may be a generator: it is consumed once, as it goes."""
    meta = model._meta
    given: list[models.Field[Any, Any]] = []
    for name in columns:
        field = meta.get_field(name)
        if not isinstance(field, models.Field) or not field.concrete:
            raise ValueError(f"copy_rows: {name} is not a column of {meta.label}")
        given.append(field)
    named = {f.attname for f in given}
    now = timezone.now()
    rest = [f for f in meta.concrete_fields
            if f.attname not in named and not f.primary_key and not f.generated
            and not f.has_db_default()]
    fill = [_filler(f, now) for f in rest]
    fields = [*given, *rest]
    names = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    count = 0
    if connection.vendor == "postgresql":
        from psycopg.copy import QueuedLibpqWriter  # psycopg only where PostgreSQL is

        prep = [(i, f) for i, f in enumerate(fields) if f.get_internal_type() not in _AS_IS]
        # The left-out columns' values, once, when no field makes a fresh one per row: a
        # table of millions of rows (answers) pays for every step per row.
        tail = (tuple(f() for f in fill) if all(_same_in_every_row(f) for f in rest)
                else None)
        # QueuedLibpqWriter: a thread of psycopg's sends while this one formats the next
        # rows, so the server writes (and checks) them at the same time.
        with connection.cursor() as cursor, cursor.cursor.copy(  # the psycopg cursor
                f"COPY {table} ({names}) FROM STDIN",
                writer=QueuedLibpqWriter(cursor.cursor)) as copy:
            write = copy.write_row
            if tail is not None and not prep:
                for row in rows:
                    write((*row, *tail))
                    count += 1
                return count
            for row in rows:
                values = [*row, *(tail if tail is not None else (f() for f in fill))]
                for i, f in prep:
                    values[i] = f.get_db_prep_save(values[i], connection)
                write(values)
                count += 1
        return count
    # SQLite (the embedded set-up, the tests): every value as the ORM would write it.
    sql = (f"INSERT INTO {table} ({names}) "  # noqa: S608  (names are ours)
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            values = [*row, *(f() for f in fill)]
            batch.append([f.get_db_prep_save(v, connection)
                          for f, v in zip(fields, values, strict=True)])
            if len(batch) >= _EXECUTEMANY_BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_CHUNK = 1 << 16


class CopyText:
    """COPY's text format for ``model``'s ``columns``, written by hand (PostgreSQL only):
    for a load whose rows repeat a few fragments — twelve million answers are a few
    hundred distinct (competency, level, …) tails after a response's id — encoding each
    fragment once and joining bytes costs a fraction of formatting every row
    (``copy_rows``). Only columns written as they are (``_AS_IS``: numbers, text, dates,
    booleans, keys) and left-out columns whose value is the same in every row; anything
    else is a ``ValueError``, and ``copy_rows`` is the way."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        meta = model._meta
        given: list[models.Field[Any, Any]] = []
        for name in columns:
            field = meta.get_field(name)
            if not isinstance(field, models.Field) or not field.concrete:
                raise ValueError(f"CopyText: {name} is not a column of {meta.label}")
            if field.get_internal_type() not in _AS_IS:
                raise ValueError(f"CopyText: {meta.label}.{name} needs copy_rows")
            given.append(field)
        named = {f.attname for f in given}
        self.table = connection.ops.quote_name(meta.db_table)
        rest = [f for f in meta.concrete_fields
                if f.attname not in named and not f.primary_key and not f.generated
                and not f.has_db_default()]
        for f in rest:
            if not _same_in_every_row(f) or f.get_internal_type() not in _AS_IS:
                raise ValueError(f"CopyText: {meta.label}.{f.attname} needs copy_rows")
        now = timezone.now()
        self.names = ", ".join(connection.ops.quote_name(str(f.column))
                               for f in [*given, *rest])
        #: The left-out columns of every line, with the tab before them ("" if none).
        self.tail = "".join("\t" + self.value(_filler(f, now)()) for f in rest).encode()

    @staticmethod
    def value(value: Any) -> str:
        """One value in COPY's text format."""
        if value is None:
            return "\\N"
        if value is True or value is False:
            return "t" if value else "f"
        if isinstance(value, dt.datetime):
            if timezone.is_naive(value):  # the server would read it in its own zone
                raise ValueError(f"COPY needs an aware datetime, not {value!r}")
            return value.isoformat()
        if isinstance(value, int | float | Decimal | dt.date | dt.time):
            return str(value)  # no character COPY would read as a separator
        # Text, and anything else as its text (a lazy translation, a path): escaped, so a
        # backslash, tab or line break inside can never shift a column or end a row.
        return str(value).translate(_COPY_ESCAPES)

    def values(self, *values: Any) -> bytes:
        """Tab-separated values: a fragment of a line (no tail, no newline)."""
        return "\t".join(map(self.value, values)).encode()

    def copy(self, chunks: Iterable[bytes]) -> None:
        """COPY the ``chunks`` — whole lines, each ending with ``self.tail`` and a
        newline — into the table, sent in blocks of about 64 KB."""
        from psycopg.copy import QueuedLibpqWriter

        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {self.table} ({self.names}) FROM STDIN",
                writer=QueuedLibpqWriter(cursor.cursor)) as copy:
            block: list[bytes] = []
            size = 0
            for chunk in chunks:
                block.append(chunk)
                size += len(chunk)
                if size >= _COPY_CHUNK:
                    copy.write(b"".join(block))
                    block, size = [], 0
            if block:
                copy.write(b"".join(block))


@contextmanager
def foreign_keys_checked_once(*tables: type[models.Model],
                              whole: bool = True) -> Iterator[None]:
    """Inside: the foreign keys *of* these models' tables are not checked row by row; on the
    way out they are added back as they were (``pg_get_constraintdef``: same name, same
    ``DEFERRABLE``, same ``ON DELETE``), which checks every row at once and fails — rolling
    the whole load back — if one points nowhere. PostgreSQL only (elsewhere nothing
    changes), and only inside ``transaction.atomic``. PostgreSQL refuses ALTER TABLE of a
    table with checks still pending in the transaction (a referenced table too), so on the
    way in and out the pending checks run at once (``SET CONSTRAINTS ALL IMMEDIATE``) and
    the constraints go back to deferred (all of the project's deferrable constraints are
    Django's INITIALLY DEFERRED foreign keys, so that is the state they started in). The
    tables stay locked (ACCESS EXCLUSIVE) until the commit: for a load into tables nobody
    else uses at the time, like ``seed-demo`` into an empty database.

    ``whole=False`` — one of several loads into the same tables (a country's regions but
    the last): checking the whole table each time reads the older loads again and again,
    so the constraints come back ``NOT VALID`` (still checked for every later write) and
    only the rows this load added — primary key past the largest one on the way in — are
    checked, one anti-join per constraint; a row pointing nowhere raises
    ``IntegrityError``. For a load that inserts (and changes only rows it inserted): an
    older row changed inside is not checked here. The last load (``whole=True``) checks
    every row and leaves the constraints valid, as they were before the first."""
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("foreign_keys_checked_once needs transaction.atomic")
    names = [connection.ops.quote_name(m._meta.db_table) for m in tables]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), "
            "       confrelid::regclass::text, "
            "       ARRAY(SELECT a.attname::text FROM unnest(conkey) WITH ORDINALITY k(n, i) "
            "             JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.n "
            "             ORDER BY k.i), "
            "       ARRAY(SELECT a.attname::text FROM unnest(confkey) WITH ORDINALITY k(n, i) "
            "             JOIN pg_attribute a ON a.attrelid = confrelid AND a.attnum = k.n "
            "             ORDER BY k.i) "
            "FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid = ANY(%s::regclass[]) ORDER BY conrelid, conname",
            [names])
        constraints = cursor.fetchall()
        # Where this load's rows begin: the largest primary key of each table now.
        since: dict[str, tuple[str, int | None]] = {}
        if not whole:
            for model, table in zip(tables, names, strict=True):
                pk = connection.ops.quote_name(str(model._meta.pk.column))
                cursor.execute(f"SELECT MAX({pk}) FROM {table}")  # noqa: S608 (names are ours)
                since[model._meta.db_table] = (pk, cursor.fetchone()[0])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, *_rest in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT "
                           f"{connection.ops.quote_name(name)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield  # on an exception the transaction rolls back, the drops with it
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, definition, target, columns, referenced in constraints:
            # A constraint an earlier load left NOT VALID comes back checked when whole.
            definition = definition.removesuffix(" NOT VALID")
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT "
                           f"{connection.ops.quote_name(name)} {definition}"
                           f"{'' if whole else ' NOT VALID'}")
            if not whole:
                _check_new_rows(cursor, table, name, since, target, columns, referenced)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _check_new_rows(cursor: Any, table: str, name: str,
                    since: dict[str, tuple[str, int | None]], target: str,
                    columns: list[str], referenced: list[str]) -> None:
    """The rows of ``table`` past ``since`` whose key ``columns`` (all not null: MATCH
    SIMPLE) point at no row of ``target``: an IntegrityError naming the constraint."""
    from django.db import IntegrityError

    quote = connection.ops.quote_name
    pk, after = since[table.strip('"')]  # regclass::text quotes only odd names
    new = f"c.{pk} > %s" if after is not None else "TRUE"
    present = " AND ".join(f"c.{quote(c)} IS NOT NULL" for c in columns)
    joined = " AND ".join(f"t.{quote(r)} = c.{quote(c)}"
                          for c, r in zip(columns, referenced, strict=True))
    cursor.execute(f"SELECT c.{pk} FROM {table} c WHERE {new} AND {present} "  # noqa: S608
                   f"AND NOT EXISTS (SELECT 1 FROM {target} t WHERE {joined}) LIMIT 1",
                   [after] if after is not None else [])
    row = cursor.fetchone()
    if row is not None:
        raise IntegrityError(f'insert or update on table {table} violates foreign key '
                             f'constraint "{name}": row {row[0]} points nowhere')


@contextmanager
def indexes_built_once(*tables: type[models.Model]) -> Iterator[None]:
    """Inside: the secondary indexes of these models' tables (every index but the primary
    key's, unique constraints' included) are gone; on the way out they are built again as
    they were (``pg_get_indexdef`` / ``pg_get_constraintdef``: same names, same columns,
    same ``WHERE``), one sort per index instead of an insertion per row, and a duplicate
    the load brought fails the build and rolls the whole load back. PostgreSQL only,
    inside ``transaction.atomic``, for a load that outweighs what the tables already hold
    (a rebuild sorts every row, old ones too); the tables stay locked until the commit, as
    in :func:`foreign_keys_checked_once`. A build sorts in ``maintenance_work_mem`` (the
    caller may raise it for its transaction, ``SET LOCAL``). Left alone: an index a
    foreign key stands on (PostgreSQL would refuse) and a constraint whose index is named
    differently (it would come back under another name)."""
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_built_once needs transaction.atomic")
    names = [connection.ops.quote_name(m._meta.db_table) for m in tables]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, "
            "       pg_get_indexdef(i.indexrelid), c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_index i "
            "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid "
            "     AND c.conrelid = i.indrelid AND c.contype IN ('u', 'p', 'x') "
            "JOIN pg_class ix ON ix.oid = i.indexrelid "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
            "  AND NOT EXISTS (SELECT 1 FROM pg_constraint f "
            "                  WHERE f.contype = 'f' AND f.conindid = i.indexrelid) "
            "  AND (c.conname IS NULL OR c.conname = ix.relname) "
            "ORDER BY i.indrelid, ix.relname", [names])
        indexes = cursor.fetchall()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred unique checks, if any
        for table, index, _definition, constraint, _condef in indexes:
            if constraint is None:
                cursor.execute(f"DROP INDEX {index}")
            else:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT "
                               f"{connection.ops.quote_name(constraint)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield  # on an exception the transaction rolls back, the drops with it
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as on the way in
        for table, _index, definition, constraint, condef in indexes:
            if constraint is None:
                cursor.execute(definition)
            else:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT "
                               f"{connection.ops.quote_name(constraint)} {condef}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def analyze(*tables: type[models.Model]) -> None:
    """Planner statistics for freshly loaded tables, inside the loading transaction
    (PostgreSQL; elsewhere nothing). Autovacuum cannot see uncommitted rows, so without
    this every later query of the same transaction is planned for empty tables — nested
    loops over millions of rows."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def next_id(model: type[models.Model]) -> int:
    """The first id :func:`reserve_ids` would give now, if no other insert takes one before
    it: a guess, for work prepared ahead of the rows it is for (``seed-demo`` draws a
    region's answers, which depend on its people's ids, before they are loaded) — the
    caller checks what it got and redoes what the guess got wrong. Reads the sequence
    without moving it (PostgreSQL; on SQLite the ``sqlite_sequence`` counter, or the
    largest id)."""
    table = model._meta.db_table
    column = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)",
                           [connection.ops.quote_name(table), column])
            sequence = cursor.fetchone()[0]
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
            last, called = cursor.fetchone()
            return int(last) + 1 if called else int(last)
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"next_id: {connection.vendor}")
        return _sqlite_last_id(cursor, model)[0] + 1
