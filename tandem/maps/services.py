"""Writes for maps: the automatic draft, row edits with conflict detection, the status
flow, the record of the work (meetings, evidence, reflection)."""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext_lazy

from tandem.accounts.models import User
from tandem.core import maps as core
from tandem.core import task_library as library
from tandem.diagnostics.selectors import areas_of
from tandem.maps import tallies as technology_tallies
from tandem.maps import undo
from tandem.maps.models import Evidence, Map, Meeting, Reflection, Row, TaskTemplate
from tandem.maps.selectors import (
    library_for,
    library_templates,
    row_library_direction,
    swap_candidates,
)
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.resources.models import Resource
from tandem.web.exports import erasure_lock
from tandem.web.signals import figures_changed

CONFLICT = gettext_lazy("Эту строку только что изменил другой участник. Мы показали её "
                        "новую версию — внесите свои правки ещё раз.")
NOT_EDITABLE = gettext_lazy("Карта сейчас не редактируется: она согласована или утверждена. "
                            "Правки возможны в черновике и при выполнении.")
TARGET_BELOW = gettext_lazy("Целевой уровень не может быть ниже текущего.")
DEADLINE_OUTSIDE = gettext_lazy("Срок должен быть внутри срока пары: %(start)s — %(end)s.")
WRONG_STEP = gettext_lazy("Это действие сейчас недоступно для карты в статусе «%(status)s».")
NOT_A_MEMBER = gettext_lazy("Согласовать карту может только участник пары.")
REASON_REQUIRED = gettext_lazy("Укажите причину досрочного прекращения.")
REOPEN_REASON_REQUIRED = gettext_lazy("Укажите, почему карту возвращают в работу.")
REOPEN_TOO_LATE = ngettext_lazy(
    "Вернуть карту в работу можно в течение %(days)s дня после закрытия; этот срок прошёл.",
    "Вернуть карту в работу можно в течение %(days)s дней после закрытия; этот срок прошёл.",
    "days")
REOPEN_PAIR_TAKEN = gettext_lazy("Эти двое уже работают в новой паре: старую карту вернуть "
                                 "нельзя, продолжайте в новой.")
RESOURCE_UNAVAILABLE = gettext_lazy("Этого ресурса нет в каталоге, доступном паре.")
TRAINING_NO_RECORD = gettext_lazy("Учебная карта кейса не выполняется: отметки о выполнении "
                                  "в ней не ведутся.")
NOTHING_TO_RESTORE = gettext_lazy("Вернуть нечего: строку уже вернули, прошёл час или удалили "
                                  "другую.")

# What of a row «Вернуть строку» puts back (row_snapshot): all it holds but its place in
# the audit trail (the restored row is a new record, its entry says who put it back).
ROW_FIELDS = ("direction", "order", "competency", "title", "current_level", "target_level",
              "partner_level", "task", "forms", "product", "evidence", "resources_note",
              "technology", "template_id")


class MapError(Exception):
    pass


class MapConflict(MapError):
    pass


def resources_for(pair: Pair) -> Any:
    """The catalogue the pair draws on (``Resource.objects.reachable``): the federal one,
    their organizations', municipalities' and region's."""
    return Resource.objects.reachable(
        region_ids=[pair.organization.municipality.region_id],
        municipality_ids={pair.a.organization.municipality_id,
                          pair.b.organization.municipality_id},
        organization_ids={pair.a.organization_id, pair.b.organization_id},
    ).prefetch_related("competencies")


def resources_for_map(the_map: Map) -> Any:
    """The resources a map's rows may draw on: a training map only its case's (fixed list),
    a real map the pair's catalogue."""
    if the_map.team_id is not None:
        return (the_map.team.case.resources.filter(is_active=True)  # type: ignore[union-attr,misc]
                .prefetch_related("competencies"))
    return resources_for(the_map.pair)  # type: ignore[arg-type]


def _lessons(items: list[dict[str, Any]], area: Mapping[str, str]) -> list[core.Lesson]:
    return [core.Lesson(competency=x["competency"], title=x.get("title") or x["competency"],
                        area=area[x["competency"]],
                        teacher_level=x["teacher_level"], learner_level=x["learner_level"],
                        priority=x.get("priority"), wants_to_learn=bool(x.get("wants_to_learn")))
            for x in items]


