"""This app's section of a person's data (tandem/people/personal_data.py)."""

from django.utils.translation import gettext_lazy as _

from tandem.people.models import Participant
from tandem.people.personal_data import Erasure, Rows, Section, verbose
from tandem.school.models import Certificate, Event, Material, Registration


def rows(p: Participant) -> Rows:
    registrations = list(Registration.objects.filter(participant=p).select_related("event")
                         .order_by("event__starts_at", "pk"))
    certificates: dict[int, list[Certificate]] = {}
    for c in Certificate.objects.filter(registration__in=registrations,
                                        revoked_at__isnull=True):
        certificates.setdefault(c.registration_id, []).append(c)
    return [{
        "event": r.event.title, "starts_at": r.event.starts_at.isoformat(),
        "status": r.get_status_display(), "attended": r.attended,
        "certificates": ", ".join(c.code for c in certificates.get(r.pk, [])),
    } for r in registrations]


def anonymise(e: Erasure) -> None:
    """Events and materials that name them (a speaker, an organiser)."""
    e.scrub_rows(Event.objects.all(), ["title", "description", "speaker", "organizer_name",
                                       "place"])
    e.scrub_rows(Material.objects.all(), ["title", "original_name"])


COLUMNS = {
    "event": verbose(Registration, "event"), "starts_at": verbose(Event, "starts_at"),
    "status": verbose(Registration, "status"), "attended": verbose(Registration, "attended"),
    "certificates": _("сертификаты"),
}

SECTION = Section(key="events", title="Мероприятия", rows=rows, order=80, anonymise=anonymise,
                  columns=COLUMNS)
