"""In-app notifications: the bell in the header (docs/architecture.md).

One row per person and event: what happened, in the words it was written in, and where
to go. Written by the domain's services (``notify``), read and marked read by their
person only. Not in the audit trail: it records no decision, only that a person was told
(the decisions themselves — a pair proposed, confirmed, declined, a map agreed — are)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        PAIR_PROPOSED = "pair_proposed", _("предложена пара")
        PARTNER_CONFIRMED = "partner_confirmed", _("партнёр подтвердил пару")
        PAIR_DECLINED = "pair_declined", _("участник отказался от пары")
        MAP_AGREED = "map_agreed", _("карта согласована")
        MAP_REOPENED = "map_reopened", _("карта возвращена в работу")
        TASK_OVERDUE = "task_overdue", _("просрочена задача карты")
        SURVEY_OPEN = "survey_open", _("открыт опрос о работе в паре")
        REGISTRATION_CONFIRMED = "registration_confirmed", _("вы записаны на мероприятие")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications")
    kind = models.CharField(_("вид"), max_length=30, choices=Kind.choices)
    text = models.CharField(_("текст"), max_length=300)
    url = models.CharField(_("ссылка"), max_length=300)  # a path inside the product
    # The participants the text names, as ",12,34,": the anonymisation removes the
    # notifications about a person (tandem/notifications/personal_data.py).
    about = models.CharField(max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # When the news left by e-mail: its own letter (a pair to confirm, a survey, the daily
    # reminder letter), a letter at once for a person who chose «сразу», or the daily
    # digest. Empty: not e-mailed yet (docs/architecture.md, notifications).
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("уведомление")
        verbose_name_plural = _("уведомления")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text
