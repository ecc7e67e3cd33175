"""Writes of participants. Validation lives in the forms; these keep the invariants."""

from django.db import transaction
from django.utils import timezone

from tandem.people.models import Participant


class ParticipantConflict(Exception):
    """Someone saved the card after the editor opened it: nothing was written."""


@transaction.atomic
def participant_save(*, participant: Participant, version: int | None = None) -> Participant:
    """Creates or updates a participant that a form has validated.

    ``version`` is the version the edit was made from (the form carries it): if the card
    was saved since, :class:`ParticipantConflict` is raised and nothing is written. The
    row is locked while compared, so two saves of one version cannot both pass."""
    participant.full_clean()
    if participant.pk is not None:
        stored = (Participant.objects.select_for_update().filter(pk=participant.pk)
                  .values_list("version", flat=True).first())
        if stored is not None:
            if version is not None and version != stored:
                raise ParticipantConflict(participant.pk)
            participant.version = stored + 1
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


@transaction.atomic
def participant_email_settings_save(*, participant: Participant,
                                    email_reminders: str) -> Participant:
    """The person's own choice of reminder letters (saved through the model: audited)."""
    if email_reminders not in Participant.EmailReminders.values:
        raise ValueError(f"unknown email_reminders {email_reminders!r}")
    participant.email_reminders = email_reminders
    participant.save(update_fields=["email_reminders", "updated_at"])
    return participant
