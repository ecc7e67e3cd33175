"""A save from an out-of-date copy of a person or an organization: the diagnostics'
figures compare the values as stored just before the save (tandem/web/tracking.py), as
people/counts.py does, not as loaded. Review finding (2026-12-04): the loaded copy saw no
change and the figures stayed wrong with no mark."""
import pytest

from tandem.conftest import World
from tandem.diagnostics import tallies
from tandem.people.models import Participant
from tandem.territory.models import Organization
from tandem.testing import build_diagnostics, stale_copy_changed

pytestmark = pytest.mark.django_db


def test_a_stale_person_copy_saved_moves_their_answers_back(world: World) -> None:
    build_diagnostics(world)
    tallies.rebuild()
    assert tallies.stale() == []
    person = Participant.objects.filter(responses__isnull=False,
                                        organization=world.org_a).first()
    assert person is not None
    stale = stale_copy_changed(Participant.objects.get(pk=person.pk), organization=world.org_b)
    tallies.refresh()
    assert tallies.stale() == []
    stale.position = "учитель"
    stale.save()
    tallies.refresh()
    assert tallies.stale() == []


def test_a_stale_organization_copy_saved_moves_its_sums_back(world: World) -> None:
    build_diagnostics(world)
    tallies.rebuild()
    stale = stale_copy_changed(Organization.objects.get(pk=world.org_a.pk),
                               municipality=world.municipality_b)
    tallies.refresh()
    assert tallies.stale() == []
    stale.name = stale.name + " (переименована)"
    stale.save()                       # back in municipality A
    tallies.refresh()
    assert tallies.stale() == []


def test_a_stale_person_copy_deleted_takes_the_answers_from_where_they_are(
        world: World) -> None:
    """The delete handler reads the organization as stored (tracking.stored), not the one
    the deleted copy holds. Review finding (2026-12-05): it marked the old one."""
    build_diagnostics(world)
    tallies.rebuild()
    person = Participant.objects.filter(responses__isnull=False,
                                        organization=world.org_a).first()
    assert person is not None
    stale = stale_copy_changed(Participant.objects.get(pk=person.pk), organization=world.org_b)
    tallies.refresh()
    assert tallies.stale() == []
    stale.delete()                     # holds org_a; its answers are counted in org_b
    tallies.refresh()
    assert tallies.stale() == []
