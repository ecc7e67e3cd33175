"""Why someone is left without a pair, and the suggestions from a wider scope."""

from typing import Any

from tandem.core.matching import instance_from_dict, match
from tandem.core.matching.reasons import REASONS
from tandem.core.matching.tests.strategies import person, textbook_document

YOUNG = {"digital": 3, "method": 0}
EXPERIENCED = {"digital": 0, "method": 3}


def reasons(doc: dict[str, Any]) -> dict[Any, str]:
    return {u.id: u.reason for u in match(instance_from_dict(doc)).unmatched}


def test_nothing_to_teach_and_nothing_to_learn_are_named() -> None:
    doc = textbook_document()
    doc["participants"] = [person("silent"), person("novice", levels={"digital": 0}),
                           person("guru", levels={"digital": 3, "method": 3})]
    assert reasons(doc) == {"silent": "no_strengths", "novice": "no_strengths",
                            "guru": "no_deficits"}


def test_an_unassessed_competency_marked_can_teach_is_no_strength() -> None:
    """The diagnostics rule: no level, no strength. (Matching used to count it as level 2
    while the diagnostics profile showed nothing.)"""
    doc = textbook_document()
    doc["participants"] = [person("anna", levels=YOUNG),
                           person("vera", levels={"digital": 0}, can_teach=["method"])]
    assert reasons(doc) == {"anna": "nobody_can_teach", "vera": "no_strengths"}
    doc["participants"][1]["levels"]["method"] = 0  # assessed at 0: «can teach» is ignored
    assert reasons(doc) == {"anna": "nobody_can_teach", "vera": "no_strengths"}
    doc["participants"][1]["levels"]["method"] = 2  # level 2 with «can teach»: a strength
    [pair] = match(instance_from_dict(doc)).pairs
    [lesson] = pair.b_teaches_a
    assert (lesson.competency, lesson.teacher_level, lesson.learner_level) == ("method", 2, 0)


def test_teachers_and_learners_who_are_different_people() -> None:
    doc = textbook_document()
    doc["participants"] = [
        person("anna", levels=YOUNG),
        person("petr", levels={"digital": 3, "method": 3}),   # could teach anna only
        person("ivan", levels={"digital": 0, "method": 0}),   # needs anna only
    ]
    assert reasons(doc)["anna"] == "no_reciprocal_partner"


def test_nobody_needs_what_they_teach() -> None:
    doc = textbook_document()
    doc["participants"] = [person("anna", levels={"digital": 3, "method": 0}),
                           person("petr", levels={"digital": 3, "method": 3})]
    assert reasons(doc)["anna"] == "nobody_needs"


def test_constraints_are_listed_with_counts() -> None:
    doc = textbook_document(forbidden=[["anna", "petr"]])
    doc["participants"] = [person("anna", levels=YOUNG, meeting_format="online"),
                           person("petr", levels=EXPERIENCED),
                           person("olga", levels=EXPERIENCED, meeting_format="offline")]
    [anna] = [u for u in match(instance_from_dict(doc)).unmatched if u.id == "anna"]
    assert anna.reason == "constraints"
    assert anna.text == REASONS["constraints"].format(
        detail="формат встреч — 1, запрет куратора — 1")


def test_suggestions_come_from_the_municipality_then_the_region() -> None:
    doc = textbook_document()
    doc["participants"] = [
        person("anna", levels=YOUNG, org="school"),
        person("petr", levels=EXPERIENCED, org="college"),
        person("olga", levels={"digital": 0, "method": 3}, org="far", mun="village",
               priorities=["digital"]),
        person("ivan", levels={"digital": 0, "method": 2}, can_teach=["method"],
               org="club"),
    ]
    [anna] = [u for u in match(instance_from_dict(doc)).unmatched if u.id == "anna"]
    assert anna.reason == "nobody_can_teach"
    assert [(s.id, s.where, s.available) for s in anna.suggestions] == [
        ("petr", "municipality", True), ("ivan", "municipality", True),
        ("olga", "region", True)]
    assert anna.suggestions[0].weight == 18


def test_with_the_whole_region_in_scope_taken_partners_are_suggested() -> None:
    doc = textbook_document(scope="region")
    doc["participants"] = [person("anna", levels=YOUNG), person("petr", levels=EXPERIENCED),
                           person("boris", levels={"digital": 2, "method": 0},
                                  can_teach=["digital"])]
    [boris] = match(instance_from_dict(doc)).unmatched
    assert boris.reason == "capacity"
    assert [(s.id, s.available) for s in boris.suggestions] == [("petr", False)]