def map_draft(pair: Pair) -> Map:
    """The map's first draft from what each teaches the other (docs/maps.md)."""
    return map_drafts([pair])[0]


@transaction.atomic
def map_drafts(pairs: Sequence[Pair]) -> list[Map]:
    """:func:`map_draft` for many pairs at once (a curator approves a whole proposal):
    the same drafts, with the pairs, their catalogues, libraries and the competencies'
    areas read once for all, every map created through the model (the audit trail records
    each) and the rows written in one go. A pair that has its map already keeps it."""
    existing = {m.pair_id: m for m in Map.objects.filter(pair__in=[p.pk for p in pairs])}
    fresh = {p.pk: p for p in Pair.objects.filter(
        pk__in=[p.pk for p in pairs if p.pk not in existing]).select_related(
        "a__organization__municipality", "b__organization__municipality",
        "organization__municipality")}
    area = areas_of(x["competency"] for p in fresh.values()
                    for x in (*p.a_teaches_b, *p.b_teaches_a))
    catalogues: dict[tuple[object, ...], list[core.ResourceOption]] = {}
    libraries: dict[int, list[library.TaskTemplate]] = {}
    drafts: list[tuple[Row, list[int]]] = []
    for pair in fresh.values():
        the_map = existing[pair.pk] = Map.objects.create(pair=pair)
        key = _catalogue_key(pair)
        if key not in catalogues:
            catalogues[key] = [core.ResourceOption(r.pk, r.title, r.level,
                                                   frozenset(c.code for c in r.competencies.all()),
                                                   r.starts_on, r.ends_on)
                               for r in resources_for(pair)]
        if pair.organization_id not in libraries:
            libraries[pair.organization_id] = library_for(organization_id=pair.organization_id)
        drafts += _drafted_rows(the_map, pair, catalogues[key],
                                libraries[pair.organization_id], area)
    # In bulk: the demo region drafts a thousand maps at once. The audit trail records
    # the map's creation; its rows are the engine's draft, not anyone's edit.
    rows = Row.objects.bulk_create([row for row, _ids in drafts])
    Row.resources.through.objects.bulk_create([
        Row.resources.through(row_id=row.pk, resource_id=rid)
        for row, (_row, ids) in zip(rows, drafts, strict=True) for rid in ids])
    _pairs_rows_written(list(fresh))
    return [existing[p.pk] for p in pairs]


def _catalogue_key(pair: Pair) -> tuple[object, ...]:
    """What :func:`resources_for` depends on: pairs with the same key share a catalogue."""
    return (pair.organization.municipality.region_id,
            frozenset({pair.a.organization.municipality_id, pair.b.organization.municipality_id}),
            frozenset({pair.a.organization_id, pair.b.organization_id}))


def _drafted_rows(the_map: Map, pair: Pair, options: list[core.ResourceOption],
                  templates: list[library.TaskTemplate],
                  area: Mapping[str, str]) -> list[tuple[Row, list[int]]]:
    drafts: list[tuple[Row, list[int]]] = []
    used: set[str] = set()
    person = {pair.a_id: (pair.a.experience_years, pair.a.age_band),
              pair.b_id: (pair.b.experience_years, pair.b.age_band)}
    for direction, items, teacher, learner in (
            (Row.Direction.A_TO_B, pair.a_teaches_b, pair.a_id, pair.b_id),
            (Row.Direction.B_TO_A, pair.b_teaches_a, pair.b_id, pair.a_id)):
        for order, d in enumerate(core.draft_direction(
                _lessons(items, area), options, start=pair.starts_on, end=pair.ends_on,
                templates=templates, used_ids=used,
                direction=core.pair_direction(person[teacher], person[learner]))):
            drafts.append((Row(
                map=the_map, direction=direction, order=order, competency=d.competency,
                title=d.title, current_level=d.current_level, target_level=d.target_level,
                partner_level=d.partner_level, task=d.task, forms=d.forms, deadline=d.deadline,
                product=d.product, evidence=d.evidence, resources_note=d.resources_note,
                technology=d.technology, template_id=d.template_id),
                d.resources))
    return drafts


