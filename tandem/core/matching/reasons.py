"""Why a participant was left without a pair, and whom they could be paired with instead.

The reason is the first of these that holds (docs/matching.md, «Почему без пары»):

``no_strengths``       nothing recorded that they could teach (or nothing at all);
``no_deficits``        nothing they need to learn (a reverse pair must be mutual);
``nobody_can_teach``   nobody in scope is strong where they have deficits;
``nobody_needs``       nobody in scope needs what they can teach;
``no_reciprocal_partner``  some could teach them, others need them, but no one does both;
``constraints``        partners by skills exist, all barred by formats, reporting lines
                       or a curator's forbid;
``capacity``           candidates exist, but all of them are in heavier pairs.

Suggestions: up to three partners from outside the scope (the municipality, then the
region), free ones first, then nearer, heavier, lower index; for the region-wide scope
there is no wider one, so they are the best partners inside it (taken ones, too).
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tandem.core.matching.codes import REASONS, describe
from tandem.core.matching.graph import Features, IntArray, benefits, formats_meet, weights_of
from tandem.core.matching.instance import Instance, ParticipantId

MAX_SUGGESTIONS = 3
_ROWS_PER_CHUNK = 256


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A possible partner: ``where`` is «organization» (same one), «municipality» (same
    municipality, another organization) or «region»; ``available`` means they have
    capacity left in this result."""

    id: ParticipantId
    weight: int
    where: str
    available: bool


@dataclass(frozen=True, slots=True)
class Unmatched:
    """``reason`` is a code of ``codes.REASONS``; ``params`` its parameters (for
    «constraints»: how many partners each rule removed, ``{"meeting_format": 2}``)."""

    id: ParticipantId
    reason: str
    params: dict[str, int]
    suggestions: tuple[Suggestion, ...]

    @property
    def text(self) -> str:
        """The Russian default wording (the command line's; the application uses gettext)."""
        return describe(REASONS, self.reason, self.params)


def explain_unmatched(instance: Instance, f: Features, degree: IntArray,
                      rows: IntArray) -> list[Unmatched]:
    """Reasons and suggestions for the participants ``rows`` (canonical indices).

    O(|rows|·N·C) time in chunks of rows, O(chunk·N) memory.
    """
    n = len(instance.participants)
    people = instance.participants
    organization = _codes([p.organization for p in people])
    municipality = _codes([p.municipality for p in people])
    capacity = np.array([p.capacity for p in people], dtype=np.int64)
    barred = _barred(instance)
    everyone = np.arange(n, dtype=np.int64)
    result = []
    for start in range(0, rows.size, _ROWS_PER_CHUNK):
        chunk = rows[start:start + _ROWS_PER_CHUNK]
        forward, backward = benefits(f, chunk, everyone)
        forward[np.arange(chunk.size), chunk] = 0
        backward[np.arange(chunk.size), chunk] = 0
        same_org = organization[chunk][:, None] == organization[None, :]
        same_mun = municipality[chunk][:, None] == municipality[None, :]
        scope = instance.constraints.scope
        in_scope = same_org if scope == "organization" else same_mun if scope == \
            "municipality" else np.ones_like(same_org)
        weight = weights_of(forward.copy(), backward, instance.weights.balance,
                            instance.constraints.reciprocity_required)
        meets = formats_meet(f, chunk, everyone)
        for k, i in enumerate(chunk.tolist()):
            skill = weight[k] > 0
            skill[i] = False
            bars = dict([("meeting_format", ~meets[k]), *_rows_of(barred, int(chunk[k]), n)])
            allowed = skill & ~np.logical_or.reduce(list(bars.values()))
            reason, params = _reason(instance, f, i, forward[k], backward[k], in_scope[k],
                                     skill, allowed, bars)
            where = np.where(same_org[k], 0, np.where(same_mun[k], 1, 2))
            pool = allowed & (~in_scope[k] if scope != "region" else in_scope[k])
            result.append(Unmatched(people[i].id, reason, params, _suggest(
                instance, pool, weight[k], where, degree < capacity)))
    return result


def _codes(values: list[str]) -> IntArray:
    lookup = {v: k for k, v in enumerate(sorted(set(values)))}
    return np.array([lookup[v] for v in values], dtype=np.int64)


def _barred(instance: Instance) -> dict[str, dict[int, list[int]]]:
    """Partners barred by reporting lines and by forbids, per participant index."""
    index = instance.index()
    result: dict[str, dict[int, list[int]]] = {"reporting_line": {}, "forbidden": {}}

    def add(kind: str, a: int, b: int) -> None:
        result[kind].setdefault(a, []).append(b)
        result[kind].setdefault(b, []).append(a)

    if instance.constraints.no_reporting_line:
        for i, p in enumerate(instance.participants):
            if p.line_manager is not None and p.line_manager in index:
                add("reporting_line", i, index[p.line_manager])
    for a, b in instance.constraints.forbidden:
        add("forbidden", index[a], index[b])
    return result


def _rows_of(barred: dict[str, dict[int, list[int]]], i: int,
             n: int) -> list[tuple[str, npt.NDArray[np.bool_]]]:
    rows = []
    for kind, partners in barred.items():
        mask = np.zeros(n, dtype=bool)
        mask[partners.get(i, [])] = True
        rows.append((kind, mask))
    return rows


def _reason(instance: Instance, f: Features, i: int, forward: npt.NDArray[np.floating],
            backward: npt.NDArray[np.floating], in_scope: npt.NDArray[np.bool_],
            skill: npt.NDArray[np.bool_], allowed: npt.NDArray[np.bool_],
            bars: dict[str, npt.NDArray[np.bool_]]) -> tuple[str, dict[str, int]]:
    reciprocal = instance.constraints.reciprocity_required
    strong, weak = bool(f.has_strength[i]), bool(f.has_deficit[i])
    if not strong and (reciprocal or not weak):
        return _text("no_strengths")
    if not weak and reciprocal:
        return _text("no_deficits")
    teachers = in_scope & (backward > 0)
    learners = in_scope & (forward > 0)
    if not (skill & in_scope).any():
        if weak and not teachers.any() and (reciprocal or not learners.any()):
            return _text("nobody_can_teach")
        if strong and not learners.any():
            return _text("nobody_needs")
        return _text("no_reciprocal_partner")
    if not (allowed & in_scope).any():
        counts = {name: int((mask & skill & in_scope).sum()) for name, mask in bars.items()}
        return "constraints", {name: k for name, k in counts.items() if k}
    return _text("capacity")


def _text(code: str) -> tuple[str, dict[str, int]]:
    return code, {}


def _suggest(instance: Instance, pool: npt.NDArray[np.bool_],
             weight: npt.NDArray[np.floating], where: IntArray,
             free: npt.NDArray[np.bool_]) -> tuple[Suggestion, ...]:
    """Best partners in ``pool``: free first, then nearer, heavier, lower index."""
    candidates = np.nonzero(pool)[0]
    if candidates.size == 0:
        return ()
    order = np.lexsort((candidates, -weight[candidates], where[candidates],
                        ~free[candidates]))[:MAX_SUGGESTIONS]
    names = ("organization", "municipality", "region")
    return tuple(Suggestion(instance.participants[j].id, int(weight[j]), names[where[j]],
                            bool(free[j])) for j in candidates[order].tolist())
