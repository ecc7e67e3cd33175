"""``{% my_surveys_panel %}``: the signed-in teacher's open surveys, for the dashboard."""

from typing import Any

from django import template

from tandem.access.scope import scope_for
from tandem.surveys.selectors import my_open_surveys

register = template.Library()


@register.inclusion_tag("surveys/_dashboard.html", takes_context=True)
def my_surveys_panel(context: dict[str, Any]) -> dict[str, Any]:
    scope = scope_for(context["request"].user)
    surveys = list(my_open_surveys(scope=scope)[:3]) if scope.own_participant_id else []
    return {"surveys": surveys}
