"""Several reads in one statement: a page that needs a handful of small grouped reads pays
one round trip for them, not one each (docs/performance.md, «Первый просмотр…»)."""

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet


def together(**parts: QuerySet[Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Several reads of rows (``values_list`` querysets) in one statement: ``UNION ALL``
    of them, each row tagged with its part's name, the narrower ones padded with NULLs
    at the end — one round trip instead of one per part. The parts' columns must agree
    in type place by place (an id, a code, then numbers), the widest part's typed; sums
    may come back as ``Decimal`` on PostgreSQL where the parts' types differ (``int()``
    them). A part that can match no row (an empty list of ids) is left out."""
    compiled: list[tuple[str, str, tuple[Any, ...], int]] = []
    db = "default"
    for name, qs in parts.items():
        db = qs.db
        try:
            sql, params = qs.query.sql_with_params()
        except EmptyResultSet:
            continue
        compiled.append((name, sql, tuple(params), len(qs.query.values_select)
                         + len(qs.query.annotation_select)))
    result: dict[str, list[tuple[Any, ...]]] = {name: [] for name in parts}
    if not compiled:
        return result
    # The widest part first: PostgreSQL types a UNION's columns pair by pair from the
    # left, and two padding NULLs in a row would be typed text before a number comes.
    compiled.sort(key=lambda part: -part[3])
    width = compiled[0][3]
    statement = " UNION ALL ".join(  # names: keyword arguments, i.e. identifiers
        f"SELECT '{name}' AS part, p{i}.*{', NULL' * (width - n)} FROM ({sql}) p{i}"  # noqa: S608
        for i, (name, sql, _params, n) in enumerate(compiled))
    with connections[db].cursor() as cursor:
        cursor.execute(statement, [p for _n, _s, params, _w in compiled for p in params])
        for part, *row in cursor.fetchall():
            result[part].append(tuple(row))
    return result
