"""Pages of case-based training: cases, an event's teams, a team's map (the maps editor),
the projector view, the comparison of teams and the trainer's scoring."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.access.scope import Scope, scope_for
from tandem.core import training as core
from tandem.maps import selectors as map_selectors
from tandem.maps import services as map_services
from tandem.maps import undo as map_undo
from tandem.maps.forms import RowForm
from tandem.maps.models import Row
from tandem.training import selectors, services
from tandem.training.forms import CaseForm, PersonForm, ScoreForm, SplitForm, TeamForm
from tandem.training.models import CRITERION_LABELS, SCORE_LABELS, Case, Team


def _trainer_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    scope.require("organizes_events")
    return scope


def home(request: HttpRequest) -> HttpResponse:
    """Trainers: cases and events; team members: their teams."""
    scope = scope_for(request.user)
    trainer = scope.organizes_events
    return render(request, "training/home.html", {
        "trainer": trainer,
        "cases": list(selectors.cases_usable(scope=scope).select_related("region",
                                                                           "municipality")),
        "events": list(selectors.events_trained(scope=scope).order_by("-starts_at")[:50])
        if trainer else [],
        "my_teams": list(selectors.teams_of_member(scope=scope).order_by("-event__starts_at")),
    })


# -- cases ---------------------------------------------------------------------------
def _case_form(request: HttpRequest, scope: Scope, case: Case) -> HttpResponse:
    if not case.region_id:
        case.region = selectors.home_region_get(scope=scope)
    region = case.region
    municipalities = scope.coordinated_municipalities().filter(region=region)
    competencies = selectors.competencies_active(region_id=region.pk if region else None)
    data = request.POST if request.method == "POST" else None
    form = CaseForm(data, instance=case, municipalities=municipalities,
                    resources=services.resources_for_case(region),
                    municipality_required=not (scope.region_ids or scope.everything))
    people = {role: PersonForm(data, prefix=role, competencies=competencies,
                               instance=case.people.filter(role=role).first()
                               if case.pk else None)
              for role in ("a", "b")}
    error = ""
    valid = [form.is_valid()] + [p.is_valid() for p in people.values()]  # all show errors
    if data is not None and all(valid):
        try:
            saved = services.case_save(
                case=form.save(commit=False),
                people={role: p.person_data() for role, p in people.items()},
                resources=list(form.cleaned_data["resources"]),
                user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Кейс сохранён."))
            return redirect("training:case_detail", pk=saved.pk)
        except services.TrainingError as problem:
            error = str(problem)
    return render(request, "training/case_form.html", {
        "case": case, "form": form, "person_a": people["a"], "person_b": people["b"],
        "error": error, "rows": [(c, people["a"][f"level_{c.code}"],
                                  people["b"][f"level_{c.code}"]) for c in competencies]})


def case_create(request: HttpRequest) -> HttpResponse:
    return _case_form(request, _trainer_scope(request), Case())


def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _trainer_scope(request)
    case = selectors.case_get(scope=scope, pk=pk, for_="manage")
    return _case_form(request, scope, case)


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _trainer_scope(request)
    case = selectors.case_get(scope=scope, pk=pk)
    return render(request, "training/case_detail.html", {
        "case": case, **_case_view(case), "library_rows": selectors.case_library_rows(case),
        "editable": selectors.cases_editable(scope=scope).filter(pk=case.pk).exists()})


def _case_view(case: Case) -> dict[str, object]:
    names = selectors.competency_names()
    people = []
    for p in case.people.all():
        people.append({"person": p,
                       "strengths": [names.get(c, c) for c in p.strengths],
                       "deficits": [(names.get(c, c), p.levels.get(c)) for c in p.deficits]})
    return {"people": people, "resources": list(case.resources.order_by("level", "title"))}


# -- an event's teams ----------------------------------------------------------------
def event_teams(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _trainer_scope(request)
    event = selectors.event_trained_get(scope=scope, pk=pk)
    teams = selectors.event_teams(event)
    in_teams = {m.participant_id for t in teams for m in t.members.all()}
    people = selectors.event_people(event)
    cases = selectors.cases_usable(scope=scope).filter(region_id=event.region_id)
    by_case: dict[int, list[Team]] = {}
    for team in teams:
        by_case.setdefault(team.case_id, []).append(team)
    return render(request, "training/event.html", {
        "event": event, "teams": teams, "people_count": people.count(),
        "unassigned": [p for p in people if p.pk not in in_teams],
        "team_form": TeamForm(cases=cases, people=people.exclude(pk__in=in_teams)),
        "split_form": SplitForm(cases=cases),
        "cases_used": [(t[0].case, len(t)) for t in by_case.values()],
    })


@require_POST
def team_create(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _trainer_scope(request)
    event = selectors.event_trained_get(scope=scope, pk=pk)
    form = TeamForm(request.POST, cases=selectors.cases_usable(scope=scope),
                    people=selectors.event_people(event))
    if not form.is_valid():
        messages.error(request, _("Команда не создана: выберите кейс и участников, "
                                  "записанных на мероприятие."))
        return redirect("training:event", pk=event.pk)
    try:
        team = services.team_create(event=event, case=form.cleaned_data["case"],
                                    members=list(form.cleaned_data["members"]),
                                    name=form.cleaned_data["name"])
        messages.success(request, _("Команда создана: %(t)s.") % {"t": team})
    except services.TrainingError as problem:
        messages.error(request, str(problem))
    return redirect("training:event", pk=event.pk)


@require_POST
def teams_split(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _trainer_scope(request)
    event = selectors.event_trained_get(scope=scope, pk=pk)
    form = SplitForm(request.POST, cases=selectors.cases_usable(scope=scope))
    if not form.is_valid():
        messages.error(request, _("Команды не созданы: укажите число команд (от 1 до 50) "
                                  "и хотя бы один кейс."))
        return redirect("training:event", pk=event.pk)
    try:
        teams = services.teams_autosplit(event=event, cases=list(form.cleaned_data["cases"]),
                                         count=form.cleaned_data["count"])
        messages.success(request, _("Создано команд: %(n)s.") % {"n": len(teams)})
    except services.TrainingError as problem:
        messages.error(request, str(problem))
    return redirect("training:event", pk=event.pk)


# -- a team's map (the maps editor) --------------------------------------------------
def _map_context(team: Team, rows: list[Row] | None = None) -> dict[str, object]:
    """The map's rows by direction (``rows`` given: already loaded with many maps)."""
    the_map = selectors.team_map(team) if rows is None else team.map
    rows = list(the_map.rows.all()) if rows is None else rows
    people = {p.role: p for p in team.case.people.all()}
    return {
        "team": team, "case": team.case, "map": the_map, "person_a": people.get("a"),
        "person_b": people.get("b"),
        "rows_ab": [r for r in rows if r.direction == Row.Direction.A_TO_B],
        "rows_ba": [r for r in rows if r.direction == Row.Direction.B_TO_A],
        "rows": rows, "today": timezone.localdate(),
    }


