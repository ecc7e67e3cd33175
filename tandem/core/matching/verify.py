"""``tandem match --verify RESULT.json INSTANCE.json``: a published result re-checked
without the solver, so that a region can audit a pairing.

What is checked: the document's form; the pairs against every rule of the instance
(``check_validity``: ids, capacities, locked and forbidden pairs, scope, reporting lines,
meeting formats, reciprocity); each pair's weight recomputed from the instance with the
scalar scoring rules; the locked flags; the total; and the certificate's consistency
(``total ≤ upper_bound``, ``gap = upper_bound − total``, ``optimal ⇔ total = upper_bound``).
What is not: that ``upper_bound`` really bounds the optimum — that needs a solve; with
``--with-edges`` any exact solver can confirm it (docs/matching.md, «Доказательство»).
"""

from dataclasses import dataclass, field
from typing import Any, cast

from tandem.core.matching.codes import PROBLEMS, describe
from tandem.core.matching.instance import (
    Instance,
    InstanceError,
    ParticipantId,
    id_key,
    pair_key,
)
from tandem.core.matching.scoring import benefit, pair_weight
from tandem.core.matching.validity import Problem, check_validity

RESULT_FORMAT = "tandem-matching-result/1"
NOT_A_RESULT = "ожидался результат формата «" + RESULT_FORMAT + "»: {detail}"
VALID = ("Результат верен: пар {pairs}, суммарный вес {total}, верхняя граница {bound} "
         "({verdict}).")
INVALID = "Результат неверен: найдено проблем — {count}."
PROVEN = "оптимум доказан"
GAP = "разрыв {gap}"


@dataclass(frozen=True, slots=True)
class Verdict:
    pairs: int
    total: int
    bound: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def text(self) -> str:
        """The Russian verdict: one line if valid, else a line per problem after it."""
        if self.valid:
            verdict = PROVEN if self.total == self.bound else GAP.format(
                gap=self.bound - self.total)
            return VALID.format(pairs=self.pairs, total=self.total, bound=self.bound,
                                verdict=verdict)
        lines = [INVALID.format(count=len(self.problems))]
        lines += [f"— {describe(PROBLEMS, p.code, p.params)}" for p in self.problems]
        return "\n".join(lines)


def verify_result(instance: Instance, document: object) -> Verdict:
    """Checks a result document against ``instance``; ``InstanceError`` if it is not one.
    O(P·C + N + L)."""
    root = _require(isinstance(document, dict), "не JSON-объект", document)
    _require(root.get("format") == RESULT_FORMAT, "другое поле «format»", root)
    pairs = _require(isinstance(root.get("pairs"), list), "нет списка «pairs»",
                     root.get("pairs"))
    total = _integer(root, "total_weight")
    bound = _integer(root, "upper_bound")
    optimal = root.get("optimal")
    _require(isinstance(optimal, bool), "поле «optimal» должно быть true или false", optimal)
    stated: list[tuple[ParticipantId, ParticipantId, int, bool]] = []
    for number, item in enumerate(pairs, start=1):
        ok = (isinstance(item, dict) and _is_id(item.get("a")) and _is_id(item.get("b"))
              and _is_int(item.get("weight")) and isinstance(item.get("locked", False), bool))
        _require(ok, f"пара №{number} должна иметь поля a, b, weight", item)
        stated.append((item["a"], item["b"], item["weight"], item.get("locked", False)))
    problems = check_validity(instance, [(a, b) for a, b, _, _ in stated])
    ids = instance.ids()
    by_id = {p.id: p for p in instance.participants}
    locked = set(instance.constraints.locked)
    actual_total = 0
    for a, b, weight, is_locked in stated:
        pa, pb = by_id.get(ids.get(id_key(a), a)), by_id.get(ids.get(id_key(b), b))
        if pa is None or pb is None or pa is pb:
            continue  # check_validity reported it
        actual = pair_weight(benefit(pa, pb, instance), benefit(pb, pa, instance),
                             instance.weights)
        actual_total += actual
        if actual != weight:
            problems.append(Problem("wrong_weight", {"a": a, "b": b, "stated": weight,
                                                     "actual": actual}))
        if (pair_key(pa.id, pb.id) in locked) != is_locked:
            problems.append(Problem("wrong_locked_flag", {"a": a, "b": b}))
    stated_sum = sum(w for _, _, w, _ in stated)
    if total != stated_sum:
        problems.append(Problem("wrong_total", {"stated": total, "actual": stated_sum}))
    if total > bound:
        problems.append(Problem("total_above_bound", {"total": total, "bound": bound}))
    if optimal and total < bound:
        problems.append(Problem("false_optimal", {"total": total, "bound": bound}))
    if "gap" in root and root["gap"] != bound - total:
        problems.append(Problem("wrong_gap", {"stated": root["gap"], "actual": bound - total}))
    return Verdict(pairs=len(stated), total=actual_total, bound=bound, problems=problems)


def _require(condition: bool, detail: str, value: Any) -> Any:
    if not condition:
        raise InstanceError(NOT_A_RESULT.format(detail=detail))
    return value


def _integer(root: dict[str, Any], name: str) -> int:
    value = root.get(name)
    _require(_is_int(value), f"поле «{name}» должно быть целым", value)
    return cast(int, value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value: object) -> bool:
    return (_is_int(value) or isinstance(value, str)) and value != ""
