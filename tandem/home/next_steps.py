"""«Что сделать сейчас»: the signed-in teacher's next steps, each one tap away.

Each step reads its rule from its one home: an unfinished questionnaire (an open
campaign, not submitted), a pair waiting for my confirmation, a map I have not agreed, an
overdue task (``task_overdue_q``, the dashboard's and the reminders' rule), a meeting in
the coming week, a survey to answer (``my_open_surveys``). Six small queries, whatever the
data size; at most ``LIMIT`` steps, the most pressing first."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from tandem.access.scope import Scope
from tandem.core import names
from tandem.diagnostics.models import Response, answerable_q
from tandem.maps.models import Map, Meeting, Row
from tandem.pairs.models import Pair
from tandem.pairs.querysets import task_overdue_q
from tandem.surveys.selectors import my_open_surveys

LIMIT = 6
WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Step:
    text: str
    url: str
    button: str
    urgent: bool = False


def _partner(pair: Pair, me: int) -> str:
    """«с коллегой Каролёвой Кариной Сергеевной»: the partner in the instrumental case."""
    other = pair.b if pair.a_id == me else pair.a
    return names.full_name(other.surname, other.name, other.patronymic, "instrumental")


def next_steps(*, scope: Scope, today: dt.date) -> list[Step]:
    me = scope.own_participant_id
    if me is None:
        return []
    steps: list[Step] = []
    mine = Q(a_id=me) | Q(b_id=me)

    for pair in (Pair.objects.awaiting_confirmation_of(me)
                 .select_related("a", "b")[:3]):
        steps.append(Step(_("Куратор предложил вам пару с коллегой %(name)s: подтвердите "
                            "участие или откажитесь.") % {"name": _partner(pair, me)},
                          reverse("pairs:detail", kwargs={"pk": pair.pk}),
                          _("Ответить"), urgent=True))

    for the_map in (Map.objects.filter(pair__in=Pair.objects.filter(mine),
                                       pair__status=Pair.Status.ACTIVE,
                                       status=Map.Status.DRAFT)
                    .filter(Q(pair__a_id=me, a_agreed_at__isnull=True)
                            | Q(pair__b_id=me, b_agreed_at__isnull=True))
                    .select_related("pair__a", "pair__b")[:3]):
        map_pair = the_map.pair
        assert map_pair is not None
        steps.append(Step(_("Согласуйте карту наставничества с коллегой %(name)s.") % {
            "name": _partner(map_pair, me)},
            reverse("maps:detail", kwargs={"pair_pk": map_pair.pk}), _("Открыть карту")))

    for row in (Row.objects.filter(task_overdue_q(today), map__pair__status=Pair.Status.ACTIVE,
                                   map__status=Map.Status.IN_PROGRESS)
                .filter(Q(map__pair__a_id=me) | Q(map__pair__b_id=me))
                .select_related("map").order_by("deadline")[:3]):
        steps.append(Step(_("Срок задачи «%(title)s» прошёл %(date)s: отметьте выполнение "
                            "или договоритесь о новом сроке.") % {
                                "title": row.title, "date": f"{row.deadline:%d.%m.%Y}"},
                          reverse("maps:detail", kwargs={"pair_pk": row.map.pair_id}),
                          _("К задаче"), urgent=True))

    for response in (Response.objects.filter(answerable_q("campaign__"), participant_id=me)
                     .exclude(status=Response.Status.SUBMITTED)
                     .select_related("campaign")[:2]):
        steps.append(Step(_("Заполните анкету «%(title)s» до %(date)s.") % {
            "title": response.campaign.title, "date": f"{response.campaign.ends_on:%d.%m.%Y}"},
            reverse("diagnostics:questionnaire", kwargs={"pk": response.pk}),
            _("Продолжить анкету") if response.answered else _("Заполнить анкету")))

    for survey in my_open_surveys(scope=scope).select_related("pair__a", "pair__b")[:2]:
        steps.append(Step(_("Ответьте на короткий опрос о работе в паре (до %(date)s): "
                            "ответы анонимны.") % {"date": f"{survey.due_on:%d.%m.%Y}"},
                          reverse("surveys:answer", kwargs={"pk": survey.pk}),
                          _("Ответить на опрос")))

    for meeting in (Meeting.objects.filter(pair__in=Pair.objects.filter(mine).running(),
                                           planned=True, date__gte=today,
                                           date__lte=today + WEEK)
                    .select_related("pair__a", "pair__b").order_by("date", "time")[:2]):
        when = f"{meeting.date:%d.%m}" + (f" {meeting.time:%H:%M}" if meeting.time else "")
        steps.append(Step(_("Встреча %(when)s: %(topic)s.") % {
            "when": when, "topic": meeting.topic},
            reverse("maps:detail", kwargs={"pair_pk": meeting.pair_id}), _("Подробнее")))

    return sorted(steps, key=lambda s: not s.urgent)[:LIMIT]
