"""Region → municipality → organization."""

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.text import collation_key, normalize_name
from tandem.territory import zones
from tandem.web.order import Bytewise


class Region(models.Model):
    name = models.CharField(_("название"), max_length=200, unique=True)
    code = models.SlugField(_("код"), max_length=40, unique=True)
    time_zone = models.CharField(
        _("часовой пояс"), max_length=zones.MAX_LENGTH, default=zones.default_time_zone,
        validators=[zones.validate_time_zone],
        help_text=_("В нём показываются даты и время и уходят напоминания региона (имя "
                    "из базы часовых поясов IANA)."))

    class Meta:
        verbose_name = _("регион")
        verbose_name_plural = _("регионы")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, object]:
        return {"region_id": self.pk}

    @property
    def time_zone_label(self) -> str:
        return zones.label(self.time_zone)


class Municipality(models.Model):
    class Kind(models.TextChoices):
        CITY = "city", _("городской округ")
        DISTRICT = "district", _("муниципальный район")
        OKRUG = "okrug", _("муниципальный округ")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="municipalities",
                               verbose_name=_("регион"))
    name = models.CharField(_("название"), max_length=200)
    code = models.SlugField(_("код"), max_length=40, unique=True)
    kind = models.CharField(_("вид"), max_length=10, choices=Kind.choices, default=Kind.DISTRICT)

    class Meta:
        verbose_name = _("муниципалитет")
        verbose_name_plural = _("муниципалитеты")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="municipality_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, object]:
        return {"region_id": self.region_id}


NAMED_BY = ("short_name", "name", "code")  # what Organization.search_name is folded from


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def search(self, text: str, *, municipality_names: Iterable[tuple[int, str]] = ()
               ) -> "OrganizationQuerySet":
        """Every word of ``text`` occurs in the short name, the full name or the code (ё =
        е, any case — in SQLite too, whose ``LIKE`` folds only Latin letters: the words
        are looked up in :attr:`Organization.search_name`, folded as participants'
        names are) — or, given ``municipality_names`` ((id, name) of the municipalities
        that may hold them), in the name of the organization's municipality."""
        qs = self
        municipalities = [(pk, normalize_name(name)) for pk, name in municipality_names]
        for word in normalize_name(text).split():
            found = models.Q(search_name__contains=word)
            named = sorted(pk for pk, name in municipalities if word in name)
            if named:
                found |= models.Q(municipality_id__in=named)
            qs = qs.filter(found)
        return qs

    def in_russian_order(self) -> "OrganizationQuerySet":
        """By short name in Russian alphabetical order — the order of
        ``tandem.core.text.sort_key``, then id — sorted by the database
        (:attr:`Organization.sort_name`, compared byte by byte), so a search can take the
        first few without reading and sorting every match in Python."""
        return self.order_by(Bytewise("sort_name"), Bytewise("short_name"), "pk")

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        """Fills :attr:`Organization.search_name` and :attr:`Organization.sort_name` as
        :meth:`Organization.save` does."""
        objs = list(objs)
        for organization in objs:
            organization.refresh_keys()
        return super().bulk_create(objs, *args, **kwargs)


class Organization(models.Model):
    class Sector(models.TextChoices):
        SCHOOL = "school", _("общее образование")
        SUPPLEMENTARY = "supplementary", _("дополнительное образование")
        SPORT = "sport", _("спорт")
        CULTURE = "culture", _("культура")
        YOUTH = "youth", _("молодёжная политика")
        COLLEGE = "college", _("профессиональное образование")
        KINDERGARTEN = "kindergarten", _("дошкольное образование")
        OTHER = "other", _("другое")

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT,
                                     related_name="organizations",
                                     verbose_name=_("муниципалитет"))
    name = models.CharField(_("полное название"), max_length=300)
    short_name = models.CharField(_("краткое название"), max_length=120)
    code = models.SlugField(_("код"), max_length=40, unique=True)
    sector = models.CharField(_("сфера"), max_length=20, choices=Sector.choices)
    is_active = models.BooleanField(_("действует"), default=True)
    # The short name, the full name and the code folded (``normalize_name``: any case, ё =
    # е) for the search (:meth:`OrganizationQuerySet.search`); kept by ``save`` and
    # ``bulk_create``, not in the audit trail. Text, not a bounded string: folding may
    # lengthen a name («ß» → «ss»; review finding).
    search_name = models.TextField(editable=False, default="")
    # The short name's key of Russian order (``collation_key``: any case, ё = е, numbers by
    # value), for :meth:`OrganizationQuerySet.in_russian_order`; kept with ``search_name``.
    sort_name = models.TextField(editable=False, default="")

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("образовательная организация")
        verbose_name_plural = _("образовательные организации")
        ordering = ["short_name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"],
                                    name="organization_name_unique"),
        ]
        # A region's or municipality's organizations' ids from the index alone: a
        # scope's «organization_id IN (its organizations)» (the dashboard's version key,
        # its kept figures) walks its municipalities' entries instead of reading every
        # organization of the country (three scans of 27,280 rows, 70 → 25 ms a region
        # operator's view on the country of 1.5 M: docs/performance.md).
        indexes = [models.Index(fields=["municipality", "id"], name="organization_unit_ids")]

    def __str__(self) -> str:
        return self.short_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saves, folding the names again (both keys) when a name is written. A name field
        not loaded (``only()``/``defer()``) while another is written is read first, so the
        folded names hold the new value of one and the stored value of the other (review
        finding: it was left stale); ``update_fields`` may be any iterable."""
        names = set(NAMED_BY)
        fields = kwargs.get("update_fields")
        if fields is not None:
            fields = kwargs["update_fields"] = list(fields)
        deferred = self.get_deferred_fields()
        written = names - deferred if fields is None else names & set(fields)
        if written:
            missing = names & deferred
            if missing and not self._state.adding:
                self.refresh_from_db(fields=sorted(missing))
            self.refresh_keys()
            if fields is not None:
                fields.extend(k for k in ("search_name", "sort_name") if k not in fields)
        super().save(*args, **kwargs)

    def refresh_keys(self) -> None:
        """The folded names for the search and the short name's key of Russian order."""
        self.search_name = normalize_name(self.short_name, self.name, self.code)
        self.sort_name = collation_key(self.short_name)

    def get_additional_data(self) -> dict[str, object]:
        return self.audit_data()

    def audit_data(self) -> dict[str, object]:
        """What the audit trail's scope filters on, for records that belong to this
        organization (participants, pairs, orders)."""
        return {"organization_id": self.pk, "region_id": self.municipality.region_id}


