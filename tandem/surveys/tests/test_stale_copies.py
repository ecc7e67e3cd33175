"""A save from an out-of-date copy of a person or an organization: the satisfaction cells
compare the values as stored just before the save (tandem/web/tracking.py), not as
loaded, and hear the organization or municipality put back. Review finding (2026-12-04):
the loaded copy saw no change and the cells stayed wrong with no mark."""
import pytest

from tandem.conftest import World
from tandem.people.models import Participant
from tandem.surveys import tallies
from tandem.surveys.models import SurveyCellMark
from tandem.surveys.tests.helpers import answered_surveys
from tandem.territory.models import Organization, Region
from tandem.testing import stale_copy_changed

pytestmark = pytest.mark.django_db


def test_a_stale_person_copy_saved_touches_no_survey_cell(world: World) -> None:
    """A person's answers stay in the cells of the organization they answered in
    (``Survey.organization``): a stale copy of them saved back to their old organization
    marks nothing, and the cells stay what a recount gives."""
    surveys = answered_surveys(world, [(7, 8), (9, 6), (5, 10)])
    tallies.rebuild()
    assert tallies.stale() == []
    pk = surveys[0].participant_id
    stale = stale_copy_changed(Participant.objects.get(pk=pk), organization=world.org_b)
    assert not SurveyCellMark.objects.exists()
    assert tallies.stale() == []
    stale.position = "учитель"
    stale.save()
    assert not SurveyCellMark.objects.exists()
    assert tallies.stale() == []


def test_stale_organization_and_region_copies_are_heard(world: World) -> None:
    answered_surveys(world, [(7, 8), (9, 6), (5, 10)])
    tallies.rebuild()
    stale = stale_copy_changed(Organization.objects.get(pk=world.org_a.pk),
                               municipality=world.municipality_b)
    tallies.refresh()
    stale.name = stale.name + " (переименована)"
    stale.save()
    assert SurveyCellMark.objects.filter(organization_id=world.org_a.pk).exists()
    tallies.refresh()
    assert tallies.stale() == []
    old_region = Region.objects.get(pk=world.region.pk)
    rezoned = Region.objects.get(pk=world.region.pk)
    rezoned.time_zone = "Asia/Vladivostok" if rezoned.time_zone != "Asia/Vladivostok" \
        else "Europe/Moscow"
    rezoned.save()
    tallies.refresh()
    old_region.save()
    assert SurveyCellMark.objects.filter(organization_id=world.org_a.pk).exists()
    tallies.refresh()
    assert tallies.stale() == []