def _rows_written(the_map: Map) -> None:
    if the_map.pair_id is not None:
        _pairs_rows_written([the_map.pair_id])


def _pairs_rows_written(pair_ids: Sequence[int]) -> None:
    """Rows written past the model's signals (``bulk_create``, ``update()``): the figures
    kept per organization hear it (tandem/monitoring/tallies.py)."""
    if not pair_ids:
        return
    pairs = Pair.objects.filter(pk__in=list(pair_ids))
    technology_tallies.touch_pairs(pairs)
    figures_changed.send(sender=Row, organization_ids={
        pk for row in pairs.values_list("a__organization_id", "b__organization_id")
        for pk in row})


def _check_row(the_map: Map, data: Mapping[str, Any]) -> None:
    starts_on, ends_on = the_map.term
    if data["target_level"] < data["current_level"]:
        raise MapError(str(TARGET_BELOW))
    if not starts_on <= data["deadline"] <= ends_on:
        raise MapError(str(DEADLINE_OUTSIDE) % {"start": f"{starts_on:%d.%m.%Y}",
                                                "end": f"{ends_on:%d.%m.%Y}"})


@transaction.atomic
def row_update(*, row: Row, data: Mapping[str, Any], version: int, user: User | None) -> Row:
    """Saves a row edited from ``version``; refuses if someone saved it in between."""
    if not row.map.editable:
        raise MapError(str(NOT_EDITABLE))
    _check_row(row.map, data)
    fields: tuple[str, ...] = ("title", "current_level", "target_level", "task", "forms",
                               "deadline", "product", "evidence")
    if "technology" in data:
        fields += ("technology",)
    if data.get("competency"):  # chosen in the editor of a training map only
        fields += ("competency",)
    updated = Row.objects.filter(pk=row.pk, version=version).update(
        **{f: data[f] for f in fields}, version=F("version") + 1, updated_by=user,
        updated_at=timezone.now())
    if not updated:
        raise MapConflict(str(CONFLICT))
    fresh = Row.objects.get(pk=row.pk)
    _log_row_change(row, fresh, user)
    _rows_written(row.map)
    return fresh


def _log_row_change(before: Row, after: Row, user: User | None) -> None:
    # The update() above bypasses model signals, so the audit entry is written here.
    from auditlog.models import LogEntry

    changes = {}
    for name in ("title", "current_level", "target_level", "task", "forms", "deadline",
                 "product", "evidence", "technology", "template_id"):
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            changes[name] = [str(old), str(new)]
    if changes:
        LogEntry.objects.log_create(after, force_log=True, action=LogEntry.Action.UPDATE,
                                    changes=changes, actor=user)


@transaction.atomic
def row_add(*, the_map: Map, direction: str, data: Mapping[str, Any], user: User | None) -> Row:
    if not the_map.editable:
        raise MapError(str(NOT_EDITABLE))
    _check_row(the_map, data)
    last = the_map.rows.filter(direction=direction).order_by("-order").first()
    return Row.objects.create(
        map=the_map, direction=direction, order=(last.order + 1) if last else 0,
        competency=data.get("competency", ""), title=data["title"],
        current_level=data["current_level"], target_level=data["target_level"],
        partner_level=data.get("partner_level", 3), task=data["task"],
        forms=data.get("forms", []), deadline=data["deadline"], product=data["product"],
        evidence=data["evidence"], technology=data.get("technology", ""), updated_by=user)


def row_snapshot(row: Row) -> dict[str, Any]:
    """The row as plain JSON (kept by maps/undo.py for one undo): its fields, its
    resources and its links — not its files (``files``: how many), which its delete
    deletes for good."""
    items = list(row.evidence_items.all())
    return {**{f: getattr(row, f) for f in ROW_FIELDS},
            "deadline": row.deadline.isoformat(),
            "done_at": row.done_at.isoformat() if row.done_at else None,
            "resources": sorted(row.resources.values_list("pk", flat=True)),
            "evidence_items": [{"link": e.link, "original_name": e.original_name,
                                "uploaded_by": e.uploaded_by_id} for e in items if not e.file],
            "files": sum(1 for e in items if e.file)}


