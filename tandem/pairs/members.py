"""The members' organizations kept on each pair (``Pair.a_organization``,
``Pair.b_organization``) follow a member who moves to another organization.

A participant's organization as loaded is remembered (``post_init``); a save that changes
it rewrites that person's pairs, one ``UPDATE`` per side. The columns are derived — a copy
of ``Participant.organization`` — and left out of the pair's audit trail
(``tandem/pairs/apps.py``): the trail has the move itself, on the participant, with its
author and time; the pair's copy follows it and is nobody's change of its own.
"""

from typing import Any

from tandem.pairs.models import Pair

_LOADED = "_pair_members_organization"


def participant_loaded(sender: type, instance: Any, **kwargs: object) -> None:
    instance.__dict__[_LOADED] = instance.__dict__.get("organization_id")


def participant_saved(sender: type, instance: Any, created: bool = False, **kwargs: object) -> None:
    """A person saved in another organization than they were loaded in: their pairs, as
    A and as B, take the new one."""
    before = instance.__dict__.get(_LOADED)
    after = instance.__dict__.get("organization_id")
    instance.__dict__[_LOADED] = after
    if created or before is None or after is None or before == after:
        return
    Pair.objects.filter(a_id=instance.pk).update(a_organization_id=after)
    Pair.objects.filter(b_id=instance.pk).update(b_organization_id=after)
