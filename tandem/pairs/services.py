"""Writes for pair formation: starting a run, rules, approval, confirmation, the order."""

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.access.scope import Scope
from tandem.accounts.models import User
from tandem.diagnostics.export import profiles_instance
from tandem.pairs import selectors
from tandem.pairs.models import MatchingRun, Pair, PairOrder, PairRule
from tandem.people.models import Participant
from tandem.territory.models import Municipality, Organization
from tandem.web.tasks import send_email

EMPTY_POOL = gettext_lazy("Некого подбирать: нет участников с отправленной входной "
                          "диагностикой, согласиями и без пары.")
NOT_IN_PROPOSAL = gettext_lazy("Пары %(key)s нет в этом предложении.")
ALREADY_PAIRED = gettext_lazy("%(name)s уже в паре: утвердите предложение заново.")
SAME_PERSON = gettext_lazy("Нельзя составить пару из одного человека.")
OUT_OF_POOL = gettext_lazy("%(name)s не входит в этот пул подбора.")
NOT_A_MEMBER = gettext_lazy("Подтвердить пару может только её участник.")
DATES_REVERSED = gettext_lazy("Окончание раньше начала.")
TERM_TOO_SHORT = gettext_lazy("Срок наставничества — от 3 до 12 месяцев.")


class PairsError(Exception):
    pass


def _unit_fields(unit: Organization | Municipality) -> dict[str, object]:
    if isinstance(unit, Organization):
        return {"organization": unit}
    return {"municipality": unit}


@transaction.atomic
def run_start(*, unit: Organization | Municipality, scope: Scope, user: User | None,
              time_limit: float = 20.0) -> MatchingRun:
    """Builds the instance from the pool and the rules, and queues the engine."""
    from tandem.pairs.tasks import run_matching

    responses = selectors.pool_responses(unit=unit, scope=scope)
    if len(responses) < 2:
        raise PairsError(str(EMPTY_POOL))
    frameworks = selectors.pool_frameworks(responses)
    rules = list(selectors.rules_for(unit=unit))
    instance = profiles_instance(
        responses, frameworks,
        scope="organization" if isinstance(unit, Organization) else "municipality",
        locked=[(r.a_id, r.b_id) for r in rules if r.kind == PairRule.Kind.LOCK],
        forbidden=[(r.a_id, r.b_id) for r in rules if r.kind == PairRule.Kind.FORBID])
    run = MatchingRun.objects.create(created_by=user, instance=instance,
                                     stage=str(_("в очереди")), **_unit_fields(unit))
    transaction.on_commit(lambda: run_matching.enqueue(run_id=run.pk, time_limit=time_limit))
    return run


@transaction.atomic
def rule_set(*, unit: Organization | Municipality, a: Participant, b: Participant, kind: str,
             user: User | None) -> PairRule:
    if a.pk == b.pk:
        raise PairsError(str(SAME_PERSON))
    first, second = (a, b) if a.pk < b.pk else (b, a)
    rule, _created = PairRule.objects.update_or_create(
        a=first, b=second, defaults={"kind": kind, "created_by": user, **_unit_fields(unit)})
    return rule


@transaction.atomic
def rule_clear(*, a_id: int, b_id: int) -> None:
    PairRule.objects.filter(a_id=min(a_id, b_id), b_id=max(a_id, b_id)).delete()


def _months_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / 30.44


@transaction.atomic
def pairs_approve(*, run: MatchingRun, keys: Sequence[str], starts_on: dt.date,
                  ends_on: dt.date, curator: User | None, base_url: str) -> list[Pair]:
    """Creates the chosen pairs of the proposal and asks both members to confirm."""
    if ends_on < starts_on:
        raise PairsError(str(DATES_REVERSED))
    if not 2.9 <= _months_between(starts_on, ends_on) <= 12.2:
        raise PairsError(str(TERM_TOO_SHORT))
    proposal = {f"{min(p['a'], p['b'])}-{max(p['a'], p['b'])}": p
                for p in run.result.get("pairs", [])}
    busy = set(selectors.busy_participants().values_list("pk", flat=True))
    chosen = []
    for key in keys:
        if key not in proposal:
            raise PairsError(str(NOT_IN_PROPOSAL) % {"key": key})
        chosen.append(proposal[key])
    ids = {i for p in chosen for i in (p["a"], p["b"])}
    people = {p.pk: p for p in Participant.objects.filter(pk__in=ids)
              .select_for_update().select_related("organization")}
    created = []
    for p in chosen:
        a, b = people[p["a"]], people[p["b"]]
        for person in (a, b):
            if person.pk in busy:
                raise PairsError(str(ALREADY_PAIRED) % {"name": person.full_name})
        busy |= {a.pk, b.pk}
        created.append(Pair.objects.create(
            a=a, b=b, organization=a.organization, starts_on=starts_on, ends_on=ends_on,
            curator=curator, weight=p["weight"], a_teaches_b=p["a_teaches_b"],
            b_teaches_a=p["b_teaches_a"], run=run))
    from tandem.maps.services import map_draft

    for pair in created:
        map_draft(pair)
    transaction.on_commit(lambda: _notify(created, base_url))
    return created


def _notify(pairs: list[Pair], base_url: str) -> None:
    for pair in pairs:
        url = base_url.rstrip("/") + reverse("pairs:detail", kwargs={"pk": pair.pk})
        for me, partner in ((pair.a, pair.b), (pair.b, pair.a)):
            body = render_to_string("pairs/email/approved.txt",
                                    {"me": me, "partner": partner, "pair": pair, "url": url})
            send_email.enqueue(subject=_("Тандем: ваша наставническая пара"), body=body,
                               to=[me.email])


@transaction.atomic
def pair_confirm(*, pair: Pair, participant: Participant) -> Pair:
    """A member agrees to the pair; with both, the pair becomes active."""
    now = timezone.now()
    if participant.pk == pair.a_id:
        pair.a_confirmed_at = pair.a_confirmed_at or now
    elif participant.pk == pair.b_id:
        pair.b_confirmed_at = pair.b_confirmed_at or now
    else:
        raise PairsError(str(NOT_A_MEMBER))
    if pair.confirmed and pair.status == Pair.Status.APPROVED:
        pair.status = Pair.Status.ACTIVE
    pair.save(update_fields=["a_confirmed_at", "b_confirmed_at", "status"])
    return pair


@transaction.atomic
def order_create(*, organization: Organization, pairs: Sequence[Pair], number: str,
                 date: dt.date, head_name: str, head_position: str,
                 user: User | None) -> PairOrder:
    order = PairOrder.objects.create(organization=organization, number=number, date=date,
                                     head_name=head_name, head_position=head_position,
                                     created_by=user)
    order.pairs.set(pairs)
    return order