def row_files(row: Row) -> int:
    """How many files are attached to the row (its delete deletes them for good)."""
    return row.evidence_items.exclude(file="").count()


@transaction.atomic
def row_delete(*, row: Row, user: User | None = None) -> None:
    """Deletes the row (asked once before, maps.views.row_delete) and, after the commit,
    its files for good (a file may name anyone, and an anonymisation would not find it
    once its record is gone); keeps the rest for ``user``'s «Вернуть строку»
    (maps/undo.py; nothing kept without a user). Under the erasure lock, shared, and
    read again under it: an anonymisation comes wholly before (the row kept is already
    anonymised) or after (it deletes the row kept)."""
    if not row.map.editable:
        raise MapError(str(NOT_EDITABLE))
    erasure_lock(shared=True)
    fresh = (Row.objects.select_related("map").prefetch_related("evidence_items")
             .filter(pk=row.pk).first())
    if fresh is None:
        return  # deleted meanwhile
    snapshot = row_snapshot(fresh)
    storage = Evidence._meta.get_field("file").storage  # type: ignore[union-attr]
    files = [str(e.file.name) for e in fresh.evidence_items.all() if e.file]
    fresh.delete()
    if user is not None:
        undo.remember(user.pk, fresh.map, snapshot)

    def delete_files() -> None:
        for name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)


@transaction.atomic
def row_restore(*, the_map: Map, user: User) -> Row:
    """Puts back the row this user deleted from the map last (:func:`row_delete`, kept
    by maps/undo.py, taken once) as a new row of the map: its place, texts, levels,
    deadline, resources still in the map's catalogue and its links; not its files."""
    if not the_map.editable:
        raise MapError(str(NOT_EDITABLE))
    erasure_lock(shared=True)
    snapshot = undo.take(user.pk, the_map)
    if not snapshot:
        raise MapError(str(NOTHING_TO_RESTORE))
    row = Row.objects.create(
        map=the_map, **{f: snapshot[f] for f in ROW_FIELDS},
        deadline=dt.date.fromisoformat(snapshot["deadline"]),
        done_at=dt.date.fromisoformat(snapshot["done_at"]) if snapshot["done_at"] else None,
        updated_by=user)
    row.resources.set(resources_for_map(the_map).filter(pk__in=snapshot["resources"]))
    uploaders = set(User.objects.filter(pk__in=[
        e["uploaded_by"] for e in snapshot["evidence_items"]]).values_list("pk", flat=True))
    for item in snapshot["evidence_items"]:
        Evidence.objects.create(row=row, original_name=item["original_name"],
                                link=item["link"], uploaded_by_id=item["uploaded_by"]
                                if item["uploaded_by"] in uploaders else None)
    return row


@transaction.atomic
def row_resource(*, row: Row, resource_id: int, add: bool) -> None:
    if not row.map.editable:
        raise MapError(str(NOT_EDITABLE))
    resource = resources_for_map(row.map).filter(pk=resource_id).first()
    if resource is None:
        raise MapError(str(RESOURCE_UNAVAILABLE))
    if add:
        row.resources.add(resource)
    else:
        row.resources.remove(resource)
    Row.objects.filter(pk=row.pk).update(version=F("version") + 1)


# -- the record of the work ----------------------------------------------------------
@transaction.atomic
def meeting_add(*, pair: Pair, data: Mapping[str, Any], user: User | None) -> Meeting:
    return Meeting.objects.create(pair=pair, created_by=user, **data)


@transaction.atomic
def row_done(*, row: Row, upload: UploadedFile | None, link: str, user: User | None,
             when: dt.date | None = None) -> Evidence:
    """Marks the row's task done with its evidence: a file or a link, exactly one
    (web/attachments.py)."""
    if row.map.team_id is not None:
        raise MapError(str(TRAINING_NO_RECORD))
    evidence = Evidence(row=row, uploaded_by=user)
    try:
        evidence.attach(upload, link)
    except ValueError as problem:
        raise MapError(str(problem)) from None
    evidence.save()
    fresh = Row.objects.select_for_update().get(pk=row.pk)
    fresh.done_at = when or timezone.localdate()
    fresh.version += 1
    fresh.save(update_fields=["done_at", "version"])  # saved, so the audit trail sees it
    row.done_at, row.version = fresh.done_at, fresh.version
    evidence.store_after_commit(upload)
    return evidence


