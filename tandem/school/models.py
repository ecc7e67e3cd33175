"""The regional school of mentors: its events (seminars, project sessions, practicums,
webinars), registrations with a waiting list, attendance and certificates."""

import secrets
import zoneinfo

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.people.models import Participant
from tandem.territory.models import Municipality, Region
from tandem.territory.zones import region_zone
from tandem.web.attachments import Attachment
from tandem.web.uploads import own_name


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
    # -- added with the events feature (docs/school.md) -----------------------------
    hours = models.PositiveSmallIntegerField(
        _("объём, академических часов"), default=4, validators=[MinValueValidator(1)],
        help_text=_("Пишется в сертификате участника."))
    organizer_name = models.CharField(
        _("организатор"), max_length=300, blank=True,
        help_text=_("Как назвать организатора в сертификате. Пусто — название региона или "
                    "муниципалитета."))
    signatory_name = models.CharField(
        _("кто подписывает сертификаты (ФИО)"), max_length=200, blank=True,
        help_text=_("Например: И. И. Иванова. Пусто — в сертификате остаётся место для "
                    "подписи без имени."))
    signatory_position = models.CharField(
        _("должность подписывающего"), max_length=300, blank=True,
        help_text=_("Например: директор ГАУ ДПО ТОГИРРО."))
    # A stable handle for demo data that later demo stages look up (tandem/school/demo.py).
    demo_key = models.SlugField(max_length=40, blank=True, db_index=True, editable=False)

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

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The event's own wall clock: its region's zone, whoever reads or is written to."""
        return region_zone(self.region if self.region_id else None)

    @property
    def organizer_display(self) -> str:
        if self.organizer_name:
            return self.organizer_name
        return str(self.municipality or self.region)

    def admits_sector(self, sector: str) -> bool:
        """Whether organizations of ``sector`` are in the audience (empty: everyone)."""
        return not self.sectors or sector in self.sectors


def material_path(instance: "Material", filename: str) -> str:
    # Only the file's own name, never a path the uploader chose; a random prefix keeps
    # equal names apart (as the maps' evidence does).
    safe = own_name(filename, 100)
    return f"school/event-{instance.event_id}/{secrets.token_hex(8)}-{safe}"


class Material(Attachment):
    """A material of an event: an uploaded file or a link (web/attachments.py)."""

    max_upload_mb = 20
    file = models.FileField(upload_to=material_path, blank=True)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("название"), max_length=300)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("материал мероприятия")
        verbose_name_plural = _("материалы мероприятия")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def file_url(self) -> str:
        return reverse("school:material", args=[self.pk])

    def get_additional_data(self) -> dict[str, object]:
        return {"region_id": self.event.region_id}


class Registration(models.Model):
    """A participant's place at an event: registered (within capacity), on the waiting
    list, or cancelled; ``attended`` is marked by the organizer on the day.

    One row per (event, participant): registering again after a cancellation reuses it,
    going to the end of the queue (``queued_at``)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("записан")
        WAITING = "waiting", _("в листе ожидания")
        CANCELLED = "cancelled", _("запись отменена")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations",
                              verbose_name=_("мероприятие"))
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE,
                                    related_name="event_registrations",
                                    verbose_name=_("участник"))
    status = models.CharField(_("статус"), max_length=12, choices=Status.choices)
    # The waiting list is served in the order of this moment (then pk).
    queued_at = models.DateTimeField(_("время записи"))
    attended = models.BooleanField(_("присутствовал"), default=False)
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                      null=True, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Not a column: the reason of the change being saved, for its audit entry only.
    audit_reason: str = ""

    class Meta:
        verbose_name = _("запись на мероприятие")
        verbose_name_plural = _("записи на мероприятия")
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "participant"],
                                    name="registration_once_per_event"),
            # Only a registered (not waiting, not cancelled) person can have attended.
            models.CheckConstraint(name="registration_attended_only_registered",
                                   condition=Q(attended=False) | Q(status="registered")),
        ]
        indexes = [models.Index(fields=["event", "status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.participant}: {self.event}"

    def get_additional_data(self) -> dict[str, object]:
        data: dict[str, object] = {"region_id": self.event.region_id,
                                   "organization_id": self.participant.organization_id}
        # Why a past registration was cancelled (services.registration_cancel): not a
        # column, only the audit entry of that change keeps it.
        if getattr(self, "audit_reason", ""):
            data["reason"] = self.audit_reason
        return data


class Certificate(models.Model):
    """A certificate of participation for one attendance. ``code`` is what anyone may
    check on the public page; a revoked certificate stays (history) and is "not found"
    there. At most one valid certificate per registration."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE,
                                     related_name="certificates")
    code = models.CharField(max_length=20, unique=True, editable=False)
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    # Not a column: why it is being revoked, for the audit entry of that change only.
    audit_reason: str = ""

    class Meta:
        verbose_name = _("сертификат участника")
        verbose_name_plural = _("сертификаты участников")
        ordering = ["issued_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["registration"],
                                               condition=Q(revoked_at__isnull=True),
                                               name="one_valid_certificate")]

    def __str__(self) -> str:
        return self.code

    @property
    def restorable(self) -> bool:
        """A revoked certificate the manager may still restore (TANDEM_REOPEN_DAYS)."""
        from tandem.web.confirm import reopenable

        return reopenable(self.revoked_at)

    def get_additional_data(self) -> dict[str, object]:
        data = {k: v for k, v in self.registration.get_additional_data().items()
                if k != "reason"}
        if getattr(self, "audit_reason", ""):  # why it was revoked (services)
            data["reason"] = self.audit_reason
        return data
