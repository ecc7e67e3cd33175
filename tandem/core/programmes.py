"""The organization's reverse mentoring programme: its vocabularies, the academic year, the
roadmap's date rules and the pair-formation rules that become the matching defaults.

No Django here: the app (tandem/programmes) stores what these functions check, and the
pair formation (tandem/pairs) applies ``MatchingRules`` to an engine instance document.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

PairScope = Literal["organization", "municipality"]
MAX_CAPACITY = 3  # the engine's own limit (core.matching.instance.MAX_CAPACITY)

# Forms of mentoring (federal recommendations) and the methods of the maps (core.maps).
FORMS: tuple[tuple[str, str], ...] = (
    ("reverse", "реверсивное наставничество «педагог — педагог»"),
    ("group", "групповое наставничество"),
    ("virtual", "виртуальное (дистанционное) наставничество"),
    ("situational", "ситуационное наставничество"),
    ("short_term", "краткосрочное (целеполагающее) наставничество"),
    ("speed", "скоростное наставничество"),
)
METHODS: tuple[tuple[str, str], ...] = (
    ("consultation", "консультация"),
    ("master_class", "мастер-класс"),
    ("joint_lesson", "совместное занятие"),
    ("mutual_visits", "взаимопосещение занятий"),
    ("joint_project", "совместный проект"),
    ("online_meeting", "онлайн-встреча"),
    ("practicum", "практикум"),
    ("resource_study", "совместное изучение ресурса"),
    ("case_study", "разбор педагогических кейсов"),
    ("reflection_session", "рефлексивная сессия пары"),
)
# Technologies of closing deficits, by the kind of deficit they address.
TECHNOLOGIES: tuple[tuple[str, str], ...] = (
    ("ict_practicum", "информационно-коммуникативные: цифровой практикум с партнёром"),
    ("ict_products", "информационно-коммуникативные: совместное создание цифрового продукта"),
    ("method_lesson_study", "методические: исследование урока (занятия) в паре"),
    ("method_open_lessons", "методические: открытые занятия и их разбор"),
    ("research_project", "исследовательские: совместный педагогический проект"),
    ("research_publication", "исследовательские: подготовка публикации или выступления"),
    ("psych_supervision", "психолого-педагогические: разбор трудных ситуаций (супервизия)"),
    ("comm_parents", "коммуникативные: совместная подготовка встреч с родителями"),
    ("law_documents", "нормативно-правовые: разбор документов и программной документации"),
)
# The cycle of the model (docs/programmes.md): the roadmap's stages.
STAGES: tuple[tuple[str, str], ...] = (
    ("preparation", "подготовительный"),
    ("diagnostics", "диагностика дефицитов"),
    ("pairs", "формирование пар"),
    ("maps", "разработка индивидуальных карт"),
    ("implementation", "реализация"),
    ("final", "итоговая диагностика и оценка"),
    ("dissemination", "рефлексия и распространение практики"),
)
# What an organization reports upwards by default: (title, unit, target).
DEFAULT_INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("Доля педагогов, вовлечённых в реверсивное наставничество", "%", "30"),
    ("Число наставнических пар", "пар", "5"),
    ("Доля закрытых дефицитов по итоговой диагностике", "%", "60"),
    ("Удовлетворённость участников (среднее, шкала 1–10)", "балл", "8"),
    ("Число продуктов, созданных парами", "шт.", "5"),
)

# What is wrong with a roadmap row's dates: codes, worded (and translated) by the app.
DATES_REVERSED = "dates_reversed"
OUTSIDE_YEAR = "outside_year"


def academic_year(day: dt.date) -> int:
    """The academic year a day belongs to, named by its first calendar year: 1 September
    2026 to 31 August 2027 is 2026."""
    return day.year if day.month >= 9 else day.year - 1


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 9, 1), dt.date(year + 1, 8, 31)


def year_label(year: int) -> str:
    return f"{year}/{year + 1}"


def roadmap_dates_problem(year: int, starts_on: dt.date, ends_on: dt.date) -> str | None:
    """Why a roadmap row's dates are wrong for the programme's year (a code), or None."""
    if ends_on < starts_on:
        return DATES_REVERSED
    first, last = year_bounds(year)
    if starts_on < first or ends_on > last:
        return OUTSIDE_YEAR
    return None


@dataclass(frozen=True)
class MatchingRules:
    """What the programme decides about pair formation; the matching engine's defaults.

    ``scope`` is where the organization's people are paired: inside the organization, or
    also in the municipal pool with colleagues from other organizations.
    """

    scope: PairScope = "organization"
    reciprocity_required: bool = True
    no_reporting_line: bool = True
    capacity: int = 1
    # Who may pair with whom, as the programme states it (the run form's defaults).
    preferences: "PairPreferences" = field(default_factory=lambda: PairPreferences())

    def __post_init__(self) -> None:
        if not 1 <= self.capacity <= MAX_CAPACITY:
            raise ValueError(f"capacity {self.capacity} is outside 1..{MAX_CAPACITY}")


def strictest(rules: list[MatchingRules]) -> MatchingRules:
    """One set of instance-wide rules for a municipal pool of several organizations: a rule
    that any of them requires holds for all (the engine's constraints are global)."""
    if not rules:
        return MatchingRules(scope="municipality")
    return MatchingRules(scope="municipality",
                         reciprocity_required=any(r.reciprocity_required for r in rules),
                         no_reporting_line=any(r.no_reporting_line for r in rules),
                         capacity=min(r.capacity for r in rules),
                         preferences=strictest_preferences([r.preferences for r in rules]))


def apply_rules(instance: dict[str, Any], *, reciprocity_required: bool,
                no_reporting_line: bool, remaining: Mapping[Any, int]) -> dict[str, Any]:
    """The instance document with the rules set: the two constraints, and each
    participant's capacity (the pairs they may still take; 1 if not given)."""
    constraints = {**instance.get("constraints", {}),
                   "reciprocity_required": reciprocity_required,
                   "no_reporting_line": no_reporting_line}
    participants = [{**p, "capacity": max(1, min(MAX_CAPACITY, remaining.get(p["id"], 1)))}
                    for p in instance.get("participants", [])]
    return {**instance, "constraints": constraints, "participants": participants}


# -- rules a curator states about who may pair with whom (issue #14, item 13) ------------
AGE_GROUPS = ("any", "different")
SUBJECTS = ("any", "same", "different")
# "same_building": the two work in one building of one organization (they meet in person);
# "any": any building, also another organization's (the pair may work online).
PLACES = ("any", "same_building")
MAX_EXPERIENCE_GAP = 40

# Codes of why a rule removed a candidate pair (worded in tandem/pairs/wording.py).
EXPERIENCE_GAP = "experience_gap"
SAME_AGE_GROUP = "same_age_group"
SUBJECT_DIFFERS = "subject_differs"
SUBJECT_SAME = "subject_same"
DIFFERENT_BUILDING = "different_building"


@dataclass(frozen=True)
class PersonFacts:
    """What the pair rules read about a person: the minimum the product stores."""

    id: Any
    experience_years: int | None
    age_band: str
    subject: str
    organization: Any = None
    building: str = ""  # the building (корпус, площадка) inside the organization; "" — its only one


@dataclass(frozen=True)
class PairPreferences:
    """``min_experience_gap``: at least this many years between the two (0: any);
    ``age_groups``: "different" — the two in different age bands; ``subject``: "same" or
    "different" subject or direction (compared without case and spaces at the ends);
    ``place``: "same_building" — one organization and one building (compared like the
    subject; an empty building is the organization's only one), "any" — online pairs too."""

    min_experience_gap: int = 0
    age_groups: str = "any"
    subject: str = "any"
    place: str = "any"

    def __post_init__(self) -> None:
        if not 0 <= self.min_experience_gap <= MAX_EXPERIENCE_GAP:
            raise ValueError(f"min_experience_gap outside 0..{MAX_EXPERIENCE_GAP}")
        if (self.age_groups not in AGE_GROUPS or self.subject not in SUBJECTS
                or self.place not in PLACES):
            raise ValueError("unknown age_groups, subject or place rule")

    @property
    def any(self) -> bool:
        return (self.min_experience_gap > 0 or self.age_groups != "any"
                or self.subject != "any" or self.place != "any")


def strictest_preferences(all_prefs: list[PairPreferences]) -> PairPreferences:
    """The pair rules of a municipal pool whose organizations' programmes state their own:
    the largest experience gap, different age groups and one building if any asks for them.
    The subject rule holds only where every programme that states one states the same
    («same» for some and «different» for others would forbid every pair): otherwise any."""
    stated = {p.subject for p in all_prefs if p.subject != "any"}
    return PairPreferences(
        min_experience_gap=max((p.min_experience_gap for p in all_prefs), default=0),
        age_groups="different" if any(p.age_groups == "different" for p in all_prefs)
        else "any",
        subject=stated.pop() if len(stated) == 1 else "any",
        place="same_building" if any(p.place == "same_building" for p in all_prefs)
        else "any")


def _subject(text: str) -> str:
    return " ".join(text.casefold().split())


def rule_obstacle(a: PersonFacts, b: PersonFacts, prefs: PairPreferences) -> str | None:
    """The first stated rule that keeps ``a`` and ``b`` apart, or None. An unknown
    experience does not pass a required gap; an empty subject matches no other."""
    if prefs.min_experience_gap:
        if (a.experience_years is None or b.experience_years is None
                or abs(a.experience_years - b.experience_years) < prefs.min_experience_gap):
            return EXPERIENCE_GAP
    if prefs.age_groups == "different" and a.age_band == b.age_band:
        return SAME_AGE_GROUP
    if prefs.subject != "any":
        same = bool(_subject(a.subject)) and _subject(a.subject) == _subject(b.subject)
        if prefs.subject == "same" and not same:
            return SUBJECT_DIFFERS
        if prefs.subject == "different" and same:
            return SUBJECT_SAME
    if prefs.place == "same_building" and (
            a.organization != b.organization or _subject(a.building) != _subject(b.building)):
        return DIFFERENT_BUILDING
    return None


def rule_forbidden(people: list[PersonFacts], prefs: PairPreferences,
                   ) -> list[tuple[Any, Any, str]]:
    """Every pair of ``people`` a stated rule keeps apart, with the rule's code: the
    engine carries them as forbidden pairs (docs/matching.md)."""
    if not prefs.any:
        return []
    return [(a.id, b.id, code) for i, a in enumerate(people) for b in people[i + 1:]
            if (code := rule_obstacle(a, b, prefs)) is not None]
