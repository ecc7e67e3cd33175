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
