"""Warm start (``--warm``, ``warm.py``): a previous result is a hint, never a premise.

After a lock or a ban the warm run must be exactly as proven as a cold one: same optimum,
honest bound, valid pairs — and a wrong or forged previous result changes only the time.
"""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.matching import check_validity, cli, instance_from_dict, match, solver
from tandem.core.matching.engine import result_to_dict
from tandem.core.matching.generator import instance_document
from tandem.core.matching.instance import InstanceError
from tandem.core.matching.tests.oracle import oracle_edges, oracle_optimum
from tandem.core.matching.tests.strategies import documents, person, textbook_document
from tandem.core.matching.warm import hint_from_result

ROOT = Path(__file__).resolve().parents[4]


def pairs_of(result: Any) -> list[tuple[Any, Any]]:
    return [(p.a, p.b) for p in result.pairs]


def assert_as_proven_as_cold(instance: Any, warm: Any, cold: Any) -> None:
    optimum = oracle_optimum(instance)
    for result in (warm, cold):
        assert check_validity(instance, pairs_of(result)) == []
        assert result.total_weight <= optimum <= result.upper_bound
        assert result.optimal == (result.total_weight == optimum == result.upper_bound)
    assert warm.total_weight == cold.total_weight


def changed_by_the_curator(doc: dict[str, Any], previous: Any, choice: st.DataObject
                           ) -> dict[str, Any]:
    """The instance after the curator bans one of the proposed pairs or locks a candidate
    pair (one the rules allow, not already banned)."""
    changed = json.loads(json.dumps(doc))
    constraints = changed["constraints"]
    instance = instance_from_dict(doc)
    people = instance.participants
    if previous.pairs and choice.draw(st.booleans()):
        pair = choice.draw(st.sampled_from(previous.pairs))
        constraints["forbidden"] = [*constraints.get("forbidden", []), [pair.a, pair.b]]
        return changed
    banned = {frozenset(p) for p in instance.constraints.forbidden}
    lockable = [(people[i].id, people[j].id) for i, j, _ in oracle_edges(instance)
                if frozenset((people[i].id, people[j].id)) not in banned]
    if lockable:
        constraints["locked"] = [list(choice.draw(st.sampled_from(lockable)))]
    return changed


@given(documents(max_people=40), st.data())
@settings(max_examples=60, deadline=None)
def test_after_a_lock_or_a_ban_a_warm_run_is_as_proven_as_a_cold_one(
        doc: dict[str, Any], choice: st.DataObject) -> None:
    previous = match(instance_from_dict(doc), with_duals=True)
    changed = instance_from_dict(changed_by_the_curator(doc, previous, choice))
    warm = match(changed, warm=result_to_dict(previous))
    cold = match(changed)
    assert warm.stats.get("warm") is True
    assert_as_proven_as_cold(changed, warm, cold)


@given(documents(max_people=30, capacities=True), st.data())
@settings(max_examples=30, deadline=None)
def test_with_capacities_a_warm_run_is_as_proven_as_a_cold_one(
        doc: dict[str, Any], choice: st.DataObject) -> None:
    previous = match(instance_from_dict(doc), with_duals=True)
    changed = instance_from_dict(changed_by_the_curator(doc, previous, choice))
    assert_as_proven_as_cold(changed, match(changed, warm=result_to_dict(previous)),
                             match(changed))


