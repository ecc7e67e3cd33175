"""The catalogue of resources for closing deficits: courses, webinars, methodological
associations, internship sites, platforms, communities, materials, events."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tandem.diagnostics.models import Competency
from tandem.territory.models import (
    Municipality,
    Organization,
    Region,
    UnitAnchored,
    exactly_one_unit,
)


class Level(models.TextChoices):
    ORGANIZATION = "organization", _("организация")
    MUNICIPALITY = "municipality", _("муниципалитет")
    REGION = "region", _("регион")
    FEDERAL = "federal", _("федеральный")


# Nearest first: a map suggests an organization's own resource before a federal one.
LEVEL_ORDER = {Level.ORGANIZATION: 0, Level.MUNICIPALITY: 1, Level.REGION: 2, Level.FEDERAL: 3}

Owner = Region | Municipality | Organization

# Each level keeps its own: the region regional and federal resources, a municipality and
# an organization their own level only. The first is what a new resource gets by default.
OWNER_LEVELS: dict[type[Owner], tuple[Level, ...]] = {
    Region: (Level.REGION, Level.FEDERAL),
    Municipality: (Level.MUNICIPALITY,),
    Organization: (Level.ORGANIZATION,),
}


def owner_fields(owner: Owner) -> dict[str, Owner | None]:
    """``region``, ``municipality`` and ``organization`` with exactly one of them set."""
    return {"region": owner if isinstance(owner, Region) else None,
            "municipality": owner if isinstance(owner, Municipality) else None,
            "organization": owner if isinstance(owner, Organization) else None}


class Kind(models.TextChoices):
    COURSE = "course", _("курс повышения квалификации")
    WEBINAR = "webinar", _("вебинар")
    ASSOCIATION = "association", _("методическое объединение")
    INTERNSHIP = "internship", _("стажировочная площадка")
    PLATFORM = "platform", _("платформа")
    COMMUNITY = "community", _("сообщество")
    MATERIAL = "material", _("материал")
    EVENT = "event", _("мероприятие")


class Format(models.TextChoices):
    ONLINE = "online", _("онлайн")
    OFFLINE = "offline", _("очно")
    MIXED = "mixed", _("очно и онлайн")


class Resource(UnitAnchored, models.Model):
    """Owned by a region (regional and federal resources), a municipality or an
    organization; the owner's people may see it, the owner's staff may change it."""

    title = models.CharField(_("название"), max_length=300)
    kind = models.CharField(_("тип"), max_length=20, choices=Kind.choices)
    level = models.CharField(_("уровень"), max_length=20, choices=Level.choices)
    description = models.TextField(_("описание"), blank=True)
    url = models.URLField(_("ссылка"), blank=True, max_length=500)
    starts_on = models.DateField(_("начало"), null=True, blank=True)
    ends_on = models.DateField(_("окончание"), null=True, blank=True,
                               help_text=_("Без дат — ресурс постоянный."))
    format = models.CharField(_("формат"), max_length=10, choices=Format.choices,
                              default=Format.ONLINE)
    owner_name = models.CharField(_("кто проводит"), max_length=300, blank=True)
    competencies = models.ManyToManyField(Competency, related_name="resources",
                                          verbose_name=_("развивает компетенции"))
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="+")
    is_active = models.BooleanField(_("действует"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ресурс")
        verbose_name_plural = _("ресурсы")
        ordering = ["title", "pk"]
        constraints = [
            exactly_one_unit("resource_has_one_owner"),
            models.CheckConstraint(
                name="resource_dates_in_order",
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on"))),
        ]
        indexes = [models.Index(fields=["level", "kind"])]

    def __str__(self) -> str:
        return self.title

    @property
    def permanent(self) -> bool:
        return self.starts_on is None and self.ends_on is None


class ResourceImport(UnitAnchored, models.Model):
    """An uploaded catalogue file, kept between the preview and the commit. Its rows
    belong to the owner chosen on upload."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                    related_name="+")
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("загрузка каталога")
        verbose_name_plural = _("загрузки каталога")
        constraints = [exactly_one_unit("resource_import_has_one_owner")]

    def __str__(self) -> str:
        return self.filename
