"""The teacher's open surveys on the home page (tandem/web/panels.py)."""

from typing import Any

from tandem.surveys.selectors import my_open_surveys


def context(request: Any, scope: Any) -> dict[str, Any] | None:
    if not scope.own_participant_id:
        return None
    surveys = list(my_open_surveys(scope=scope)[:3])
    return {"surveys": surveys} if surveys else None