def forged_results(ids: list[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Result documents with anything in them: unknown ids, ids written the other way
    (``7`` / ``"7"``), huge, negative and non-integer duals, pairs of strangers."""
    some_id = st.one_of(st.sampled_from(ids), st.integers(-5, 50), st.text(max_size=3),
                        st.sampled_from([str(x) for x in ids])) if ids else st.integers()
    value = st.one_of(st.integers(-10**6, 10**6), st.integers(-10**30, 10**30),
                      st.floats(allow_nan=False), st.booleans(), st.none(), st.text())
    dual = st.one_of(st.tuples(some_id, value).map(list), value, st.lists(value, max_size=3))
    pair = st.fixed_dictionaries({"a": some_id, "b": some_id, "weight": value})
    return st.fixed_dictionaries(
        {"format": st.just("tandem-matching-result/1")},
        optional={"duals": st.one_of(st.lists(dual, max_size=60), value),
                  "pairs": st.one_of(st.lists(st.one_of(pair, value), max_size=20), value)})


@given(documents(max_people=40), st.data())
@settings(max_examples=60, deadline=None)
def test_a_forged_previous_result_still_gives_a_correct_answer(
        doc: dict[str, Any], choice: st.DataObject) -> None:
    instance = instance_from_dict(doc)
    forged = choice.draw(forged_results([p.id for p in instance.participants]))
    assert_as_proven_as_cold(instance, match(instance, warm=forged), match(instance))


@given(documents(max_people=40), st.data())
@settings(max_examples=30, deadline=None)
def test_a_hint_that_does_not_settle_falls_back_to_the_cold_edges(
        doc: dict[str, Any], choice: st.DataObject) -> None:
    # One edge per person and one round of trust: the fallback path is taken whenever
    # the hint leaves a violated pair, and the answer is still the cold one's.
    instance = instance_from_dict(doc)
    forged = choice.draw(forged_results([p.id for p in instance.participants]))
    with mock.patch.multiple(solver, WARM_K=1, WARM_ROUNDS=1, ADDED_PER_ROW=1):
        warm = match(instance, warm=forged)
    assert_as_proven_as_cold(instance, warm, match(instance))


def textbook_four() -> dict[str, Any]:
    doc = textbook_document()
    doc["participants"] = [
        person("anna", levels={"digital": 3, "method": 0}),
        person("petr", levels={"digital": 0, "method": 3}),
        person("vera", levels={"digital": 3, "method": 1}),
        person("oleg", levels={"digital": 1, "method": 3}),
    ]
    return doc


def test_the_duals_of_a_result_bound_its_weight_and_name_everyone() -> None:
    result = match(instance_from_dict(textbook_four()), with_duals=True)
    assert result.duals is not None
    assert [pid for pid, _ in result.duals] == ["anna", "oleg", "petr", "vera"]
    # Σ y_p = Σ Y_p / 2 is the relaxation's bound: here the optimum itself.
    assert sum(y for _, y in result.duals) // 2 == result.upper_bound == result.total_weight
    assert "duals" in result_to_dict(result)
    assert "duals" not in result_to_dict(match(instance_from_dict(textbook_four())))


def test_a_ban_on_a_proposed_pair_warm_gives_the_cold_answer() -> None:
    doc = textbook_four()
    previous = match(instance_from_dict(doc), with_duals=True)
    first = previous.pairs[0]
    doc["constraints"]["forbidden"] = [[first.a, first.b]]
    changed = instance_from_dict(doc)
    warm, cold = match(changed, warm=result_to_dict(previous)), match(changed)
    assert (first.a, first.b) not in pairs_of(warm)
    assert warm.total_weight == cold.total_weight == oracle_optimum(changed)
    assert warm.optimal and cold.optimal


def test_the_hint_reads_ids_by_the_id_rule_and_ignores_strangers() -> None:
    doc = textbook_document()
    doc["participants"] = [person(7, levels={"digital": 3, "method": 0}),
                           person("x", levels={"digital": 0, "method": 3})]
    instance = instance_from_dict(doc)
    hint = hint_from_result(instance, {"format": "tandem-matching-result/1",
                                       "duals": [["7", 12], ["ghost", 5], ["x", -3],
                                                 [True, 4], "junk"]}, limit=10)
    assert hint.tolist() == [10, 0]  # 7 sorts first; 12 clipped to 10; −3 to 0


def test_without_duals_the_hint_makes_the_previous_pairs_tight() -> None:
    doc = textbook_document()
    doc["participants"] = [person("a"), person("b"), person("c")]
    instance = instance_from_dict(doc)
    hint = hint_from_result(instance, {"format": "tandem-matching-result/1",
                                       "pairs": [{"a": "a", "b": "c", "weight": 18}]},
                            limit=100)
    assert hint.tolist() == [18, 0, 18]


def test_a_document_that_is_not_a_result_is_refused() -> None:
    instance = instance_from_dict(textbook_four())
    with pytest.raises(InstanceError):
        hint_from_result(instance, textbook_four(), limit=100)
    with pytest.raises(InstanceError):
        match(instance, warm=[1, 2, 3])


def run(*argv: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_command_line_reruns_warm_from_a_result_with_duals(tmp_path: Path) -> None:
    doc = instance_document(60, seed=3, scope="organization")
    source = tmp_path / "i.json"
    source.write_text(json.dumps(doc), encoding="utf-8")
    code, out, _ = run(str(source), "--with-duals")
    assert code == 0
    previous = json.loads(out)
    assert len(previous["duals"]) == 60
    first = previous["pairs"][0]
    doc["constraints"]["forbidden"] = [[first["a"], first["b"]]]
    source.write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "r.json").write_text(out, encoding="utf-8")
    code, warm_out, _ = run(str(source), "--warm", str(tmp_path / "r.json"))
    assert code == 0
    code, cold_out, _ = run(str(source))
    warm, cold = json.loads(warm_out), json.loads(cold_out)
    assert warm["stats"]["warm"] is True and "warm" not in cold["stats"]
    assert (warm["total_weight"], warm["optimal"]) == (cold["total_weight"], cold["optimal"])
    assert [first["a"], first["b"]] not in [[p["a"], p["b"]] for p in warm["pairs"]]


@pytest.mark.parametrize("previous", ['{"format": "tandem-matching/1"}', "[1, 2", "[]"])
def test_a_warm_file_that_is_not_a_result_ends_with_exit_2(tmp_path: Path,
                                                           previous: str) -> None:
    source = tmp_path / "i.json"
    source.write_text(json.dumps(textbook_four()), encoding="utf-8")
    (tmp_path / "p.json").write_text(previous, encoding="utf-8")
    code, out, err = run(str(source), "--warm", str(tmp_path / "p.json"))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "p.json" in err


def test_help_and_verify_do_not_load_numpy() -> None:
    # The engine's package imports its names on first use: the command's help, --verify's
    # modules and the code tables the web application words from need no numpy or scipy.
    code = ("import sys\nfrom tandem.core.matching import cli, codes, verify\n"
            "from tandem.core.matching import InstanceError\n"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('numpy', 'scipy')]\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_the_solution_duals_are_zero_for_people_without_free_capacity() -> None:
    doc = textbook_four()
    doc["constraints"]["locked"] = [["anna", "petr"]]
    instance = instance_from_dict(doc)
    solution = solver.solve(instance)
    index = instance.index()
    duals = np.array(solution.duals)
    assert duals[index["anna"]] == duals[index["petr"]] == 0
    assert duals[index["vera"]] + duals[index["oleg"]] >= 2 * solution.weights[
        solution.pairs.index(tuple(sorted((index["vera"], index["oleg"]))))]
