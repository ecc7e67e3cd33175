import datetime as dt

from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.access.scope import scope_for
from tandem.core import names
from tandem.directory.selectors import participant_mine
from tandem.maps import documents, lifecycle, selectors, services, undo
from tandem.maps.forms import DoneForm, MeetingForm, ReflectionForm, RowForm
from tandem.maps.models import Map, Row
from tandem.pairs import selectors as pair_selectors
from tandem.pairs.forms import ApproveForm
from tandem.pairs.models import Pair
from tandem.pairs.services import DECLINE_REASON_REQUIRED, AlreadyConfirmed, PairsError
from tandem.people.models import Participant
from tandem.web.attachments import attachment_response
from tandem.web.confirm import Confirmation, confirm_page, is_confirmed, reopen_until
from tandem.web.forms import errors_text, form_id


def _context(request: HttpRequest, pair_pk: int) -> dict[str, object]:
    scope = scope_for(request.user)
    pair, rights = selectors.pair_for_map(scope=scope, pair_pk=pair_pk)
    the_map = selectors.map_of(pair)
    rows = list(the_map.rows.all())
    today = timezone.localdate()
    me = scope.own_participant_id
    reflections = {(r.participant_id, r.direction): r for r in the_map.reflections.all()}
    slots = []
    if me in (pair.a_id, pair.b_id):
        mentor_in = Row.Direction.A_TO_B if me == pair.a_id else Row.Direction.B_TO_A
        for direction in (Row.Direction.A_TO_B, Row.Direction.B_TO_A):
            label = (_("Мой вклад как наставника") if direction == mentor_in
                     else _("Мои итоги как наставляемого"))
            existing = reflections.get((me, direction))
            slots.append((direction, label, existing.text if existing else ""))
    def mentors(teacher: Participant, learner: Participant) -> str:
        return _("%(a)s наставляет %(b)s") % {
            "a": teacher.full_name,
            "b": names.full_name(learner.surname, learner.name, learner.patronymic,
                                 "accusative")}

    return {
        "pair": pair, "map": the_map, "rights": rights, "me": me,
        "heading_ab": mentors(pair.a, pair.b), "heading_ba": mentors(pair.b, pair.a),
        "rows_ab": [r for r in rows if r.direction == Row.Direction.A_TO_B],
        "rows_ba": [r for r in rows if r.direction == Row.Direction.B_TO_A],
        "progress_ab": selectors.progress(rows, Row.Direction.A_TO_B, today),
        "progress_ba": selectors.progress(rows, Row.Direction.B_TO_A, today),
        "meetings": list(selectors.meetings_of(pair)[:50]),
        "meetings_count": selectors.meetings_counts(pair, today),
        "reopenable": rights.staff and lifecycle.map_reopenable(the_map),
        "my_agreed": bool((me == pair.a_id and the_map.a_agreed_at)
                          or (me == pair.b_id and the_map.b_agreed_at)),
        "reopen_until": reopen_until(the_map.closed_at),
        "reflection_slots": slots,
        "resources": list(services.resources_for(pair).order_by("title")[:300]),
        "meeting_form": MeetingForm(people=selectors.pair_members(pair)),
        # Prefixed: the page also holds rows' own edit forms with the same fields.
        "row_form": RowForm(prefix="new"), "done_form": DoneForm(), "today": today,
        "row_undo": undo.pending(request.user.pk, the_map) if rights.edit else None,
    }


def detail(request: HttpRequest, pair_pk: int) -> HttpResponse:
    return render(request, "maps/map.html", _context(request, pair_pk))


def _row(request: HttpRequest, pk: int) -> tuple[Row, selectors.Rights]:
    """A row of a real or a training map: the same editor serves both."""
    return selectors.row_get(scope=scope_for(request.user), pk=pk, for_="manage")


