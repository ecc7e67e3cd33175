"""The regions kept on each pair (``Pair.region``, ``Pair.b_region``: of the members'
organizations) follow an organization that moves to another municipality and a
municipality that moves to another region; a member's own move is followed in
``tandem/pairs/members.py``.

Registered as trackers (``tandem/web/tracking.py``: compared as stored just before each
save, so a save from an out-of-date copy that writes an old place back is heard too).
Each rewrites, from the organizations as they are after the save, only the pairs whose
kept region differs (``PairQuerySet.keep_regions``) — none for a move inside one region.
Derived columns, so no entry in the pair's audit trail: the move is in the moved row's.

Both trackers are ``locked``: a save from a stale copy waits for a move in progress and
then compares with the moved row. A move and a pair created (or a member moving in) at
the same moment do not see each other's uncommitted rows, so each also runs
``keep_regions`` again after its commit (``PairQuerySet.keep_regions_at_commit``): the
later of the two sees both. Should the process die between the commit and that, the
pairs stay wrong until their next move: ``Pair.objects.all().keep_regions()`` repairs
them (``PairQuerySet.stale_regions`` lists them).
"""

from typing import Any

from django.db.models import Q

from tandem.pairs.models import Pair
from tandem.territory.models import Municipality, Organization
from tandem.web.tracking import Tracked


def organization_moved(organization: Any, before: tuple[Any, ...],
                       after: tuple[Any, ...]) -> None:
    theirs = Pair.objects.filter(Q(a_organization_id=organization.pk)
                                 | Q(b_organization_id=organization.pk))
    theirs.keep_regions()
    theirs.keep_regions_at_commit()


def municipality_moved(municipality: Any, before: tuple[Any, ...],
                       after: tuple[Any, ...]) -> None:
    theirs = Pair.objects.filter(Q(a_organization__municipality_id=municipality.pk)
                                 | Q(b_organization__municipality_id=municipality.pk))
    theirs.keep_regions()
    theirs.keep_regions_at_commit()


TRACKED = (
    Tracked(Organization, "pair_regions_organization", ("municipality_id",),
            organization_moved, locked=True),
    Tracked(Municipality, "pair_regions_municipality", ("region_id",), municipality_moved,
            locked=True),
)


# ``tandem tallies`` (monitoring/management/commands/tallies.py) checks and repairs the
# kept regions with the figures kept per organization: the same three verbs.
def stale() -> list[int]:
    """The pairs whose kept regions are not their members' organizations' regions now."""
    return list(Pair.objects.all().stale_regions().values_list("pk", flat=True))


def rebuild(*, progress: Any = None) -> int:
    """Every pair's kept regions written where they differ (one statement); how many."""
    return Pair.objects.all().keep_regions()


refresh = rebuild
DONE = "исправлено пар"  # what ``tandem tallies`` says the count is of
