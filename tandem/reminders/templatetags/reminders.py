"""``{% reminders_panel %}``: the curator's open reminders, for the dashboard."""

from typing import Any

from django import template

from tandem.access.scope import scope_for
from tandem.reminders.selectors import open_reminders

register = template.Library()
LIMIT = 10


@register.inclusion_tag("reminders/_dashboard.html", takes_context=True)
def reminders_panel(context: dict[str, Any]) -> dict[str, Any]:
    scope = scope_for(context["request"].user)
    lines = open_reminders(scope, LIMIT) if scope.is_staff else []
    return {"lines": lines, "staff": scope.is_staff, "limit": LIMIT}
