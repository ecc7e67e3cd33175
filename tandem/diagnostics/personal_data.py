"""This app's section of a person's data (tandem/people/personal_data.py)."""


from tandem.diagnostics.models import Response, ResultImport
from tandem.people.models import Participant
from tandem.people.personal_data import Erasure, Rows, Section


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



def anonymise(e: Erasure) -> None:
    """An uploaded results file that names them is dropped (its rows are in the database);
    the answers themselves hold no name."""
    for pk, content in ResultImport.objects.exclude(content=b"").values_list("pk", "content"):
        if e.mentions(content):
            ResultImport.objects.filter(pk=pk).update(content=b"")
    e.scrub_rows(ResultImport.objects.all(), ["filename"])


SECTION = Section(key="diagnostics", title="Диагностика", rows=rows, order=10,
                  flatten=flatten, anonymise=anonymise)
