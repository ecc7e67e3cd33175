"""This app's section of a person's data (tandem/people/personal_data.py)."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.diagnostics.models import Answer, Campaign, Response, ResultImport
from tandem.people.models import Participant
from tandem.people.personal_data import Erasure, Rows, Section, verbose


def rows(p: Participant) -> Rows:
    responses = (Response.objects.filter(participant=p)
                 .select_related("campaign__framework", "organization")
                 .prefetch_related("answers").order_by("campaign__starts_on", "pk"))
    names: dict[int, dict[str, str]] = {}
    for r in responses:
        if r.campaign.framework_id not in names:
            names[r.campaign.framework_id] = {
                c["code"]: c["name"] for c in r.campaign.framework.competencies()}
    return [{
        "campaign": r.campaign.title, "kind": r.campaign.get_kind_display(),
        "status": r.get_status_display(),
        # where it counts: the organization they were in when they answered it
        "organization": r.organization.name if r.organization else None,
        "answers": [{"competency": a.competency,
                     "competency_name": names[r.campaign.framework_id].get(
                         a.competency, a.competency),
                     "self_level": a.self_level,
                     "expert_level": a.expert_level, "level": a.level,
                     "can_teach": a.can_teach, "wants_to_learn": a.wants_to_learn,
                     "priority": a.priority} for a in r.answers.all()],
    } for r in responses]


def flatten(data: Rows) -> Rows:
    """One line per answer; the competency by its name (the code stays in the JSON)."""
    return [{"campaign": d["campaign"], "kind": d["kind"],
             "organization": d.get("organization"),
             **{k: v for k, v in a.items() if k != "competency"}}
            for d in data for a in d["answers"]]


def columns() -> dict[str, "str | Promise"]:
    return {
        "campaign": _("диагностика"), "kind": verbose(Campaign, "kind"),
        "status": verbose(Response, "status"),
        "organization": verbose(Response, "organization"), "answers": _("ответы"),
        "competency": _("код компетенции"), "competency_name": _("компетенция"),
        **{name: verbose(Answer, name) for name in (
            "self_level", "expert_level", "level", "can_teach", "wants_to_learn",
            "priority")},
    }


def anonymise(e: Erasure) -> None:
    """An uploaded results file that names them is dropped (its rows are in the database);
    the answers themselves hold no name."""
    for pk, content in ResultImport.objects.exclude(content=b"").values_list("pk", "content"):
        if e.mentions(content):
            ResultImport.objects.filter(pk=pk).update(content=b"")
    e.scrub_rows(ResultImport.objects.all(), ["filename"])


SECTION = Section(key="diagnostics", title="Диагностика", rows=rows, order=10,
                  flatten=flatten, anonymise=anonymise, columns=columns())
