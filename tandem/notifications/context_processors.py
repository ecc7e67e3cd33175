from django.http import HttpRequest

from tandem.notifications.selectors import unread_count


def bell(request: HttpRequest) -> dict[str, object]:
    """The unread count for the bell in the header (one query per page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user=user)}
