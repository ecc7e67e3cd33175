"""Reads for the school of mentors, always through the user's ``Scope``.

Who sees an event: the region operator every event of the region; a municipal
coordinator, a curator and a teacher the regional events of their region and the events
of their municipality — a teacher only when their organization's sector is in the
audience (or they are registered). Who manages it (edits, marks attendance, issues and
revokes certificates, reads the report): the region operator of its region and, for a
municipal event, the coordinator of that municipality.
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from tandem.access.scope import Access, Scope
from tandem.core.text import sort_key
from tandem.people.models import Participant, by_name
from tandem.school.models import Certificate, Event, Material, Registration
from tandem.territory.models import Organization


def events_visible(*, scope: Scope) -> QuerySet[Event]:
    qs = Event.objects.select_related("region", "municipality")
    if scope.everything:
        return qs
    q = Q(pk__in=[])
    if scope.region_ids:
        q |= Q(region_id__in=scope.region_ids)
    staff = scope.staff_home_units
    q |= (Q(municipality_id__in=staff.municipality_ids)
          | Q(municipality__isnull=True, region_id__in=staff.region_ids))
    own_participant, own_organization = scope.own_participant_id, scope.own_organization_id
    if own_participant is not None and own_organization is not None:
        own = (Organization.objects.filter(pk=own_organization)
               .values_list("municipality_id", "municipality__region_id", "sector")
               .first())
        if own is not None:
            municipality_id, region_id, sector = own
            # The audience is a JSON list of sector codes; its text form works the same
            # on SQLite and PostgreSQL, and "[]" means everyone.
            qs = qs.annotate(sectors_text=Cast("sectors", CharField()))
            q |= ((Q(municipality_id=municipality_id)
                   | Q(municipality__isnull=True, region_id=region_id))
                  & (Q(sectors_text="[]") | Q(sectors_text__contains=f'"{sector}"')))
        q |= Q(Exists(Registration.objects.filter(event=OuterRef("pk"),
                                                  participant_id=own_participant)))
    return qs.filter(q)


def events_manageable(*, scope: Scope) -> QuerySet[Event]:
    return Event.objects.select_related("region", "municipality").filter(scope.organizer_q())


def can_create_events(scope: Scope) -> bool:
    return scope.organizes_events


def event_get(*, scope: Scope, pk: int) -> Event:
    return get_object_or_404(events_visible(scope=scope), pk=pk)


def event_manageable_get(*, scope: Scope, pk: int) -> Event:
    return get_object_or_404(events_manageable(scope=scope), pk=pk)


def is_manager(scope: Scope, event: Event) -> bool:
    return scope.organizes(event)


@dataclass(frozen=True)
class Split:
    upcoming: list[Event]
    past: list[Event]


def events_split(*, scope: Scope, limit: int = 100) -> Split:
    """Upcoming (soonest first) and past (latest first) events, each at most ``limit``,
    with their numbers of places taken and waiting (one query each)."""
    now = timezone.now()
    qs = events_visible(scope=scope).annotate(
        taken=Count("registrations", filter=Q(registrations__status="registered")),
        waiting=Count("registrations", filter=Q(registrations__status="waiting")))
    return Split(upcoming=list(qs.filter(ends_at__gte=now).order_by("starts_at", "pk")[:limit]),
                 past=list(qs.filter(ends_at__lt=now).order_by("-starts_at", "-pk")[:limit]))


def registrations_visible(*, scope: Scope, event: Event) -> QuerySet[Registration]:
    """The organizer sees everyone; a curator or coordinator their own people; a teacher
    their own registration."""
    qs = (Registration.objects.filter(event=event)
          .select_related("participant__organization__municipality"))
    if is_manager(scope, event):
        return qs
    return qs.filter(participant__in=scope.participants())


def registration_get(*, scope: Scope, pk: int, for_: Access = "view") -> Registration:
    """A registration the user may act on (cancel, download the certificate): their own,
    their organization's people, or any of an event they manage; ``for_="manage"`` (mark
    attendance) only one of an event they organize."""
    registration = get_object_or_404(
        Registration.objects.select_related("event__region", "event__municipality",
                                            "participant__organization"), pk=pk)
    if is_manager(scope, registration.event):
        return registration
    if for_ == "manage" or not scope.participants().filter(
            pk=registration.participant_id).exists():
        raise Http404
    return registration


def registration_mine(*, scope: Scope, event: Event) -> Registration | None:
    """The signed-in teacher's live (not cancelled) registration to ``event``."""
    if scope.own_participant_id is None:
        return None
    return (Registration.objects.filter(event=event, participant_id=scope.own_participant_id)
            .exclude(status=Registration.Status.CANCELLED).first())


def own_sector(*, scope: Scope) -> str | None:
    """The sector of the signed-in teacher's organization (an event's audience)."""
    if scope.own_organization_id is None:
        return None
    return (Organization.objects.filter(pk=scope.own_organization_id)
            .values_list("sector", flat=True).first())


