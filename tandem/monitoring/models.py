"""When each unit's data last changed: the monitoring cache's version is by unit."""

from django.db import models

from tandem.territory.models import Organization, Region


class UnitChange(models.Model):
    """The newest audited change of an organization (``key`` «o:<id>»), of a region's own
    records («r:<id>»: a regional campaign, the region's settings) or of something every
    unit reads («*»: the competency framework, users and roles). Written by
    :func:`tandem.monitoring.versions.audit_written`, once per transaction and unit."""

    key = models.CharField(max_length=40, primary_key=True)
    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, null=True,
                                        blank=True, related_name="+")
    region = models.OneToOneField(Region, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="+")
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key}: {self.changed_at}"
