"""A roster import and a reader of people's rows (the survey schedule, the hand-out of
questionnaires, a submission: ``people.models.organizations_now``, ``FOR SHARE`` by id
ascending) at once, on PostgreSQL (SQLite has one writer at a time). The import changes
people by id ascending across the whole file, so the two wait for each other and both
commit. Before, it changed them in the file's batches: a later batch changed a lower id
than the one the reader waited for while holding it — a deadlock, which PostgreSQL ended
by rolling one of them back (issue #16)."""

from collections.abc import Callable

import pytest
from django.db import connection, transaction

from tandem.access.scope import scope_for
from tandem.people.models import Participant, organizations_now
from tandem.roster import imports
from tandem.roster.imports import check_roster
from tandem.roster.services import roster_write
from tandem.roster.tests.files import roster_csv, row_of
from tandem.testing import HeldRace, ParticipantFactory, World

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_import_and_the_schedule_reading_the_same_people_do_not_deadlock(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("гонка двух пишущих: только PostgreSQL")
    monkeypatch.setattr(imports, "BATCH", 2)
    ids = [ParticipantFactory.create(organization=world.org_a).pk for _ in range(4)]
    low, high = sorted(ids)[:2], sorted(ids)[2:]
    # The file lists the higher ids first: its first batch is theirs.
    rows = [row_of(Participant.objects.get(pk=pk), **{"Стаж (лет)": 9})
            for pk in [*high, *low]]
    report = check_roster(content=roster_csv(rows), filename="r.csv",
                          scope=scope_for(world.alice))
    assert report.ok

    def import_(hold: Callable[[], None]) -> None:
        held = False

        def progress(done: int, total: int) -> None:
            nonlocal held
            if done and not held:  # the first batch of people written, and still held
                held = True
                hold()

        with transaction.atomic():
            roster_write(report=report, progress=progress)

    def schedule() -> None:
        with transaction.atomic():
            assert organizations_now(ids, using="default") == dict.fromkeys(ids, world.org_a.pk)

    race = HeldRace(import_, schedule)
    race.start()
    assert race.second_waits()
    race.finish()  # neither was rolled back

    assert set(Participant.objects.filter(pk__in=ids)
               .values_list("experience_years", flat=True)) == {9}
