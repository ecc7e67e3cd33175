"""The release rule for the deficit and strength shares (tandem/core/release.py,
deficits; docs/monitoring.md «Правило публикации дефицитов»): a cell is (organization,
campaign, competency); one answered by fewer than 3 people enters no share — not its
organization's, its municipality's, its region's — whichever table the figure is read
from, so that two requests never differ by one or two people's answers. The potential
mentors likewise over cells (organization, campaign, area) of at least 3 people who
levelled the area."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.core import diagnostics as core
from tandem.core import release
from tandem.diagnostics import tallies
from tandem.diagnostics.models import Answer, PublishedAnswer, PublishedAnswerMember, Response
from tandem.monitoring import selectors
from tandem.people.models import Participant
from tandem.territory.models import Organization
from tandem.testing import ParticipantFactory, World, build_diagnostics, bulk_responses

pytestmark = pytest.mark.django_db


def _school_c(world: World) -> Organization:
    """A second school in A's municipality, three people who submitted A's campaign."""
    build_diagnostics(world)  # Carol alone submitted in A
    school = Organization.objects.create(municipality=world.municipality_a, name="Школа В",
                                         short_name="Школа В", code="school-c",
                                         sector=Organization.Sector.SCHOOL)
    for i in range(3):
        ParticipantFactory.create(organization=school, surname=f"Люд{i}")
    assert world.diag is not None
    bulk_responses(world.diag.campaign_a, Participant.objects.filter(organization=school))
    return school


def _column(data: selectors.DashboardData, pk: int) -> int:
    return [u.pk for u in data.units].index(pk)


def test_one_persons_answers_are_hidden_and_three_peoples_shown(world: World) -> None:
    school = _school_c(world)
    data = selectors.compute_dashboard(scope=scope_for(world.erin), filters=Filters())
    a, c = _column(data, world.org_a.pk), _column(data, school.pk)
    carol = Answer.objects.filter(response=world.diag.carol_r)  # type: ignore[union-attr]
    assert carol.filter(level__isnull=False).exists()
    for area, shares in data.deficit_share.items():
        assert shares[a].withheld, area  # Carol alone: not one of her levels is shown —
        # nor how many she gave: a group of one person is never published (rule 5), so
        # her levels are not even counted as left out
        assert shares[a].left_out == 0
        assert not shares[c].withheld and shares[c].answers > 0, area
    assert data.deficits_left_out == 0


@pytest.mark.parametrize("filters", [Filters(), Filters(sector=Organization.Sector.SCHOOL),
                                     Filters(date_from=dt.date(2026, 1, 1))])
def test_a_municipality_minus_its_published_schools_isolates_nobody(
        world: World, filters: Filters) -> None:
    # The region's figure of A's municipality (from the municipalities' sums, or with a
    # period from the organizations' tallies) is exactly school C's: Carol's answers are
    # in neither, so subtracting C from the municipality leaves nothing of hers.
    school = _school_c(world)
    region = selectors.compute_dashboard(scope=scope_for(world.olga), filters=filters)
    municipality = selectors.compute_dashboard(scope=scope_for(world.erin), filters=filters)
    m, c = _column(region, world.municipality_a.pk), _column(municipality, school.pk)
    for area in region.deficit_share:
        whole, part = region.deficit_share[area][m], municipality.deficit_share[area][c]
        assert (whole.mean, whole.answers) == (part.mean, part.answers), area
        assert (region.strength_share[area][m].mean,
                region.strength_share[area][m].answers) == (
            municipality.strength_share[area][c].mean,
            municipality.strength_share[area][c].answers), area
        assert whole.left_out == part.left_out + (
            municipality.deficit_share[area][_column(municipality, world.org_a.pk)].left_out)
        # The potential mentors alike: Carol's round (one person) enters no count.
        assert region.mentors[area][m] == municipality.mentors[area][c], area
    assert municipality.mentors_withheld[_column(municipality, world.org_a.pk)]
    assert not municipality.mentors_withheld[c] and not region.mentors_withheld[m]


def test_a_third_person_brings_the_whole_cell_in(world: World) -> None:
    dw = build_diagnostics(world)  # Carol alone submitted in A
    scope = scope_for(world.olga)
    for people in (1, 2, 3):
        if people > 1:
            newcomer = ParticipantFactory.create(organization=world.org_a, surname=f"Люд{people}")
            bulk_responses(dw.campaign_a, Participant.objects.filter(pk=newcomer.pk))
        data = selectors.compute_dashboard(scope=scope, filters=Filters())
        column = _column(data, world.municipality_a.pk)
        for area, shares in data.deficit_share.items():
            assert shares[column].withheld == (people < release.MIN_PEOPLE), (area, people)
            # one or two people: their group is not published at all (rule 5), not even
            # as left out; the third publishes it whole
            assert shares[column].left_out == 0


def test_the_page_and_its_table_say_hidden(client: Client, world: World) -> None:
    school = _school_c(world)
    # An area levelled by one of C's three only (an import skips blank cells): small
    # cells of a published group — their levels counted as left out, the area hidden.
    _first, *others = Response.objects.filter(participant__organization=school).order_by("pk")
    Answer.objects.filter(response__in=others, competency__startswith="psych.").update(
        level=None)
    for model in (PublishedAnswer, PublishedAnswerMember):
        model.objects.filter(organization=school).delete()  # published as first answered
    tallies.rebuild([school.pk])
    cache.clear()
    client.force_login(world.erin)
    page = client.get(reverse("monitoring:index")).content.decode()
    assert "Вне долей" in page
    table = client.get(reverse("monitoring:chart", args=["deficits", "html"])).content.decode()
    assert "скрыто — меньше 3 человек" in table
    assert client.get(reverse("monitoring:chart", args=["deficits", "svg"])).status_code == 200


def test_mentors_need_three_people_levelled_in_the_area_not_three_submitted(
        world: World) -> None:
    """A round of three submitted questionnaires in A, only Carol's with levels (an import
    may submit one without them): the mentors of an area count only where three people
    levelled it — otherwise Carol's own strength would be shown, while her deficits are
    hidden. Two more people levelling ICT bring the cell in, and her strength with it."""
    dw = build_diagnostics(world)
    for r in (dw.bob_r, dw.alice_r):
        Answer.objects.filter(response=r).delete()
        r.status = Response.Status.SUBMITTED
        r.save()
    ict = Answer.objects.filter(response=dw.carol_r, competency__startswith="ict.").first()
    assert ict is not None
    ict.level = core.MAX_LEVEL  # Carol is strong in ICT
    ict.save()
    tallies.rebuild([world.org_a.pk])

    def shown() -> list[tuple[int, bool, bool]]:
        figures = []
        for who, unit, filters in ((world.erin, world.org_a.pk, Filters()),
                                   (world.olga, world.municipality_a.pk, Filters()),
                                   (world.olga, world.municipality_a.pk,
                                    Filters(date_from=dt.date(2026, 1, 1)))):
            data = selectors.compute_dashboard(scope=scope_for(who), filters=filters)
            column = _column(data, unit)
            figures.append((data.mentors["ict"][column], data.mentors_withheld[column],
                            data.deficit_share["ict"][column].withheld))
        return figures

    # Three submitted, one levelled ICT: her deficits hidden, and her strength too (0,
    # whatever she answered — not withheld: the round counts for the areas three levelled).
    assert shown() == [(0, False, True)] * 3
    for r in (dw.bob_r, dw.alice_r):
        Answer.objects.create(response=r, competency=ict.competency, level=1)
    tallies.rebuild([world.org_a.pk])
    assert shown() == [(1, False, False)] * 3  # three levelled ICT: the cell is counted
