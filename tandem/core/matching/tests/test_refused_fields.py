"""Issue #14, defect 10: every field is checked against the documented format
(docs/matching.md, «Ошибки входа»), and whatever is outside it is refused by
``tandem match`` with exit code 2 and one Russian line naming the participant and field.

Before, levels far above the 0..3 scale were scored (two orderings of one instance with
capacities above 1 both claimed ``optimal: true`` with different totals), and a
``line_manager`` naming nobody silently switched the reporting-line rule off.
"""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.matching import codes
from tandem.core.matching.engine import match
from tandem.core.matching.instance import (
    InstanceError,
    instance_from_dict,
    instance_from_json,
    managers_within,
)
from tandem.core.matching.tests.strategies import documents, person, textbook_document
from tandem.core.matching.tests.test_cli import run, write


def two_people(**changes: Any) -> dict[str, Any]:
    """Anna (7) and Petr (8), a textbook pair; ``changes`` replace fields of Anna."""
    document = textbook_document()
    anna = person(7, levels={"digital": 3, "method": 0}, capacity=2)
    anna.update(changes)
    document["participants"] = [anna, person(8, levels={"digital": 0, "method": 3})]
    return document


def refused(tmp_path: Path, document: object) -> str:
    code, out, err = run(str(write(tmp_path / "i.json", document)))
    assert code == 2 and out == "", err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("Ошибка во входных данных")
    return err


@pytest.mark.parametrize(("changes", "expected"), [
    ({"levels": {"digital": 50, "method": 0}},
     "Участник 7: уровень по компетенции «digital» должен быть целым от 0 до 3, "
     "получено: 50."),
    ({"levels": {"digital": -1}}, "получено: -1."),
    ({"levels": {"digital": 3.0}}, "получено: 3.0."),
    ({"levels": {"digital": "3"}}, 'получено: "3".'),
    ({"levels": {"digital": True}}, "получено: true."),
    ({"capacity": 0}, "Участник 7: «capacity» должна быть целым от 1 до 3, получено: 0."),
    ({"capacity": 4}, "получено: 4."),
    ({"capacity": 1.5}, "получено: 1.5."),
    ({"capacity": True}, "получено: true."),
    ({"priorities": ["digital", "method", "digital"]},
     "Участник 7: компетенция «digital» повторяется в поле «priorities»."),
    ({"priorities": ["art"]},
     "Участник 7: неизвестный код компетенции «art» в поле «priorities»."),
    ({"meeting_format": "zoom"}, "Участник 7: «meeting_format» должно быть online, offline "
                                 "или any, получено: \"zoom\"."),
    ({"line_manager": 99}, "Участник 7: руководителя 99 (поле «line_manager») нет среди "
                           "участников; руководителя, который не участвует в подборе, "
                           "укажите как null."),
    ({"line_manager": "99"}, "Участник 7: руководителя 99 (поле «line_manager»)"),
    ({"line_manager": "7"}, "Участник 7 указан руководителем самого себя"),
    ({"line_manager": True}, "Участник 7: поле «line_manager» должно быть непустой строкой "
                             "или целым числом, получено: true."),
    ({"line_manager": " 8"}, "Участник 7: поле «line_manager» — id не может быть пустым "
                             "или с пробелами по краям, получено: \" 8\"."),
    ({"id": "  "}, "Участник №1: поле «id» — id не может быть пустым или с пробелами по "
                   "краям, получено: \"  \"."),
    ({"id": 7.0}, "Участник №1: поле «id» должно быть непустой строкой или целым числом"),
    ({"organization": " "}, "Участник 7: поле «organization» должно быть непустой строкой"),
    ({"can_teach": "digital"}, "Участник 7: поле «can_teach» должно быть списком"),
])
def test_a_participant_field_outside_the_format_is_refused(
        tmp_path: Path, changes: dict[str, Any], expected: str) -> None:
    assert expected in refused(tmp_path, two_people(**changes))


@pytest.mark.parametrize(("part", "value", "expected"), [
    ("constraints", {"no_reporting_line": "yes"},
     "Ограничения: поле «no_reporting_line» должно быть true или false, получено: \"yes\"."),
    ("constraints", {"reciprocity_required": 1}, "«reciprocity_required» должно быть true"),
    ("constraints", {"scope": "country"}, "«scope» должно быть organization"),
    ("constraints", {"forbidden": [[7, 99]]}, "участника 99 нет в списке участников"),
    ("constraints", {"locked": [[7, " 8"]]}, "id не может быть пустым или с пробелами"),
    ("weights", {"balance": 1.5}, "Веса: «balance» — целое число от 0 до 1000, "
                                  "получено: 1.5."),
    ("weights", {"balance": -1}, "получено: -1."),
    ("weights", {"level_gain": [1, 2, 2.5]}, "Веса: «level_gain» — три целых числа"),
    ("weights", {"priority_bonus": [6, 4]}, "«priority_bonus» — три целых числа"),
])
def test_constraints_and_weights_outside_the_format_are_refused(
        tmp_path: Path, part: str, value: dict[str, Any], expected: str) -> None:
    document = two_people()
    document[part] = value
    assert expected in refused(tmp_path, document)


