from django.http import HttpRequest
from django.utils.translation import gettext as _

from tandem.access.scope import scope_for


def navigation(request: HttpRequest) -> dict[str, object]:
    """The scope, and the role names shown in the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    roles = []
    if scope.everything:
        roles.append(_("администратор"))
    if scope.federal:
        roles.append(_("федеральный оператор"))
    if scope.region_ids:
        roles.append(_("региональный оператор"))
    if scope.municipality_ids:
        roles.append(_("муниципальный координатор"))
    if scope.organization_ids:
        roles.append(_("куратор"))
    if scope.is_teacher:
        roles.append(_("педагог"))
    return {"scope": scope, "role_names": roles}
