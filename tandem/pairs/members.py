"""The members' organizations kept on each pair (``Pair.a_organization``,
``Pair.b_organization``) follow a member who moves to another organization.

Every save that writes a participant's organization brings that person's pairs in line
with it, one ``UPDATE`` per side that touches only the pairs that disagree
(``PairQuerySet.keep_organizations``, the one writer of those columns but a new pair's
save and the demo seed; and, when some did, their kept regions:
``PairQuerySet.keep_regions``) (not just a save that changed it since loading: an
out-of-date copy saved back must win there too). The columns are derived — a copy of
``Participant.organization`` — and left out of the pair's audit trail
(``tandem/pairs/apps.py``): the trail has the move itself, on the participant, with its
author and time; the pair's copy follows it and is nobody's change of its own.

A move and the creation of the person's first pair at the same moment do not see each
other's uncommitted rows: the move's ``UPDATE`` finds no pair, the pair reads the old
organization. So a real move (:func:`moved`, compared with the stored value) runs
``keep_organizations`` again after its commit, and so does a new pair
(``Pair.save``, ``PairQuerySet.bulk_create``; ``keep_at_commit_of``): the later
commit sees both (issue #16: the run was scheduled only when the move's own ``UPDATE``
had changed a pair, and the first pair kept the old organization for good). Should the
process die between a commit and that run, ``tandem tallies --check`` names the pairs
(«организации пар»: :func:`stale`) and ``tandem tallies`` writes them.

So are the members' search names kept on each pair (``Pair.names``, tandem/pairs/names.py):
every save that writes a participant's ``search_name`` (a rename, an anonymisation)
brings their pairs' names in line with it — one ``UPDATE`` of the person's pairs whose
kept names differ from their members' now (``PairQuerySet.keep_names``), none when the
name did not change.
"""

from typing import Any

from django.db.models import Q

from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.web.tracking import Tracked


def participant_saved(sender: type, instance: Any, created: bool = False,
                      update_fields: Any = None, **kwargs: object) -> None:
    """A person saved with their organization: their pairs, as A and as B, carry the one
    the row now has. Not only when it differs from the one loaded — a save from an
    out-of-date copy can put an older organization back (a roster import that loaded the
    person before a move on the web), and the pairs must follow that too. Two indexed
    UPDATEs that change only the pairs that disagree (only the person's own side: the
    partner's is the partner's moves')."""
    if created:
        return
    _names_saved(instance, update_fields)
    if instance.__dict__.get("organization_id") is None:
        return
    if update_fields is not None and not {"organization", "organization_id"} & set(update_fields):
        return  # the organization was not written
    theirs = _theirs(instance)
    if theirs.keep_organizations(member=instance.pk):
        # The regions kept beside them (Pair.region, Pair.b_region) follow.
        theirs.keep_regions()
        # The organization may be moving uncommitted: one run for the transaction.
        Pair.objects.keep_at_commit_of(members=[instance.pk], organizations=False,
                                       names=False)


def moved(instance: Any, before: tuple[Any, ...], after: tuple[Any, ...]) -> None:
    """A person's organization changed from the one stored (a move, an older organization
    put back by an out-of-date copy): their pairs' organizations (and then regions) again
    right after the commit — a first pair of theirs created and committed while the move's
    transaction was open read the old organization, and :func:`participant_saved` saw no
    pair to change. (A pair created in a transaction the move commits during runs the same
    after its own commit: ``Pair.save``.)"""
    Pair.objects.keep_at_commit_of(members=[instance.pk], names=False, regions=False)


def _theirs(instance: Any) -> Any:
    """The person's pairs, as A and as B (two indexes, one statement)."""
    return Pair.objects.filter(Q(a_id=instance.pk) | Q(b_id=instance.pk))


def _names_saved(instance: Any, update_fields: Any) -> None:
    """A person saved with their search name (every full save: ``Participant.save``
    folds it from the names; an anonymisation too): their pairs, as A and as B, carry it.
    As for the organization, not only when it differs from the one loaded (a stale copy
    saved back puts the older name back, and the pairs follow it). One UPDATE that
    changes only the pairs whose kept names differ from their members' now."""
    if "search_name" not in instance.__dict__:
        return
    if update_fields is not None and "search_name" not in set(update_fields):
        return  # the name was not written
    Pair.objects.filter(Q(a_id=instance.pk) | Q(b_id=instance.pk)).keep_names()


def renamed(instance: Any, before: tuple[Any, ...], after: tuple[Any, ...]) -> None:
    """A person's search name changed from the one stored (a rename, an anonymisation,
    an older name put back by an out-of-date copy): :func:`_names_saved` again right after
    the commit. A first pair of theirs created and committed while the rename's
    transaction was open (a roster import's) read the old name, and the rename's own
    ``UPDATE`` saw no pair to change — only a run after the commit sees both (review of
    h/pairnames: «only when some pair changed» left that pair's old name for good). One
    run a transaction for every person renamed in it (a roster import: issue #16)."""
    Pair.objects.keep_at_commit_of(members=[instance.pk], organizations=False,
                                   regions=False)


TRACKED = (Tracked(Participant, "pair_names_participant", ("search_name",), renamed),
           Tracked(Participant, "pair_members_participant", ("organization_id",), moved))


# ``tandem tallies`` (monitoring/management/commands/tallies.py) checks and repairs the
# kept organizations before the kept regions (pairs/regions.py), which are read from them.
def stale() -> list[int]:
    """The pairs whose kept organizations are not their members' organizations now."""
    return list(Pair.objects.all().stale_organizations().values_list("pk", flat=True))


def rebuild(*, progress: Any = None) -> int:
    """Every pair's kept organizations written where they differ (one statement); how
    many. Their regions are ``tandem tallies``' next step (pairs/regions.py)."""
    return Pair.objects.all().keep_organizations()


refresh = rebuild
DONE = "исправлено пар"  # what ``tandem tallies`` says the count is of

