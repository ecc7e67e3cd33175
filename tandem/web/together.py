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


def beside(one: QuerySet[Any], rows: QuerySet[Any]) -> tuple[tuple[Any, ...],
                                                              list[tuple[Any, ...]]]:
    """One row of aggregates (``one``: a ``values_list`` queryset without ``GROUP BY``,
    e.g. sums over a table) and some rows (``rows``: any ``values_list`` queryset) in one
    statement — ``SELECT o.*, r.* FROM (one) o LEFT JOIN (rows) r ON 1 = 1`` — when their
    columns differ in type, which :func:`together` cannot mix. Returns the aggregates'
    row and the rows (none: the join's one row of NULLs on the right is dropped; the
    second part's first column must never be NULL in a row of its own). A part that can
    match no row (an empty list of ids) is read alone, as Django would."""
    width = len(one.query.values_select) + len(one.query.annotation_select)
    try:
        one_sql, one_params = one.query.sql_with_params()
        rows_sql, rows_params = rows.query.sql_with_params()
    except EmptyResultSet:
        found = list(one)
        return (found[0] if found else (None,) * width), list(rows)
    statement = f"SELECT o.*, r.* FROM ({one_sql}) o LEFT JOIN ({rows_sql}) r ON 1 = 1"  # noqa: S608
    with connections[one.db].cursor() as cursor:
        cursor.execute(statement, (*one_params, *rows_params))
        fetched = cursor.fetchall()
    if not fetched:  # an aggregate over no row still gives one; say it all the same
        return (None,) * width, []
    return (tuple(fetched[0][:width]),
            [tuple(row[width:]) for row in fetched if row[width] is not None])
