"""Reciprocal pair formation: the matching engine (pure Python with numpy, scipy, rustworkx).

    instance = instance_from_json(text)          # or instance_from_dict(document)
    result = match(instance, time_limit=20)
    document = result_to_dict(result)            # the JSON the command line prints

docs/matching.md describes the format, the scoring, the solver and its certificate.

The names are imported on first use (PEP 562): ``tandem match --help``, ``--verify`` and
the web application's ``codes`` tables do not pay for numpy and scipy (issue #18, item 7).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tandem.core.matching.engine import MatchingResult, Pair, match, result_to_dict
    from tandem.core.matching.instance import (
        Instance,
        InstanceError,
        instance_from_dict,
        instance_from_json,
        instance_to_dict,
    )
    from tandem.core.matching.validity import check_validity

_HOMES = {"MatchingResult": "engine", "Pair": "engine", "match": "engine",
          "result_to_dict": "engine", "Instance": "instance", "InstanceError": "instance",
          "instance_from_dict": "instance", "instance_from_json": "instance",
          "instance_to_dict": "instance", "check_validity": "validity"}

__all__ = ["Instance", "InstanceError", "MatchingResult", "Pair", "check_validity",
           "instance_from_dict", "instance_from_json", "instance_to_dict", "match",
           "result_to_dict"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
