"""This app's section of a person's data (tandem/people/personal_data.py)."""

from tandem.people.models import Participant
from tandem.people.personal_data import Rows, Section
from tandem.school.models import Certificate, Registration


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


SECTION = Section(key="events", title="Мероприятия", rows=rows, order=80)
