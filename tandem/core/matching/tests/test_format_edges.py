"""Issue #18: the certificate at the edges of the format. Ids of two types, weights near
the representable limit, inputs that used to end in a traceback."""

import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core.matching import check_validity, instance_from_dict, instance_from_json, match
from tandem.core.matching import instance as m
from tandem.core.matching.tests.oracle import oracle_optimum
from tandem.core.matching.tests.strategies import documents, person, textbook_document


def manager_and_subordinate(manager_ref: Any) -> dict[str, Any]:
    document = textbook_document()
    document["participants"] = [
        person(7, levels={"digital": 3, "method": 0}),
        person(8, levels={"digital": 0, "method": 3}, line_manager=manager_ref),
    ]
    return document


@pytest.mark.parametrize("reference", [7, "7"])
def test_a_manager_named_as_a_string_is_still_the_manager(reference: Any) -> None:
    result = match(instance_from_dict(manager_and_subordinate(reference)))
    assert result.pairs == () and result.optimal and result.upper_bound == 0
    assert {u.reason for u in result.unmatched} == {"constraints"}
    assert all(u.params == {"reporting_line": 1} for u in result.unmatched)


def test_a_forbidden_pair_may_name_its_members_as_strings() -> None:
    document = manager_and_subordinate(None)
    document["constraints"] = {"forbidden": [["7", 8]]}
    instance = instance_from_dict(document)
    assert instance.constraints.forbidden == ((7, 8),)
    result = match(instance)
    assert result.pairs == () and result.upper_bound == 0
    assert all(u.params == {"forbidden": 1} for u in result.unmatched)


def test_a_locked_pair_may_name_its_members_as_strings() -> None:
    document = manager_and_subordinate(None)
    document["constraints"] = {"locked": [[8, "7"]]}
    result = match(instance_from_dict(document))
    assert [(p.a, p.b, p.locked) for p in result.pairs] == [(7, 8, True)]


def test_a_locked_pair_across_a_reporting_line_named_by_strings_is_refused() -> None:
    document = manager_and_subordinate("7")
    document["constraints"] = {"locked": [["8", "7"]]}
    with pytest.raises(m.InstanceError, match="непосредственный руководитель"):
        instance_from_dict(document)


def test_seven_and_the_string_seven_are_one_id() -> None:
    document = manager_and_subordinate(None)
    document["participants"][1]["id"] = "7"
    with pytest.raises(m.InstanceError, match="встречается дважды"):
        instance_from_dict(document)


