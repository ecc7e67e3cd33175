"""A campaign changing its round (dates, kind) and the first results of another
municipality, in two transactions at once (review finding, PostgreSQL): the
municipality's sums end under the new round, not the old one."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from tandem.diagnostics import tallies
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import Answer, Campaign, MunicipalityAnswerTally, Response
from tandem.people.models import Participant
from tandem.testing import HeldRace, ParticipantFactory, build_world


def _submitted(campaign: Campaign, participant: Participant) -> None:
    response = Response.objects.create(campaign=campaign, participant=participant,
                                       status=Response.Status.SUBMITTED)
    Answer.objects.bulk_create([
        Answer(response=response, competency=code, self_level=i % 4, level=i % 4)
        for i, code in enumerate(campaign.framework.codes())])


@pytest.mark.django_db(transaction=True)
def test_a_round_change_and_a_first_import_elsewhere_take_turns() -> None:
    """The change locks the municipalities that hold the campaign's tallies (A); B's first
    results, committed meanwhile, summed under the old dates, and the change's rederive
    did not see B. Now B's rebuild holds the campaign's row shared: it waits for the
    change and reads the new dates. Three people on each side: a group of one or two is
    never published (rule 5 of the deficit shares), so B's first results of one person
    summed nothing, under either dates."""
    if connection.vendor != "postgresql":
        pytest.skip("гонка двух транзакций бывает только на PostgreSQL (SQLite пишет по очереди)")
    world = build_world()
    campaign = Campaign.objects.create(
        title="Входная", region=world.region, framework=ensure_default_framework(),
        starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2026, 12, 31))
    for person in (world.alice_p, world.bob_p, world.carol_p):  # municipality A
        _submitted(campaign, person)
    tallies.rebuild([world.org_a.pk, world.org_b.pk])
    b_people = [world.charlie_p, world.someone_b,
                ParticipantFactory.create(organization=world.org_b, surname="Третья")]
    def change(hold: Callable[[], None]) -> None:
        with transaction.atomic():
            moved = Campaign.objects.get(pk=campaign.pk)
            moved.ends_on += dt.timedelta(days=30)
            moved.save()  # and its rederive: municipality A
            hold()

    def first_import() -> None:  # municipality B: none of the campaign's tallies yet
        with transaction.atomic():
            for person in b_people:
                _submitted(Campaign.objects.get(pk=campaign.pk), person)
            tallies.touch([world.org_b.pk], now=True)

    race = HeldRace(change, first_import)
    race.start()
    race.second_waits()
    race.finish()
    assert tallies.stale() == []
    assert set(MunicipalityAnswerTally.objects.filter(municipality=world.municipality_b)
               .values_list("ends_on", flat=True)) == {dt.date(2027, 1, 30)}
