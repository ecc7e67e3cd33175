from collections import Counter

from tandem.core.matching import instance_from_dict
from tandem.core.matching.generator import FRAMEWORK, instance_document


def test_the_same_seed_gives_the_same_instance() -> None:
    assert instance_document(50, 3) == instance_document(50, 3)
    assert instance_document(50, 3) != instance_document(50, 4)


def test_it_is_a_valid_instance_with_reporting_lines() -> None:
    doc = instance_document(400, 1, organizations=8, municipalities=3, capacities=True)
    instance = instance_from_dict(doc)
    assert len(instance.participants) == 400
    assert any(p.line_manager is not None for p in instance.participants)
    assert {p.capacity for p in instance.participants} == {1, 2, 3}
    assert len({p.municipality for p in instance.participants}) == 3


def test_young_teachers_lean_digital_and_experienced_ones_methodological() -> None:
    doc = instance_document(2000, 1, noise=0.0)
    digital = [c for c, area, _ in FRAMEWORK if area == "digital"]
    shapes: Counter[str] = Counter()
    for p in doc["participants"]:
        levels = p["levels"]
        strong = sum(levels.get(c, 0) >= 2 for c in digital)
        weak = sum(levels.get(c, 3) <= 1 for c in digital)
        shapes["young" if strong >= len(digital) - 1 else "experienced"
               if weak >= len(digital) - 1 else "mixed"] += 1
    assert 0.40 < shapes["young"] / 2000 < 0.50
    assert 0.35 < shapes["experienced"] / 2000 < 0.45