def _stringify_references(document: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The same instance with every reference (line manager, pair member) as int or str."""
    copy = json.loads(json.dumps(document))

    def flip(x: Any) -> Any:
        return str(x) if rng.random() < 0.5 else x

    for p in copy["participants"]:
        if p.get("line_manager") is not None:
            p["line_manager"] = flip(p["line_manager"])
    copy["constraints"]["forbidden"] = [[flip(a), flip(b)]
                                        for a, b in copy["constraints"]["forbidden"]]
    return copy


def _integer_ids(document: dict[str, Any]) -> dict[str, Any]:
    ids = {p["id"]: k for k, p in enumerate(document["participants"])}
    for p in document["participants"]:
        p["id"] = ids[p["id"]]
        if p.get("line_manager") is not None:
            p["line_manager"] = ids[p["line_manager"]]
    document["constraints"]["forbidden"] = [[ids[a], ids[b]]
                                            for a, b in document["constraints"]["forbidden"]]
    return document


@given(documents(max_people=24), st.integers(0, 2**32))
@settings(max_examples=60, deadline=None)
def test_ids_as_int_or_string_in_any_mix_give_the_same_pairs(document: dict[str, Any],
                                                             seed: int) -> None:
    document = _integer_ids(document)
    rng = random.Random(seed)
    plain = match(instance_from_dict(document))
    mixed_document = _stringify_references(document, rng)
    mixed = match(instance_from_dict(mixed_document))
    assert [(p.a, p.b) for p in mixed.pairs] == [(p.a, p.b) for p in plain.pairs]
    assert (mixed.total_weight, mixed.upper_bound) == (plain.total_weight, plain.upper_bound)
    # The participants' own ids as strings too: the same optimum (ties may fall otherwise,
    # since strings sort after integers).
    for p in mixed_document["participants"]:
        if rng.random() < 0.5:
            p["id"] = str(p["id"])
    renamed = match(instance_from_dict(mixed_document))
    assert renamed.total_weight == plain.total_weight
    assert renamed.optimal == plain.optimal or renamed.total_weight == plain.total_weight


# Weights near the representable limit: 2,200 competencies at the schema's largest weights
# make a complementary pair weigh about 2.2·10⁹ > 2³¹.
HEAVY = 2200


@st.composite
def heavy_documents(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(2, 7))
    capacities = draw(st.booleans())
    rng = random.Random(draw(st.integers(0, 2**32)))
    codes = [f"c{k}" for k in range(HEAVY)]
    people = []
    for k in range(count):
        strong = rng.random() < 0.5
        levels = {c: (3 if (j % 2 == 0) == strong else 0) if rng.random() < 0.98
                  else rng.randint(0, 3) for j, c in enumerate(codes)}
        weak = [c for c in codes if levels[c] <= 1]
        people.append(person(k, levels=levels, wants_to_learn=weak,
                             priorities=rng.sample(weak, min(3, len(weak))),
                             capacity=rng.randint(1, 3) if capacities else 1))
    return {"format": m.FORMAT, "competencies": [{"code": c, "area": "a"} for c in codes],
            "participants": people,
            "weights": {"level_gain": [1000, 1000, 1000], "priority_bonus": [1000] * 3,
                        "wants_to_learn_bonus": 1000, "balance": 1000}}


@given(heavy_documents())
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
def test_weights_near_the_representable_limit_never_give_a_false_certificate(
        document: dict[str, Any]) -> None:
    instance = instance_from_dict(document)
    result = match(instance)
    optimum = oracle_optimum(instance)
    assert check_validity(instance, [(p.a, p.b) for p in result.pairs]) == []
    assert result.total_weight <= optimum <= result.upper_bound
    if result.optimal:
        assert result.total_weight == optimum


def test_a_pair_heavier_than_two_to_the_31_is_weighed_and_certified_exactly() -> None:
    codes = [f"c{k}" for k in range(HEAVY)]
    even = {c: 3 if k % 2 == 0 else 0 for k, c in enumerate(codes)}
    odd = {c: 0 if k % 2 == 0 else 3 for k, c in enumerate(codes)}
    people = [person(k, levels=levels, capacity=3,
                     wants_to_learn=[c for c in codes if levels[c] == 0])
              for k, levels in enumerate([even, odd, even, odd, even])]
    document = {"format": m.FORMAT, "competencies": [{"code": c, "area": "a"} for c in codes],
                "participants": people,
                "weights": {"level_gain": [1000] * 3, "priority_bonus": [1000] * 3,
                            "wants_to_learn_bonus": 1000, "balance": 1000}}
    instance = instance_from_dict(document)
    result = match(instance)
    single = 1100 * 2000 * 1002
    assert single > 2**31
    # Six complementary pairs (even–odd) exist; capacities 3 allow all of them.
    assert [p.weight for p in result.pairs] == [single] * 6
    assert result.optimal and result.total_weight == 6 * single == oracle_optimum(instance)


def test_weights_that_cannot_be_represented_are_refused() -> None:
    document = textbook_document()
    document["competencies"] = [{"code": f"c{k}", "area": "a"} for k in range(200_000)]
    document["participants"] = [person(k, capacity=3) for k in range(5000)]
    document["weights"] = {"level_gain": [1000] * 3, "priority_bonus": [1000] * 3,
                           "wants_to_learn_bonus": 1000, "balance": 1000}
    with pytest.raises(m.InstanceError, match="слишком велики для точной арифметики"):
        instance_from_dict(document)


@pytest.mark.parametrize(("text", "message"), [
    ("[" * 100_000 + "]" * 100_000, m.TOO_DEEP.format(limit=m.MAX_NESTING)),
    ('{"a": ' * 100_000 + "1" + "}" * 100_000, m.TOO_DEEP.format(limit=m.MAX_NESTING)),
    ('{"format": ' + "9" * 5000 + "}", m.NUMBER_TOO_LONG.format(digits=4300)),
])
def test_pathological_json_is_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(m.InstanceError) as caught:
        instance_from_json(text)
    assert caught.value.message == message


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    document = textbook_document()
    title = "[" * 1000 + "\\\"{" * 100
    document["competencies"][0]["title"] = title
    instance = instance_from_json(json.dumps(document))
    assert instance.competencies[0].title == title


@pytest.mark.parametrize("where", ["level", "id", "line_manager", "pair"])
def test_a_huge_integer_is_refused_without_printing_it(where: str) -> None:
    huge = 10**5000
    document = manager_and_subordinate(None)
    if where == "level":
        document["participants"][0]["levels"]["digital"] = huge
    elif where == "id":
        document["participants"][0]["id"] = huge
    elif where == "line_manager":
        document["participants"][0]["line_manager"] = huge
    else:
        document["constraints"] = {"forbidden": [[7, huge]]}
    with pytest.raises(m.InstanceError) as caught:
        instance_from_dict(document)
    assert len(caught.value.message) < 300 and "\n" not in caught.value.message


@given(documents(max_people=14, capacities=True))
@settings(max_examples=80, deadline=None)
def test_optimal_means_equal_to_an_exact_oracle(document: dict[str, Any]) -> None:
    instance = instance_from_dict(document)
    result = match(instance)
    optimum = oracle_optimum(instance)
    assert result.total_weight <= optimum <= result.upper_bound
    assert result.optimal == (result.total_weight == result.upper_bound)
    if result.optimal:
        assert result.total_weight == optimum
