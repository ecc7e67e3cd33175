from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.access.scope import scope_for
from tandem.directory.selectors import participant_mine
from tandem.documents.certificate import render_pdf
from tandem.school import documents, selectors, services
from tandem.school.forms import EventForm, MaterialForm, VerifyForm
from tandem.school.models import Event, Registration
from tandem.web.attachments import attachment_response
from tandem.web.confirm import Confirmation, confirm_page, is_confirmed, reopen_until
from tandem.web.forms import errors_text, form_id, search_text


def events(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require("is_in_programme")
    split = selectors.events_split(scope=scope)
    return render(request, "school/events.html", {
        "upcoming": split.upcoming, "past": split.past,
        "can_create": selectors.can_create_events(scope)})


def event_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require("organizes_events")
    form = EventForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        event = services.event_create(data=form.cleaned_data, user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Мероприятие создано."))
        return redirect("school:event", pk=event.pk)
    return render(request, "school/event_form.html", {"form": form, "event": None})


def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    event = selectors.event_manageable_get(scope=scope, pk=pk)
    form = EventForm(request.POST or None, instance=event, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(event=event, data=form.cleaned_data,
                                  base_url=request.build_absolute_uri(
                                      reverse("school:event", args=[event.pk])))
        except services.SchoolError as problem:
            form.add_error("capacity", str(problem))
        else:
            messages.success(request, _("Сохранено."))
            return redirect("school:event", pk=event.pk)
    return render(request, "school/event_form.html", {"form": form, "event": event})


def event(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    the_event = selectors.event_get(scope=scope, pk=pk)
    manager = selectors.is_manager(scope, the_event)
    text = search_text(request.GET.get("q"))
    may_register_others = scope.is_staff and the_event.ends_at >= timezone.now()
    people = (selectors.candidates(scope=scope, event=the_event, text=text)
              if may_register_others else [])
    if request.htmx and request.GET.get("fragment") == "candidates":  # type: ignore[attr-defined]
        return render(request, "school/_candidates.html", {"people": people})
    registrations = list(selectors.registrations_visible(scope=scope, event=the_event)
                         .exclude(status=Registration.Status.CANCELLED)
                         .prefetch_related("certificates"))
    mine = selectors.registration_mine(scope=scope, event=the_event)
    own_sector = selectors.own_sector(scope=scope)
    return render(request, "school/event.html", {
        "event": the_event, "manager": manager, "people": people, "q": text,
        "show_lists": scope.is_staff,
        "may_register_others": may_register_others,
        # Over: a cancellation is the organiser's, with a reason (services.registration_cancel).
        "past": the_event.ends_at < timezone.now(),
        "registered": [r for r in registrations if r.status == Registration.Status.REGISTERED],
        "waiting": [r for r in registrations if r.status == Registration.Status.WAITING],
        "taken": selectors.attendance_counts(event_id=the_event.pk)["total"],
        "mine": mine,
        "may_self_register": (the_event.self_registration and mine is None
                              and own_sector is not None
                              and the_event.admits_sector(own_sector)
                              and the_event.ends_at >= timezone.now()),
        "materials": list(the_event.materials.all()),
        "material_form": MaterialForm(), "sector_names": _sector_names(the_event)})


def _sector_names(event: Event) -> list[str]:
    from tandem.territory.models import Organization

    labels = dict(Organization.Sector.choices)
    return [str(labels.get(s, s)) for s in event.sectors]


@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff register people of their scope; a teacher registers themselves."""
    scope = scope_for(request.user)
    the_event = selectors.event_get(scope=scope, pk=pk)
    try:
        if request.POST.get("self"):
            scope.require("is_teacher")
            outcome = services.registration_self(event=the_event,
                                                 participant=participant_mine(scope=scope),
                                                 user=request.user)  # type: ignore[arg-type]
        else:
            scope.require("is_staff")
            ids = [i for i in map(form_id, request.POST.getlist("participants")) if i]
            people = selectors.people_to_register(scope=scope, ids=ids)
            outcome = services.registrations_create(event=the_event, participants=people,
                                                    user=request.user)  # type: ignore[arg-type]
    except services.SchoolError as problem:
        messages.error(request, str(problem))
        return redirect("school:event", pk=the_event.pk)
    if outcome.registered:
        messages.success(request, _("Записаны: %(names)s.") % {
            "names": ", ".join(p.full_name for p in outcome.registered)})
    if outcome.waiting:
        messages.warning(request, _("Мест нет — в листе ожидания: %(names)s.") % {
            "names": ", ".join(p.full_name for p in outcome.waiting)})
    for refusal in outcome.refused:
        messages.error(request, refusal)
    return redirect("school:event", pk=the_event.pk)


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    registration = selectors.registration_get(scope=scope, pk=pk)
    try:
        promoted = services.registration_cancel(
            registration=registration, scope=scope, user=request.user,  # type: ignore[arg-type]
            reason=request.POST.get("reason", "")[:300],
            base_url=request.build_absolute_uri(reverse("school:event",
                                                        args=[registration.event_id])))
    except services.SchoolError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Запись отменена."))
        if promoted:
            messages.info(request, _("Из листа ожидания записаны: %(names)s.") % {
                "names": ", ".join(r.participant.full_name for r in promoted)})
    return redirect("school:event", pk=registration.event_id)


def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    the_event = selectors.event_manageable_get(scope=scope_for(request.user), pk=pk)
    text = search_text(request.GET.get("q"))
    rows = selectors.attendance_rows(event=the_event, text=text)
    context = {"event": the_event, "rows": rows, "q": text,
               **selectors.attendance_counts(event_id=the_event.pk)}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "school/_attendance_rows.html", context)
    return render(request, "school/attendance.html", context)


@require_POST
def attendance_mark(request: HttpRequest, pk: int) -> HttpResponse:
    registration = selectors.registration_get(scope=scope_for(request.user), pk=pk,
                                              for_="manage")
    error = ""
    try:
        registration = services.attendance_set(registration=registration,
                                               attended=request.POST.get("attended") == "1",
                                               user=request.user)  # type: ignore[arg-type]
    except services.SchoolError as problem:
        error = str(problem)
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        return redirect("school:attendance", pk=registration.event_id)
    registration = selectors.attendance_row(registration=registration)
    # The row, and the counter above the list swapped out of band.
    return render(request, "school/_attendance_row.html", {
        "r": registration, "error": error, "oob": True,
        **selectors.attendance_counts(event_id=registration.event_id)})


def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendee's certificate as PDF (issued at the first download)."""
    registration = selectors.registration_get(scope=scope_for(request.user), pk=pk)
    try:
        cert = services.certificate_issue(registration=registration,
                                          user=request.user)  # type: ignore[arg-type]
    except services.SchoolError as problem:
        messages.error(request, str(problem))
        return redirect("school:event", pk=registration.event_id)
    cert = selectors.certificate_document(certificate=cert)
    url = request.build_absolute_uri(reverse("school:verify_code", args=[cert.code]))
    pdf = render_pdf(documents.certificate_data(cert, url))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.code}.pdf"'
    return response


@require_POST
def certificates_issue(request: HttpRequest, pk: int) -> HttpResponse:
    the_event = selectors.event_manageable_get(scope=scope_for(request.user), pk=pk)
    n = services.certificates_issue_all(event=the_event, user=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Выдано новых сертификатов: %(n)s.") % {"n": n})
    return redirect("school:event", pk=the_event.pk)


@require_POST
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    cert = selectors.certificate_manageable_get(scope=scope_for(request.user), pk=pk)
    if cert.revoked_at is None and not is_confirmed(request):
        until = reopen_until(timezone.now())
        return confirm_page(request, Confirmation(
            title=_("Отозвать сертификат %(code)s?") % {"code": cert.code},
            consequences=[
                _("Владелец: %(name)s.") % {"name": cert.registration.participant.full_name},
                _("Проверка по коду будет отвечать, что такого действующего сертификата "
                  "нет; отзыв и его причина попадут в журнал."),
            ],
            button=_("Да, отозвать"), action=request.path,
            back=reverse("school:event", kwargs={"pk": cert.registration.event_id}),
            undo=_("Вернуть сертификат с тем же кодом можно до %(date)s, указав "
                   "причину.") % {"date": f"{until:%d.%m.%Y}"} if until else "",
            reason_label=_("Причина отзыва"), reason=request.POST.get("reason", "")))
    try:
        services.certificate_revoke(certificate=cert, user=request.user,  # type: ignore[arg-type]
                                    reason=request.POST.get("reason", "")[:300])
    except services.SchoolError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Сертификат %(code)s отозван.") % {"code": cert.code})
    return redirect("school:event", pk=cert.registration.event_id)


@require_POST
def certificate_restore(request: HttpRequest, pk: int) -> HttpResponse:
    cert = selectors.certificate_manageable_get(scope=scope_for(request.user), pk=pk)
    try:
        services.certificate_restore(certificate=cert,
                                     reason=request.POST.get("reason", "")[:300])
    except services.SchoolError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Сертификат %(code)s снова действует.") % {
            "code": cert.code})
    return redirect("school:event", pk=cert.registration.event_id)


@require_POST
def material_add(request: HttpRequest, pk: int) -> HttpResponse:
    the_event = selectors.event_manageable_get(scope=scope_for(request.user), pk=pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.material_add(event=the_event, title=form.cleaned_data["title"],
                                  upload=form.cleaned_data["file"],
                                  link=form.cleaned_data["link"],
                                  user=request.user)  # type: ignore[arg-type]
        except services.SchoolError as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, _("Материал добавлен."))
    else:
        messages.error(request, errors_text(form))
    return redirect("school:event", pk=the_event.pk)


def material(request: HttpRequest, pk: int) -> FileResponse:
    return attachment_response(selectors.material_get(scope=scope_for(request.user), pk=pk))


@require_POST
def material_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.material_get(scope=scope_for(request.user), pk=pk, for_="manage")
    services.material_delete(material=item)
    messages.success(request, _("Материал удалён."))
    return redirect("school:event", pk=item.event_id)


def report(request: HttpRequest, pk: int) -> HttpResponse:
    the_event = selectors.event_manageable_get(scope=scope_for(request.user), pk=pk)
    return render(request, "school/report.html", {
        "event": the_event, "report": selectors.event_report(event=the_event)})


def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    the_event = selectors.event_manageable_get(scope=scope_for(request.user), pk=pk)
    data = documents.report_xlsx(the_event, selectors.event_report(event=the_event))
    response = HttpResponse(data, content_type=documents.XLSX)
    response["Content-Disposition"] = f'attachment; filename="event-{the_event.pk}-report.xlsx"'
    return response


@login_not_required
def verify(request: HttpRequest, code: str = "") -> HttpResponse:
    """Public: anyone checks a certificate's code. Unknown and revoked codes get the same
    page and status, so the answer leaks nothing beyond "valid" or "not found"."""
    raw = code or request.GET.get("code", "")
    form = VerifyForm(initial={"code": raw})
    normalized = services.normalize_code(raw)
    cert = selectors.certificate_by_code(normalized) if raw else None
    context: dict[str, object] = {"form": form, "asked": bool(raw), "found": None}
    if cert is not None:
        context["found"] = {
            "name": cert.registration.participant.full_name,
            "event": cert.registration.event.title,
            "date": documents.event_dates(cert.registration.event), "code": cert.code}
    response = render(request, "school/verify.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
