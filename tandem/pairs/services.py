"""Writes for pair formation: starting a run, rules, the order. The pair's life from
its approval on (statuses of pairs and maps) has one owner: tandem/maps/lifecycle.py."""

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.access.scope import Scope
from tandem.accounts.models import User
from tandem.core import programmes as rules_core
from tandem.diagnostics.export import profiles_instance
from tandem.pairs import selectors
from tandem.pairs.models import MatchingRun, Pair, PairOrder, PairRule
from tandem.people.models import Participant
from tandem.territory.models import Municipality, Organization

EMPTY_POOL = gettext_lazy("Некого подбирать: нет участников с отправленной входной "
                          "диагностикой, согласиями и без пары.")
NOT_IN_PROPOSAL = gettext_lazy("Пары %(key)s нет в этом предложении.")
ALREADY_PAIRED = gettext_lazy("%(name)s уже в паре: утвердите предложение заново.")
PAIR_EXISTS = gettext_lazy("%(a)s и %(b)s уже работают в паре: вторая такая же пара не "
                           "создаётся.")
SAME_PERSON = gettext_lazy("Нельзя составить пару из одного человека.")
OUT_OF_POOL = gettext_lazy("%(name)s не входит в этот пул подбора.")
NOT_A_MEMBER = gettext_lazy("Подтвердить пару может только её участник.")
DECLINE_REASON_REQUIRED = gettext_lazy("Напишите, почему вы отказываетесь: куратор учтёт "
                                       "это при новом подборе.")
NOT_WAITING = gettext_lazy("Эта пара уже не ждёт подтверждения.")
ALREADY_CONFIRMED = gettext_lazy("Вы уже подтвердили участие в этой паре раньше.")
DECLINE_TOO_LATE = gettext_lazy("Отказаться можно, пока пара ждёт подтверждения. Пара уже "
                                "работает: прекратить её досрочно можно на странице карты.")
DATES_REVERSED = gettext_lazy("Окончание раньше начала.")
TERM_TOO_SHORT = gettext_lazy("Срок наставничества — от 3 до 12 месяцев.")


class PairsError(Exception):
    pass


class AlreadyConfirmed(PairsError):
    """The member had confirmed the pair before: nothing to write (ALREADY_CONFIRMED)."""


def _unit_fields(unit: Organization | Municipality) -> dict[str, object]:
    if isinstance(unit, Organization):
        return {"organization": unit}
    return {"municipality": unit}


@dataclass(frozen=True)
class RunOptions:
    """The rules of one engine run. ``capacity`` None: each organization's own (municipal
    pools, where organizations' programmes may differ)."""

    reciprocity_required: bool = True
    no_reporting_line: bool = True
    capacity: int | None = 1
    source: str = "default"  # "programme", "default" or "form"
    programme: int | None = None
    # Who may pair with whom, as the curator states it (tandem.core.programmes
    # PairPreferences): the engine carries them as forbidden pairs.
    min_experience_gap: int = 0
    age_groups: str = "any"
    subject: str = "any"
    place: str = "any"

    @property
    def preferences(self) -> rules_core.PairPreferences:
        return rules_core.PairPreferences(min_experience_gap=self.min_experience_gap,
                                          age_groups=self.age_groups, subject=self.subject,
                                          place=self.place)

    def with_preferences(self, prefs: rules_core.PairPreferences) -> "RunOptions":
        return dataclasses.replace(self, min_experience_gap=prefs.min_experience_gap,
                                   age_groups=prefs.age_groups, subject=prefs.subject,
                                   place=prefs.place)


@dataclass(frozen=True)
class RunDefaults:
    options: RunOptions
    per_organization: dict[int, rules_core.MatchingRules]
    excluded: list[int]  # organizations that pair only inside themselves


def run_defaults(unit: Organization | Municipality) -> RunDefaults:
    """The defaults of a run: an organization's adopted programme for the current year
    (docs/programmes.md); for a municipal pool, the organizations' programmes: those that
    chose to pair inside themselves stay out, and the rest share the strictest rules."""
    from tandem.programmes import selectors as programmes

    if isinstance(unit, Organization):
        rules, programme = programmes.matching_rules(organization_id=unit.pk)
        return RunDefaults(RunOptions(
            reciprocity_required=rules.reciprocity_required,
            no_reporting_line=rules.no_reporting_line, capacity=rules.capacity,
            source="programme" if programme else "default",
            programme=programme.pk if programme else None
        ).with_preferences(rules.preferences), {}, [])
    per_org = programmes.matching_rules_for(organization_ids=Organization.objects.filter(
        municipality=unit).values_list("pk", flat=True))
    excluded = sorted(o for o, r in per_org.items() if r.scope == "organization")
    shared = rules_core.strictest([r for o, r in per_org.items() if o not in excluded])
    return RunDefaults(RunOptions(
        reciprocity_required=shared.reciprocity_required,
        no_reporting_line=shared.no_reporting_line, capacity=None,
        source="programme" if per_org else "default",
    ).with_preferences(shared.preferences), per_org, excluded)


