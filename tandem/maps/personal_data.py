"""This app's sections of a person's data (tandem/people/personal_data.py): the rows of
their pairs' maps, meetings, their reflections and the evidence they uploaded."""

from tandem.maps.models import Evidence, Meeting, Reflection, Row
from tandem.pairs.personal_data import pairs_of
from tandem.people.models import Participant
from tandem.people.personal_data import Rows, Section


def _pair_ids(p: Participant) -> list[int]:
    return [x.pk for x in pairs_of(p)]


def map_rows(p: Participant) -> Rows:
    return [{
        "pair": r.map.pair_id, "direction": r.get_direction_display(), "title": r.title,
        "current_level": r.current_level, "target_level": r.target_level, "task": r.task,
        "deadline": r.deadline.isoformat(),
        "done_at": r.done_at.isoformat() if r.done_at else None,
    } for r in Row.objects.filter(map__pair_id__in=_pair_ids(p)).select_related("map")
        .order_by("map", "direction", "order")]


def meetings(p: Participant) -> Rows:
    return [{
        "pair": m.pair_id, "date": m.date.isoformat(), "topic": m.topic,
        "format": m.get_format_display(), "duration_minutes": m.duration_minutes,
        "notes": m.notes,
    } for m in Meeting.objects.filter(pair_id__in=_pair_ids(p)).order_by("date")]


def reflections(p: Participant) -> Rows:
    return [{"pair": r.map.pair_id, "direction": r.get_direction_display(), "text": r.text}
            for r in Reflection.objects.filter(participant=p).select_related("map")]


def evidence(p: Participant) -> Rows:
    if not p.user_id:
        return []
    return [{"pair": e.row.map.pair_id, "file": e.original_name, "link": e.link}
            for e in Evidence.objects.filter(row__map__pair_id__in=_pair_ids(p),
                                             uploaded_by=p.user_id)
            .select_related("row__map")]


SECTIONS = (
    Section(key="map_rows", title="Карты", rows=map_rows, order=30),
    Section(key="meetings", title="Встречи", rows=meetings, order=40),
    Section(key="reflections", title="Рефлексия", rows=reflections, order=50),
    Section(key="evidence", title="Файлы", rows=evidence, order=60),
)
