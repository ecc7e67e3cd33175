"""Reciprocal pair formation: the matching engine (pure Python with numpy, scipy, rustworkx).

    instance = instance_from_json(text)          # or instance_from_dict(document)
    result = match(instance, time_limit=20)
    document = result_to_dict(result)            # the JSON the command line prints

docs/matching.md describes the format, the scoring, the solver and its certificate.
"""

from tandem.core.matching.engine import MatchingResult, Pair, match, result_to_dict
from tandem.core.matching.instance import (
    Instance,
    InstanceError,
    instance_from_dict,
    instance_from_json,
    instance_to_dict,
)
from tandem.core.matching.validity import check_validity

__all__ = ["Instance", "InstanceError", "MatchingResult", "Pair", "check_validity",
           "instance_from_dict", "instance_from_json", "instance_to_dict", "match",
           "result_to_dict"]