def capacity_function(defaults: RunDefaults, options: RunOptions) -> Callable[[int], int]:
    """How many pairs a person of an organization may be in, under ``options``."""

    def capacity_of(organization_id: int) -> int:
        if options.capacity is not None:
            return options.capacity
        rules = defaults.per_organization.get(organization_id)
        return rules.capacity if rules else 1

    return capacity_of


@transaction.atomic
def run_start(*, unit: Organization | Municipality, scope: Scope, user: User | None,
              time_limit: float = 20.0, options: RunOptions | None = None,
              previous: MatchingRun | None = None) -> MatchingRun:
    """Builds the instance from the pool and the rules, and queues the engine. Without
    ``options`` the run takes the defaults of ``run_defaults``. ``previous``: the run this
    one repeats; its result warm-starts the engine (a hint, never trusted)."""
    from tandem.pairs.tasks import run_matching

    defaults = run_defaults(unit)
    options = options or defaults.options
    capacity_of = capacity_function(defaults, options)
    responses = selectors.pool_responses(unit=unit, scope=scope, capacity_of=capacity_of,
                                         exclude_organizations=defaults.excluded)
    if len(responses) < 2:
        raise PairsError(str(EMPTY_POOL))
    frameworks = selectors.pool_frameworks(responses)
    rules = list(selectors.rules_for(unit=unit))
    people = Participant.objects.filter(pk__in=[r.participant_id for r in responses])
    # Two people who already work together (a capacity above 1 keeps both in the pool)
    # are not proposed to each other again: their running pair is a forbidden edge.
    existing = selectors.running_pairs_among(people)
    # The curator's stated rules (experience gap, age groups, subject) remove candidate
    # pairs; how many each removed is kept with the run for its page.
    by_rule = rules_core.rule_forbidden(
        [rules_core.PersonFacts(p.pk, p.experience_years, p.age_band, p.subject,
                                p.organization_id, p.building)
         for p in people.only("pk", "experience_years", "age_band", "subject",
                              "organization_id", "building")],
        options.preferences)
    removed: dict[str, int] = {}
    for _a, _b, code in by_rule:
        removed[code] = removed.get(code, 0) + 1
    ruled_out = {(min(a, b), max(a, b)) for a, b, _code in by_rule}
    instance = profiles_instance(
        responses, frameworks,
        scope="organization" if isinstance(unit, Organization) else "municipality",
        locked=[(r.a_id, r.b_id) for r in rules if r.kind == PairRule.Kind.LOCK
                and (min(r.a_id, r.b_id), max(r.a_id, r.b_id)) not in existing | ruled_out],
        forbidden=[*((r.a_id, r.b_id) for r in rules if r.kind == PairRule.Kind.FORBID),
                   *sorted(existing), *sorted(ruled_out)])
    busy = selectors.busy_counts(people)
    remaining = {pk: capacity_of(org) - busy.get(pk, 0)
                 for pk, org in people.values_list("pk", "organization_id")}
    instance = rules_core.apply_rules(
        instance, reciprocity_required=options.reciprocity_required,
        no_reporting_line=options.no_reporting_line, remaining=remaining)
    run = MatchingRun.objects.create(created_by=user, instance=instance,
                                     rules={**asdict(options), "removed": removed,
                                            # to word «уже в паре» apart from a ban
                                            "existing": [list(k) for k in sorted(existing)]},
                                     stage=str(_("в очереди")), **_unit_fields(unit))
    warm_from = previous.pk if previous is not None else None
    transaction.on_commit(lambda: run_matching.enqueue(run_id=run.pk, time_limit=time_limit,
                                                       warm_from=warm_from))
    return run


def run_options(run: MatchingRun) -> RunOptions | None:
    """The options a run was started with, to start it again the same way."""
    if not run.rules:
        return None
    known = {k: v for k, v in run.rules.items() if k in RunOptions.__dataclass_fields__}
    return RunOptions(**known)


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


@transaction.atomic
def order_create(*, organization: Organization, pairs: Sequence[Pair], number: str,
                 date: dt.date, head_name: str, head_position: str,
                 user: User | None) -> PairOrder:
    order = PairOrder.objects.create(organization=organization, number=number, date=date,
                                     head_name=head_name, head_position=head_position,
                                     created_by=user)
    order.pairs.set(pairs)
    return order
