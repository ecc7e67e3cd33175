"""When each unit's data last changed: the monitoring cache's version is by unit."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.web.exports import FileJob


class UnitChange(models.Model):
    """An audited change of an organization (``organization_id``), of a region's own
    records (``region_id``: a regional campaign, the region's settings) or of something
    every unit reads (neither: the competency framework, users and roles). Appended by
    :func:`tandem.monitoring.versions.audit_written`, once per transaction and unit —
    inserts only, so writers never wait on each other's rows (the table grows by a row per
    transaction and unit, far slower than the audit log itself; the hourly run keeps each
    unit's newest row only: ``versions.prune``). The ids are plain numbers,
    not foreign keys: the entry of a deleted organization is written after it is gone."""

    id = models.BigAutoField(primary_key=True)
    organization_id = models.PositiveBigIntegerField(null=True, blank=True)
    region_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("изменение подразделения")
        verbose_name_plural = _("изменения подразделений")
        indexes = [models.Index(fields=["organization_id", "id"], name="unit_change_org"),
                   models.Index(fields=["region_id", "id"], name="unit_change_region")]

    def __str__(self) -> str:
        return f"{self.pk}: {self.organization_id or ''}/{self.region_id or ''}"


class PairTallyMark(models.Model):
    """Something an organization's pair figures count changed: written by the writer's
    transaction, removed by the rebuild that saw it (:mod:`tandem.monitoring.tallies`).
    Inserts only, a plain organization id: writers never wait on each other or on a
    rebuild, whatever order they touch organizations in."""

    id = models.BigAutoField(primary_key=True)
    organization_id = models.IntegerField(db_index=True)
    # A move: the municipality the organization left (or changed its sector in, or was
    # deleted from), whose sums the rebuild adds up again whole; null for any other mark.
    municipality_id = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("отметка к пересчёту цифр пар")
        verbose_name_plural = _("отметки к пересчёту цифр пар")

    def __str__(self) -> str:
        return f"{self.organization_id} @ {self.created_at}"


class PairTallyState(models.Model):
    """Per organization: its people's counts for the dashboard's standard view (no period
    chosen) and the day its pair figures describe — kept by
    :mod:`tandem.monitoring.tallies`; whether they wait for a rebuild is
    :class:`PairTallyMark`'s."""

    organization = models.OneToOneField("territory.Organization", on_delete=models.CASCADE,
                                        primary_key=True, related_name="pair_tally_state")
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # The day (in the organization's region's time zone) the figures were computed for.
    as_of = models.DateField(null=True, blank=True)
    participants_active = models.PositiveIntegerField(default=0)
    participants_in_pairs = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("состояние цифр пар")
        verbose_name_plural = _("состояния цифр пар")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.as_of}"


class PairTally(models.Model):
    """The formed pairs whose participant A works in ``organization_a`` and B in
    ``organization_b`` (the same organization for most pairs; two for a municipal-pool
    pair), summed as of ``as_of``: a unit adds the rows either of whose organizations it
    holds, so a pair of two of its organizations counts once — as ``of_unit(by=MEMBER)``
    counts it."""

    organization_a = models.ForeignKey("territory.Organization", on_delete=models.CASCADE,
                                       related_name="+")
    organization_b = models.ForeignKey("territory.Organization", on_delete=models.CASCADE,
                                       related_name="+")
    as_of = models.DateField()
    pairs_total = models.PositiveIntegerField(default=0)
    pairs_waiting = models.PositiveIntegerField(default=0)
    pairs_active = models.PositiveIntegerField(default=0)
    pairs_completed = models.PositiveIntegerField(default=0)
    pairs_ended_early = models.PositiveIntegerField(default=0)
    pairs_completed_all_closed = models.PositiveIntegerField(default=0)
    rows_planned = models.PositiveIntegerField(default=0)
    rows_closed = models.PositiveIntegerField(default=0)
    tasks_done = models.PositiveIntegerField(default=0)
    tasks_overdue = models.PositiveIntegerField(default=0)
    products = models.PositiveIntegerField(default=0)
    meetings_held = models.PositiveIntegerField(default=0)
    meetings_planned = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("итог пар организации")
        verbose_name_plural = _("итоги пар организаций")
        constraints = [models.UniqueConstraint(fields=["organization_a", "organization_b"],
                                               name="pair_tally_unique")]
        indexes = [models.Index(fields=["organization_b"], name="pair_tally_b")]

    def __str__(self) -> str:
        return f"{self.organization_a_id}/{self.organization_b_id}: {self.pairs_total}"


class PairMonthTally(models.Model):
    """The formed pairs whose participant A works in ``organization_a`` and B in
    ``organization_b``, by status and the months their term starts and ends in: the
    dashboard's «pairs by month» of the standard view (no period) — a unit adds the rows
    either of whose organizations it holds, as :class:`PairTally`. Kept with it (the same
    rebuild, the same marks); the months do not depend on the day."""

    organization_a = models.ForeignKey("territory.Organization", on_delete=models.CASCADE,
                                       related_name="+")
    organization_b = models.ForeignKey("territory.Organization", on_delete=models.CASCADE,
                                       related_name="+")
    status = models.CharField(max_length=20)
    start_month = models.DateField()  # the first day of the month of ``starts_on``
    end_month = models.DateField()  # … of ``ends_on``
    pairs = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("итог пар организации за месяц")
        verbose_name_plural = _("итоги пар организаций за месяц")
        constraints = [models.UniqueConstraint(
            fields=["organization_a", "organization_b", "status", "start_month", "end_month"],
            name="pair_month_tally_unique")]
        indexes = [models.Index(fields=["organization_b"], name="pair_month_tally_b")]

    def __str__(self) -> str:
        return (f"{self.organization_a_id}/{self.organization_b_id} {self.status} "
                f"{self.start_month}–{self.end_month}: {self.pairs}")


