from typing import Any

from tandem.core.matching import check_validity, instance_from_dict
from tandem.core.matching import validity as v
from tandem.core.matching.tests.strategies import person, textbook_document

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
    assert v.REPEATED_PAIR.format(a="anna", b="olga", count=2) in problems
    assert v.SELF_PAIR.format(a="anna", b="anna") in problems
    assert v.UNKNOWN_MEMBER.format(a="anna", b="nobody", id="nobody") in problems
    assert v.OBSTACLE["scope"].format(a="anna", b="boris", scope="organization") in problems
    assert v.OBSTACLE["reporting_line"].format(a="anna", b="vera") in problems
    assert v.OVER_CAPACITY.format(id="anna", count=4, capacity=1) in problems
    assert v.LOCKED_MISSING.format(a="anna", b="petr") in problems
    assert v.FORBIDDEN_PRESENT.format(a="anna", b="olga") in problems
    assert v.NO_BENEFIT.format(a="olga", b="petr") in problems


def test_a_one_sided_pair_is_refused_unless_locked() -> None:
    doc = textbook_document()
    doc["participants"] = [person("guru", levels={"digital": 3, "method": 3}),
                           person("novice", levels={"digital": 0, "method": 0})]
    assert check_validity(instance_from_dict(doc), [("guru", "novice")]) == [
        v.NOT_RECIPROCAL.format(a="guru", b="novice", forward=12, backward=0)]
    doc["constraints"]["locked"] = [["guru", "novice"]]
    assert check_validity(instance_from_dict(doc), [("guru", "novice")]) == []