def attendance_counts(*, event_id: int) -> dict[str, int]:
    """Present and registered people of an event, for the counter above the list."""
    registered = Registration.objects.filter(event_id=event_id,
                                             status=Registration.Status.REGISTERED)
    return {"present": registered.filter(attended=True).count(), "total": registered.count()}


def attendance_row(*, registration: Registration) -> Registration:
    """One registration, fresh, with what its attendance row shows."""
    return Registration.objects.select_related("participant__organization").get(
        pk=registration.pk)


def people_to_register(*, scope: Scope, ids: list[int]) -> list[Participant]:
    """Active people the user manages, by id; 404 if any of them is not."""
    people = sorted(scope.manageable_participants(Participant.objects.active())
                    .filter(pk__in=ids).select_related("organization"), key=by_name)
    if len(people) != len(set(ids)):
        raise Http404
    return people


def certificate_document(*, certificate: Certificate) -> Certificate:
    """A certificate with what its PDF names (person, event, organizer)."""
    return (Certificate.objects.select_related("registration__participant",
                                               "registration__event__region",
                                               "registration__event__municipality")
            .get(pk=certificate.pk))


def material_get(*, scope: Scope, pk: int, for_: Access = "view") -> Material:
    """A material of an event the user sees (``for_="manage"``: organizes)."""
    events = (events_manageable(scope=scope) if for_ == "manage"
              else events_visible(scope=scope))
    return get_object_or_404(Material.objects.filter(event__in=events), pk=pk)


def certificate_manageable_get(*, scope: Scope, pk: int) -> Certificate:
    certificate = get_object_or_404(Certificate.objects.select_related("registration__event"),
                                    pk=pk)
    if not is_manager(scope, certificate.registration.event):
        raise Http404
    return certificate


def candidates(*, scope: Scope, event: Event, text: str = "",
               limit: int = 50) -> list[Participant]:
    """People the user may register: active, in their scope, in the audience, not yet
    holding a place or waiting."""
    qs = (scope.manageable_participants(Participant.objects.active())
          .select_related("organization")
          .exclude(event_registrations__in=Registration.objects.filter(event=event).exclude(
              status=Registration.Status.CANCELLED)))
    if event.municipality_id:
        qs = qs.filter(organization__municipality_id=event.municipality_id)
    else:
        qs = qs.filter(organization__municipality__region_id=event.region_id)
    if event.sectors:
        qs = qs.filter(organization__sector__in=event.sectors)
    if text.strip():
        qs = qs.filter(pk__in=Participant.objects.search(text).values("pk"))
    # The first ``limit`` by the normalised name, shown in Russian order (docs/architecture.md).
    return sorted(qs.order_by("search_name", "pk")[:limit], key=by_name)


def attendance_rows(*, event: Event, text: str = "") -> list[Registration]:
    """Registered people of the event for the attendance list, by name."""
    qs = (Registration.objects.filter(event=event, status=Registration.Status.REGISTERED)
          .select_related("participant__organization"))
    if text.strip():
        qs = qs.filter(participant__in=Participant.objects.search(text))
    return sorted(qs, key=lambda r: (*by_name(r.participant), r.pk))


def certificate_by_code(code: str) -> Certificate | None:
    """The valid certificate with this code, or None (unknown or revoked alike)."""
    if not code:
        return None
    return (Certificate.objects.filter(code=code, revoked_at__isnull=True)
            .select_related("registration__participant", "registration__event").first())


@dataclass(frozen=True)
class Report:
    registered: int
    waiting: int
    attended: int
    certificates: int
    by_municipality: list[tuple[str, int]]
    by_organization: list[tuple[str, str, str, int]]  # municipality, organization, sector
    by_sector: list[tuple[str, int]]


def event_report(*, event: Event) -> Report:
    """Attendees by municipality, organization and sector: a fixed number of queries."""
    status_counts = Counter(dict(
        Registration.objects.filter(event=event).values_list("status")
        .annotate(n=Count("pk")).values_list("status", "n")))
    sectors = dict(Organization.Sector.choices)
    rows = list(Registration.objects.filter(event=event, attended=True)
                .values_list("participant__organization__municipality__name",
                             "participant__organization__short_name",
                             "participant__organization__sector")
                .annotate(n=Count("pk")).order_by())
    rows.sort(key=lambda r: (sort_key(r[0]), sort_key(r[1]), r[2]))
    by_municipality: Counter[str] = Counter()
    by_sector: Counter[str] = Counter()
    for municipality, _org, sector, n in rows:
        by_municipality[municipality] += n
        by_sector[str(sectors.get(sector, sector))] += n
    certificates = Certificate.objects.filter(registration__event=event,
                                              revoked_at__isnull=True).count()
    return Report(
        registered=status_counts.get(Registration.Status.REGISTERED, 0),
        waiting=status_counts.get(Registration.Status.WAITING, 0),
        attended=sum(n for *_rest, n in rows), certificates=certificates,
        by_municipality=sorted(by_municipality.items(), key=lambda x: (-x[1], sort_key(x[0]))),
        by_organization=[(m, o, str(sectors.get(s, s)), n) for m, o, s, n in rows],
        by_sector=sorted(by_sector.items(), key=lambda x: (-x[1], sort_key(x[0]))))