@pytest.mark.parametrize(("text", "expected"), [
    # The last value would have won silently: capacity 7 in place of 2, or the other way.
    ('"capacity": 2, "capacity": 1', "Участник 7: поле «capacity» указано дважды."),
    ('"levels": {"digital": 3, "digital": 0}',
     "Участник 7: компетенция «digital» повторяется в поле «levels»."),
    ('"capacity": NaN', "Файл не является корректным JSON: NaN — не число JSON."),
    ('"capacity": Infinity', "Infinity — не число JSON."),
    ('"municipality": "\\ud800town"', "строка с одиночным суррогатом UTF-16"),
])
def test_json_that_python_would_read_but_the_format_does_not_allow_is_refused(
        tmp_path: Path, text: str, expected: str) -> None:
    document = '{"format": "tandem-matching/1", "competencies": [{"code": "digital", ' \
               '"area": "d"}], "participants": [{"id": 7, "organization": "s", ' \
               '"municipality": "t", ' + text + '}]}'
    if "municipality" in text:
        document = document.replace('"municipality": "t", ', "")
    assert expected in refused(tmp_path, document)


def test_a_surrogate_pair_is_a_character_not_an_error() -> None:
    text = json.dumps(two_people(organization="школа 😀"))  # ensure_ascii: \ud83d\ude00
    assert "\\ud83d" in text
    assert instance_from_json(text).participants[0].organization == "школа 😀"


def test_the_repeated_field_names_the_place_outside_participants(tmp_path: Path) -> None:
    text = json.dumps(two_people())[:-1] + ', "format": "tandem-matching/1"}'
    assert "Экземпляр: поле «format» указано дважды." in refused(tmp_path, text)


def test_a_coded_refusal_carries_its_code_and_parameters() -> None:
    with pytest.raises(InstanceError) as caught:
        instance_from_dict(two_people(line_manager=99))
    error = caught.value
    assert (error.code, error.params) == ("unknown_manager", {"id": "7", "manager": "99"})
    assert error.message == codes.describe(codes.INPUT, "unknown_manager", error.params)


def test_a_manager_named_by_a_string_is_that_person() -> None:
    # "8" for participant 8: the manager is Petr, and their pair is inside the line.
    instance = instance_from_dict(two_people(line_manager="8"))
    assert instance.participants[0].line_manager == 8
    assert match(instance).pairs == ()


def test_managers_within_drops_only_managers_outside_the_instance() -> None:
    document = two_people(line_manager=99)
    document["participants"][1]["line_manager"] = "7"
    kept = managers_within(document)
    assert [p["line_manager"] for p in kept["participants"]] == [None, "7"]
    assert document["participants"][0]["line_manager"] == 99  # the input is not changed
    assert instance_from_dict(kept).participants[1].line_manager == 7


def _flip(pid: Any) -> Any:
    """The same id written the other way: 7 ↔ "7" (the id rule makes them one)."""
    if isinstance(pid, int):
        return str(pid)
    return int(pid) if pid.isdigit() else pid


@given(documents(max_people=10, capacities=True), st.randoms(use_true_random=False),
       st.booleans())
@settings(max_examples=40, deadline=None)
def test_any_order_of_a_valid_instance_gives_the_same_optimal_total(
        document: dict[str, Any], rnd: Any, flip: bool) -> None:
    first = match(instance_from_dict(document))
    other = copy.deepcopy(document)
    rnd.shuffle(other["participants"])
    rnd.shuffle(other["competencies"])
    for p in other["participants"]:
        for name in ("can_teach", "wants_to_learn"):
            rnd.shuffle(p[name])
        if flip and p.get("line_manager") is not None:
            p["line_manager"] = _flip(p["line_manager"])
    rnd.shuffle(other["constraints"]["forbidden"])
    second = match(instance_from_dict(other))
    # Each certificate bounds the other's answer: the same instance, the same optimum.
    assert first.total_weight <= second.upper_bound
    assert second.total_weight <= first.upper_bound
    if first.optimal and second.optimal:
        assert first.total_weight == second.total_weight