class PairMunicipalityTally(models.Model):
    """:class:`PairTally` summed by the municipality and sector of A's organization and of
    B's (as the organizations are now) and ``as_of``: what a region's or the country's
    standard view reads — a few hundred rows instead of one per pair of organizations
    (:mod:`tandem.monitoring.tallies`). A unit of whole municipalities (and one sector)
    adds the rows either of whose sides it holds, so a municipal-pool pair counts once,
    exactly as the organizations' rows count it. Plain integers: a rebuild changes them
    by difference."""

    municipality_a = models.ForeignKey("territory.Municipality", on_delete=models.CASCADE,
                                       related_name="+")
    sector_a = models.CharField(max_length=20)
    municipality_b = models.ForeignKey("territory.Municipality", on_delete=models.CASCADE,
                                       related_name="+")
    sector_b = models.CharField(max_length=20)
    as_of = models.DateField()
    pairs_total = models.IntegerField(default=0)
    pairs_waiting = models.IntegerField(default=0)
    pairs_active = models.IntegerField(default=0)
    pairs_completed = models.IntegerField(default=0)
    pairs_ended_early = models.IntegerField(default=0)
    pairs_completed_all_closed = models.IntegerField(default=0)
    rows_planned = models.IntegerField(default=0)
    rows_closed = models.IntegerField(default=0)
    tasks_done = models.IntegerField(default=0)
    tasks_overdue = models.IntegerField(default=0)
    products = models.IntegerField(default=0)
    meetings_held = models.IntegerField(default=0)
    meetings_planned = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("итог пар муниципалитета")
        verbose_name_plural = _("итоги пар муниципалитетов")
        constraints = [models.UniqueConstraint(
            fields=["municipality_a", "sector_a", "municipality_b", "sector_b", "as_of"],
            name="pair_mun_tally_unique")]
        indexes = [models.Index(fields=["municipality_b"], name="pair_mun_tally_b")]

    def __str__(self) -> str:
        return f"{self.municipality_a_id}/{self.municipality_b_id}: {self.pairs_total}"


class PairMonthMunicipalityTally(models.Model):
    """:class:`PairMonthTally` summed by the municipality and sector of A's organization
    and of B's, status and months: the «pairs by month» of a region's or the country's
    standard view, read as :class:`PairMunicipalityTally`."""

    municipality_a = models.ForeignKey("territory.Municipality", on_delete=models.CASCADE,
                                       related_name="+")
    sector_a = models.CharField(max_length=20)
    municipality_b = models.ForeignKey("territory.Municipality", on_delete=models.CASCADE,
                                       related_name="+")
    sector_b = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    start_month = models.DateField()
    end_month = models.DateField()
    pairs = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("итог пар муниципалитета за месяц")
        verbose_name_plural = _("итоги пар муниципалитетов за месяц")
        constraints = [models.UniqueConstraint(
            fields=["municipality_a", "sector_a", "municipality_b", "sector_b", "status",
                    "start_month", "end_month"], name="pair_month_mun_tally_unique")]
        indexes = [models.Index(fields=["municipality_b"], name="pair_month_mun_tally_b")]

    def __str__(self) -> str:
        return (f"{self.municipality_a_id}/{self.municipality_b_id} {self.status} "
                f"{self.start_month}–{self.end_month}: {self.pairs}")


class PairMunicipalityState(models.Model):
    """:class:`PairTallyState` summed by municipality, sector and ``as_of`` (states never
    built — ``as_of`` null — left out): how many organizations, their active people and
    those of them in a formed pair. A unit is current when its organizations are all
    counted here for the day the dashboard describes."""

    municipality = models.ForeignKey("territory.Municipality", on_delete=models.CASCADE,
                                     related_name="+")
    sector = models.CharField(max_length=20)
    as_of = models.DateField()
    organizations = models.IntegerField(default=0)
    participants_active = models.IntegerField(default=0)
    participants_in_pairs = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("состояние цифр пар муниципалитета")
        verbose_name_plural = _("состояния цифр пар муниципалитетов")
        constraints = [models.UniqueConstraint(fields=["municipality", "sector", "as_of"],
                                               name="pair_mun_state_unique")]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.sector} {self.as_of}: {self.organizations}"


class ReportJob(FileJob):
    """A large monitoring report (``tandem.monitoring.reports``; ``exports.SYNC_ROWS`` rows
    and more) made in the background: the page shows its progress and then a download
    link. ``query``: the dashboard's filters, checked by the request; ``fmt``: the file's
    extension. The file is its owner's only and kept for a day (tandem/web/exports.py)."""

    report = models.CharField(_("отчёт"), max_length=40)

    class Meta:
        verbose_name = _("отчёт мониторинга в фоне")
        verbose_name_plural = _("отчёты мониторинга в фоне")
        ordering = ["-created_at", "-pk"]
