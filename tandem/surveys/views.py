from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tandem.access.forms import FiltersForm
from tandem.access.scope import scope_for
from tandem.pairs.models import Pair
from tandem.surveys import selectors, services
from tandem.surveys.forms import SurveyForm


def mine(request: HttpRequest) -> HttpResponse:
    """A teacher's own surveys: open ones first, then those already answered."""
    scope = scope_for(request.user)
    scope.require("is_teacher")
    surveys = list(selectors.my_surveys(scope=scope)[:50])
    return render(request, "surveys/mine.html", {"surveys": surveys})


def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The questionnaire (phone-friendly); only its own respondent may open it."""
    scope = scope_for(request.user)
    survey = selectors.my_survey_get(scope=scope, pk=pk)
    pair = survey.pair
    partner = pair.b if pair.a_id == survey.participant_id else pair.a
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and survey.submitted_at is None:
        if form.is_valid():
            try:
                services.survey_submit(survey=survey, data=form.cleaned_data)
            except services.SurveyError as problem:
                messages.error(request, str(problem))
                return redirect("surveys:answer", pk=survey.pk)
            messages.success(request, _("Спасибо! Ответы сохранены."))
            return redirect("surveys:answer", pk=survey.pk)
    elif request.method == "POST":
        messages.error(request, str(services.ALREADY_SUBMITTED))
        return redirect("surveys:answer", pk=survey.pk)
    return render(request, "surveys/answer.html",
                  {"survey": survey, "partner": partner, "form": form,
                   "closed": pair.status == Pair.Status.ENDED_EARLY,
                   "min_answers": selectors.MIN_ANSWERS})


def results(request: HttpRequest) -> HttpResponse:
    """Aggregates for the curator, coordinator or region operator, within their scope."""
    scope = scope_for(request.user)
    scope.require("is_staff")
    form = FiltersForm(request.GET, scope=scope)  # the dashboards' own form: a foreign id 404
    filters = form.filters()
    summary = selectors.satisfaction_summary(scope=scope, filters=filters)
    texts = selectors.free_texts(scope=scope, filters=filters, summary=summary)
    return render(request, "surveys/results.html", {
        "form": form, "summary": summary, "texts": texts,
        "min_answers": summary.min_answers, "roles": selectors.ROLE_LABELS})