def row_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the row's form (GET) or its saved view (POST); a conflict shows the new version."""
    row, _rights = _row(request, pk)
    competencies = selectors.row_competencies(row.map)
    technologies = selectors.technology_choices(row.map, current=row.technology)
    if request.method != "POST":
        form = RowForm(initial={**{f: getattr(row, f) for f in (
            "title", "current_level", "target_level", "task", "forms", "deadline", "product",
            "evidence", "competency", "technology")}, "version": row.version},
            competencies=competencies, technologies=technologies)
        return render(request, "maps/_row_form.html", {"row": row, "form": form})
    form = RowForm(request.POST, competencies=competencies, technologies=technologies)
    error = ""
    if form.is_valid():
        try:
            row = services.row_update(row=row, data=form.cleaned_data,
                                      version=form.cleaned_data["version"] or 0,
                                      user=request.user)  # type: ignore[arg-type]
        except services.MapConflict as conflict:
            row.refresh_from_db()
            error = str(conflict)
        except services.MapError as problem:
            form.add_error(None, str(problem))
            return render(request, "maps/_row_form.html", {"row": row, "form": form})
    else:
        return render(request, "maps/_row_form.html", {"row": row, "form": form})
    if not request.htmx:  # type: ignore[attr-defined]
        (messages.error if error else messages.success)(request, error or _("Сохранено."))
        return redirect(row.map.get_absolute_url())
    return render(request, "maps/_row.html", {
        "row": row, "conflict": error, "rights": _rights, "map": row.map,
        "resources": list(services.resources_for_map(row.map).order_by("title")[:300]),
        "done_form": DoneForm(), "today": timezone.localdate()})


def _redirect(pair_pk: int) -> HttpResponse:
    return redirect("maps:detail", pair_pk=pair_pk)


