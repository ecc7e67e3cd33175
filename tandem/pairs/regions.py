"""The regions kept on each pair (``Pair.region``, ``Pair.b_region``: of the members'
organizations) follow an organization that moves to another municipality and a
municipality that moves to another region; a member's own move is followed in
``tandem/pairs/members.py``.

Registered as trackers (``tandem/web/tracking.py``: compared as stored just before each
save, so a save from an out-of-date copy that writes an old place back is heard too).
Each rewrites, from the organizations as they are after the save, only the pairs whose
kept region differs (``PairQuerySet.keep_regions``) — none for a move inside one region.
Derived columns, so no entry in the pair's audit trail: the move is in the moved row's.
"""

from typing import Any

from django.db.models import Q

from tandem.pairs.models import Pair
from tandem.territory.models import Municipality, Organization
from tandem.web.tracking import Tracked


def organization_moved(organization: Any, before: tuple[Any, ...],
                       after: tuple[Any, ...]) -> None:
    Pair.objects.filter(Q(a_organization_id=organization.pk)
                        | Q(b_organization_id=organization.pk)).keep_regions()


def municipality_moved(municipality: Any, before: tuple[Any, ...],
                       after: tuple[Any, ...]) -> None:
    Pair.objects.filter(Q(a_organization__municipality_id=municipality.pk)
                        | Q(b_organization__municipality_id=municipality.pk)).keep_regions()


TRACKED = (
    Tracked(Organization, "pair_regions_organization", ("municipality_id",),
            organization_moved),
    Tracked(Municipality, "pair_regions_municipality", ("region_id",), municipality_moved),
)
