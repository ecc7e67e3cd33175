from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from tandem.access.scope import Scope, scope_for
from tandem.core import diagnostics as core
from tandem.diagnostics import imports, selectors, services
from tandem.diagnostics.forms import CampaignForm, CompetencyForm, ImportForm, PublishForm
from tandem.diagnostics.models import Campaign, Response
from tandem.directory.selectors import municipality_choices, participants_in
from tandem.web.charts import CONTENT_TYPES, radar
from tandem.web.confirm import Confirmation, confirm_page, is_confirmed, reopen_until
from tandem.web.forms import form_id, form_int, options_html

# -- campaigns -----------------------------------------------------------------------
# The states of the list's filter and counts (``selectors.campaign_state_q``). A frozen
# baseline's words are the same in the filter and in its row's badge (``frozen_label``).
STATE_LABELS = {selectors.RUNNING: gettext_lazy("идут"),
                selectors.OVERDUE: gettext_lazy("срок прошёл, не завершены"),
                selectors.FROZEN: gettext_lazy("анкеты не принимаются: итоговая завершена"),
                selectors.CLOSED: gettext_lazy("завершены")}
# The filter's select is narrow on a phone (390 px): there a frozen baseline is named by
# the head of the same words, and the whole of them with the reason is said beside the
# filter when it is chosen.
SELECT_LABELS = {**STATE_LABELS, selectors.FROZEN: gettext_lazy("анкеты не принимаются")}


def campaign_list(request: HttpRequest) -> HttpResponse:
    """A staff member's campaigns: how many run, are overdue, are closed, and a page of
    them with their progress, by municipality and state (a region has a campaign per
    organization: thousands)."""
    scope = scope_for(request.user)
    if not scope.is_staff:
        return redirect("diagnostics:mine")
    municipalities = municipality_choices(scope=scope)
    municipality = form_id(request.GET.get("municipality")) or None
    if municipality is not None and municipality not in {pk for pk, _n in municipalities}:
        raise Http404
    state = request.GET.get("state", "")
    state = state if state in STATE_LABELS else ""
    today = timezone.localdate()
    data = selectors.campaigns_page(scope=scope, today=today,
                                    municipality_id=municipality, state=state,
                                    page=request.GET.get("page"))
    query = urlencode({k: v for k, v in (("municipality", municipality or ""),
                                         ("state", state)) if v})
    return render(request, "diagnostics/campaign_list.html", {
        "data": data, "rows": data.rows, "query": query, "state": state, "today": today,
        "municipality": municipality, "frozen_label": STATE_LABELS[selectors.FROZEN],
        "municipalities": municipalities if len(municipalities) > 1 else [],
        # A region's 57 municipalities: the options are made in Python.
        "municipality_options": options_html(municipalities, municipality),
        "frozen_chosen": state == selectors.FROZEN,
        "states": [(key, label, data.counts.get(key, 0)) for key, label in STATE_LABELS.items()],
        "choices": [(key, SELECT_LABELS[key], data.counts.get(key, 0)) for key in STATE_LABELS]})


def campaign_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require("is_staff")
    baselines = selectors.campaigns_manageable(scope=scope).filter(kind=Campaign.Kind.INITIAL)
    form = CampaignForm(request.POST or None, scope=scope, baselines=baselines)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people = scope.manageable_participants(participants_in(data["unit_object"]))
        if data["only_with_consent"]:
            people = people.with_consent()  # type: ignore[attr-defined]
        try:
            campaign = services.campaign_create(
                title=data["title"], kind=data["kind"], unit=data["unit_object"],
                starts_on=data["starts_on"], ends_on=data["ends_on"],
                with_expert=data["with_expert"], baseline=data["baseline"], participants=people,
                framework=selectors.framework_for_new_campaign(), user=request.user)  # type: ignore[arg-type]
        except services.DiagnosticsError as problem:
            form.add_error("baseline", str(problem))
        else:
            messages.success(request, _("Диагностика создана: участников — %(n)s.")
                             % {"n": campaign.responses.count()})
            return redirect("diagnostics:campaign", pk=campaign.pk)
    return render(request, "diagnostics/campaign_form.html", {"form": form})


