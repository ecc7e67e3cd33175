"""The catalogue of resources for closing deficits: courses, webinars, methodological
associations, internship sites, platforms, communities, materials, events."""

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tandem.diagnostics.models import Competency
from tandem.territory.models import (
    COUNTRY_Q,
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


class Federal:
    """The country's catalogue: kept by the federal operator, seen in every region. Its
    resources are anchored to no unit (``COUNTRY_Q``)."""

    pk = None

    def __str__(self) -> str:
        return str(_("Федеральный каталог"))


FEDERAL_CATALOGUE = Federal()  # the one instance: compared by identity

Owner = Region | Municipality | Organization | Federal

# Each level keeps its own: the federal operator the federal catalogue; a region regional
# resources and the federal ones it recommends to its own people; a municipality and an
# organization their own level only. The first is what a new resource gets by default.
OWNER_LEVELS: dict[type[Owner], tuple[Level, ...]] = {
    Federal: (Level.FEDERAL,),
    Region: (Level.REGION, Level.FEDERAL),
    Municipality: (Level.MUNICIPALITY,),
    Organization: (Level.ORGANIZATION,),
}


def owner_fields(owner: Owner) -> dict[str, Region | Municipality | Organization | None]:
    """``region``, ``municipality`` and ``organization``: exactly one of them set, or none
    for the federal catalogue."""
    return {"region": owner if isinstance(owner, Region) else None,
            "municipality": owner if isinstance(owner, Municipality) else None,
            "organization": owner if isinstance(owner, Organization) else None}


class ResourceQuerySet(models.QuerySet["Resource"]):
    def reachable(self, *, region_ids: Iterable[int] = (), municipality_ids: Iterable[int] = (),
                  organization_ids: Iterable[int] = ()) -> "ResourceQuerySet":
        """The active resources people of these units draw on — the one rule of maps,
        programmes and cases: the federal catalogue, and what their regions,
        municipalities and organizations keep."""
        def ids(values: Iterable[int]) -> Iterable[int]:
            return values if isinstance(values, models.QuerySet) else list(values)

        return self.filter(is_active=True).filter(
            COUNTRY_Q | Q(region_id__in=ids(region_ids))
            | Q(municipality_id__in=ids(municipality_ids))
            | Q(organization_id__in=ids(organization_ids)))


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
    """Owned by the country (the federal catalogue: no unit), a region (regional resources
    and federal ones it recommends), a municipality or an organization; the owner's people
    may see it (everyone sees the federal catalogue), the owner's staff may change it."""

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

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("ресурс")
        verbose_name_plural = _("ресурсы")
        ordering = ["title", "pk"]
        constraints = [
            exactly_one_unit("resource_has_one_owner", or_country=Q(level=Level.FEDERAL)),
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

    @property
    def owner(self) -> Owner:
        return self.unit or FEDERAL_CATALOGUE


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
        constraints = [exactly_one_unit("resource_import_has_one_owner", or_country=Q())]

    def __str__(self) -> str:
        return self.filename

    @property
    def owner(self) -> Owner:
        return self.unit or FEDERAL_CATALOGUE
