"""The members' search names kept on each pair (``Pair.names``: A's ``search_name``, a
space, B's), which the pairs' search reads (``pairs.selectors._search``): written when a
pair is created or its members are written (``Pair.save``, ``PairQuerySet.bulk_create``,
seed-demo), followed when a member's name changes — a rename, an anonymisation
(``tandem/pairs/members.py``).

Derived — a copy of the members' ``Participant.search_name``, itself folded from their
names — so left out of the pair's audit trail (``tandem/pairs/apps.py``) and written by a
plain ``UPDATE`` (``PairQuerySet.keep_names``): the trail has the rename itself, on the
participant, with its author and time; the pair's copy follows it and is nobody's change
of its own (and a trail of it would keep the old name, erased by an anonymisation, in the
pair's history).

``tandem tallies`` (monitoring/management/commands/tallies.py) checks and repairs them
with the other kept figures: ``--check`` counts the pairs whose names are not their
members' now (:func:`stale`), ``--rebuild`` (and the default refresh) writes them.
"""

from typing import Any

from tandem.pairs.models import Pair


def stale() -> list[int]:
    """The pairs whose kept names are not their members' search names now."""
    return list(Pair.objects.all().stale_names().values_list("pk", flat=True))


def rebuild(*, progress: Any = None) -> int:
    """Every pair's kept names written where they differ (one statement); how many."""
    return Pair.objects.all().keep_names()


refresh = rebuild
DONE = "исправлено пар"  # what ``tandem tallies`` says the count is of