def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = selectors.campaign_get(scope=scope, pk=pk)
    can_manage = selectors.campaigns_manageable(scope=scope).filter(pk=pk).exists()
    # Why it takes no questionnaire and the closed finals that freeze it, to open (the
    # notice says to reopen them first): one read of the finals.
    frozen = (services.baseline_frozen_by(campaign, hold=False)
              if campaign.status == Campaign.Status.OPEN else None)
    return render(request, "diagnostics/campaign_detail.html", {
        "campaign": campaign, "can_manage": can_manage,
        "frozen": frozen.said if frozen else None, "frozen_by": frozen.by if frozen else [],
        "progress": selectors.campaign_progress(campaign=campaign, scope=scope),
        "unfinished": selectors.campaign_unfinished(campaign=campaign, scope=scope),
        "map": selectors.deficit_map(campaign=campaign, scope=scope),
        "reopenable": can_manage and services.campaign_reopenable(campaign),
        "reopen_until": reopen_until(campaign.closed_at),
    })


def campaign_map(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = selectors.campaign_get(scope=scope, pk=pk)
    return render(request, "diagnostics/campaign_map.html", {
        "campaign": campaign, "map": selectors.deficit_map(campaign=campaign, scope=scope)})


@require_POST
def campaign_remind(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = selectors.campaign_get(scope=scope, pk=pk)
    scope.require("is_staff")
    unfinished = selectors.campaign_unfinished(campaign=campaign, scope=scope, limit=10_000)
    try:
        sent = services.campaign_remind(campaign=campaign, responses=unfinished,
                                        base_url=request.build_absolute_uri("/"))
    except services.DiagnosticsError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Приглашения и напоминания отправлены: %(n)s.")
                         % {"n": sent})
    return redirect("diagnostics:campaign", pk=pk)


def _final_closing(campaign: Campaign, scope: Scope) -> list[str]:
    """What closing a final round does beyond its own questionnaires: its «до / после» are
    published (``release.round_published``) and its baseline's questionnaires frozen
    (``services.baseline_frozen``)."""
    if campaign.kind != Campaign.Kind.FINAL:
        return []
    lines = [_("Итоговая: её «до / после» станут видны региону и стране (сводные цифры).")]
    if campaign.baseline is not None:
        base = selectors.campaign_progress(campaign=campaign.baseline, scope=scope)
        lines.append(_("Анкеты входной «%(t)s» после этого не отправить и не изменить; "
                       "не отправлено сейчас: %(n)s (из них черновиков: %(d)s).") % {
            "t": campaign.baseline.title, "n": base.total - base.submitted, "d": base.draft})
    return lines


@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = selectors.campaign_get(scope=scope, pk=pk, for_="manage")
    if campaign.status != Campaign.Status.OPEN:
        messages.info(request, _("Диагностика уже завершена."))
        return redirect("diagnostics:campaign", pk=pk)
    if not is_confirmed(request):
        progress = selectors.campaign_progress(campaign=campaign, scope=scope)
        until = reopen_until(timezone.now())
        return confirm_page(request, Confirmation(
            title=_("Завершить диагностику «%(t)s»?") % {"t": campaign.title},
            consequences=[
                _("Отправили анкету: %(done)s из %(total)s.") % {
                    "done": progress.submitted, "total": progress.total},
                *([_("Не отправившие (%(n)s) больше не смогут ответить: их черновики "
                     "останутся, но в профили и подбор пар не попадут.") % {
                        "n": progress.total - progress.submitted}]
                  if progress.total > progress.submitted else
                  [_("Ответы больше не принимаются; профили и подбор пар берут их как "
                     "есть.")]),
                *_final_closing(campaign, scope),
            ],
            button=_("Да, завершить"), action=request.path,
            back=reverse("diagnostics:campaign", kwargs={"pk": pk}),
            undo=_("Открыть её снова можно до %(date)s, указав причину.") % {
                "date": f"{until:%d.%m.%Y}"} if until else ""))
    try:
        services.campaign_close(campaign=campaign)
    except services.DiagnosticsError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Диагностика завершена."))
    return redirect("diagnostics:campaign", pk=pk)


@require_POST
def campaign_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(scope=scope_for(request.user), pk=pk, for_="manage")
    try:
        services.campaign_reopen(campaign=campaign, reason=request.POST.get("reason", "")[:300])
    except services.DiagnosticsError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Диагностика снова открыта."))
    return redirect("diagnostics:campaign", pk=pk)


# -- questionnaires ------------------------------------------------------------------
def my_questionnaires(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require("is_teacher")
    return render(request, "diagnostics/mine.html",
                  {"responses": selectors.responses_mine(scope=scope)})


def _inputs_from(post: QueryDict, codes: list[str]) -> dict[str, services.AnswerInput]:
    """Reads `level-<code>`, `can-<code>`, `want-<code>`, `prio-<code>` for each code present."""
    values = {}
    for code in codes:
        raw_level = post.get(f"level-{code}")
        present = any(k in post for k in (f"level-{code}", f"seen-{code}"))
        if not present:
            continue
        raw_prio = post.get(f"prio-{code}") or ""
        values[code] = services.AnswerInput(
            level=form_int(raw_level, signed=True),
            can_teach=post.get(f"can-{code}") == "on",
            wants_to_learn=post.get(f"want-{code}") == "on",
            priority=form_int(raw_prio, signed=True),
        )
    return values


def _questionnaire_context(response: Response, scope: Scope,
                           problems: dict[str, str] | None = None) -> dict[str, object]:
    answers = {a.competency: a for a in response.answers.all()}
    areas = []
    for area in response.campaign.framework.areas:
        items = [{"c": c, "a": answers.get(c["code"]), "problem": (problems or {}).get(c["code"])}
                 for c in area["competencies"]]
        areas.append({"area": area, "items": items})
    total = len(response.campaign.framework.codes())
    mine = scope.own_participant_id == response.participant_id
    # The baseline of a closed final round takes no questionnaire any more: its person is
    # told so before filling it in (and to ask the curator), the curator what they can do.
    frozen = (services.baseline_frozen(response.campaign, teacher=mine, hold=False)
              if response.campaign.status == Campaign.Status.OPEN else None)
    return {"response": response, "areas": areas, "total": total,
            "editable": mine and not response.locked and not frozen
            and response.campaign.status == Campaign.Status.OPEN,
            "frozen": frozen, "mine": mine, "problems": problems or {},
            "can_manage": scope.manageable_participants().filter(
                pk=response.participant_id).exists(),
            "levels": list(core.LEVELS), "priorities": range(1, core.MAX_PRIORITIES + 1)}


def questionnaire(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    response = selectors.response_get(
        scope=scope, pk=pk, for_="answer" if request.method == "POST" else "view")
    problems: dict[str, str] = {}
    if request.method == "POST":
        codes = response.campaign.framework.codes()
        try:
            response = services.answers_save(response=response, own=True,
                                              values=_inputs_from(request.POST, codes))
            if "submit" in request.POST:
                services.response_submit(response=response, own=True)
                messages.success(request, _("Анкета отправлена. Спасибо!"))
                return redirect("diagnostics:profile", pk=pk)
            messages.success(request, _("Черновик сохранён."))
            return redirect("diagnostics:questionnaire", pk=pk)
        except services.DiagnosticsError as error:
            messages.error(request, str(error))
            problems = error.problems
            response.refresh_from_db()
    return render(request, "diagnostics/questionnaire.html",
                  _questionnaire_context(response, scope, problems))


@require_POST
def questionnaire_autosave(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: saves one competency as it is changed; answers with the progress bar."""
    scope = scope_for(request.user)
    response = selectors.response_get(scope=scope, pk=pk, for_="answer")
    code = request.POST.get("code", "")
    values = _inputs_from(request.POST, [code])
    error = ""
    try:
        if not values:
            raise services.DiagnosticsError(
                str(services.UNKNOWN_COMPETENCY) % {"code": code or "—"})
        response = services.answers_save(response=response, values=values, own=True)
    except services.DiagnosticsError as exc:
        error = str(exc)
    total = len(response.campaign.framework.codes())
    return render(request, "diagnostics/_progress.html",
                  {"response": response, "total": total, "error": error},
                  status=200 if not error else 422)


@require_POST
def questionnaire_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    response = selectors.response_get(scope=scope_for(request.user), pk=pk, for_="manage")
    try:
        services.response_reopen(response=response)
    except services.DiagnosticsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Анкета снова открыта для заполнения."))
    return redirect("diagnostics:questionnaire", pk=pk)


def expert_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    response = selectors.response_get(scope=scope, pk=pk, for_="manage")
    if not response.campaign.with_expert:
        raise Http404  # this campaign has no expert assessment: the page does not exist
    codes = response.campaign.framework.codes()
    error = ""
    if request.method == "POST":
        levels: dict[str, int | None] = {}
        for code in codes:
            raw = request.POST.get(f"expert-{code}", "")
            levels[code] = form_int(raw, signed=True)
        try:
            services.expert_levels_save(response=response, levels=levels)
        except services.DiagnosticsError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Экспертная оценка сохранена."))
            return redirect("diagnostics:profile", pk=pk)
    context = _questionnaire_context(response, scope)
    context["error"] = error
    return render(request, "diagnostics/expert.html", context)


# -- profile -------------------------------------------------------------------------
def _profile_data(response: Response) -> dict[str, object]:
    framework = response.campaign.framework
    marks = selectors.marks_of(response)
    area_names = {a["code"]: a["name"] for a in framework.areas}
    summaries = core.area_summaries(marks, framework.area_of(), list(area_names))
    names = {c["code"]: c["name"] for c in framework.competencies()}
    order = {code: i for i, code in enumerate(names)}
    base = selectors.baseline_response(response)
    before = selectors.marks_of(base) if base else None
    data: dict[str, object] = {
        "summaries": [{"name": area_names[s.area], "mean": s.mean_level,
                       "strengths": [names[c] for c in s.strengths],
                       "deficits": [names[c] for c in s.deficits]} for s in summaries],
        "area_names": area_names, "summaries_raw": summaries, "baseline": base,
    }
    if before is not None:
        base_summaries = core.area_summaries(before, framework.area_of(), list(area_names))
        closed, still_open = core.closed_deficits(before, marks)
        data.update({
            "changes": sorted(
                ({"name": names[ch.code], "before": ch.before, "after": ch.after,
                  "delta": ch.delta, "order": order[ch.code]}
                 for ch in core.changes(before, marks) if ch.code in names),
                key=lambda row: row["order"]),
            "closed": [names.get(c, c) for c in closed],
            "still_open": [names.get(c, c) for c in still_open],
            "base_summaries": base_summaries,
        })
    return data


def profile(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    response = selectors.response_get(scope=scope, pk=pk)
    context = {"response": response, **_profile_data(response)}
    return render(request, "diagnostics/profile.html", context)


def profile_radar(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    scope = scope_for(request.user)
    response = selectors.response_get(scope=scope, pk=pk)
    data = _profile_data(response)
    names = data["area_names"]
    labels = list(names.values())  # type: ignore[attr-defined]
    series = []
    if data.get("base_summaries"):
        series.append((_("входная"), [s.mean_level for s in data["base_summaries"]]))  # type: ignore[attr-defined]
    series.append((response.campaign.get_kind_display(),
                   [s.mean_level for s in data["summaries_raw"]]))  # type: ignore[attr-defined]
    body = radar(labels, series, fmt=fmt)
    result = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    result["Cache-Control"] = "private, max-age=60"
    return result


# -- import of external results ------------------------------------------------------
def results_import(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = selectors.campaign_get(scope=scope, pk=pk, for_="manage")
    form = ImportForm(request.POST or None, request.FILES or None)
    preview = None
    upload = None
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        upload = imports.upload_store(campaign=campaign, user=request.user,  # type: ignore[arg-type]
                                      filename=f.name, content=f.read())
        preview = imports.preview(upload=upload, scope=scope)
    return render(request, "diagnostics/import.html", {
        "campaign": campaign, "form": form, "preview": preview, "upload": upload})


@require_POST
def results_import_commit(request: HttpRequest, pk: int, upload_pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = selectors.campaign_get(scope=scope, pk=pk, for_="manage")
    upload = selectors.result_import_get(scope=scope, campaign=campaign, pk=upload_pk)
    try:
        count = imports.commit(upload=upload, scope=scope)
    except imports.ImportRefused as error:
        messages.error(request, str(error))
        return redirect("diagnostics:import", pk=pk)
    messages.success(request, ngettext("Загружены результаты %(n)s человека.",
                                       "Загружены результаты %(n)s человек.", count)
                     % {"n": count})
    return redirect("diagnostics:campaign", pk=pk)


# -- framework -----------------------------------------------------------------------
def framework(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require("can_read_framework")
    manageable = set(selectors.competencies_readable(scope=scope).filter(
        scope.competency_q(manage=True)).values_list("pk", flat=True))
    return render(request, "diagnostics/framework.html", {
        "areas": selectors.framework_areas(scope=scope),
        "current": selectors.framework_published(), "manageable": manageable,
        "can_edit": scope.can_edit_framework, "can_add": scope.can_add_competencies,
        "publish_form": PublishForm()})


def competency_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    scope = scope_for(request.user)
    competency = selectors.competency_get(scope=scope, pk=pk, for_="manage") if pk else None
    if competency is None:
        scope.require("can_add_competencies")
    form = CompetencyForm(request.POST or None, instance=competency, scope=scope)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("Сохранено. Изменения попадут в новые диагностики после "
                                    "публикации версии.") if saved.region_id is None else
                         _("Сохранено. Изменения попадут в новые диагностики региона; уже "
                           "созданные остаются на своей версии рамки."))
        return redirect("diagnostics:framework")
    return render(request, "diagnostics/competency_form.html",
                  {"form": form, "competency": competency})


@require_POST
def framework_publish(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require("can_edit_framework")
    form = PublishForm(request.POST)
    if form.is_valid():
        version = services.framework_publish(note=form.cleaned_data["note"],
                                             user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Опубликована версия %(n)s.") % {"n": version.number})
    else:
        messages.error(request, _("Версия не опубликована: опишите изменения."))
    return redirect("diagnostics:framework")
