"""Reads for surveys: a teacher's own surveys, and aggregates that never single anyone out.

Anonymity rules (docs/surveys.md): an aggregate (a mean) is shown only over at least
``MIN_ANSWERS`` answers; free text is shown without names, sorted by its own words (so
the order says nothing about pairs or people), and only when the group it comes from
has at least ``MIN_ANSWERS`` answers — otherwise the one text of a small school would
name its author as surely as a signature.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.access.filters import Filters
from tandem.access.scope import Scope
from tandem.core.effectiveness import MIN_ANSWERS
from tandem.pairs.models import Pair
from tandem.surveys.models import Survey

MENTOR = "mentor"
MENTEE = "mentee"
BOTH = "both"

# (field, role, label): the 1–10 questions, in the order of the questionnaire.
MEASURES: list[tuple[str, str, Promise]] = [
    ("mentee_benefit", MENTEE, _("Польза от того, чему научил партнёр")),
    ("mentee_support", MENTEE, _("Поддержка партнёра")),
    ("mentor_satisfaction", MENTOR, _("Удовлетворённость своей ролью наставника")),
    ("mentor_engagement", MENTOR, _("Вовлечённость партнёра как наставляемого")),
    ("recommend", BOTH, _("Готовность рекомендовать коллегам")),
]
ROLE_LABELS: dict[str, Promise] = {
    MENTEE: _("как наставляемые"), MENTOR: _("как наставники"), BOTH: _("обе роли"),
}
# The headline figure of each role: mentees' satisfaction is the benefit they got,
# mentors' satisfaction is how they rate their own role.
HEADLINE = {MENTEE: "mentee_benefit", MENTOR: "mentor_satisfaction", BOTH: "recommend"}
TEXT_LIMIT = 200  # free-text answers shown per stage and question


def withheld(n: int, mean: float | None, min_n: int = MIN_ANSWERS) -> float | None:
    """The rule of :func:`tandem.core.effectiveness.withheld_mean` applied to a count and a
    mean the database computed: the mean over ``n`` answers, or None below ``min_n``.
    (Aggregating in SQL keeps the region's page bounded; a test checks both agree.)"""
    if n < min_n or mean is None:
        return None
    return float(mean)


@dataclass(frozen=True)
class Measure:
    field: str
    role: str
    label: str
    n: int
    mean: float | None  # None: withheld (fewer than MIN_ANSWERS answers)

    @property
    def withheld(self) -> bool:
        return self.mean is None


@dataclass(frozen=True)
class StageSummary:
    stage: str
    label: str
    sent: int  # surveys e-mailed or offered
    answered: int
    measures: list[Measure]

    @property
    def response_percent(self) -> int:
        return round(100 * self.answered / self.sent) if self.sent else 0

    def measure(self, field: str) -> Measure:
        return next(m for m in self.measures if m.field == field)

    @property
    def mentors(self) -> Measure:
        """Mentors' satisfaction."""
        return self.measure(HEADLINE[MENTOR])

    @property
    def mentees(self) -> Measure:
        """Mentees' satisfaction."""
        return self.measure(HEADLINE[MENTEE])

    @property
    def recommend(self) -> Measure:
        return self.measure(HEADLINE[BOTH])


@dataclass(frozen=True)
class SatisfactionSummary:
    stages: list[StageSummary]
    min_answers: int = MIN_ANSWERS
    by_stage: dict[str, StageSummary] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_stage.update({s.stage: s for s in self.stages})


def surveys_in(*, scope: Scope, filters: Filters) -> QuerySet[Survey]:
    """Surveys of the participants of the organizations in scope that pass the filters.

    A survey belongs to its respondent's organization (a municipal-pool pair spans two).
    The period: an answered survey counts when it was answered inside it, an unanswered
    one when it was due inside it."""
    qs = Survey.objects.filter(participant__organization__in=filters.organizations(scope))
    if filters.date_from is not None:
        qs = qs.filter(Q(submitted_at__date__gte=filters.date_from)
                       | Q(submitted_at__isnull=True, due_on__gte=filters.date_from))
    if filters.date_to is not None:
        qs = qs.filter(Q(submitted_at__date__lte=filters.date_to)
                       | Q(submitted_at__isnull=True, due_on__lte=filters.date_to))
    return qs


def satisfaction_summary(*, scope: Scope, filters: Filters) -> SatisfactionSummary:
    """Per stage (mid-term, final) and role: how many surveys went out and came back, and
    the withheld means of every 1–10 question. One query, whatever the data size."""
    aggregates: dict[str, Any] = {f"n_{f}": Count(f) for f, _r, _l in MEASURES}
    aggregates |= {f"avg_{f}": Avg(f) for f, _r, _l in MEASURES}
    grouped = (surveys_in(scope=scope, filters=filters).values("stage").order_by("stage")
               .annotate(sent=Count("pk"), answered=Count("submitted_at"), **aggregates))
    rows: dict[str, dict[str, Any]] = {row["stage"]: dict(row) for row in grouped}
    stages = []
    for stage, label in Survey.Stage.choices:
        row: dict[str, Any] = rows.get(stage, {})
        stages.append(StageSummary(
            stage=stage, label=str(label), sent=row.get("sent", 0),
            answered=row.get("answered", 0),
            measures=[Measure(field=f, role=role, label=str(text), n=row.get(f"n_{f}", 0),
                              mean=withheld(row.get(f"n_{f}", 0), row.get(f"avg_{f}")))
                      for f, role, text in MEASURES]))
    return SatisfactionSummary(stages=stages)


@dataclass(frozen=True)
class FreeText:
    stage: str
    label: str
    answered: int
    shown: bool  # False: fewer than MIN_ANSWERS answers in the group, texts withheld
    good: list[str]
    improve: list[str]


def free_texts(*, scope: Scope, filters: Filters,
               summary: SatisfactionSummary) -> list[FreeText]:
    """Free-text answers per stage, without names, sorted by their words; withheld for a
    group of fewer than MIN_ANSWERS answers. At most two queries per stage."""
    base = surveys_in(scope=scope, filters=filters).filter(submitted_at__isnull=False)
    result = []
    for s in summary.stages:
        if s.answered == 0:
            continue
        shown = s.answered >= MIN_ANSWERS
        texts: dict[str, list[str]] = {"text_good": [], "text_improve": []}
        if shown:
            for name in texts:
                values = (base.filter(stage=s.stage).exclude(**{name: ""})
                          .order_by(name).values_list(name, flat=True)[:TEXT_LIMIT])
                texts[name] = [v.strip() for v in values if v.strip()]
        result.append(FreeText(stage=s.stage, label=s.label, answered=s.answered,
                               shown=shown, good=texts["text_good"],
                               improve=texts["text_improve"]))
    return result


# -- a teacher's own surveys ------------------------------------------------------------
def my_surveys(*, scope: Scope) -> QuerySet[Survey]:
    """The signed-in teacher's own surveys; nobody else's, whatever their role."""
    if scope.own_participant_id is None:
        return Survey.objects.none()
    return (Survey.objects.filter(participant_id=scope.own_participant_id)
            .select_related("pair__a", "pair__b").order_by("submitted_at", "due_on", "pk"))


def my_open_surveys(*, scope: Scope) -> QuerySet[Survey]:
    return my_surveys(scope=scope).filter(submitted_at__isnull=True).exclude(
        pair__status=Pair.Status.ENDED_EARLY)


def my_survey_get(*, scope: Scope, pk: int) -> Survey:
    """One of the teacher's own surveys; anyone else's id is a 404."""
    return get_object_or_404(my_surveys(scope=scope), pk=pk)
