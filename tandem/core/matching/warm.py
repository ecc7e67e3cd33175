"""Warm start: the previous result of an instance as a hint for the next run.

After a curator locks or forbids a pair, the instance changes a little and most of the
previous answer still holds. The hint is a guess ``Y`` of each participant's doubled dual
(``2y``, docs/matching.md, 3.2): the previous run's ``duals`` where the result carries them
(``tandem match --with-duals``), else a guess from its pairs (each end of a pair gets the
pair's weight, so the pair is tight; the unmatched get 0). The solver uses it for one
thing only — which edges the first assignment sees (``solver._warm_edges``) — and then
checks every candidate pair as on a cold start, so the certificate is exactly as proven
as a cold run's, and a wrong or forged hint costs time, never correctness.

What is read is forgiving, since nothing of it is trusted: ids that are not participants
of the instance (anymore), values that are not integers and anything past the first
malformed item are ignored; values are clipped to ``[0, limit]``. Only a document that is
not a result at all is refused (``InstanceError``): that is a mistake worth reporting.
"""

from typing import Any

import numpy as np
import numpy.typing as npt

from tandem.core.matching.instance import Instance, InstanceError, id_key

IntArray = npt.NDArray[np.int64]
RESULT_FORMAT = "tandem-matching-result/1"
NOT_A_RESULT = ("--warm: ожидался результат формата «" + RESULT_FORMAT
                + "» (прежний расчёт этого экземпляра)")


def hint_from_result(instance: Instance, document: object, limit: int) -> IntArray:
    """The guessed doubled duals ``Y`` per canonical index, each in ``[0, limit]``. O(N + P).
    """
    if not isinstance(document, dict) or document.get("format") != RESULT_FORMAT:
        raise InstanceError(NOT_A_RESULT)
    ids = instance.ids()
    index = {pid: k for k, pid in enumerate(p.id for p in instance.participants)}
    guess = np.zeros(len(instance.participants), dtype=np.int64)

    def position(pid: Any) -> int | None:
        if isinstance(pid, bool) or not isinstance(pid, (int, str)):
            return None
        own = ids.get(id_key(pid))
        return None if own is None else index[own]

    duals = document.get("duals")
    if isinstance(duals, list):
        for item in duals:
            if not (isinstance(item, list) and len(item) == 2 and _is_int(item[1])):
                continue
            at = position(item[0])
            if at is not None:
                guess[at] = min(max(int(item[1]), 0), limit)
        return guess
    pairs = document.get("pairs")
    for item in pairs if isinstance(pairs, list) else []:
        if not (isinstance(item, dict) and _is_int(item.get("weight"))):
            continue
        a, b = position(item.get("a")), position(item.get("b"))
        if a is None or b is None:
            continue
        weight = min(max(int(item["weight"]), 0), limit)
        guess[a] = max(guess[a], weight)
        guess[b] = max(guess[b], weight)
    return guess


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
