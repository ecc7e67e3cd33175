"""The log that makes every reminder go out once per event.

Reminders themselves are computed from the state of pairs, maps and surveys
(:mod:`tandem.reminders.selectors`); what is stored is only that an event was reminded.
An event is (kind, object, date): the map row and its deadline, the pair and the day its
idle stretch crossed the threshold, the survey and its due date, the map and the day its
pair became active. A new deadline or another idle stretch is a new event.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.pairs.models import Pair


class ReminderLog(models.Model):
    class Kind(models.TextChoices):
        OVERDUE_TASK = "overdue_task", _("просрочена задача карты")
        NO_MEETING = "no_meeting", _("давно нет встреч")
        SURVEY = "survey", _("нет ответа на опрос")
        MAP_NOT_AGREED = "map_not_agreed", _("карта не согласована")

    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("объект"))
    event_on = models.DateField(_("дата события"),
                                help_text=_("Срок задачи, срок опроса, начало простоя пары "
                                            "или день, когда пара начала работу."))
    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="reminder_logs")
    recipients = models.PositiveSmallIntegerField(_("получателей"), default=0)
    # The run that wrote the entry: two runs at once (the task and cron) both try to
    # insert, and each sends only what it inserted itself.
    run = models.CharField(max_length=32, db_index=True)
    sent_at = models.DateTimeField(_("отправлено"), auto_now_add=True)

    class Meta:
        verbose_name = _("отправленное напоминание")
        verbose_name_plural = _("отправленные напоминания")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id", "event_on"],
                                               name="one_reminder_per_event")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_id} {self.event_on:%d.%m.%Y}"

    def get_additional_data(self) -> dict[str, object]:
        return self.pair.get_additional_data()


class DigestDay(models.Model):
    """That a region's daily letter («Новое за день») went out on its local date: the
    first run in the region's working hours that day claims it (an INSERT on the unique
    pair), so the letter goes once a day even when cron and the task queue both run, and
    still goes when the first working hour was missed."""

    region = models.ForeignKey("territory.Region", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    run = models.CharField(max_length=32, db_index=True)
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ежедневное письмо региона")
        verbose_name_plural = _("ежедневные письма регионов")
        constraints = [models.UniqueConstraint(fields=["region", "day"],
                                               name="one_digest_per_region_day")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day:%d.%m.%Y}"
