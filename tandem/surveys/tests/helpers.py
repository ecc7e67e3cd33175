"""Builders of survey data for the tests."""

import datetime as dt

from django.utils import timezone

from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.surveys.models import Survey
from tandem.testing import ParticipantFactory, World


def active_pair(a: Participant, b: Participant, *, starts_on: dt.date = dt.date(2026, 9, 1),
                ends_on: dt.date = dt.date(2027, 5, 31),
                status: str = Pair.Status.ACTIVE) -> Pair:
    return Pair.objects.create(a=a, b=b, organization=a.organization, starts_on=starts_on,
                               ends_on=ends_on, status=status)


def answered_surveys(world: World, scores: list[tuple[int, int]], *,
                     stage: str = Survey.Stage.MID,
                     texts: list[str] | None = None) -> list[Survey]:
    """One answered survey per (mentor_satisfaction, mentee_benefit) in organization A,
    each from a new participant of a new pair."""
    surveys = []
    for i, (mentor, mentee) in enumerate(scores):
        a = ParticipantFactory.create(organization=world.org_a)
        b = ParticipantFactory.create(organization=world.org_a)
        pair = active_pair(a, b)
        surveys.append(Survey.objects.create(
            pair=pair, participant=a, stage=stage, due_on=dt.date(2027, 1, 30),
            sent_at=timezone.now(), submitted_at=timezone.now(), mentor_satisfaction=mentor,
            mentor_engagement=mentor, mentee_benefit=mentee, mentee_support=mentee,
            recommend=mentor, text_good=(texts[i] if texts else ""),
            text_improve=""))
    return surveys
