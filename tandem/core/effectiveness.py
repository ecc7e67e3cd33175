"""Effectiveness of reverse mentoring: pure functions, no Django (docs/effectiveness.md)."""

from collections.abc import Iterable
from statistics import fmean

# Aggregates of people's answers are shown only over at least this many answers, so that
# no single answer can be traced back to a person.
MIN_ANSWERS = 3


def withheld_mean(values: Iterable[float | None], min_n: int = MIN_ANSWERS) -> float | None:
    """The mean of the given answers (None = not answered, skipped), or None when fewer than
    ``min_n`` answers exist: the aggregate is withheld."""
    answered = [float(v) for v in values if v is not None]
    if len(answered) < min_n:
        return None
    return fmean(answered)
