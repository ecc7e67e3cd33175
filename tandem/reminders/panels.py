"""The reminders panel of the home page (tandem/web/panels.py)."""

from typing import Any

from tandem.reminders.selectors import open_reminders_by_pair

LIMIT = 10


def context(request: Any, scope: Any) -> dict[str, Any] | None:
    if not scope.is_staff:
        return None
    return {"pairs": open_reminders_by_pair(scope, LIMIT), "staff": True, "limit": LIMIT}
