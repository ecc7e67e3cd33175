import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from tandem.core.matching import instance as m
from tandem.core.matching.instance import (
    InstanceError,
    instance_from_dict,
    instance_from_json,
    instance_to_dict,
)
from tandem.core.matching.tests.strategies import documents, person, textbook_document

SCHEMA = Path(__file__).resolve().parents[4] / "docs" / "matching-instance.schema.json"


def two_people(**constraints: Any) -> dict[str, Any]:
    doc = textbook_document(**constraints)
    doc["participants"] = [person("anna", levels={"digital": 3, "method": 0}),
                           person("petr", levels={"digital": 0, "method": 3})]
    return doc


def error_of(doc: object) -> str:
    with pytest.raises(InstanceError) as caught:
        instance_from_dict(doc)
    return caught.value.message


def test_it_reads_a_minimal_instance_with_defaults() -> None:
    instance = instance_from_dict(two_people())
    assert [p.id for p in instance.participants] == ["anna", "petr"]
    anna = instance.participants[0]
    assert (anna.capacity, anna.meeting_format, anna.line_manager) == (1, "any", None)
    assert instance.constraints == m.Constraints()
    assert instance.weights == m.Weights()


def test_participants_are_kept_in_canonical_order() -> None:
    doc = textbook_document()
    doc["participants"] = [person(x) for x in ["b", 10, "a", 9]]
    assert [p.id for p in instance_from_dict(doc).participants] == [9, 10, "a", "b"]


def test_it_rejects_malformed_json_with_the_position() -> None:
    with pytest.raises(InstanceError) as caught:
        instance_from_json('{"format": ')
    assert caught.value.message.startswith("Файл не является корректным JSON")
    assert "строка 1" in caught.value.message


def test_it_rejects_another_format() -> None:
    doc = two_people()
    doc["format"] = "tandem-matching/2"
    assert error_of(doc) == m.WRONG_FORMAT.format(value='"tandem-matching/2"')


def test_it_names_the_participant_with_an_unknown_competency() -> None:
    doc = two_people()
    doc["participants"][1]["levels"]["robotics"] = 2
    assert error_of(doc) == m.UNKNOWN_COMPETENCY.format(id="petr", code="robotics",
                                                        field="levels")
    doc = two_people()
    doc["participants"][0]["priorities"] = ["digital", "robotics"]
    assert "priorities" in error_of(doc) and "anna" in error_of(doc)


@pytest.mark.parametrize("level", [4, -1, 2.5, True, "3", None])
def test_it_rejects_a_level_out_of_range(level: object) -> None:
    doc = two_people()
    doc["participants"][0]["levels"]["method"] = level
    assert error_of(doc) == m.LEVEL_OUT_OF_RANGE.format(id="anna", code="method",
                                                        value=json.dumps(level))


def test_it_rejects_a_duplicate_id_even_across_types() -> None:
    doc = two_people()
    doc["participants"].append(person("anna"))
    assert error_of(doc) == m.DUPLICATE_ID.format(id="anna")
    doc = textbook_document()
    doc["participants"] = [person(7), person("7")]
    assert "7" in error_of(doc)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("capacity", 4, m.CAPACITY_OUT_OF_RANGE),
    ("capacity", 0, m.CAPACITY_OUT_OF_RANGE),
    ("meeting_format", "phone", m.BAD_MEETING_FORMAT),
])
def test_it_checks_participant_fields(field: str, value: object, message: str) -> None:
    doc = two_people()
    doc["participants"][0][field] = value
    assert error_of(doc) == message.format(id="anna", value=json.dumps(value))


def test_it_rejects_more_than_three_priorities_and_unknown_fields() -> None:
    doc = textbook_document()
    doc["competencies"] += [{"code": c, "area": "x"} for c in ("a", "b")]
    doc["participants"] = [person("anna", priorities=["digital", "method", "a", "b"])]
    assert error_of(doc) == m.TOO_MANY_PRIORITIES.format(id="anna", count=4)
    doc["participants"] = [person("anna", level={"digital": 3})]
    assert error_of(doc) == m.UNKNOWN_FIELD.format(where="Участник anna", field="level")