@transaction.atomic
def reflection_save(*, the_map: Map, participant: Participant, direction: str,
                    text: str) -> Reflection:
    reflection, _created = Reflection.objects.update_or_create(
        map=the_map, participant=participant, direction=direction,
        defaults={"text": text.strip()})
    return reflection


# -- the task library (docs/task-library.md) -----------------------------------------
NO_OTHER_TEMPLATE = gettext_lazy("В библиотеке нет другой задачи по этой компетенции: все "
                                 "подходящие уже есть в карте. Измените строку вручную.")
ROW_NOT_FOR_LIBRARY = gettext_lazy("В библиотеку сохраняется строка настоящей карты с "
                                   "компетенцией и технологией из списка программы.")


@transaction.atomic
def row_swap(*, row: Row, version: int, user: User | None) -> Row:
    """Puts the next library template (``selectors.swap_candidates``) on the row: its task,
    technology, form, product and evidence; the row's deficit, levels, deadline and
    resources stay. Refuses if the row changed since ``version``."""
    if not row.map.editable:
        raise MapError(str(NOT_EDITABLE))
    candidates = swap_candidates(row)
    if not candidates:
        raise MapError(str(NO_OTHER_TEMPLATE))
    template = candidates[0]
    forms = [template.form]
    if core.RESOURCE_STUDY in row.forms and template.form != core.RESOURCE_STUDY:
        forms.append(core.RESOURCE_STUDY)
    updated = Row.objects.filter(pk=row.pk, version=version).update(
        task=template.task, technology=template.technology, forms=forms,
        product=template.product[:300], evidence=template.evidence[:300],
        template_id=template.id, version=F("version") + 1, updated_by=user,
        updated_at=timezone.now())
    if not updated:
        raise MapConflict(str(CONFLICT))
    fresh = Row.objects.get(pk=row.pk)
    _log_row_change(row, fresh, user)
    _rows_written(row.map)
    return fresh


def _library_id(prefix: str, taken: set[str]) -> str:
    number = 1
    while f"{prefix}.{number}" in taken:
        number += 1
    return f"{prefix}.{number}"


def library_new_id(*, competency: str, direction: str, suffix: str = "") -> str:
    """A free identifier for a new template, made of its competency and direction
    (``ict.online_tests.y2s.3``): people adding a template never have to invent one."""
    short = {library.YOUNG_TO_SENIOR: "y2s", library.SENIOR_TO_YOUNG: "s2y",
             library.MUTUAL: "mut"}.get(direction, "mut")
    taken = set(TaskTemplate.objects.values_list("source_id", flat=True))
    return _library_id(".".join(p for p in (competency, short, suffix) if p), taken)


@transaction.atomic
def row_to_library(*, row: Row, user: User | None) -> TaskTemplate:
    """Saves a good row of a real map as a template of its pair's organization's library
    (the audit trail records the new template and who saved it)."""

    pair = row.map.pair
    if pair is None or not row.competency or row.technology not in library.TECHNOLOGY_CODES:
        raise MapError(str(ROW_NOT_FOR_LIBRARY))
    direction = row_library_direction(row)
    if direction == library.MUTUAL or row.partner_level <= library.WEAK_TEACHER:
        direction = library.wanted_direction(direction, row.current_level, row.partner_level)
    source_id = library_new_id(competency=row.competency, direction=direction,
                               suffix=f"org{pair.organization_id}")
    form = next((f for f in row.forms if f != core.RESOURCE_STUDY), None) or (
        row.forms[0] if row.forms else core.CONSULTATION)
    starts_on, _ends_on = row.map.term
    weeks = max(library.MIN_WEEKS, min(library.MAX_WEEKS,
                                       round((row.deadline - starts_on).days / 7) or 1))
    item = {"id": source_id, "competency": row.competency, "direction": direction,
            "task": row.task, "technology": row.technology, "form": form,
            "product": row.product, "evidence": row.evidence, "weeks": weeks,
            "levels": [row.current_level, row.current_level], "resource_hint": ""}
    try:
        template = library.parse_template(item)
    except library.LibraryError as problem:
        raise MapError(str(problem)) from problem
    last = TaskTemplate.objects.order_by("-position").values_list("position", flat=True).first()
    saved = template_create(template, organization_id=pair.organization_id, user=user,
                            position=(last or 0) + 1)
    Row.objects.filter(pk=row.pk).update(template_id=saved.source_id)
    return saved


