"""This app's sections of a person's data (tandem/people/personal_data.py): the rows of
their pairs' maps, meetings, their reflections and the evidence they uploaded."""

import secrets
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.maps import undo
from tandem.maps.models import Evidence, Map, Meeting, Reflection, Row
from tandem.pairs.personal_data import pairs_of
from tandem.people.models import Participant
from tandem.people.personal_data import Erasure, Rows, Section, verbose


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


FILE_ERASED = "файл удалён при обезличивании"


def anonymise(e: Erasure) -> None:
    """The texts of their pairs' maps (rows, meetings, reflections) lose their name; the
    files they uploaded are deleted (a file of theirs may name them anywhere, in any
    format), and so is any file of their pairs that names them; a file whose name only
    names them gets a neutral name. The records stay, for the statistics."""
    pair_ids = [x.pk for x in pairs_of(Participant(pk=e.participant_id))]
    maps = Map.objects.filter(pair_id__in=pair_ids)
    e.scrub_rows(maps, ["ended_reason"], pick=False)
    e.scrub_rows(Row.objects.filter(map__in=maps), ["title", "task", "forms", "product",
                                                    "evidence", "resources_note"], pick=False)
    e.scrub_rows(Meeting.objects.filter(pair_id__in=pair_ids), ["topic", "notes"], pick=False)
    e.scrub_rows(Reflection.objects.filter(Q(map__in=maps) | Q(participant_id=e.participant_id)),
                 ["text"], pick=False)
    mine = Q(uploaded_by_id=e.user_id) if e.user_id else Q(pk__in=[])
    touched = set(maps.values_list("pk", flat=True))
    for item in Evidence.objects.filter(Q(row__map__in=maps) | mine).select_related("row__map"):
        _anonymise_evidence(item, e, own=bool(e.user_id) and item.uploaded_by_id == e.user_id)
        touched.add(item.row.map_id)
    # The rows deleted from these maps and kept for «Вернуть строку» may name them: gone,
    # with their teams' training maps'. Other people's stay (maps/undo.py).
    touched.update(Map.objects.filter(team__members__participant_id=e.participant_id)
                   .values_list("pk", flat=True))
    undo.forget(touched)
    if e.user_id:  # links they added to rows now deleted, of any map
        undo.forget_uploads(e.user_id)


def _anonymise_evidence(item: Evidence, e: Erasure, *, own: bool) -> None:
    changes: dict[str, str] = {"link": e.scrub(item.link)}
    old = item.file.name or ""
    storage = item.file.storage
    if old:
        content = storage.open(old).read() if storage.exists(old) else b""
        if own or e.mentions(content):
            changes.update(file="", original_name=FILE_ERASED)
            transaction.on_commit(lambda: storage.delete(old))
        elif e.mentions(old) or e.mentions(item.original_name):
            suffix = PurePosixPath(old).suffix[:10]
            new = storage.save(f"evidence/pair-{item.row.map.pair_id}/"
                               f"{secrets.token_hex(8)}-file{suffix}", ContentFile(content))
            changes.update(file=new, original_name=f"file{suffix}")
            transaction.on_commit(lambda: storage.delete(old))
    elif own:
        changes["original_name"] = e.scrub(item.original_name)
    if any(getattr(item, k) != v for k, v in changes.items()):
        Evidence.objects.filter(pk=item.pk).update(**changes)  # not audited


PAIR = _("номер пары")
DIRECTION = _("направление")

SECTIONS = (
    Section(key="map_rows", title="Карты", rows=map_rows, order=30, anonymise=anonymise,
            columns={"pair": PAIR, "direction": DIRECTION, **{n: verbose(Row, n) for n in (
                "title", "current_level", "target_level", "task", "deadline",
                "done_at")}}),
    Section(key="meetings", title="Встречи", rows=meetings, order=40,
            columns={"pair": PAIR, **{n: verbose(Meeting, n) for n in (
                "date", "topic", "format", "duration_minutes", "notes")}}),
    Section(key="reflections", title="Рефлексия", rows=reflections, order=50,
            columns={"pair": PAIR, "direction": DIRECTION,
                     "text": verbose(Reflection, "text")}),
    Section(key="evidence", title="Файлы", rows=evidence, order=60,
            columns={"pair": PAIR, "file": _("файл"), "link": verbose(Evidence, "link")}),
)
