"""The dashboard's units and completion rows travel through the cache as their values: the
same objects come back, and the pickle names no field (a coordinator's entry holds 243 of
each)."""

import pickle

from tandem.monitoring.selectors import ORGANIZATION, Unit, UnitCompletion


def test_a_unit_and_its_completion_come_back_the_same() -> None:
    unit = Unit(3, "Гимназия № 12", ORGANIZATION, "Asia/Yekaterinburg")
    rows = [UnitCompletion(unit, 120, 107, 100, 40, 38), UnitCompletion(unit, 5, 0, 0)]
    back = pickle.loads(pickle.dumps(rows, pickle.HIGHEST_PROTOCOL))  # noqa: S301 - our own
    assert back == rows
    assert back[0].unit is back[1].unit  # one unit, as in the entry
    assert back[0].percent == rows[0].percent and back[0].final_percent == 95
    assert hash(back[0].unit) == hash(unit)


def test_they_are_pickled_without_field_names() -> None:
    unit = Unit(3, "Гимназия № 12", ORGANIZATION, "Asia/Yekaterinburg")
    data = pickle.dumps([UnitCompletion(unit, 120, 107, 100)], pickle.HIGHEST_PROTOCOL)
    for name in (b"zone", b"kind", b"people", b"invited", b"final_submitted"):
        assert name not in data
