"""Documents of the school of mentors: the certificate's data and the event report's
rows for XLSX (data apart from rendering)."""

import io
from typing import Any

from django.utils import dateformat, timezone

from tandem.core import names
from tandem.documents.certificate import CertificateDoc
from tandem.school.models import Certificate, Event
from tandem.school.selectors import Report
from tandem.web.xlsx import append_row, append_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# «за участие в …» needs the kind in the prepositional case.
KIND_PREPOSITIONAL: dict[str, str] = {
    Event.Kind.SEMINAR: "семинаре",
    Event.Kind.PROJECT_SESSION: "проектной сессии",
    Event.Kind.PRACTICUM: "практикуме",
    Event.Kind.WEBINAR: "вебинаре",
}


def event_dates(event: Event) -> str:
    """«16 мая 2026 г.», or «16–17 мая 2026 г.» for an event over several days."""
    zone = event.zone  # the days in the organizer's region
    start = timezone.localtime(event.starts_at, zone).date()
    end = timezone.localtime(event.ends_at, zone).date()
    if start == end:
        return f"{dateformat.format(start, 'j E Y')} г."
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{dateformat.format(end, 'j E Y')} г."
    return f"{dateformat.format(start, 'j E Y')} г. – {dateformat.format(end, 'j E Y')} г."


def certificate_data(certificate: Certificate, verify_url: str) -> CertificateDoc:
    person = certificate.registration.participant
    event = certificate.registration.event
    return CertificateDoc(
        name_dative=names.full_name(person.surname, person.name, person.patronymic, "dative"),
        name=person.full_name,
        event_phrase=(f"за участие в {KIND_PREPOSITIONAL.get(event.kind, 'мероприятии')} "
                      "школы наставников"),
        event_title=event.title, when=event_dates(event),
        place=event.place or ("онлайн" if event.online_link else ""), hours=event.hours,
        organizer=event.organizer_display,
        school=("Школа наставников" if event.region.name in event.organizer_display
                else f"Школа наставников · {event.region.name}"), code=certificate.code,
        verify_url=verify_url, signatory_name=event.signatory_name,
        signatory_position=event.signatory_position)


def report_xlsx(event: Event, report: Report) -> bytes:
    from openpyxl import Workbook  # here, not for every page that imports this module
    from openpyxl.styles import Font

    wb = Workbook()
    bold = Font(bold=True)
    summary = wb.active
    assert summary is not None
    summary.title = "Итоги"
    append_rows(summary, [  # the title is typed by an organiser: never a formula
        ["Мероприятие", event.title], ["Даты", event_dates(event)],
        ["Записаны", report.registered], ["В листе ожидания", report.waiting],
        ["Присутствовали", report.attended], ["Выдано сертификатов", report.certificates]])
    sheets: list[tuple[str, list[str], list[tuple[Any, ...]]]] = [
        ("Муниципалитеты", ["Муниципалитет", "Присутствовали"], report.by_municipality),
        ("Организации", ["Муниципалитет", "Организация", "Сфера", "Присутствовали"],
         report.by_organization),
        ("Сферы", ["Сфера", "Присутствовали"], report.by_sector),
    ]
    for title, header, rows in sheets:
        ws = wb.create_sheet(title)
        append_row(ws, header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            append_row(ws, list(row))
        ws.column_dimensions["A"].width = 32
        ws.column_dimensions["B"].width = 40
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
