"""A map's data for the document layer, and the pair's calendar."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import ngettext

from tandem.documents import map_doc
from tandem.maps.models import Map, Meeting, Row
from tandem.pairs.models import Pair
from tandem.territory.zones import unit_zone

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def map_data(the_map: Map) -> map_doc.MapDoc:
    """The document of a real map (training maps have no documents)."""
    pair = the_map.pair
    if pair is None:
        raise ValueError("a training map has no pair document")
    rows = list(the_map.rows.all())

    def doc_rows(direction: str) -> list[map_doc.MapRow]:
        return [map_doc.MapRow(
            title=r.title, current_level=r.current_level, target_level=r.target_level,
            partner_level=r.partner_level, task=r.task, forms=r.form_labels,
            resources=[res.title for res in r.resources.all()] or (
                [r.resources_note] if r.resources_note else []),
            deadline=r.deadline, product=r.product, evidence=r.evidence, done_at=r.done_at,
            technology=r.technology_label)
            for r in rows if r.direction == direction]

    def details(person: object) -> str:
        years = person.experience_years  # type: ignore[attr-defined]
        experience = ngettext("стаж %(n)s год", "стаж %(n)s лет", years) % {"n": years}
        return (f"{person.position}, {experience}, "  # type: ignore[attr-defined]
                f"{person.get_age_band_display()}")  # type: ignore[attr-defined]

    names = {pair.a_id: pair.a.full_name, pair.b_id: pair.b.full_name}
    directions: dict[str, str] = {Row.Direction.A_TO_B: "как наставник А → Б",
                                  Row.Direction.B_TO_A: "как наставник Б → А"}
    order = pair.orders.order_by("-date").first()
    curator = getattr(pair.curator, "participant", None)
    return map_doc.MapDoc(
        organization=pair.organization.name, a_name=pair.a.full_name,
        a_details=details(pair.a), b_name=pair.b.full_name, b_details=details(pair.b),
        starts_on=pair.starts_on, ends_on=pair.ends_on,
        curator=(curator.full_name if curator else
                 (pair.curator.get_full_name() if pair.curator else "—")),
        status=the_map.get_status_display(),
        # The day in the pair's region, whoever downloads the document.
        approved_on=(timezone.localdate(the_map.approved_at, unit_zone(pair.organization))
                     if the_map.approved_at else None),
        order_ref=f"Приказ № {order.number} от {order.date:%d.%m.%Y}" if order else "",
        a_teaches_b=doc_rows(Row.Direction.A_TO_B), b_teaches_a=doc_rows(Row.Direction.B_TO_A),
        reflections={f"{names.get(r.participant_id, '')} ({directions[r.direction]})": r.text
                     for r in the_map.reflections.all()})


def map_docx(data: map_doc.MapDoc) -> bytes:
    return map_doc.render_docx(data)


def map_pdf(data: map_doc.MapDoc) -> bytes:
    return map_doc.render_pdf(data)


def _ics_text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def ics(pair: Pair, meetings: list[Meeting], *, host: str) -> str:
    """RFC 5545 calendar of the planned meetings. A meeting's date and time are the wall
    clock of the pair's region (``Region.time_zone``); the file carries them in UTC
    (``Z``), so a phone in any zone puts the meeting at the right moment."""
    stamp = timezone.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    zone = unit_zone(pair.organization)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tandem//Mentoring//RU",
             "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{_ics_text(str(pair))}"]
    for m in meetings:
        start = dt.datetime.combine(m.date, m.time or dt.time(15, 0), tzinfo=zone)
        start = start.astimezone(dt.UTC)
        end = start + dt.timedelta(minutes=m.duration_minutes)
        lines += ["BEGIN:VEVENT", f"UID:meeting-{m.pk}@{host}", f"DTSTAMP:{stamp}",
                  f"DTSTART:{start:%Y%m%dT%H%M%SZ}", f"DTEND:{end:%Y%m%dT%H%M%SZ}",
                  f"SUMMARY:{_ics_text('Тандем: ' + m.topic)}",
                  f"DESCRIPTION:{_ics_text(m.notes or str(pair))}",
                  f"LOCATION:{_ics_text(m.get_format_display())}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
