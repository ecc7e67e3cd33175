"""Reading notifications: a person sees their own only (another's id is a 404)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tandem.accounts.models import User
from tandem.notifications.models import Notification


def notifications_mine(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_get(*, user: User, pk: int) -> Notification:
    return get_object_or_404(Notification, user=user, pk=pk)
