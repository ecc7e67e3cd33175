from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.access.forms import UnitFilterForm
from tandem.access.scope import scope_for
from tandem.core import names
from tandem.directory.selectors import organization_get, participant_get
from tandem.documents import pair_order
from tandem.pairs import engine, selectors, services, tasks, wording
from tandem.pairs.filters import pair_filters
from tandem.pairs.forms import ApproveForm, ManualPairForm, OrderForm, RunForm
from tandem.pairs.models import MatchingRun, Pair, PairRule
from tandem.territory.models import Municipality, Organization
from tandem.web.forms import MAX_ID, errors_text, form_id, form_int

PAGE_SIZE = 50


def pair_list(request: HttpRequest) -> HttpResponse:
    """The pairs the user sees: search by surname, filter by status and territory, 50 to a
    page (htmx swaps the table). The filters' meaning and refusals: ``pairs.filters`` (the
    API's list reads the same); a refused value is said above the list, which is then
    listed without it."""
    scope = scope_for(request.user)
    # The territory as on every list: a municipality, then one of its organizations; the
    # form settles what its own reload sends (a municipality chosen anew drops the
    # organization of the one before) before the filters read the values.
    units = UnitFilterForm(request.GET, scope=scope) if scope.is_staff else None
    chosen = (pair_filters(scope, units.data, units=units.units) if units
              else pair_filters(scope, request.GET))
    page = Paginator(selectors.pairs_search_pages(scope=scope, **chosen.search()),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode(chosen.query())
    context = {"page": page, "pairs": page.object_list, "query": query, "q": chosen.text,
               "status": chosen.status, "organization_id": chosen.organization_id,
               "statuses": Pair.Status.choices, "filtered": bool(query),
               "refused": list(chosen.errors.values())}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "pairs/_pair_table.html", context)
    orders = list(selectors.orders_visible(scope=scope)
                  .select_related("organization")[:50]) if scope.is_staff else []
    return render(request, "pairs/pair_list.html",
                  {**context, "orders": orders, "units": units})


def _run_form(unit: Organization | object, defaults: services.RunDefaults,
              data: object = None) -> RunForm:
    options = defaults.options
    return RunForm(data, per_organization=not isinstance(unit, Organization), initial={
        "reciprocity_required": options.reciprocity_required,
        "no_reporting_line": options.no_reporting_line, "capacity": options.capacity,
        "min_experience_gap": options.min_experience_gap, "age_groups": options.age_groups,
        "subject": options.subject, "place": options.place})


