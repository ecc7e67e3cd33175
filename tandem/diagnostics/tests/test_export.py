import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tandem.testing import World, build_diagnostics


def test_export_profiles_writes_the_matching_format(world: World, tmp_path: Path) -> None:
    dw = build_diagnostics(world)
    target = tmp_path / "instance.json"
    call_command("export-profiles", "--campaign", str(dw.campaign_a.pk), "--output",
                 str(target), stderr=StringIO())
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["format"] == "tandem-matching/1"
    assert data["constraints"]["scope"] == "organization"
    assert len(data["competencies"]) == len(dw.campaign_a.framework.codes())
    # Only submitted questionnaires: Carol's, not Bob's draft.
    [carol] = data["participants"]
    assert carol["id"] == world.carol_p.pk
    assert carol["organization"] == "school-a" and carol["municipality"] == "city-a"
    # Her manager Alice has not submitted: outside the instance, so no reference to her
    # (the format refuses a line_manager who is not a participant).
    assert carol["line_manager"] is None
    codes = dw.campaign_a.framework.codes()
    assert carol["levels"][codes[3]] == 3 and codes[3] in carol["can_teach"]
    assert codes[0] in carol["wants_to_learn"]


def test_unknown_campaign_is_a_clear_error(db: None) -> None:
    with pytest.raises(CommandError, match="Диагностики с id 999 нет"):
        call_command("export-profiles", "--campaign", "999", stdout=StringIO())


def test_export_is_a_valid_matching_instance(world: World) -> None:
    from tandem.core.matching.instance import instance_from_dict
    from tandem.diagnostics.export import campaign_instance

    dw = build_diagnostics(world)
    instance = instance_from_dict(campaign_instance(dw.campaign_a))
    assert [p.id for p in instance.participants] == [world.carol_p.pk]
    assert instance.constraints.scope == "organization"


def test_a_manager_in_the_instance_is_named_and_one_outside_is_not(world: World) -> None:
    from tandem.core.matching.instance import instance_from_dict
    from tandem.diagnostics.export import campaign_instance
    from tandem.diagnostics.models import Response

    dw = build_diagnostics(world)
    [carol] = instance_from_dict(campaign_instance(dw.campaign_a)).participants
    assert carol.line_manager is None
    alice = Response.objects.get(campaign=dw.campaign_a, participant=world.alice_p)
    alice.status = Response.Status.SUBMITTED
    alice.save()
    instance = instance_from_dict(campaign_instance(dw.campaign_a))
    people = {p.id: p for p in instance.participants}
    assert people[world.carol_p.pk].line_manager == world.alice_p.pk


def test_more_priorities_than_the_format_allows_are_cut_to_the_first(world: World) -> None:
    from tandem.core.diagnostics import MAX_PRIORITIES
    from tandem.core.matching.instance import instance_from_dict
    from tandem.diagnostics.export import campaign_instance
    from tandem.diagnostics.models import Answer

    dw = build_diagnostics(world)
    answers = list(Answer.objects.filter(response__participant=world.carol_p,
                                         response__campaign=dw.campaign_a)
                   .order_by("competency"))
    assert len(answers) > MAX_PRIORITIES
    # The database does not hold the questionnaire's limit: four answers marked 1, 2, 3, 3.
    for answer, priority in zip(answers, [3, 1, 2, 3], strict=False):
        answer.priority = priority
        answer.save()
    [carol] = instance_from_dict(campaign_instance(dw.campaign_a)).participants
    assert carol.priorities == (answers[1].competency, answers[2].competency,
                                answers[0].competency)
