"""A survey's submission racing a pair being ended early (PostgreSQL: SQLite has one
writer at a time, so the race cannot happen there)."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from tandem.pairs.models import Pair
from tandem.surveys.models import Survey
from tandem.surveys.services import PAIR_ENDED, SurveyError, survey_submit
from tandem.testing import HeldRace, ParticipantFactory, World

pytestmark = pytest.mark.django_db(transaction=True)

ANSWERS = {"mentee_benefit": 5, "mentee_support": 5, "mentor_satisfaction": 5,
           "mentor_engagement": 5, "recommend": 5}


def test_a_submission_waits_for_a_pair_being_ended_early_and_is_refused(world: World) -> None:
    """``survey_submit`` locks the pair with the survey: a pair being ended early at the
    same moment (``maps.lifecycle.map_end_early`` locks it) makes the submission wait and
    then refuse — the survey is closed (review of h/surveycell: locking the survey alone,
    the submission read the pair still active and was accepted)."""
    if connection.vendor != "postgresql":
        pytest.skip("a race of two writers: PostgreSQL only")
    a = ParticipantFactory.create(organization=world.org_a)
    b = ParticipantFactory.create(organization=world.org_a)
    pair = Pair.objects.create(a=a, b=b, organization=world.org_a,
                               starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 5, 31),
                               status=Pair.Status.ACTIVE)
    survey = Survey.objects.create(pair=pair, participant=a, stage="mid",
                                   due_on=dt.date(2027, 1, 30))
    outcome: list[str] = []

    def end_early(hold: Callable[[], None]) -> None:
        with transaction.atomic():
            locked = Pair.objects.select_for_update().get(pk=pair.pk)
            locked.status = Pair.Status.ENDED_EARLY
            locked.save(update_fields=["status"])
            hold()

    def submit() -> None:
        try:
            survey_submit(survey=survey, data=ANSWERS)
            outcome.append("accepted")
        except SurveyError as error:
            outcome.append(str(error))

    race = HeldRace(end_early, submit)
    race.start()
    waited = race.second_waits()
    race.finish()
    assert waited
    assert outcome == [str(PAIR_ENDED)]
    assert Survey.objects.get(pk=survey.pk).submitted_at is None
