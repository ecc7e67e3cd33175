"""Periods: the one overlap rule and the fixed periods figures are released over.

Pure Python, no Django. The query twin of :func:`overlaps` is
``tandem.access.filters.overlapping_q`` (a test checks they agree)."""

import datetime as dt

# The academic year begins on 1 September (Федеральный закон № 273-ФЗ, ст. 28; the
# calendar every school plan in the product follows).
YEAR_STARTS = (9, 1)


def overlaps(starts_on: dt.date, ends_on: dt.date, date_from: dt.date | None,
             date_to: dt.date | None) -> bool:
    """A term [starts_on, ends_on] overlaps a period [date_from, date_to] (both ends
    inclusive; an open end is unbounded): it ends on or after the period's start and
    starts on or before its end. A reversed period (its end before its start) has no day,
    so nothing overlaps it (the filter forms refuse one; the rule holds anyway)."""
    if date_from is not None and date_to is not None and date_to < date_from:
        return False
    return ((date_from is None or ends_on >= date_from)
            and (date_to is None or starts_on <= date_to))


def academic_year(day: dt.date) -> int:
    """The academic year a day belongs to, named by the calendar year it begins in:
    15.01.2027 → 2026 (the year 2026/27)."""
    return day.year if (day.month, day.day) >= YEAR_STARTS else day.year - 1


def academic_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """1 September of ``year`` to 31 August of the next year."""
    return dt.date(year, *YEAR_STARTS), dt.date(year + 1, 8, 31)


def snap_to_academic_years(date_from: dt.date | None, date_to: dt.date | None,
                           today: dt.date) -> tuple[int, int]:
    """The whole academic years a requested window touches, as (first, last): a window
    never cuts a year. No end means today's year; no start means the end's year (one
    year, not "all time": the release rule publishes satisfaction year by year)."""
    end = min(date_to, today) if date_to else today
    if date_from is not None and date_from > end:
        end = date_from
    last = academic_year(end)
    first = academic_year(date_from) if date_from else last
    return min(first, last), last
