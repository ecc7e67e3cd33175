"""A campaign's submitted profiles as a matching instance (format ``tandem-matching/1``,
docs/matching.md): what the pair-formation engine reads."""

from typing import Any

from tandem.diagnostics.models import Answer, Campaign, Response

FORMAT = "tandem-matching/1"


def campaign_instance(campaign: Campaign, *, scope: str = "organization") -> dict[str, Any]:
    """Every submitted questionnaire of the campaign, with the combined levels."""
    framework = campaign.framework
    responses = list(Response.objects.filter(campaign=campaign,
                                             status=Response.Status.SUBMITTED)
                     .select_related("participant__organization__municipality")
                     .order_by("participant_id"))
    answers: dict[int, list[Answer]] = {}
    for answer in Answer.objects.filter(response__in=responses).order_by("competency"):
        answers.setdefault(answer.response_id, []).append(answer)
    participants = []
    for r in responses:
        p = r.participant
        mine = answers.get(r.pk, [])
        participants.append({
            "id": p.pk,
            "organization": p.organization.code,
            "municipality": p.organization.municipality.code,
            "line_manager": p.line_manager_id,
            "levels": {a.competency: a.level for a in mine if a.level is not None},
            "can_teach": [a.competency for a in mine if a.can_teach],
            "wants_to_learn": [a.competency for a in mine if a.wants_to_learn],
            "priorities": [a.competency for a in sorted(
                (a for a in mine if a.priority), key=lambda a: a.priority or 0)],
            "meeting_format": "any",
            "capacity": 1,
        })
    return {
        "format": FORMAT,
        "competencies": [{"code": c["code"], "area": c["area"], "title": c["name"]}
                         for c in framework.competencies()],
        "participants": participants,
        "constraints": {"scope": scope, "no_reporting_line": True,
                        "reciprocity_required": True, "locked": [], "forbidden": []},
    }
