"""Hypothesis strategies: small random instances in the JSON format, and helpers."""

from typing import Any

from hypothesis import strategies as st

from tandem.core.matching.instance import FORMAT

CODES = ["d1", "d2", "m1", "m2", "p1"]


@st.composite
def participants(draw: st.DrawFn, count: int, capacities: bool) -> list[dict[str, Any]]:
    people = []
    for k in range(count):
        codes = draw(st.lists(st.sampled_from(CODES), unique=True, max_size=len(CODES)))
        levels = {c: draw(st.integers(0, 3)) for c in codes}
        people.append({
            "id": draw(st.sampled_from([k, f"p{k:02d}"])),
            "organization": draw(st.sampled_from(["o1", "o2", "o3"])),
            "municipality": "m1",
            "levels": levels,
            "can_teach": draw(st.lists(st.sampled_from(CODES), unique=True, max_size=2)),
            "wants_to_learn": draw(st.lists(st.sampled_from(CODES), unique=True, max_size=2)),
            "priorities": draw(st.lists(st.sampled_from(CODES), unique=True, max_size=3)),
            "meeting_format": draw(st.sampled_from(["any", "any", "any", "online",
                                                    "offline"])),
            "capacity": draw(st.integers(1, 3)) if capacities else 1,
        })
    # Organizations o1, o2 are in municipality m1, o3 in m2.
    for p in people:
        if p["organization"] == "o3":
            p["municipality"] = "m2"
    for p in people:
        if draw(st.integers(0, 9)) == 0:
            p["line_manager"] = draw(st.sampled_from([q["id"] for q in people]))
            if p["line_manager"] == p["id"]:
                p["line_manager"] = None
    return people


@st.composite
def documents(draw: st.DrawFn, max_people: int = 30, capacities: bool = False,
              forbid: bool = True) -> dict[str, Any]:
    count = draw(st.integers(0, max_people))
    people = draw(participants(count, capacities))
    ids = [p["id"] for p in people]
    forbidden: list[list[Any]] = []
    if forbid and len(ids) >= 2:
        pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)),
                              max_size=5))
        seen = set()
        for a, b in pairs:
            if a != b and frozenset((a, b)) not in seen:
                seen.add(frozenset((a, b)))
                forbidden.append([a, b])
    return {
        "format": FORMAT,
        "competencies": [{"code": c, "area": c[0]} for c in CODES],
        "participants": people,
        "constraints": {
            "scope": draw(st.sampled_from(["organization", "municipality", "region"])),
            "reciprocity_required": draw(st.booleans()),
            "no_reporting_line": draw(st.booleans()),
            "forbidden": forbidden,
        },
        "weights": {"balance": draw(st.integers(0, 3))},
    }


def textbook_document(**constraints: Any) -> dict[str, Any]:
    """Two competencies and no one yet; tests add people."""
    return {"format": FORMAT,
            "competencies": [{"code": "digital", "area": "digital"},
                             {"code": "method", "area": "methodology"}],
            "participants": [], "constraints": constraints}


def person(pid: Any, org: str = "school", mun: str = "town", **fields: Any) -> dict[str, Any]:
    return {"id": pid, "organization": org, "municipality": mun, **fields}
