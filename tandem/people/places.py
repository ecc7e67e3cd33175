"""The place kept on each person (``Participant.municipality``, ``Participant.region``:
of their organization) follows an organization that moves to another municipality and a
municipality that moves to another region; a person's own move is followed by
``Participant.save`` itself, which writes the place with the organization.

Registered as trackers (``tandem/web/tracking.py``: compared as stored just before each
save, so a save from an out-of-date copy that writes an old place back is heard too).
Each rewrites, from the organizations as they are after the save, only the people whose
kept place differs (``ParticipantQuerySet.keep_places``). Derived columns, so no entry in
the person's audit trail: the move is in the moved row's (tandem/people/apps.py).

Both trackers are ``locked``: a save from a stale copy waits for a move in progress and
then compares with the moved row. A move and a person saved or created at the same moment
do not see each other's uncommitted rows, so each also runs ``keep_places`` again after
its commit (``ParticipantQuerySet.keep_places_at_commit``): the later of the two sees both.
Should the process die between the commit and that, the people stay wrong until the next
move or ``tandem tallies`` (which checks and repairs them: :func:`stale`, :func:`rebuild`).
The same design as the pairs' kept regions (tandem/pairs/regions.py).
"""

from typing import Any

from tandem.people.models import Participant
from tandem.territory.models import Municipality, Organization
from tandem.web.tracking import Tracked


def organization_moved(organization: Any, before: tuple[Any, ...],
                       after: tuple[Any, ...]) -> None:
    theirs = Participant.objects.filter(organization_id=organization.pk)
    theirs.keep_places()
    theirs.keep_places_at_commit()


def municipality_moved(municipality: Any, before: tuple[Any, ...],
                       after: tuple[Any, ...]) -> None:
    theirs = Participant.objects.filter(organization__municipality_id=municipality.pk)
    theirs.keep_places()
    theirs.keep_places_at_commit()


TRACKED = (
    Tracked(Organization, "people_places_organization", ("municipality_id",),
            organization_moved, locked=True),
    Tracked(Municipality, "people_places_municipality", ("region_id",), municipality_moved,
            locked=True),
)


# ``tandem tallies`` (monitoring/management/commands/tallies.py) checks and repairs the
# kept places with the figures kept per organization: the same three verbs.
def stale() -> list[int]:
    """The people whose kept place is not their organization's now."""
    return list(Participant.objects.all().stale_places().values_list("pk", flat=True))


def rebuild(*, progress: Any = None) -> int:
    """Every person's kept place written where it differs (one statement); how many."""
    return Participant.objects.all().keep_places()


refresh = rebuild
DONE = "исправлено участников"  # what ``tandem tallies`` says the count is of
