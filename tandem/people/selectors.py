"""Reads of participants, always through the user's scope."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tandem.access.scope import Scope
from tandem.people.models import Participant, ParticipantQuerySet


@dataclass(frozen=True)
class ParticipantFilters:
    text: str = ""
    organization_id: int | None = None
    position: str = ""
    age_band: str = ""
    consent: str = ""  # "", "yes", "no"
    status: str = "active"  # "active", "inactive", "all"


def participant_list(*, scope: Scope, filters: ParticipantFilters) -> QuerySet[Participant]:
    qs: ParticipantQuerySet = scope.participants(  # type: ignore[assignment]
        Participant.objects.select_related("organization"))
    if filters.text:
        qs = qs.search(filters.text)
    if filters.organization_id:
        qs = qs.filter(organization_id=filters.organization_id)
    if filters.position:
        qs = qs.filter(position=filters.position)
    if filters.age_band:
        qs = qs.filter(age_band=filters.age_band)
    if filters.consent == "yes":
        qs = qs.with_consent()
    elif filters.consent == "no":
        qs = qs.exclude(pk__in=Participant.objects.with_consent().values("pk"))
    if filters.status == "active":
        qs = qs.filter(is_active=True)
    elif filters.status == "inactive":
        qs = qs.filter(is_active=False)
    return qs.order_by("surname", "name", "patronymic", "pk")


def participants_in(unit: object) -> "ParticipantQuerySet":
    """Active participants of a region, a municipality or an organization."""
    from tandem.territory.models import Municipality, Organization, Region

    qs: ParticipantQuerySet = Participant.objects.filter(is_active=True)  # type: ignore[assignment]
    if isinstance(unit, Region):
        return qs.filter(organization__municipality__region=unit)
    if isinstance(unit, Municipality):
        return qs.filter(organization__municipality=unit)
    if isinstance(unit, Organization):
        return qs.filter(organization=unit)
    raise TypeError(f"not a territory unit: {unit!r}")


def participant_positions(*, scope: Scope) -> list[str]:
    """The distinct positions in the user's scope, for the filter."""
    return list(
        scope.participants().order_by("position").values_list("position", flat=True).distinct()
    )


def participant_get(*, scope: Scope, pk: int) -> Participant:
    """One participant the user may see; 404 otherwise (never 403: no existence leak)."""
    qs = scope.participants(
        Participant.objects.select_related("organization__municipality__region",
                                           "line_manager", "user")
    )
    return get_object_or_404(qs, pk=pk)


def participant_get_manageable(*, scope: Scope, pk: int) -> Participant:
    """One participant the user may change; 404 otherwise."""
    qs = scope.manageable_participants(
        Participant.objects.select_related("organization__municipality__region", "line_manager")
    )
    return get_object_or_404(qs, pk=pk)
