"""A reason code without wording (a newer engine, a run stored by an older one) is never
shown raw: a general Russian sentence on the page, the code in the log."""

import logging

import pytest

from tandem.pairs import wording


def test_an_unknown_reason_is_a_general_sentence_and_a_log_line(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tandem.pairs.wording"):
        text = wording.unmatched_reason("new_reason_v2", {"n": 3})
    assert text == str(wording.UNKNOWN_REASON)
    assert "new_reason_v2" not in text and text.endswith(".")
    assert any("new_reason_v2" in r.getMessage() for r in caplog.records)


def test_a_known_reason_is_worded_and_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tandem.pairs.wording"):
        text = wording.unmatched_reason("capacity")
    assert text == str(wording.REASONS["capacity"])
    assert not caplog.records


def test_a_refused_instance_is_worded_by_its_code_and_an_older_refusal_as_written() -> None:
    from tandem.core.matching.instance import InstanceError
    from tandem.pairs.engine import EngineError, match

    document = {"format": "tandem-matching/1", "competencies": [{"code": "d", "area": "d"}],
                "participants": [{"id": 1, "organization": "o", "municipality": "m",
                                  "line_manager": " 2"}]}
    with pytest.raises(EngineError) as caught:
        match(document)
    assert str(caught.value) == str(wording.INPUT["blank_id"]).format(
        where="Участник 1", field="line_manager", value='" 2"')
    assert wording.input_error(InstanceError("Как написало ядро.")) == "Как написало ядро."


def test_a_run_stored_with_a_manager_outside_it_is_still_read() -> None:
    # Runs stored before such a manager was refused: the manager is dropped, pairs unchanged.
    from tandem.pairs.engine import explain_pair, match

    document = {"format": "tandem-matching/1",
                "competencies": [{"code": "d", "area": "d"}, {"code": "m", "area": "m"}],
                "participants": [
                    {"id": 1, "organization": "o", "municipality": "m", "line_manager": 99,
                     "levels": {"d": 3, "m": 0}},
                    {"id": 2, "organization": "o", "municipality": "m",
                     "levels": {"d": 0, "m": 3}}]}
    assert explain_pair(document, 1, 2)["weight"] == 18
    assert [(p["a"], p["b"]) for p in match(document, time_limit=None)["pairs"]] == [(1, 2)]


@pytest.mark.parametrize("count", [2, 5, 21, 22])
def test_a_validity_problem_reads_right_with_any_number(count: int) -> None:
    repeated = wording.problem("repeated_pair", {"a": 1, "b": 2, "count": count})
    assert repeated == f"Пара 1 — 2 встречается в результате несколько раз (всего: {count})."
    over = wording.problem("over_capacity", {"id": 7, "count": count, "capacity": 1})
    assert over == (f"Участник 7 — в большем числе пар, чем разрешено (пар: {count}, "
                    "разрешено не больше: 1).")
