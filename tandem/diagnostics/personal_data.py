"""This app's section of a person's data (tandem/people/personal_data.py)."""


from tandem.diagnostics.models import Response
from tandem.people.models import Participant
from tandem.people.personal_data import Rows, Section


def rows(p: Participant) -> Rows:
    responses = (Response.objects.filter(participant=p).select_related("campaign")
                 .prefetch_related("answers").order_by("campaign__starts_on", "pk"))
    return [{
        "campaign": r.campaign.title, "kind": r.campaign.get_kind_display(),
        "status": r.get_status_display(),
        "answers": [{"competency": a.competency, "self_level": a.self_level,
                     "expert_level": a.expert_level, "level": a.level,
                     "can_teach": a.can_teach, "wants_to_learn": a.wants_to_learn,
                     "priority": a.priority} for a in r.answers.all()],
    } for r in responses]


def flatten(data: Rows) -> Rows:
    return [{"campaign": d["campaign"], "kind": d["kind"], **a}
            for d in data for a in d["answers"]]



SECTION = Section(key="diagnostics", title="Диагностика", rows=rows, order=10,
                  flatten=flatten)
