"""Personas that tandem.testing.World does not build."""

from tandem.access.models import Role, RoleAssignment
from tandem.accounts.models import User


def federal_operator() -> User:
    """Fred, the federal operator: a role over no unit (the shared framework's owner)."""
    fred, created = User.objects.get_or_create(username="fred@example.org",
                                               defaults={"email": "fred@example.org"})
    if created:
        RoleAssignment.objects.create(user=fred, role=Role.FEDERAL_OPERATOR)
    return fred
