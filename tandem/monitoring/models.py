"""When each unit's data last changed: the monitoring cache's version is by unit."""

from django.db import models


class UnitChange(models.Model):
    """An audited change of an organization (``organization_id``), of a region's own
    records (``region_id``: a regional campaign, the region's settings) or of something
    every unit reads (neither: the competency framework, users and roles). Appended by
    :func:`tandem.monitoring.versions.audit_written`, once per transaction and unit —
    inserts only, so writers never wait on each other's rows (the table grows by a row per
    transaction and unit, far slower than the audit log itself). The ids are plain numbers,
    not foreign keys: the entry of a deleted organization is written after it is gone."""

    id = models.BigAutoField(primary_key=True)
    organization_id = models.PositiveBigIntegerField(null=True, blank=True)
    region_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization_id", "id"], name="unit_change_org"),
                   models.Index(fields=["region_id", "id"], name="unit_change_region")]

    def __str__(self) -> str:
        return f"{self.pk}: {self.organization_id or ''}/{self.region_id or ''}"
