from typing import Any

from tandem.core.matching import check_validity, instance_from_dict
from tandem.core.matching.tests.strategies import person, textbook_document
from tandem.core.matching.validity import Problem

YOUNG = {"digital": 3, "method": 0}
EXPERIENCED = {"digital": 0, "method": 3}


def instance(**constraints: Any) -> Any:
    doc = textbook_document(**constraints)
    doc["participants"] = [person("anna", levels=YOUNG), person("petr", levels=EXPERIENCED),
                           person("olga", levels=EXPERIENCED),
                           person("boris", levels=YOUNG, org="college"),
                           person("vera", levels=EXPERIENCED, line_manager="anna")]
    return instance_from_dict(doc)


def test_a_good_set_of_pairs_has_no_problems() -> None:
    assert check_validity(instance(), [("petr", "anna")]) == []
    assert check_validity(instance(), []) == []


def test_it_reports_every_kind_of_problem() -> None:
    problems = check_validity(instance(forbidden=[["olga", "anna"]], locked=[["anna", "petr"]]),
                              [("anna", "olga"), ("anna", "olga"), ("anna", "boris"),
                               ("anna", "vera"), ("anna", "anna"), ("anna", "nobody"),
                               ("petr", "olga")])
    assert Problem("repeated_pair", {"a": "anna", "b": "olga", "count": 2}) in problems
    assert Problem("self_pair", {"a": "anna", "b": "anna"}) in problems
    assert Problem("unknown_member", {"a": "anna", "b": "nobody", "id": "nobody"}) in problems
    assert Problem("scope", {"a": "anna", "b": "boris", "scope": "organization"}) in problems
    assert Problem("reporting_line", {"a": "anna", "b": "vera"}) in problems
    assert Problem("over_capacity", {"id": "anna", "count": 4, "capacity": 1}) in problems
    assert Problem("locked_missing", {"a": "anna", "b": "petr"}) in problems
    assert Problem("forbidden_present", {"a": "anna", "b": "olga"}) in problems
    assert Problem("no_benefit", {"a": "olga", "b": "petr"}) in problems
    assert "Пара anna — olga встречается 2 раза." in [p.text for p in problems]


def test_a_one_sided_pair_is_refused_unless_locked() -> None:
    doc = textbook_document()
    doc["participants"] = [person("guru", levels={"digital": 3, "method": 3}),
                           person("novice", levels={"digital": 0, "method": 0})]
    [problem] = check_validity(instance_from_dict(doc), [("guru", "novice")])
    assert problem == Problem("not_reciprocal", {"a": "guru", "b": "novice", "forward": 12,
                                                 "backward": 0})
    assert problem.text == "Пара guru — novice не взаимна: b(a→b) = 12, b(b→a) = 0."
    doc["constraints"]["locked"] = [["guru", "novice"]]
    assert check_validity(instance_from_dict(doc), [("guru", "novice")]) == []
