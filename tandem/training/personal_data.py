"""This app's part of the anonymisation (tandem/people/personal_data.py): trainers'
feedback and scores' comments may name a team member."""

from tandem.people.personal_data import Erasure
from tandem.training.models import Case, CaseParticipant, Score, Team


def anonymise(e: Erasure) -> None:
    mine = Team.objects.filter(members__participant_id=e.participant_id)
    e.scrub_rows(mine, ["name", "feedback"], pick=False)
    e.scrub_rows(Score.objects.filter(team__in=mine), ["comment"], pick=False)
    e.scrub_rows(Team.objects.all(), ["name", "feedback"])
    e.scrub_rows(Score.objects.all(), ["comment"])
    e.scrub_rows(Case.objects.all(), ["title", "context"])
    e.scrub_rows(CaseParticipant.objects.all(), ["name", "position", "note", "strengths",
                                                 "deficits"])
