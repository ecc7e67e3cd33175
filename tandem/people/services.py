"""Writes of participants. Validation lives in the forms; these keep the invariants."""

from django.db import transaction
from django.utils import timezone

from tandem.people.models import Participant


@transaction.atomic
def participant_save(*, participant: Participant) -> Participant:
    """Creates or updates a participant that a form has validated."""
    participant.full_clean()
    participant.save()
    return participant


@transaction.atomic
def participant_deactivate(*, participant: Participant, reason: str) -> Participant:
    """Takes a participant out of the programme; their history stays."""
    participant.is_active = False
    participant.deactivated_at = timezone.now()
    participant.deactivation_reason = reason.strip()
    participant.save(update_fields=["is_active", "deactivated_at", "deactivation_reason",
                                    "updated_at", "search_name", "email"])
    return participant


@transaction.atomic
def participant_reactivate(*, participant: Participant) -> Participant:
    participant.is_active = True
    participant.deactivated_at = None
    participant.deactivation_reason = ""
    participant.save(update_fields=["is_active", "deactivated_at", "deactivation_reason",
                                    "updated_at", "search_name", "email"])
    return participant