def team_map(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    team, rights = selectors.team_for_map(scope=scope, team_pk=pk)
    context = _map_context(team)
    return render(request, "training/team_map.html", {
        **context, **_case_view(team.case), "rights": rights,
        "is_trainer": selectors.is_trainer(scope=scope, event=team.event),
        "resources": list(map_services.resources_for_map(context["map"]).order_by("title")),  # type: ignore[arg-type]
        "row_form": RowForm(prefix="new", competencies=selectors.deficit_choices(team.case)),
        "library_picks": selectors.library_picks(team.case),
        "feedback": _feedback(team),
        "row_undo": map_undo.pending(request.user.pk, context["map"]),  # type: ignore[arg-type]
    })


@require_POST
def row_add(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    team, _rights = selectors.team_for_map(scope=scope, team_pk=pk, for_="manage")
    form = RowForm(request.POST, prefix="new",
                   competencies=selectors.deficit_choices(team.case))
    direction = request.POST.get("direction", "")
    if direction not in Row.Direction.values or not form.is_valid():
        messages.error(request, _("Строка не добавлена: заполните все поля."))
        return redirect("training:team_map", pk=team.pk)
    the_map = selectors.team_map(team)
    data = dict(form.cleaned_data)
    person = next((p for p in team.case.people.all()
                   if p.role == ("a" if direction == Row.Direction.A_TO_B else "b")), None)
    data["partner_level"] = (person.levels.get(data["competency"], 3) if person else 3)
    try:
        map_services.row_add(the_map=the_map, direction=direction, data=data,
                             user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Строка добавлена."))
    except map_services.MapError as problem:
        messages.error(request, str(problem))
    return redirect("training:team_map", pk=team.pk)


@require_POST
def row_from_library(request: HttpRequest, pk: int) -> HttpResponse:
    """A team takes a row for a deficit from the library, as a real pair's draft would;
    rights come from the maps' registered team-map hook, as for any row edit."""
    scope = scope_for(request.user)
    team, _rights = selectors.team_for_map(scope=scope, team_pk=pk)
    the_map = selectors.team_map(team)
    map_selectors.rights_for_map(scope=scope, the_map=the_map, for_="manage")
    # «ab:ict.online_tests»: the block of the map and the learner's deficit.
    direction, _sep, competency = request.POST.get("pick", "").partition(":")
    if direction not in Row.Direction.values:
        messages.error(request, _("Выберите дефицит, для которого взять задачу из библиотеки."))
        return redirect("training:team_map", pk=team.pk)
    try:
        row = services.team_row_from_library(
            the_map=the_map, direction=direction, competency=competency,
            user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Строка «%(title)s» добавлена из библиотеки: её задачу "
                                    "можно заменить («другая задача») или изменить.")
                         % {"title": row.title})
    except (services.TrainingError, map_services.MapError) as problem:
        messages.error(request, str(problem))
    return redirect("training:team_map", pk=team.pk)


def present(request: HttpRequest, pk: int) -> HttpResponse:
    """The projector view: both directions in large type, nothing to edit."""
    scope = scope_for(request.user)
    team, _rights = selectors.team_for_map(scope=scope, team_pk=pk)
    context = _map_context(team)
    a, b = context["person_a"], context["person_b"]
    names = (a.name, b.name) if a and b else (_("А"), _("Б"))  # type: ignore[attr-defined]
    # Names of made-up people are not declined: "А → Б" reads right in any case.
    context["directions"] = [(f"{names[0]} → {names[1]}", names[1], context["rows_ab"]),
                             (f"{names[1]} → {names[0]}", names[0], context["rows_ba"])]
    return render(request, "training/present.html", context)


# -- comparison and scoring ----------------------------------------------------------
def _hints(team: Team, rows: list[Row]) -> list[core.Hint]:
    return core.review(selectors.case_spec(team.case), selectors.row_specs(rows))


def _hint_view(hint: core.Hint, names: dict[str, str]) -> dict[str, object]:
    items = [names.get(i, i) for i in hint.items]
    if hint.criterion == core.BOTH_DIRECTIONS:
        items = [str(Row.Direction(i).label) for i in hint.items]
    return {"criterion": hint.criterion, "label": CRITERION_LABELS[hint.criterion],
            "score": hint.score, "met": hint.met, "total": hint.total, "items": items}


def compare(request: HttpRequest, pk: int, case_pk: int) -> HttpResponse:
    scope = _trainer_scope(request)
    event = selectors.event_trained_get(scope=scope, pk=pk)
    case = selectors.event_case_get(event=event, pk=case_pk)
    names = selectors.competency_names()
    columns = []
    teams = [t for t in selectors.event_teams(event) if t.case_id == case.pk]
    rows = selectors.rows_of_teams(teams)
    for team in teams:
        team.case = case  # one case for all columns: its people and resources once
        context = _map_context(team, rows.get(team.pk, []))
        hints = _hints(team, context["rows"])  # type: ignore[arg-type]
        scores = {s.criterion: s.score for s in team.scores.all()}
        columns.append({**context, "hints": [_hint_view(h, names) for h in hints],
                        "total": sum(scores.values()) if scores else None})
    return render(request, "training/compare.html", {
        "event": event, "case": case, "columns": columns, "max_total":
        core.MAX_SCORE * len(core.CRITERIA)})


def score(request: HttpRequest, pk: int) -> HttpResponse:
    scope = _trainer_scope(request)
    team = selectors.team_trained_get(scope=scope, pk=pk)
    context = _map_context(team)
    names = selectors.competency_names()
    hints = _hints(team, context["rows"])  # type: ignore[arg-type]
    existing = {s.criterion: s for s in team.scores.all()}
    if request.method == "POST":
        form = ScoreForm(request.POST)
        if form.is_valid():
            services.team_score(team=team, scores=form.scores(),
                                feedback=form.cleaned_data["feedback"],
                                user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Оценка сохранена: команда видит отзыв."))
            return redirect("training:compare", pk=team.event_id, case_pk=team.case_id)
    else:
        initial: dict[str, object] = {"feedback": team.feedback}
        for hint in hints:
            s = existing.get(hint.criterion)
            initial[f"score_{hint.criterion}"] = s.score if s else hint.score
            initial[f"comment_{hint.criterion}"] = s.comment if s else ""
        form = ScoreForm(initial=initial)
    criteria = [{"hint": _hint_view(h, names), "score": form[f"score_{h.criterion}"],
                 "comment": form[f"comment_{h.criterion}"]} for h in hints]
    return render(request, "training/score.html", {**context, "form": form,
                                                   "criteria": criteria})


def _feedback(team: Team) -> list[dict[str, object]] | None:
    """The trainer's scores as the team sees them; None until scored."""
    if team.scored_at is None:
        return None
    scores = {s.criterion: s for s in team.scores.all()}
    return [{"label": CRITERION_LABELS[c], "score": scores[c].score,
             "score_label": SCORE_LABELS[scores[c].score], "comment": scores[c].comment}
            for c in core.CRITERIA if c in scores]
