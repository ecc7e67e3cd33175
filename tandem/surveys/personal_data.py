"""This app's section of a person's data (tandem/people/personal_data.py). Survey answers
are promised to be anonymous (docs/surveys.md): they go only into the person's own
download, never into one made by staff."""

from tandem.people.models import Participant
from tandem.people.personal_data import Rows, Section
from tandem.surveys.models import Survey


def rows(p: Participant) -> Rows:
    return [{
        "pair": s.pair_id, "stage": s.get_stage_display(),
        "due_on": s.due_on.isoformat(),
        "submitted_at": s.submitted_at.isoformat() if s.submitted_at else None,
        "mentee_benefit": s.mentee_benefit, "mentee_support": s.mentee_support,
        "mentor_satisfaction": s.mentor_satisfaction,
        "mentor_engagement": s.mentor_engagement, "recommend": s.recommend,
        "text_good": s.text_good, "text_improve": s.text_improve,
    } for s in Survey.objects.filter(participant=p).order_by("due_on", "pk")]


SECTION = Section(key="surveys", title="Опросы", rows=rows, order=70, only_for_self=True)
