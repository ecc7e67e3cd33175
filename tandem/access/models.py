"""Who holds which role over which part of the territory."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.territory.models import Municipality, Organization, Region, UnitAnchored


class Role(models.TextChoices):
    REGION_OPERATOR = "region_operator", _("региональный оператор")
    MUNICIPAL_COORDINATOR = "municipal_coordinator", _("муниципальный координатор")
    CURATOR = "curator", _("куратор организации")
    # Owns what every region shares — the competency framework and its versions — and
    # nothing of any region's people: the role is anchored to no unit.
    FEDERAL_OPERATOR = "federal_operator", _("федеральный оператор")


class RoleAssignment(UnitAnchored, models.Model):
    """One role over one territory unit: a region, a municipality or an organization.

    The federal operator's assignment names no unit: the role is over the shared
    framework, not over a territory. A teacher needs no assignment: the link from their
    participant record to their login is what makes them a teacher.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="role_assignments", verbose_name=_("пользователь"))
    role = models.CharField(_("роль"), max_length=30, choices=Role.choices)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True,
                               verbose_name=_("регион"))
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, null=True,
                                     blank=True, verbose_name=_("муниципалитет"))
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="role_assignments",
                                     verbose_name=_("организация"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("назначение роли")
        verbose_name_plural = _("назначения ролей")
        constraints = [
            # Exactly the unit that the role is about is set, and no other.
            models.CheckConstraint(
                name="role_assignment_unit_matches_role",
                condition=(
                    Q(role=Role.REGION_OPERATOR, region__isnull=False,
                      municipality__isnull=True, organization__isnull=True)
                    | Q(role=Role.MUNICIPAL_COORDINATOR, region__isnull=True,
                        municipality__isnull=False, organization__isnull=True)
                    | Q(role=Role.CURATOR, region__isnull=True, municipality__isnull=True,
                        organization__isnull=False)
                    | Q(role=Role.FEDERAL_OPERATOR, region__isnull=True,
                        municipality__isnull=True, organization__isnull=True)
                ),
            ),
            models.UniqueConstraint(fields=["user", "region"], name="region_operator_unique",
                                    condition=Q(role=Role.REGION_OPERATOR)),
            models.UniqueConstraint(fields=["user", "municipality"],
                                    name="municipal_coordinator_unique",
                                    condition=Q(role=Role.MUNICIPAL_COORDINATOR)),
            models.UniqueConstraint(fields=["user", "organization"], name="curator_unique",
                                    condition=Q(role=Role.CURATOR)),
            models.UniqueConstraint(fields=["user"], name="federal_operator_unique",
                                    condition=Q(role=Role.FEDERAL_OPERATOR)),
        ]

    def __str__(self) -> str:
        if self.unit is None:
            return f"{self.user} — {self.get_role_display()}"
        return f"{self.user} — {self.get_role_display()}: {self.unit}"


class RightsRecord(models.Model):
    """What one :class:`tandem.access.scope.Rights` covered: its roles and the
    organizations those roles covered at its layout version (``LayoutVersion``) — kept
    for a file made in the background, whose owner's rights are later compared with it
    (``Rights.covers``: still downloadable while the rights cover all of this). The key
    is the rights' fingerprint: the same roles at the same layout version cover the same
    organizations, so one row serves every job made under them."""

    key = models.CharField(max_length=32, unique=True)
    layout = models.PositiveBigIntegerField()
    roles = models.JSONField()
    # The covered organizations' ids as sorted ranges («1-5456,5460»): a region's
    # thousands of organizations, added together, are a few ranges.
    organizations = models.TextField(blank=True)
    used_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("запись прав")
        verbose_name_plural = _("записи прав")

    def __str__(self) -> str:
        return self.key
