"""Links from a participant's card to what the apps above hold about them: their
diagnostic profiles, their pairs and the pairs' maps (#14, 7).

``directory`` sits below diagnostics, pairs and maps (the import-linter contract in
pyproject.toml), so it does not read them: each of them registers a source in its
``AppConfig.ready``:

    register_person_links("pairs", pairs_of_person, order=20)

``source(scope, participant)`` returns a :class:`LinkGroup` of what *this viewer* may open
(each app asks its own selectors through the ``Scope``), or None when it has nothing to
say to them. A source makes one query at most, whatever the number of rows, so the card's
query count stays fixed (tandem/web/tests/test_query_counts.py)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tandem.access.scope import Scope
from tandem.people.models import Participant


@dataclass(frozen=True)
class PersonLink:
    text: str
    url: str = ""  # empty: shown as text (nothing to open yet)
    note: str = ""


@dataclass(frozen=True)
class LinkGroup:
    title: str
    links: list[PersonLink] = field(default_factory=list)
    empty: str = ""  # what to say when there are no links


LinkSource = Callable[[Scope, Participant], LinkGroup | None]

_SOURCES: dict[str, tuple[int, LinkSource]] = {}


def register_person_links(key: str, source: LinkSource, *, order: int = 100) -> None:
    _SOURCES[key] = (order, source)


def person_links(*, scope: Scope, participant: Participant) -> list[LinkGroup]:
    """The groups of links of the card, in their order; the sources with nothing for this
    viewer are left out."""
    groups: list[Any] = [source(scope, participant) for _key, (_order, source) in
                         sorted(_SOURCES.items(), key=lambda item: (item[1][0], item[0]))]
    return [g for g in groups if g is not None]