def template_create(template: Any, *, region_id: int | None = None,
                    organization_id: int | None = None, user: User | None,
                    position: int) -> TaskTemplate:
    """A checked ``core.task_library.TaskTemplate`` saved for its owner."""
    return TaskTemplate.objects.create(
        source_id=template.id, competency=template.competency, direction=template.direction,
        task=template.task, technology=template.technology, form=template.form,
        product=template.product, evidence=template.evidence, weeks=template.weeks,
        level_from=template.levels[0], level_to=template.levels[1],
        resource_hint=template.resource_hint, region_id=region_id,
        organization_id=organization_id, position=position, created_by=user)


TEMPLATE_FIELDS = ("competency", "direction", "task", "technology", "form", "product",
                   "evidence", "weeks", "level_from", "level_to", "resource_hint")


def _values(template: Any) -> dict[str, Any]:
    return {"competency": template.competency, "direction": template.direction,
            "task": template.task, "technology": template.technology, "form": template.form,
            "product": template.product, "evidence": template.evidence,
            "weeks": template.weeks, "level_from": template.levels[0],
            "level_to": template.levels[1], "resource_hint": template.resource_hint}


@transaction.atomic
def template_save(*, template: Any, region_id: int | None, user: User | None,
                  is_active: bool = True) -> TaskTemplate:
    """Saves a checked template into the region's library (``region_id`` None: the
    default library, the superuser's): the region's own template of that id is changed,
    a default one is overridden by a region's copy (the default stays for other regions).
    Saved through the model, so the audit trail records the change."""
    values = _values(template)
    own = TaskTemplate.objects.filter(source_id=template.id, organization__isnull=True)
    own = own.filter(region_id=region_id) if region_id else own.filter(region__isnull=True)
    existing = own.first()
    if existing is not None:
        for name, value in values.items():
            setattr(existing, name, value)
        existing.is_active = is_active
        existing.save()
        return existing
    held = {t.source_id: t for t in library_templates(region_id=region_id,
                                                      include_inactive=True)}
    base = held.get(template.id)
    if base is None:
        last = (TaskTemplate.objects.order_by("-position")
                .values_list("position", flat=True).first())
        position = (last or 0) + 1
    else:
        position = base.position
    saved = template_create(template, region_id=region_id, user=user, position=position)
    if not is_active:
        saved.is_active = False
        saved.save(update_fields=["is_active"])
    return saved


@transaction.atomic
def template_set_active(*, template: TaskTemplate, region_id: int | None, active: bool,
                        user: User | None) -> TaskTemplate:
    """Turns a template of the region's library off (or back on); a default template is
    turned off for the region by an inactive region's copy."""
    return template_save(template=template.as_core(), region_id=region_id, user=user,
                         is_active=active)


@transaction.atomic
def library_import(*, templates: list[Any], region_id: int | None,
                   user: User | None) -> int:
    """Saves the checked templates of an imported table into the region's library: each
    that differs from what the region has now (or is new); the rest stay as they are.
    All or nothing: the caller checked the whole table first. Returns how many changed."""
    held = {t.source_id: t for t in library_templates(region_id=region_id,
                                                      include_inactive=True)}
    changed = 0
    for template in templates:
        current = held.get(template.id)
        if current is not None and current.is_active and _values(current.as_core()) == _values(
                template):
            continue
        template_save(template=template, region_id=region_id, user=user)
        changed += 1
    return changed
