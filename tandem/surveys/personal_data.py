"""This app's section of a person's data (tandem/people/personal_data.py). Survey answers
are promised to be anonymous (docs/surveys.md): they go only into the person's own
download, never into one made by staff."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.people.models import Participant
from tandem.people.personal_data import Erasure, Rows, Section, verbose
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


def anonymise(e: Erasure) -> None:
    """The free texts of their surveys and of their partners' (which may name them)."""
    pid = e.participant_id
    e.scrub_rows(Survey.objects.filter(Q(participant_id=pid) | Q(pair__a_id=pid)
                                       | Q(pair__b_id=pid)),
                 ["text_good", "text_improve"], pick=False)


COLUMNS = {
    "pair": _("номер пары"), "submitted_at": _("ответ отправлен"),
    **{name: verbose(Survey, name) for name in (
        "stage", "due_on", "mentee_benefit", "mentee_support", "mentor_satisfaction",
        "mentor_engagement", "recommend", "text_good", "text_improve")},
}

SECTION = Section(key="surveys", title="Опросы", rows=rows, order=70, only_for_self=True,
                  anonymise=anonymise, columns=COLUMNS)