def test_it_rejects_a_locked_pair_across_the_scope() -> None:
    doc = two_people(locked=[["anna", "petr"]])
    doc["participants"][1]["organization"] = "college"
    assert error_of(doc) == m.LOCKED_OUT_OF_SCOPE.format(
        a="anna", b="petr", scope="organization",
        detail="разные организации (school и college)")
    doc["constraints"]["scope"] = "municipality"
    instance_from_dict(doc)


def test_it_rejects_a_locked_pair_inside_a_reporting_line() -> None:
    doc = two_people(locked=[["petr", "anna"]])
    doc["participants"][0]["line_manager"] = "petr"
    assert error_of(doc) == m.LOCKED_REPORTING_LINE.format(
        a="anna", b="petr", manager="petr", subordinate="anna")


def test_it_rejects_a_locked_pair_with_formats_that_never_meet() -> None:
    doc = two_people(locked=[["anna", "petr"]])
    doc["participants"][0]["meeting_format"] = "online"
    doc["participants"][1]["meeting_format"] = "offline"
    assert "форматы встреч несовместимы" in error_of(doc)


def test_it_rejects_locked_pairs_beyond_capacity_and_contradictions() -> None:
    doc = two_people(locked=[["anna", "petr"]])
    doc["participants"].append(person("vera", levels={"method": 3}))
    doc["constraints"]["locked"].append(["anna", "vera"])
    assert error_of(doc) == m.LOCKED_OVER_CAPACITY.format(id="anna", count=2, capacity=1)
    doc = two_people(locked=[["anna", "petr"]], forbidden=[["petr", "anna"]])
    assert error_of(doc) == m.LOCKED_AND_FORBIDDEN.format(a="anna", b="petr")
    doc = two_people(locked=[["anna", "olga"]])
    assert error_of(doc) == m.PAIR_UNKNOWN_MEMBER.format(kind=m.LOCKED, a="anna", b="olga",
                                                         id="olga")
    doc = two_people(forbidden=[["anna", "anna"]])
    assert error_of(doc) == m.PAIR_WITH_ITSELF.format(kind=m.FORBIDDEN, a="anna", b="anna")


def test_a_one_sided_locked_pair_is_allowed() -> None:
    doc = two_people(locked=[["anna", "petr"]])
    doc["participants"][1]["levels"] = {"digital": 0, "method": 0}
    assert instance_from_dict(doc).constraints.locked == (("anna", "petr"),)


@pytest.mark.parametrize("weights", [{"level_gain": [6, 4, 2]}, {"level_gain": [0, 1, 2]},
                                     {"balance": -1}, {"priority_bonus": [1, 2]}])
def test_it_rejects_bad_weights(weights: dict[str, Any]) -> None:
    doc = two_people()
    doc["weights"] = weights
    assert error_of(doc).startswith("Веса: «")


@given(documents(max_people=12))
@settings(max_examples=40, deadline=None)
def test_the_document_round_trips(doc: dict[str, Any]) -> None:
    instance = instance_from_dict(doc)
    assert instance_from_dict(instance_to_dict(instance)) == instance


def test_the_schema_matches_the_parser() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    props = schema["properties"]
    assert props["format"]["const"] == m.FORMAT
    participant = schema["$defs"]["participant"]["properties"]
    assert set(participant) == m._PARTICIPANT_FIELDS
    assert participant["meeting_format"]["enum"] == list(m.MEETING_FORMATS)
    assert participant["capacity"]["maximum"] == m.MAX_CAPACITY
    levels = participant["levels"]["additionalProperties"]
    assert (levels["minimum"], levels["maximum"]) == (0, m.MAX_LEVEL)
    constraints = props["constraints"]["properties"]
    assert constraints["scope"]["enum"] == list(m.SCOPES)
    defaults = m.Constraints()
    for name in ("scope", "no_reporting_line", "reciprocity_required"):
        assert constraints[name]["default"] == getattr(defaults, name)
    weights = props["weights"]["properties"]
    for name, value in instance_to_dict(instance_from_dict(two_people()))["weights"].items():
        assert weights[name]["default"] == value
