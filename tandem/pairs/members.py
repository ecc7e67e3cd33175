"""The members' organizations kept on each pair (``Pair.a_organization``,
``Pair.b_organization``) follow a member who moves to another organization.

Every save that writes a participant's organization brings that person's pairs in line
with it, one ``UPDATE`` per side that touches only the pairs that disagree (and, when
some did, their kept regions: ``PairQuerySet.keep_regions``) (not just a
save that changed it since loading: an out-of-date copy saved back must win there too).
The columns are derived — a copy of ``Participant.organization`` — and left out of the
pair's audit trail (``tandem/pairs/apps.py``): the trail has the move itself, on the
participant, with its author and time; the pair's copy follows it and is nobody's change
of its own.

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
    UPDATEs that change only the pairs that disagree."""
    if created:
        return
    _names_saved(instance, update_fields)
    after = instance.__dict__.get("organization_id")
    if after is None:
        return
    if update_fields is not None and not {"organization", "organization_id"} & set(update_fields):
        return  # the organization was not written
    moved = Pair.objects.filter(a_id=instance.pk).exclude(a_organization_id=after).update(
        a_organization_id=after)
    moved += Pair.objects.filter(b_id=instance.pk).exclude(b_organization_id=after).update(
        b_organization_id=after)
    if moved:
        # The regions kept beside them (Pair.region, Pair.b_region) follow.
        theirs = Pair.objects.filter(Q(a_id=instance.pk) | Q(b_id=instance.pk))
        theirs.keep_regions()
        theirs.keep_regions_at_commit()  # the organization may be moving uncommitted


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
    Pair.objects.keep_at_commit_of(members=[instance.pk], regions=False)


TRACKED = (Tracked(Participant, "pair_names_participant", ("search_name",), renamed),)

