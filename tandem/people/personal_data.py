"""152-ФЗ: everything kept about one person, for them to download; and anonymisation of
someone who has left (names and contacts erased, statistics kept)."""

import io
from typing import Any

from auditlog.models import LogEntry
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from tandem.accounts.models import User
from tandem.diagnostics.models import Response
from tandem.maps.models import Evidence, Meeting, Reflection, Row
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.school.models import Certificate, Registration
from tandem.surveys.models import Survey
from tandem.web.xlsx import append_row

PERSONAL_FIELDS = ("surname", "name", "patronymic", "email", "phone", "search_name")
ERASED = "Удалено"


def _pair_side(pair: Pair, me: Participant) -> dict[str, Any]:
    i_am_a = pair.a_id == me.pk
    partner = pair.b if i_am_a else pair.a
    return {
        "id": pair.pk, "partner": partner.full_name, "status": pair.get_status_display(),
        "starts_on": pair.starts_on.isoformat(), "ends_on": pair.ends_on.isoformat(),
        "i_teach": pair.a_teaches_b if i_am_a else pair.b_teaches_a,
        "i_learn": pair.b_teaches_a if i_am_a else pair.a_teaches_b,
    }


def personal_data(participant: Participant) -> dict[str, Any]:
    """Profile, diagnostics, pairs, maps, meetings, reflections, evidence, own survey
    answers and school-of-mentors registrations of one person."""
    p = participant
    responses = (Response.objects.filter(participant=p).select_related("campaign")
                 .prefetch_related("answers").order_by("campaign__starts_on", "pk"))
    pairs = list(Pair.objects.filter(a=p).select_related("a", "b")
                 | Pair.objects.filter(b=p).select_related("a", "b"))
    pair_ids = [x.pk for x in pairs]
    registrations = list(Registration.objects.filter(participant=p).select_related("event")
                         .order_by("event__starts_at", "pk"))
    certificates: dict[int, list[Certificate]] = {}
    for c in Certificate.objects.filter(registration__in=registrations,
                                        revoked_at__isnull=True):
        certificates.setdefault(c.registration_id, []).append(c)
    return {
        "generated_at": timezone.now().isoformat(),
        "profile": {
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
        },
        "diagnostics": [{
            "campaign": r.campaign.title, "kind": r.campaign.get_kind_display(),
            "status": r.get_status_display(),
            "answers": [{"competency": a.competency, "self_level": a.self_level,
                         "expert_level": a.expert_level, "level": a.level,
                         "can_teach": a.can_teach, "wants_to_learn": a.wants_to_learn,
                         "priority": a.priority} for a in r.answers.all()],
        } for r in responses],
        "pairs": [_pair_side(x, p) for x in pairs],
        "map_rows": [{
            "pair": r.map.pair_id, "direction": r.get_direction_display(), "title": r.title,
            "current_level": r.current_level, "target_level": r.target_level, "task": r.task,
            "deadline": r.deadline.isoformat(),
            "done_at": r.done_at.isoformat() if r.done_at else None,
        } for r in Row.objects.filter(map__pair_id__in=pair_ids).order_by("map", "direction",
                                                                           "order")],
        "meetings": [{
            "pair": m.pair_id, "date": m.date.isoformat(), "topic": m.topic,
            "format": m.get_format_display(), "duration_minutes": m.duration_minutes,
            "notes": m.notes,
        } for m in Meeting.objects.filter(pair_id__in=pair_ids).order_by("date")],
        "reflections": [{"pair": r.map.pair_id, "direction": r.get_direction_display(),
                         "text": r.text}
                        for r in Reflection.objects.filter(participant=p)
                        .select_related("map")],
        "evidence": [{"pair": e.row.map.pair_id, "file": e.original_name, "link": e.link}
                     for e in Evidence.objects.filter(row__map__pair_id__in=pair_ids,
                                                      uploaded_by=p.user_id)
                     .select_related("row__map")] if p.user_id else [],
        "surveys": [{
            "pair": s.pair_id, "stage": s.get_stage_display(),
            "due_on": s.due_on.isoformat(),
            "submitted_at": s.submitted_at.isoformat() if s.submitted_at else None,
            "mentee_benefit": s.mentee_benefit, "mentee_support": s.mentee_support,
            "mentor_satisfaction": s.mentor_satisfaction,
            "mentor_engagement": s.mentor_engagement, "recommend": s.recommend,
            "text_good": s.text_good, "text_improve": s.text_improve,
        } for s in Survey.objects.filter(participant=p).order_by("due_on", "pk")],
        "events": [{
            "event": r.event.title, "starts_at": r.event.starts_at.isoformat(),
            "status": r.get_status_display(), "attended": r.attended,
            "certificates": ", ".join(c.code for c in certificates.get(r.pk, [])),
        } for r in registrations],
    }


def personal_data_xlsx(data: dict[str, Any]) -> bytes:
    """The same as a workbook: the profile, then one sheet per list."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Профиль"
    for key, value in data["profile"].items():
        append_row(sheet, [key, "" if value is None else value])
    titles = {"diagnostics": "Диагностика", "pairs": "Пары", "map_rows": "Карты",
              "meetings": "Встречи", "reflections": "Рефлексия", "evidence": "Файлы",
              "surveys": "Опросы", "events": "Мероприятия"}
    for key, title in titles.items():
        rows = data[key]
        if key == "diagnostics":
            rows = [{"campaign": d["campaign"], "kind": d["kind"], **a}
                    for d in data[key] for a in d["answers"]]
        if key == "pairs":
            rows = [{**{k: v for k, v in x.items() if k not in ("i_teach", "i_learn")},
                     "i_teach": ", ".join(str(i.get("title") or i.get("competency"))
                                          for i in x["i_teach"]),
                     "i_learn": ", ".join(str(i.get("title") or i.get("competency"))
                                          for i in x["i_learn"])} for x in data[key]]
        ws = book.create_sheet(title)
        if rows:
            ws.append(list(rows[0]))
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
