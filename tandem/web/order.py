"""Russian alphabetical order for rows the database reads (``tandem.core.text.sort_key``:
case ignored, «ё» = «е», numbers by value), whatever its own collation: SQLite compares
bytes («Ёлкина» before «Елисеев», every capital before every small letter), PostgreSQL
follows the locale it was created with.

For long exports and paginated lists: only the ids and the names are read and sorted in
Python; the wide rows are then read a chunk at a time in that order (:func:`in_order`),
so 30,000 of them never sit in memory at once. Where a key of that order is stored beside
the name (``tandem.core.text.collation_key``: ``Organization.sort_name``), the database
orders by it itself, compared byte by byte (:class:`Bytewise`)."""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

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


def by_keys(ids: Sequence[int], rows: Iterable[Any]) -> list[Any]:
    """The model objects ``rows`` (read by ``pk__in=ids``: one page) in the order of
    ``ids``; an id not among them (gone meanwhile, or not visible) is skipped."""
    found = {row.pk: row for row in rows}
    return [found[pk] for pk in ids if pk in found]


class GroupedCollation:
    """:func:`collated` of ``qs`` by ``[group, name]`` read a slice at a time: the ids in
    Russian order of the ``group`` field (a related name: «municipality__name»), then of
    ``name``, then by id — the same order — when the caller already knows how many rows
    of ``qs`` each group value has (``sizes``, one grouped count). A slice (a page of a
    :class:`~django.core.paginator.Paginator`) reads and sorts only the rows of the
    groups it touches: a page of 50 of a region's 5,456 organizations sorts the one or
    two municipalities it spans instead of every organization of the region (the
    programmes overview spent about 60 ms of CPU a request on that; issue #16). Equal
    group values are one group, as in :func:`collated`; a group value is never empty
    (``NULL`` is not found by ``__in``). ``sizes`` must be those of ``qs``: a row added
    between the two queries shifts a page by one row, nothing worse."""

    def __init__(self, qs: "QuerySet[Any]", *, group: str, name: str,
                 sizes: Mapping[str, int]) -> None:
        self.qs, self.group, self.name = qs, group, name
        self.groups = sorted(((g, n) for g, n in sizes.items() if n),
                             key=lambda item: sort_key(item[0]))
        self.total = sum(n for _g, n in self.groups)

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[int]:
        return iter(self[0:self.total])

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, int):
            at = index + self.total if index < 0 else index
            found = self[at:at + 1] if 0 <= at < self.total else []
            if not found:
                raise IndexError(index)
            return found[0]
        start, stop, _step = index.indices(self.total)
        touched: list[str] = []
        first = at = 0
        for value, size in self.groups:
            if at < stop and at + size > start:
                first = first if touched else at
                touched.append(value)
            at += size
        if not touched:
            return []
        rows = (self.qs.filter(**{f"{self.group}__in": touched}).order_by()
                .values_list("pk", self.group, self.name))
        ordered = sorted(rows, key=lambda r: (sort_key(r[1] or ""), sort_key(r[2] or ""), r[0]))
        return [r[0] for r in ordered[start - first:stop - first]]
