"""The hostile-file corpus against the roster import: each file answered in Russian,
in bounded memory, and nothing written."""

import pytest

from tandem.access.scope import scope_for
from tandem.core.tests import hostile
from tandem.people.models import Participant
from tandem.roster.imports import check_roster
from tandem.roster.services import RosterRefused, roster_write
from tandem.roster.tests.files import CURATOR_HEADER, person
from tandem.testing import World

PEAK = 64 * 1024 * 1024


@pytest.mark.parametrize("case", hostile.CORPUS, ids=lambda c: c.name)
def test_a_hostile_file_is_refused_in_russian_and_writes_nothing(
        world: World, case: hostile.Hostile) -> None:
    content = case.make(CURATOR_HEADER)
    before = Participant.objects.count()
    report, _seconds, peak = hostile.measured(lambda: check_roster(
        content=content, filename=case.filename, scope=scope_for(world.alice)))
    assert not report.ok
    assert report.errors and all(hostile.is_russian(e) for e in report.errors), report.errors
    assert peak < PEAK
    with pytest.raises(RosterRefused):
        roster_write(report=report)
    assert Participant.objects.count() == before


@pytest.mark.parametrize(("encoding", "newline"), hostile.ENCODINGS)
def test_csv_in_each_encoding_and_line_end(world: World, encoding: str, newline: str) -> None:
    row = person(Фамилия="Семёнова", Имя="Алёна")
    content = hostile.table_csv(CURATOR_HEADER, [[str(row[h]) for h in CURATOR_HEADER]],
                                encoding=encoding, newline=newline)
    report = check_roster(content=content, filename="r.csv", scope=scope_for(world.alice))
    assert report.ok, report.errors
    assert report.rows[0].who == "Семёнова Алёна Игоревна"
