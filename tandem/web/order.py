"""Russian alphabetical order for rows the database reads (``tandem.core.text.sort_key``:
case ignored, «ё» = «е», numbers by value), whatever its own collation: SQLite compares
bytes («Ёлкина» before «Елисеев», every capital before every small letter), PostgreSQL
follows the locale it was created with.

For long exports and paginated lists: only the ids and the names are read and sorted in
Python; the wide rows are then read a chunk at a time in that order (:func:`in_order`),
so 30,000 of them never sit in memory at once. Where a key of that order is stored beside
the name (``tandem.core.text.collation_key``: ``Organization.sort_name``), the database
orders by it itself, compared byte by byte (:class:`Bytewise`)."""

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Collate

from tandem.core.text import sort_key

CHUNK = 2000


class Bytewise(Collate):
    """``expression`` compared byte by byte — code point order, as Python compares
    strings — whatever the database's own collation: ``COLLATE "C"`` in PostgreSQL (a
    database made with a Russian or English locale ignores spaces and punctuation, and a
    column of ``collation_key`` values would not sort as in Python), SQLite's ``BINARY``."""

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, "C")

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, collation="BINARY", **extra_context)


def collated(qs: "QuerySet[Any]", fields: Sequence[str]) -> list[int]:
    """The ids of ``qs`` in Russian alphabetical order of ``fields`` (each by
    ``sort_key``, an empty value first), then by id."""
    keyed = qs.order_by().values_list("pk", *fields).iterator(chunk_size=CHUNK)
    return [pk for pk, *_names in sorted(
        keyed, key=lambda r: (*(sort_key(n or "") for n in r[1:]), r[0]))]


def in_order(rows: "QuerySet[Any]", order: list[int]) -> Iterator[Sequence[Any]]:
    """The ``values_list`` rows of ``rows`` (the id first, dropped) in the order of the
    ids ``order``, read a chunk at a time; an id gone meanwhile is skipped."""
    for start in range(0, len(order), CHUNK):
        batch = order[start:start + CHUNK]
        found = {r[0]: r[1:] for r in rows.filter(pk__in=batch).order_by()}
        yield from (found[pk] for pk in batch if pk in found)