class UnitAnchored:
    """For models anchored to exactly one of a region, a municipality or an organization
    (fields ``region``, ``municipality``, ``organization``): the unit, and the audit data
    the audit trail's scope filters on."""

    region_id: int | None
    municipality: Municipality | None
    organization: Organization | None
    organization_id: int | None

    @property
    def unit(self) -> Region | Municipality | Organization | None:
        return (self.organization or self.municipality  # type: ignore[return-value]
                or getattr(self, "region", None))

    def get_additional_data(self) -> dict[str, object]:
        if self.region_id:
            return {"region_id": self.region_id}
        if self.municipality is not None:
            return {"region_id": self.municipality.region_id}
        org = self.organization
        return {"region_id": org.municipality.region_id if org else None,
                "organization_id": self.organization_id}


# A row anchored to no unit belongs to the country (the federal operator keeps it): only
# models whose check says so (``exactly_one_unit(…, or_country=…)``) may hold one.
COUNTRY_Q = models.Q(region__isnull=True, municipality__isnull=True, organization__isnull=True)


def exactly_one_unit(name: str, *, or_country: models.Q | None = None
                     ) -> models.CheckConstraint:
    """A check that exactly one of ``region``, ``municipality``, ``organization`` is set —
    or, with ``or_country``, none of them when that condition holds too."""
    condition = (
        models.Q(region__isnull=False, municipality__isnull=True, organization__isnull=True)
        | models.Q(region__isnull=True, municipality__isnull=False, organization__isnull=True)
        | models.Q(region__isnull=True, municipality__isnull=True, organization__isnull=False)
    )
    if or_country is not None:
        condition |= COUNTRY_Q & or_country
    return models.CheckConstraint(name=name, condition=condition)


class LayoutVersion(models.Model):
    """How often the territory's layout changed — an organization added, deleted or moved
    to another municipality, a municipality deleted or moved to another region: one row,
    counted up by database triggers (migration 0004), so every way of writing counts (the
    admin, ``update()``, a bulk write, SQL by hand), in the writing transaction. While the
    number stays the same, every organization is where it was: a file made in the
    background under some roles covers the same organizations under those roles
    (``tandem.access.scope.Rights``). A name, a time zone or a flag change nothing."""

    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("версия устройства территорий")
        verbose_name_plural = _("версии устройства территорий")

    def __str__(self) -> str:
        return str(self.version)


def layout_version() -> int:
    """The current :class:`LayoutVersion`. Its row is made by migration 0004; deleted (a
    test's flush, SQL by hand), it is made again here, at a random number like the
    triggers' (never 0, never a number a deleted row counted through, which records of
    rights are keyed by)."""
    version = LayoutVersion.objects.values_list("version", flat=True).first()
    if version is not None:
        return version
    import importlib

    from django.db import connections, router

    alias = router.db_for_write(LayoutVersion)
    connection = connections[alias]
    start = importlib.import_module("tandem.territory.migrations.0004_layoutversion").START
    sql = (f"INSERT INTO {LayoutVersion._meta.db_table} (id, version) "  # noqa: S608 (constants)
           f"VALUES (1, {start[connection.vendor]}) ON CONFLICT (id) DO NOTHING")
    with connection.cursor() as cursor:
        cursor.execute(sql)
    return LayoutVersion.objects.using(alias).values_list("version", flat=True).get()
