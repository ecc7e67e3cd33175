"""Normalising people's names for search and matching."""

import re

_SPACES = re.compile(r"\s+")


def normalize_name(*parts: str) -> str:
    """Joins name parts into one lower-case key: spaces folded, «ё» read as «е».

    Russian spelling drops the dots of «ё» freely, so «Семёнов» and «Семенов» are the
    same person to a curator and must be to the search.
    """
    joined = " ".join(p for p in parts if p)
    return _SPACES.sub(" ", joined).strip().casefold().replace("ё", "е")


def search_words(text: str) -> list[str]:
    """The words of a search by a person's name, each folded as :func:`normalize_name`
    folds the names: a name matches when it holds every word (the people's search, and
    the pairs' over both members' names)."""
    return normalize_name(text).split()


_DIGITS = re.compile(r"\d+")
_LEADING = re.compile(r"^[\s«»\"„“'(№]+")


def sort_key(text: str) -> tuple[str, str]:
    """The key of Russian alphabetical order: case ignored, «ё» as «е», leading quotes
    skipped, numbers by value («СОШ № 2» before «СОШ № 10»); the text itself breaks ties,
    so the order is total and the same every time.

    «город Заречинск» comes before «Сосновский муниципальный район» (a plain sort puts
    every capital before every small letter). Used for lists, selects and exports.
    """
    return collation_key(text), text


def collation_key(text: str) -> str:
    """The first part of :func:`sort_key`, a string that sorts in Russian order compared
    code point by code point — as Python compares strings, and a database byte by byte
    (UTF-8 keeps code point order): stored beside a name (``Organization.sort_name``), it
    lets the database order by it (``tandem.web.order.Bytewise``) as ``sort_key`` would."""
    base = normalize_name(_LEADING.sub("", text))
    return _DIGITS.sub(lambda m: m.group(0).zfill(9), base)
