"""Writing and reading notifications: one home (tandem/notifications/models.py)."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.notifications.models import Notification


def notify(*, users: Iterable[User | None], kind: str, text: str, url: str,
           about: Iterable[int] = ()) -> int:
    """Tells each of ``users`` (people without a login are skipped) once; ``url`` is a
    path inside the product; ``about``: the ids of the participants the text names.
    Returns how many were told."""
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError("a notification leads to a path inside the product")
    named = "".join(f",{pk}" for pk in sorted(set(about)))
    named = f"{named}," if named else ""
    rows = [Notification(user=u, kind=kind, text=text[:300], url=url, about=named)
            for u in {u.pk: u for u in users if u is not None}.values()]
    Notification.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def notification_open(*, notification: Notification) -> str:
    """Marks it read; the path to go to."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification.url


@transaction.atomic
def notifications_read_all(*, user: User) -> int:
    """Marks every unread notification of the user read (not audited: see the model)."""
    unread = list(Notification.objects.filter(user=user, read_at__isnull=True))
    now = timezone.now()
    for n in unread:
        n.read_at = now
    Notification.objects.bulk_update(unread, ["read_at"], batch_size=500)
    return len(unread)