def formation(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require("is_staff")
    key = request.POST.get("unit") or request.GET.get("unit") or ""
    # To start a run the unit must be one the user forms pairs in (404 otherwise).
    unit = (selectors.unit_get(scope=scope, key=key) if request.method == "POST"
            else selectors.unit_from_key(scope=scope, key=key))
    # A municipality, then its organizations (issue #16); an organization alone brings its
    # municipality, one of another municipality than the chosen one is dropped.
    municipality = form_int(request.GET.get("municipality"), limit=MAX_ID)
    if isinstance(unit, Organization) and request.method != "POST":
        if municipality is not None and municipality != unit.municipality_id:
            key, unit = "", None
        else:
            municipality = unit.municipality_id
    elif isinstance(unit, Municipality) and municipality is None:
        municipality = unit.pk
    choices, units = selectors.pool_units(scope=scope, municipality=municipality)
    if not key and units and choices.single_municipality:
        key = units[0][0]  # a curator's own organization, as before
        unit = selectors.unit_from_key(scope=scope, key=key)
    defaults = services.run_defaults(unit) if unit else None  # type: ignore[arg-type]
    if request.method == "POST":
        assert unit is not None and defaults is not None
        options = None
        if "options" in request.POST:
            form = _run_form(unit, defaults, request.POST)
            if not form.is_valid():
                messages.error(request, errors_text(form))
                return redirect(f"{request.path}?unit={key}")
            data = form.cleaned_data
            chosen = services.RunOptions(
                reciprocity_required=data["reciprocity_required"],
                no_reporting_line=data["no_reporting_line"], capacity=data["capacity"],
                source=defaults.options.source, programme=defaults.options.programme,
                min_experience_gap=data["min_experience_gap"], age_groups=data["age_groups"],
                subject=data["subject"], place=data["place"])
            options = chosen if chosen == defaults.options else services.RunOptions(
                **{**chosen.__dict__, "source": "form"})
        try:
            run = services.run_start(unit=unit, scope=scope, user=request.user,  # type: ignore[arg-type]
                                     options=options)
        except services.PairsError as error:
            messages.error(request, str(error))
            return redirect(f"{request.path}?unit={key}")
        return redirect("pairs:run", pk=run.pk)
    pool = (selectors.pool_responses(
        unit=unit, scope=scope,
        capacity_of=services.capacity_function(defaults, defaults.options),
        exclude_organizations=defaults.excluded) if unit and defaults else [])
    runs = list(selectors.runs_visible(scope=scope)[:10])
    programme = selectors.programme_named(defaults.options.programme) if defaults else None
    return render(request, "pairs/formation.html", {
        "units": units, "key": key, "unit": unit, "pool_size": len(pool), "runs": runs,
        "municipalities": [] if choices.single_municipality else choices.municipalities,
        "municipality": choices.municipality,
        "rules": list(selectors.rules_for(unit=unit)) if unit else [],
        "run_form": _run_form(unit, defaults) if unit and defaults else None,
        "programme": programme, "defaults": defaults})


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    run = selectors.run_get(scope=scope, pk=pk)
    if tasks.expire_stale(pk=run.pk):  # its worker was killed: failed, retryable
        run.refresh_from_db()
    if run.status != MatchingRun.Status.DONE:
        return render(request, "pairs/run_progress.html", {"run": run})
    pool = selectors.run_pool(scope=scope, run=run)
    view = selectors.run_view(run)
    return render(request, "pairs/run_detail.html", {
        "run": run, **view, "approve_form": ApproveForm(),
        "removed": wording.removed_phrases((run.rules or {}).get("removed")),
        "manual_form": ManualPairForm(pool=pool.order_by("search_name", "pk"),
                                      by_school=view["by_school"]),
    })


def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx polling: the bar, until the run is done; then the page reloads itself."""
    scope = scope_for(request.user)
    run = selectors.run_get(scope=scope, pk=pk)
    if tasks.expire_stale(pk=run.pk):
        run.refresh_from_db()
    response = render(request, "pairs/_run_bar.html", {"run": run})
    if run.status in (MatchingRun.Status.DONE, MatchingRun.Status.FAILED):
        response["HX-Refresh"] = "true"
    return response


@require_POST
def rule(request: HttpRequest, pk: int) -> HttpResponse:
    """Lock, forbid or clear a pair from the proposal page; then re-run if asked."""
    scope = scope_for(request.user)
    run = selectors.run_get(scope=scope, pk=pk)
    a = participant_get(scope=scope, pk=form_id(request.POST.get("a")), for_="manage")
    b = participant_get(scope=scope, pk=form_id(request.POST.get("b")), for_="manage")
    kind = request.POST.get("kind", "")
    try:
        if kind == "clear":
            services.rule_clear(a_id=a.pk, b_id=b.pk)
            messages.success(request, _("Правило для пары снято."))
        elif kind in PairRule.Kind.values:
            services.rule_set(unit=selectors.run_unit(run), a=a, b=b, kind=kind,  # type: ignore[arg-type]
                              user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Пара закреплена: она будет в следующем расчёте.")
                             if kind == PairRule.Kind.LOCK else
                             _("Пара запрещена: в следующем расчёте её не будет."))
        else:
            messages.error(request, _("Неизвестное действие с парой."))
    except services.PairsError as error:
        messages.error(request, str(error))
    return redirect("pairs:run", pk=run.pk)


@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Lifts a curator's lock or ban (from the formation page); the audit keeps it."""
    scope = scope_for(request.user)
    the_rule = selectors.rule_get(scope=scope, pk=pk)
    key = (f"o:{the_rule.organization_id}" if the_rule.organization_id
           else f"m:{the_rule.municipality_id}")
    was_ban = the_rule.kind == PairRule.Kind.FORBID
    services.rule_clear(a_id=the_rule.a_id, b_id=the_rule.b_id)
    messages.success(request, _("Запрет снят: в следующем расчёте эта пара возможна.")
                     if was_ban else _("Закрепление снято."))
    return redirect(f"{reverse('pairs:formation')}?unit={key}")


@require_POST
def rerun(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    run = selectors.run_get(scope=scope, pk=pk)
    try:
        new = services.run_start(unit=selectors.run_unit(run), scope=scope, user=request.user,  # type: ignore[arg-type]
                                 options=services.run_options(run), previous=run)
    except services.PairsError as error:
        messages.error(request, str(error))
        return redirect("pairs:run", pk=run.pk)
    return redirect("pairs:run", pk=new.pk)


def manual(request: HttpRequest, pk: int) -> HttpResponse:
    """Two people by hand: their benefit both ways, a warning when it is one-sided."""
    scope = scope_for(request.user)
    run = selectors.run_get(scope=scope, pk=pk)
    pool = selectors.run_pool(scope=scope, run=run)
    by_school = selectors.run_by_school(run)
    form = ManualPairForm(request.POST or request.GET or None, pool=pool, by_school=by_school)
    check = None
    if form.is_bound and form.is_valid():
        a, b = form.cleaned_data["a"], form.cleaned_data["b"]
        check = engine.explain_pair(run.instance, a.pk, b.pk)
        check.update({"a": a, "b": b})
    return render(request, "pairs/manual.html", {"run": run, "form": form, "check": check,
                                                 "by_school": by_school})


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    pair = selectors.pair_get(scope=scope, pk=pk)
    me = scope.own_participant_id
    phrases = {"a_teaches_b": selectors.teaches_phrase(pair.a, pair.b),
               "b_teaches_a": selectors.teaches_phrase(pair.b, pair.a)}
    member = me in (pair.a_id, pair.b_id)
    mine_at = pair.a_confirmed_at if me == pair.a_id else pair.b_confirmed_at
    waiting = member and pair.status == Pair.Status.APPROVED
    return render(request, "pairs/pair_detail.html", {
        "pair": pair, "phrases": phrases, "me": me,
        "can_confirm": waiting and mine_at is None,
        "declined_word": (names.by_gender(pair.declined_by.name, pair.declined_by.patronymic,
                                          _("отказалась"), _("отказался"),
                                          _("отказался (отказалась)"))
                          if pair.declined_by else _("отказался (отказалась)")),
        "i_confirmed": waiting and mine_at is not None,
    })


def order_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require("is_staff")
    organization = organization_get(scope=scope, pk=form_id(request.GET.get("organization")))
    candidates = selectors.order_candidates(scope=scope, organization=organization)
    form = OrderForm(request.POST or None, pairs=candidates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        order = services.order_create(
            organization=organization, pairs=list(data["pairs"]), number=data["number"],
            date=data["date"], head_name=data["head_name"],
            head_position=data["head_position"], user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Приказ сформирован."))
        return redirect("pairs:order_docx", pk=order.pk)
    return render(request, "pairs/order_form.html",
                  {"form": form, "organization": organization})


def order_docx(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require("is_staff")
    order = selectors.order_get(scope=scope, pk=pk)
    pairs = list(order.pairs.select_related("a", "b", "curator__participant")
                 .order_by("a__surname", "a__name"))
    curator = pairs[0].curator if pairs else order.created_by
    curator_participant = getattr(curator, "participant", None)
    data = pair_order.OrderData(
        organization=order.organization.name, number=order.number, date=order.date,
        place=pair_order.place_of(order.organization.municipality.name,
                                  order.organization.municipality.kind),
        head_position=order.head_position, head_name=order.head_name,
        curator_name=(curator_participant.full_name if curator_participant
                      else (curator.get_full_name() if curator else "")),
        curator_position=curator_participant.position if curator_participant else "",
        curator_name_accusative=(names.full_name(curator_participant.surname,
                                                 curator_participant.name,
                                                 curator_participant.patronymic, "accusative")
                                 if curator_participant else ""),
        pairs=[pair_order.OrderPair(
            a_name=p.a.full_name, a_position=p.a.position, b_name=p.b.full_name,
            b_position=p.b.position,
            a_teaches_b=[engine.lesson_text(x) for x in p.a_teaches_b],
            b_teaches_a=[engine.lesson_text(x) for x in p.b_teaches_a],
            starts_on=p.starts_on, ends_on=p.ends_on) for p in pairs])
    response = HttpResponse(
        pair_order.render(data),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="prikaz-pary-{order.pk}.docx"'
    return response
