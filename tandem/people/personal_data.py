"""152-ФЗ: everything kept about one person, for them to download; and anonymisation of
someone who has left (names and contacts erased, statistics kept).

A registry, in the manner of pretix's data shredders: this module owns the profile and the
order of the sections; each app that keeps something about a person contributes its own
section (``<app>/personal_data.py``) and registers it in its ``AppConfig.ready`` with
:func:`register_section`. So ``people`` imports no feature app, and a new app that stores
personal data adds its section where its models are."""

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from tandem.accounts.models import User
from tandem.people.models import Participant
from tandem.web.xlsx import append_row

PERSONAL_FIELDS = ("surname", "name", "patronymic", "email", "phone", "search_name")
ERASED = "Удалено"

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Section:
    """One list in a person's data: ``key`` (stable, the JSON key), ``title`` (the XLSX
    sheet), ``rows(participant)``; ``only_for_self``: what the product promises is
    anonymous (survey answers) goes only into the person's own download, never into one
    made by staff; ``flatten``: how the XLSX sheet lays out nested rows."""

    key: str
    title: str
    rows: Callable[[Participant], Rows]
    order: int
    only_for_self: bool = False
    flatten: Callable[[Rows], Rows] | None = None


_SECTIONS: dict[str, Section] = {}


def register_section(section: Section) -> None:
    _SECTIONS[section.key] = section


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def profile(p: Participant) -> dict[str, Any]:
    return {
        "surname": p.surname, "name": p.name, "patronymic": p.patronymic,
        "organization": p.organization.name, "position": p.position,
        "subject": p.subject, "experience_years": p.experience_years,
        "age_band": p.get_age_band_display(), "email": p.email, "phone": p.phone,
        "mentoring_consent_date": p.mentoring_consent_date.isoformat()
        if p.mentoring_consent_date else None,
        "personal_data_consent_date": p.personal_data_consent_date.isoformat()
        if p.personal_data_consent_date else None,
        "line_manager": p.line_manager.full_name if p.line_manager else None,
        "login": p.user.get_username() if p.user else None,
        "active": p.is_active,
    }


def personal_data(participant: Participant, *, for_self: bool = True) -> dict[str, Any]:
    """The profile and every registered section of one person. ``for_self=False`` (a
    download made by a curator, coordinator or operator) leaves out the sections the
    product promises are anonymous."""
    data: dict[str, Any] = {"generated_at": timezone.now().isoformat(),
                            "profile": profile(participant)}
    for section in sections():
        if section.only_for_self and not for_self:
            continue
        data[section.key] = section.rows(participant)
    return data


def personal_data_xlsx(data: dict[str, Any]) -> bytes:
    """The same as a workbook: the profile, then one sheet per section present."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Профиль"
    for key, value in data["profile"].items():
        append_row(sheet, [key, "" if value is None else value])
    for section in sections():
        if section.key not in data:
            continue
        rows = data[section.key]
        if section.flatten is not None:
            rows = section.flatten(rows)
        ws = book.create_sheet(section.title)
        if rows:
            append_row(ws, list(rows[0]))
            for row in rows:
                append_row(ws, ["" if v is None else v for v in row.values()])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@transaction.atomic
def participant_anonymise(*, participant: Participant, actor: User | None) -> Participant:
    """Erases the person's names and contacts (here and in the audit trail's past entries)
    and closes their login; diagnostics, pairs and maps stay for the statistics."""
    p = Participant.objects.select_for_update().get(pk=participant.pk)
    login = p.user
    p.surname, p.name, p.patronymic = ERASED, "", ""
    p.email = f"anonymised-{p.pk}@invalid.example"
    p.phone = ""
    p.user = None
    p.is_active = False
    p.deactivated_at = p.deactivated_at or timezone.now()
    p.deactivation_reason = "персональные данные обезличены"
    p.save()
    if login is not None:
        login.first_name = login.last_name = ""
        login.email = ""
        login.username = f"anonymised-{login.pk}"
        login.is_active = False
        login.set_unusable_password()
        login.save()
    # The trail keeps who changed what and when, but not the erased values themselves.
    entries = LogEntry.objects.get_for_object(p)
    for entry in entries:
        changes = entry.changes_dict
        for field in PERSONAL_FIELDS:
            if field in changes:
                changes[field] = ["***", "***"]
        entry.changes = changes
        entry.object_repr = ERASED
        entry.save(update_fields=["changes", "object_repr"])
    LogEntry.objects.log_create(p, force_log=True, action=LogEntry.Action.UPDATE,
                                changes={"обезличивание": ["", "выполнено"]}, actor=actor)
    return p
