"""Submitted profiles as a matching instance (format ``tandem-matching/1``,
docs/matching.md): what the pair-formation engine reads."""

from collections.abc import Iterable, Sequence
from typing import Any

from tandem.core.diagnostics import MAX_PRIORITIES
from tandem.core.matching.instance import managers_within
from tandem.diagnostics.models import Answer, Campaign, FrameworkVersion, Response

FORMAT = "tandem-matching/1"


def campaign_instance(campaign: Campaign, *, scope: str = "organization") -> dict[str, Any]:
    """Every submitted questionnaire of the campaign, with the combined levels."""
    responses = (Response.objects.filter(campaign=campaign, status=Response.Status.SUBMITTED)
                 .order_by("participant_id"))
    return profiles_instance(responses, [campaign.framework], scope=scope)


def profiles_instance(responses: Iterable[Response], frameworks: Sequence[FrameworkVersion], *,
                      scope: str, locked: Sequence[tuple[int, int]] = (),
                      forbidden: Sequence[tuple[int, int]] = ()) -> dict[str, Any]:
    """One participant per response (3 queries). Competencies: those of the frameworks,
    the newest first, so a code that several versions share is described once."""
    responses = list(Response.objects.filter(pk__in=[r.pk for r in responses])
                     .select_related("participant__organization__municipality")
                     .order_by("participant_id"))
    answers: dict[int, list[Answer]] = {}
    for answer in Answer.objects.filter(response__in=responses).order_by("competency"):
        answers.setdefault(answer.response_id, []).append(answer)
    competencies: dict[str, dict[str, str]] = {}
    for framework in sorted(frameworks, key=lambda f: -f.number):
        for c in framework.competencies():
            competencies.setdefault(c["code"], {"code": c["code"], "area": c["area"],
                                                "title": c["name"]})
    participants = []
    for r in responses:
        p = r.participant
        mine = [a for a in answers.get(r.pk, []) if a.competency in competencies]
        participants.append({
            "id": p.pk,
            "organization": p.organization.code,
            "municipality": p.organization.municipality.code,
            "line_manager": p.line_manager_id,
            "levels": {a.competency: a.level for a in mine if a.level is not None},
            "can_teach": [a.competency for a in mine if a.can_teach],
            "wants_to_learn": [a.competency for a in mine if a.wants_to_learn],
            # The questionnaire lets one choose up to MAX_PRIORITIES; the database does not
            # hold that rule, so the instance (which refuses more) never gets more.
            "priorities": [a.competency for a in sorted(
                (a for a in mine if a.priority),
                key=lambda a: (a.priority or 0, a.competency))][:MAX_PRIORITIES],
            "meeting_format": "any",
            "capacity": 1,
        })
    ids = {p["id"] for p in participants}
    # A manager who took no questionnaire here is outside the instance (the format refuses
    # a reference to nobody; such a manager could be in no pair anyway).
    return managers_within({
        "format": FORMAT,
        "competencies": list(competencies.values()),
        "participants": participants,
        "constraints": {
            "scope": scope, "no_reporting_line": True, "reciprocity_required": True,
            "locked": [[a, b] for a, b in locked if a in ids and b in ids],
            "forbidden": [[a, b] for a, b in forbidden if a in ids and b in ids],
        },
    })
