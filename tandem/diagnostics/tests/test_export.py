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
    assert carol["line_manager"] == world.alice_p.pk
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
