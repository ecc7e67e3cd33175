"""The worked examples of docs/matching.md, «Примеры»."""

import re
from pathlib import Path

from tandem.core.matching import instance_from_dict, instance_from_json, match
from tandem.core.matching.tests.strategies import person, textbook_document

YOUNG = {"digital": 3, "method": 0}
EXPERIENCED = {"digital": 0, "method": 3}


def test_a_textbook_reverse_pair_is_formed() -> None:
    doc = textbook_document()
    doc["participants"] = [person("anna", levels=YOUNG), person("petr", levels=EXPERIENCED)]
    result = match(instance_from_dict(doc))
    [pair] = result.pairs
    assert (pair.a, pair.b) == ("anna", "petr")
    # b = level_gain[3] = 6 each way; w = 6 + 6 + 1·min(6, 6) = 18.
    assert pair.weight == 18
    [taught] = pair.a_teaches_b
    assert (taught.competency, taught.teacher_level, taught.learner_level) == ("digital", 3, 0)
    [back] = pair.b_teaches_a
    assert (back.competency, back.teacher_level, back.learner_level) == ("method", 3, 0)
    assert result.optimal and result.total_weight == result.upper_bound == 18
    assert result.unmatched == ()


def test_two_people_with_nothing_to_give_each_other_are_not_paired() -> None:
    doc = textbook_document()
    doc["participants"] = [person("anna", levels=YOUNG), person("boris", levels=YOUNG)]
    result = match(instance_from_dict(doc))
    assert result.pairs == ()
    assert [u.reason for u in result.unmatched] == ["nobody_can_teach", "nobody_can_teach"]


def test_a_one_sided_pair_is_not_a_candidate_when_reciprocity_is_required() -> None:
    doc = textbook_document()
    doc["participants"] = [person("guru", levels={"digital": 3, "method": 3}),
                           person("novice", levels={"digital": 0, "method": 0})]
    assert match(instance_from_dict(doc)).pairs == ()
    doc["constraints"]["reciprocity_required"] = False
    [pair] = match(instance_from_dict(doc)).pairs
    assert pair.one_sided and pair.weight == 12  # 6 + 6 + 1·min(12, 0)


def test_a_pair_inside_a_reporting_line_is_refused() -> None:
    doc = textbook_document()
    doc["participants"] = [person("head", levels=EXPERIENCED),
                           person("anna", levels=YOUNG, line_manager="head")]
    result = match(instance_from_dict(doc))
    assert result.pairs == ()
    assert {u.reason for u in result.unmatched} == {"constraints"}
    assert "линия подчинения" in result.unmatched[0].text
    doc["constraints"]["no_reporting_line"] = False
    assert len(match(instance_from_dict(doc)).pairs) == 1


def test_priorities_and_wishes_add_points() -> None:
    doc = textbook_document()
    doc["participants"] = [
        person("anna", levels={"digital": 3, "method": 1}, wants_to_learn=["method"],
               priorities=["method"]),
        person("petr", levels={"digital": 1, "method": 2}, can_teach=["method"]),
    ]
    [pair] = match(instance_from_dict(doc)).pairs
    # anna → petr: digital 3 → 1, gain 4.  petr → anna: method 2 → 1, gain 2, priority 1
    # bonus 6, wants bonus 1: 9.  w = 4 + 9 + 1·4 = 17.
    assert [x.points for x in pair.a_teaches_b] == [4]
    assert [x.points for x in pair.b_teaches_a] == [9]
    assert pair.weight == 17


def test_the_balanced_pair_wins_over_two_lopsided_ones() -> None:
    doc = textbook_document()
    doc["participants"] = [
        person("anna", levels={"digital": 3, "method": 0}),
        person("petr", levels={"digital": 0, "method": 3}),
        person("vera", levels={"digital": 2, "method": 2}, can_teach=["method"],
               wants_to_learn=["digital"]),
    ]
    result = match(instance_from_dict(doc))
    assert [(p.a, p.b) for p in result.pairs] == [("anna", "petr")]
    [left] = result.unmatched
    assert (left.id, left.reason) == ("vera", "capacity")


def test_the_instance_in_the_docs_gives_the_numbers_the_docs_give() -> None:
    docs = Path(__file__).resolve().parents[4] / "docs" / "matching.md"
    example = re.search(r"```json\n(.*?)```", docs.read_text(encoding="utf-8"), re.S)
    assert example is not None
    [pair] = match(instance_from_json(example.group(1))).pairs
    assert [x.points for x in pair.a_teaches_b] == [13, 2]
    assert [x.points for x in pair.b_teaches_a] == [8, 11]
    assert pair.weight == 49
