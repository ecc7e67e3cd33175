import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.access.scope import scope_for
from tandem.audit.selectors import SYSTEM, audit_entries_for_object, describe_entries
from tandem.directory.forms import (
    CONFLICT,
    DeactivateForm,
    EmailSettingsForm,
    ParticipantFilterForm,
    ParticipantForm,
    conflict_values,
)
from tandem.directory.links import person_links
from tandem.directory.selectors import (
    ParticipantPages,
    participant_get,
    participant_get_manageable,
    participant_mine,
    participant_positions,
    participant_rows,
    participant_total,
)
from tandem.people.models import Participant
from tandem.people.personal_data import (
    participant_anonymise,
    personal_data,
    personal_data_xlsx,
)
from tandem.people.services import (
    ParticipantConflict,
    participant_deactivate,
    participant_email_settings_save,
    participant_reactivate,
    participant_save,
)

PAGE_SIZE = 25


class CountedPaginator(Paginator):
    """A paginator told the list's size (kept counts) instead of counting it; counts it
    itself when told nothing."""

    def __init__(self, object_list: Any, per_page: int, *, count: int | None) -> None:
        super().__init__(object_list, per_page)
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached_property


def participants(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.is_staff:
        # A teacher has no list to browse: their own card is the page for them.
        if scope.own_participant_id:
            return redirect("people:detail", pk=scope.own_participant_id)
        scope.require("is_staff")
    form = ParticipantFilterForm(request.GET or None, scope=scope,
                                 positions=participant_positions(scope=scope))
    filters = form.filters()
    # One organization (a curator's): no organization column to fill, and no join —
    # PostgreSQL hashed all the region's organizations for it (10–25 ms of 0.7 on t300k).
    rows = ParticipantPages(participant_rows(scope=scope, filters=filters,
                                             units=form.shows_units))
    page = CountedPaginator(rows, PAGE_SIZE, count=participant_total(
        scope=scope, filters=filters)).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(),
               "refused": form.refused,
               "show_organization": form.shows_units,
               "can_create": bool(form.units.municipalities)}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "people/_participant_table.html", context)
    return render(request, "people/participant_list.html", context)


def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    participant = participant_get(scope=scope, pk=pk)
    can_manage = scope.manageable_participants().filter(pk=pk).exists()
    history = describe_entries(audit_entries_for_object(participant)[:20]) if can_manage else []
    return render(request, "people/participant_detail.html", {
        "participant": participant, "can_manage": can_manage, "history": history,
        "system": SYSTEM,
        "deactivate_form": DeactivateForm(),
        "link_groups": person_links(scope=scope, participant=participant),
    })


def participant_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require("is_staff")
    # «Добавить сотрудника» on an organization's page comes with ?organization=<pk>.
    initial = {}
    if request.GET.get("organization"):
        initial["organization"] = request.GET["organization"]
    form = ParticipantForm(request.POST or None, scope=scope, initial=initial)
    if request.method == "POST" and form.is_valid():
        participant = participant_save(participant=form.save(commit=False))
        messages.success(request, _("Участник %(name)s добавлен.") % {"name": participant})
        return redirect("people:detail", pk=participant.pk)
    return render(request, "people/participant_form.html", {"form": form, "participant": None})


def participant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    participant = participant_get_manageable(scope=scope, pk=pk)
    form = ParticipantForm(request.POST or None, instance=participant, scope=scope)
    conflict: list[tuple[str, str]] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            participant_save(participant=form.save(commit=False),
                             version=form.cleaned_data["version"])
        except ParticipantConflict:
            # Nothing written: show the card as it is now, and what this editor typed.
            theirs = form
            participant = participant_get_manageable(scope=scope, pk=pk)
            form = ParticipantForm(instance=participant, scope=scope)
            conflict = conflict_values(theirs, participant)
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect("people:detail", pk=participant.pk)
    return render(request, "people/participant_form.html",
                  {"form": form, "participant": participant, "conflict": conflict,
                   "conflict_message": CONFLICT if conflict is not None else ""})


@require_POST
def participant_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    participant = participant_get_manageable(scope=scope, pk=pk)
    form = DeactivateForm(request.POST)
    if form.is_valid():
        participant_deactivate(participant=participant, reason=form.cleaned_data["reason"])
        messages.success(request, _("Участник выведен из программы."))
    else:
        messages.error(request, _("Не удалось вывести участника: укажите причину."))
    return redirect("people:detail", pk=participant.pk)


@require_POST
def participant_reactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    participant: Participant = participant_get_manageable(scope=scope, pk=pk)
    participant_reactivate(participant=participant)
    messages.success(request, _("Участник снова в программе."))
    return redirect("people:detail", pk=participant.pk)


def participant_data(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """152-ФЗ: everything kept about a person — for the person, or for the staff who
    manage them (answering a request of someone without a login)."""
    scope = scope_for(request.user)
    mine = scope.own_participant_id == pk
    participant = participant_get(scope=scope, pk=pk, for_="view" if mine else "manage")
    # What the product promises is anonymous (survey answers) is only in their own copy.
    data = personal_data(participant, for_self=mine)
    if fmt == "json":
        response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=1),
                                content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(
            personal_data_xlsx(data),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="tandem-my-data-{pk}.{fmt}"'
    return response


@require_POST
def participant_anonymise_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The region operator erases the personal data of someone who has left."""
    scope = scope_for(request.user)
    scope.require("is_region_operator")
    participant = participant_get(scope=scope, pk=pk, for_="manage")
    if participant.is_anonymised:
        messages.info(request, _("Персональные данные этого человека уже обезличены."))
        return redirect("people:detail", pk=pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Подтвердите обезличивание: это необратимо."))
        return redirect("people:detail", pk=pk)
    participant_anonymise(participant=participant, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Персональные данные обезличены; статистика сохранена."))
    return redirect("people:detail", pk=pk)


def my_email_settings(request: HttpRequest) -> HttpResponse:
    """The signed-in teacher chooses whether reminder letters come (the notices a pair
    needs — to confirm, a decline — always do, see Participant.wants_reminders)."""
    scope = scope_for(request.user)
    scope.require("is_teacher")
    me = participant_mine(scope=scope)
    form = EmailSettingsForm(request.POST or None,
                             initial={"email_reminders": me.email_reminders})
    if request.method == "POST" and form.is_valid():
        participant_email_settings_save(participant=me,
                                        email_reminders=form.cleaned_data["email_reminders"])
        messages.success(request, _("Сохранено."))
        return redirect("people:email_settings")
    return render(request, "people/email_settings.html", {"form": form, "me": me})
