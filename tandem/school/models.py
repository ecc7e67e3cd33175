"""The regional school of mentors: its events (seminars, project sessions, practicums,
webinars), registrations with a waiting list, attendance and certificates."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.territory.models import Municipality, Region


class Event(models.Model):
    class Kind(models.TextChoices):
        SEMINAR = "seminar", _("семинар")
        PROJECT_SESSION = "project_session", _("проектная сессия")
        PRACTICUM = "practicum", _("практикум")
        WEBINAR = "webinar", _("вебинар")

    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("название"), max_length=300)
    description = models.TextField(_("описание"), blank=True)
    # Organised by a region (operator) or by a municipality (coordinator).
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="events",
                               verbose_name=_("регион"))
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="events",
                                     verbose_name=_("муниципалитет-организатор"))
    starts_at = models.DateTimeField(_("начало"))
    ends_at = models.DateTimeField(_("окончание"))
    place = models.CharField(_("место проведения"), max_length=300, blank=True)
    online_link = models.URLField(_("ссылка на онлайн-трансляцию"), max_length=500, blank=True)
    speaker = models.CharField(_("спикер"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("количество мест"),
                                           validators=[MinValueValidator(1)])
    sectors = models.JSONField(_("аудитория (сферы)"), default=list, blank=True,
                               help_text=_("Пусто — для всех сфер."))
    self_registration = models.BooleanField(
        _("педагоги записываются сами"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("мероприятие школы наставников")
        verbose_name_plural = _("мероприятия школы наставников")
        ordering = ["-starts_at", "-pk"]
        constraints = [models.CheckConstraint(name="event_times_in_order",
                                              condition=Q(ends_at__gte=models.F("starts_at")))]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, object]:
        return {"region_id": self.region_id}



