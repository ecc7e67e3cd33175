"""Seeded synthetic instances for tests and benchmarks (no personal data, no Django).

Three kinds of teachers, as in reverse-mentoring practice: ≈45 % young (strong in digital
tools, weak in methodology), ≈40 % experienced (the other way round), ≈15 % mixed; each
level is replaced by a random one with probability ``noise``. Everything comes from one
``random.Random(seed)``: the same arguments give the same instance.
"""

import random
from typing import Any

from tandem.core.matching.instance import FORMAT, Scope

# (code, area, title): the default framework of the domain brief, shortened.
FRAMEWORK: tuple[tuple[str, str, str], ...] = (
    ("digital.platforms", "digital", "Цифровые образовательные платформы"),
    ("digital.ai", "digital", "ИИ-инструменты для подготовки занятий"),
    ("digital.video", "digital", "Видео и интерактивный контент"),
    ("digital.tests", "digital", "Онлайн-тесты и опросы"),
    ("digital.gamification", "digital", "Геймификация и квесты"),
    ("digital.social", "digital", "Соцсети и мессенджеры объединения"),
    ("digital.security", "digital", "Информационная безопасность и персональные данные"),
    ("communication.youth", "communication", "Общение с подростками, молодёжная культура"),
    ("method.lesson", "methodology", "Проектирование занятия"),
    ("method.classroom", "methodology", "Управление группой и дисциплина"),
    ("method.parents", "methodology", "Работа с родителями"),
    ("method.upbringing", "methodology", "Воспитательная работа"),
    ("method.documents", "methodology", "Программная документация"),
    ("method.competitions", "methodology", "Подготовка детей к конкурсам"),
    ("method.certification", "methodology", "Аттестация"),
    ("psychology.burnout", "psychology", "Профилактика выгорания"),
)

KINDS = (("young", 0.45), ("experienced", 0.40), ("mixed", 0.15))
FORMATS = (("any", 0.75), ("offline", 0.17), ("online", 0.08))


def _level(rng: random.Random, strong: bool | None, noise: float) -> int:
    if strong is None or rng.random() < noise:
        return rng.randint(0, 3)
    return rng.choices((2, 3), (0.4, 0.6))[0] if strong else rng.choices((0, 1), (0.5, 0.5))[0]


def _strong_in(kind: str, area: str) -> bool | None:
    if kind == "mixed":
        return None
    digital = area in ("digital", "communication")
    return digital if kind == "young" else not digital


def participant(rng: random.Random, pid: str, organization: str, municipality: str,
                noise: float, capacities: bool) -> dict[str, Any]:
    """One synthetic participant (a JSON object of the instance format)."""
    kind = rng.choices([k for k, _ in KINDS], [p for _, p in KINDS])[0]
    levels: dict[str, int] = {}
    can_teach: list[str] = []
    wants: list[str] = []
    for code, area, _title in FRAMEWORK:
        if rng.random() < 0.05:
            continue  # not assessed
        level = _level(rng, _strong_in(kind, area), noise)
        levels[code] = level
        if level == 2 and rng.random() < 0.5:
            can_teach.append(code)
        if (level <= 1 and rng.random() < 0.4) or (level == 2 and rng.random() < 0.1):
            wants.append(code)
    deficits = [c for c, level in levels.items() if level <= 1] + [
        c for c in wants if levels.get(c, 0) > 1]
    priorities = rng.sample(deficits, k=min(len(deficits), rng.randint(0, 3)))
    capacity = rng.choices((1, 2, 3), (0.85, 0.12, 0.03))[0] if capacities else 1
    return {"id": pid, "organization": organization, "municipality": municipality,
            "line_manager": None, "levels": levels, "can_teach": can_teach,
            "wants_to_learn": wants, "priorities": priorities,
            "meeting_format": rng.choices([f for f, _ in FORMATS], [w for _, w in FORMATS])[0],
            "capacity": capacity}


def instance_document(participants: int, seed: int, *, organizations: int = 1,
                      municipalities: int = 1, scope: Scope = "region", noise: float = 0.15,
                      capacities: bool = False, managers: bool = True) -> dict[str, Any]:
    """A JSON document of the instance format. O(N·C).

    Organizations are spread over municipalities round-robin and people over organizations
    at random; in each organization the first person is the head and the line manager of
    a few others (so reporting lines exist), if ``managers``.
    """
    rng = random.Random(seed)
    orgs = [(f"org-{k + 1}", f"mun-{k % municipalities + 1}") for k in range(organizations)]
    people = []
    heads: dict[str, str] = {}
    width = len(str(participants))
    for k in range(participants):
        org, mun = orgs[rng.randrange(organizations)] if k >= organizations else orgs[k]
        person = participant(rng, f"t{k + 1:0{width}d}", org, mun, noise, capacities)
        if managers:
            if org not in heads:
                heads[org] = person["id"]
            elif rng.random() < 0.1:
                person["line_manager"] = heads[org]
        people.append(person)
    return {"format": FORMAT,
            "competencies": [{"code": c, "area": a, "title": t} for c, a, t in FRAMEWORK],
            "participants": people,
            "constraints": {"scope": scope}}