@require_POST
def row_add(request: HttpRequest, pair_pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    pair, _rights = selectors.pair_for_map(scope=scope, pair_pk=pair_pk, for_="manage")
    form = RowForm(request.POST, prefix="new")
    direction = request.POST.get("direction", "")
    if direction not in Row.Direction.values or not form.is_valid():
        messages.error(request, _("Строка не добавлена: заполните все поля."))
        return _redirect(pair_pk)
    try:
        services.row_add(the_map=selectors.map_of(pair), direction=direction,
                         data=form.cleaned_data, user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Строка добавлена."))
    except services.MapError as problem:
        messages.error(request, str(problem))
    return _redirect(pair_pk)


@require_POST
def row_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks once (what goes, what cannot come back), then deletes; the map's page offers
    «Вернуть строку» for an hour (maps/undo.py)."""
    row, _rights = _row(request, pk)
    back = row.map.get_absolute_url()
    if not is_confirmed(request):
        lines = [_("Строка «%(title)s» со сроком %(date)s исчезнет из карты вместе с "
                   "задачей, ресурсами и подтверждениями.") % {
                       "title": row.title, "date": f"{row.deadline:%d.%m.%Y}"}]
        files = services.row_files(row)
        if files:
            lines.append(_("Прикреплённые файлы (%(count)s) будут удалены безвозвратно: "
                           "вместе со строкой они не вернутся.") % {"count": files})
        lines.append(_("В журнале изменений останется, кто и когда её удалил."))
        return confirm_page(request, Confirmation(
            title=_("Удалить строку карты?"), consequences=lines,
            button=_("Да, удалить"), action=request.path, back=back,
            undo=_("Сразу после удаления на странице карты появится кнопка «Вернуть "
                   "строку»: она вернёт строку в течение часа.")))
    try:
        services.row_delete(row=row, user=request.user)  # type: ignore[arg-type]
    except services.MapError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Строка удалена. Вернуть её можно кнопкой ниже в "
                                    "течение часа."))
    return redirect(back)


@require_POST
def row_restore(request: HttpRequest, map_pk: int) -> HttpResponse:
    """«Вернуть строку»: puts back the row this user deleted last from this map."""
    the_map, _rights = selectors.map_get(scope=scope_for(request.user), pk=map_pk,
                                         for_="manage")
    try:
        row = services.row_restore(the_map=the_map,
                                   user=request.user)  # type: ignore[arg-type]
    except services.MapError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Строка «%(title)s» возвращена в карту.") % {
            "title": row.title})
    return redirect(the_map.get_absolute_url())


@require_POST
def row_resource(request: HttpRequest, pk: int) -> HttpResponse:
    row, _rights = _row(request, pk)
    raw = request.POST.get("resource", "")
    try:
        if not form_id(raw):
            raise services.MapError(str(services.RESOURCE_UNAVAILABLE))
        services.row_resource(row=row, resource_id=form_id(raw),
                              add=request.POST.get("action") != "remove")
        messages.success(request, _("Ресурсы строки обновлены."))
    except services.MapError as problem:
        messages.error(request, str(problem))
    return redirect(row.map.get_absolute_url())


@require_POST
def row_done(request: HttpRequest, pk: int) -> HttpResponse:
    row, _rights = _row(request, pk)
    form = DoneForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect(row.map.get_absolute_url())
    try:
        services.row_done(row=row, upload=form.cleaned_data.get("file"),
                          link=form.cleaned_data.get("link") or "",
                          user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Задача отмечена выполненной."))
    except services.MapError as problem:
        messages.error(request, str(problem))
    return redirect(row.map.get_absolute_url())


def evidence(request: HttpRequest, pk: int) -> HttpResponseBase:
    return attachment_response(selectors.evidence_get(scope=scope_for(request.user), pk=pk))


# Who may take each step of a map's life (selectors.MapAccess).
_STATUS_RIGHT: dict[str, selectors.MapAccess] = {
    "agree": "member", "approve": "staff", "start": "staff", "complete": "staff",
    "end": "manage", "reopen": "staff"}


def _confirm_closing(request: HttpRequest, pair: Pair, the_map: Map,
                     action: str) -> HttpResponse:
    """What finishing or ending the map early will do, asked once (tandem/web/confirm.py)."""
    today = timezone.localdate()
    rows = list(the_map.rows.all())
    both = [selectors.progress(rows, d, today) for d in Row.Direction.values]
    done, overdue = sum(p.done for p in both), sum(p.overdue for p in both)
    lines = [_("Выполнено задач: %(done)s из %(total)s; просрочено: %(overdue)s.") % {
        "done": done, "total": len(rows), "overdue": overdue}]
    if pair.ends_on > today:
        lines.append(_("Срок пары идёт до %(end)s: осталось %(days)s дн.") % {
            "end": f"{pair.ends_on:%d.%m.%Y}", "days": (pair.ends_on - today).days})
    if action == "complete":
        title, button = _("Завершить карту и пару?"), _("Да, завершить")
        lines.append(_("Карта закроется для правок, пара будет завершена, участники "
                       "снова попадут в подбор."))
    else:
        title, button = _("Прекратить наставничество досрочно?"), _("Да, прекратить")
        lines.append(_("Карта и пара будут прекращены досрочно; причину увидят оба "
                       "участника и куратор (ст. 351.8 ТК РФ)."))
    until = reopen_until(timezone.now())
    return confirm_page(request, Confirmation(
        title=title, consequences=lines, button=button,
        action=request.path, back=the_map.get_absolute_url(), fields={"action": action},
        undo=_("Куратор сможет вернуть карту в работу до %(date)s, указав причину.") % {
            "date": f"{until:%d.%m.%Y}"} if until else "",
        reason_label=_("Причина досрочного прекращения") if action == "end" else "",
        reason=request.POST.get("reason", "")))


@require_POST
def status(request: HttpRequest, pair_pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    action = request.POST.get("action", "")
    need = _STATUS_RIGHT.get(action)
    if need is None:
        messages.error(request, _("Неизвестное действие с картой."))
        return _redirect(pair_pk)
    pair, _rights = selectors.pair_for_map(scope=scope, pair_pk=pair_pk, for_=need)
    the_map = selectors.map_of(pair)
    if action in ("complete", "end") and not is_confirmed(request):
        return _confirm_closing(request, pair, the_map, action)
    try:
        if action == "agree":
            lifecycle.map_agree(the_map=the_map, participant=participant_mine(scope=scope))
        elif action == "approve":
            lifecycle.map_approve(the_map=the_map, user=request.user)  # type: ignore[arg-type]
        elif action == "start":
            lifecycle.map_start(the_map=the_map)
        elif action == "complete":
            lifecycle.map_complete(the_map=the_map)
        elif action == "reopen":
            lifecycle.map_reopen(the_map=the_map, reason=request.POST.get("reason", "")[:300])
        else:
            lifecycle.map_end_early(the_map=the_map, reason=request.POST.get("reason", ""))
        the_map.refresh_from_db(fields=["status"])
        messages.success(request, _("Статус карты: %(s)s.") % {
            "s": the_map.get_status_display()})
    except services.MapError as problem:
        messages.error(request, str(problem))
    return _redirect(pair_pk)


@require_POST
def meeting_add(request: HttpRequest, pair_pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    pair, _rights = selectors.pair_for_map(scope=scope, pair_pk=pair_pk, for_="manage")
    form = MeetingForm(request.POST, people=selectors.pair_members(pair))
    if form.is_valid():
        data = form.cleaned_data
        if not pair.starts_on <= data["date"] <= pair.ends_on:
            messages.error(request, str(services.DEADLINE_OUTSIDE) % {
                "start": f"{pair.starts_on:%d.%m.%Y}", "end": f"{pair.ends_on:%d.%m.%Y}"})
        else:
            services.meeting_add(pair=pair, data=data, user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Встреча записана."))
    else:
        messages.error(request, _("Встреча не записана: %(e)s") % {
            "e": errors_text(form, "; ")})
    return _redirect(pair_pk)


def calendar(request: HttpRequest, pair_pk: int) -> HttpResponse:
    """The pair's planned meetings as an .ics file for any calendar."""
    scope = scope_for(request.user)
    pair, _rights = selectors.pair_for_map(scope=scope, pair_pk=pair_pk)
    meetings = selectors.meetings_of(pair, planned_only=True)
    body = documents.ics(pair, list(meetings), host=request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tandem-pair-{pair.pk}.ics"'
    return response


@require_POST
def reflection(request: HttpRequest, pair_pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    pair, _rights = selectors.pair_for_map(scope=scope, pair_pk=pair_pk, for_="member")
    form = ReflectionForm(request.POST)
    if form.is_valid():
        services.reflection_save(the_map=selectors.map_of(pair),
                                 participant=participant_mine(scope=scope),
                                 direction=form.cleaned_data["direction"],
                                 text=form.cleaned_data["text"])
        messages.success(request, _("Рефлексия сохранена."))
    else:
        messages.error(request, _("Напишите хотя бы несколько слов."))
    return _redirect(pair_pk)


def document(request: HttpRequest, pair_pk: int, fmt: str) -> HttpResponse:
    scope = scope_for(request.user)
    pair, _rights = selectors.pair_for_map(scope=scope, pair_pk=pair_pk)
    data = documents.map_data(selectors.map_of(pair))
    if fmt == "docx":
        body, content_type = documents.map_docx(data), documents.DOCX
    else:
        body, content_type = documents.map_pdf(data), "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="karta-{pair.pk}-{dt.date.today():%Y%m%d}.{fmt}"')
    return response


# -- the pair's life before its map: approval of a proposal, confirmation by each member
@require_POST
def pair_approve(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    run = pair_selectors.run_get(scope=scope, pk=pk)
    form = ApproveForm(request.POST)
    keys = request.POST.getlist("pair")
    if not keys:
        messages.error(request, _("Отметьте пары, которые утверждаете."))
        return redirect("pairs:run", pk=pk)
    if not form.is_valid():
        messages.error(request, _("Проверьте сроки: начало и окончание — даты."))
        return redirect("pairs:run", pk=pk)
    try:
        created = lifecycle.pairs_approve(
            run=run, keys=keys, starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"], curator=request.user,  # type: ignore[arg-type]
            base_url=request.build_absolute_uri("/"))
    except PairsError as error:
        messages.error(request, str(error))
        return redirect("pairs:run", pk=pk)
    messages.success(request, _("Утверждено пар: %(n)s. Участники получили письма и "
                                "подтвердят пары в своих кабинетах.") % {"n": len(created)})
    return redirect("pairs:list")


@require_POST
def pair_decline(request: HttpRequest, pk: int) -> HttpResponse:
    """A member says no, with a reason, asked once (the curator is told)."""
    scope = scope_for(request.user)
    pair, _rights = selectors.pair_for_map(scope=scope, pair_pk=pk, for_="member")
    reason = request.POST.get("reason", "")[:300]
    other = pair.b if scope.own_participant_id == pair.a_id else pair.a
    if not is_confirmed(request) or not reason.strip():
        if is_confirmed(request):
            messages.error(request, str(DECLINE_REASON_REQUIRED))
        return confirm_page(request, Confirmation(
            title=_("Отказаться от пары?"),
            consequences=[
                _("Пара с коллегой %(name)s не начнётся: куратор и коллега получат "
                  "письмо с вашей причиной.") % {"name": names.full_name(
                      other.surname, other.name, other.patronymic, "instrumental")},
                _("Вы снова попадёте в пул подбора: куратор предложит другую пару."),
            ],
            button=_("Да, отказаться"), action=request.path,
            back=reverse("pairs:detail", kwargs={"pk": pk}),
            reason_label=_("Почему вы отказываетесь"), reason=reason))
    try:
        lifecycle.pair_decline(pair=pair, participant=participant_mine(scope=scope),
                               reason=reason, base_url=request.build_absolute_uri("/"))
    except PairsError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Вы отказались от пары. Куратор получил вашу причину."))
    return redirect("pairs:detail", pk=pk)


@require_POST
def pair_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    pair, _rights = selectors.pair_for_map(scope=scope, pair_pk=pk, for_="member")
    try:
        said = lifecycle.pair_confirm(pair=pair, participant=participant_mine(scope=scope))
    except AlreadyConfirmed as done_before:
        messages.info(request, str(done_before))
    except PairsError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, said)
    return redirect("pairs:detail", pk=pk)
