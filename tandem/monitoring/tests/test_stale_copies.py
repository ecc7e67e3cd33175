"""A save from an out-of-date copy of a person (a roster import that loaded them before a
move on the web): the pair figures compare the values as stored just before the save
(tandem/web/tracking.py), not as loaded, and hear the organization put back. Review
finding (2026-12-04): the loaded copy saw no change; the figures stayed wrong, no mark."""
import datetime as dt

import pytest

from tandem.conftest import World
from tandem.monitoring import tallies
from tandem.monitoring.models import PairTallyMark
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.testing import stale_copy_changed

pytestmark = pytest.mark.django_db


def test_a_stale_member_copy_saved_marks_both_organizations(world: World) -> None:
    Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a,
                        status=Pair.Status.ACTIVE,
                        starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31))
    tallies.rebuild()
    stale = stale_copy_changed(Participant.objects.get(pk=world.carol_p.pk),
                               organization=world.org_b)
    tallies.refresh()
    assert tallies.stale() == []
    stale.position = "учитель"
    stale.save()                       # org_a back, on the person and on the pair
    assert {world.org_a.pk, world.org_b.pk} <= set(
        PairTallyMark.objects.values_list("organization_id", flat=True))
    tallies.refresh()
    assert tallies.stale() == []


def test_a_stale_copy_that_left_marks_the_organization(world: World) -> None:
    """is_active put back by an old copy: the organization's people change."""
    tallies.rebuild()
    stale = stale_copy_changed(Participant.objects.get(pk=world.carol_p.pk), is_active=False)
    tallies.refresh()
    assert tallies.stale() == []
    stale.position = "учитель"
    stale.save()                       # active again
    tallies.refresh()
    assert tallies.stale() == []


def test_a_stale_copy_deleted_marks_where_the_row_is(world: World) -> None:
    """Delete handlers read what the row holds (tracking.stored), not the deleted copy:
    a person moved on the web, a pair whose member changed. Review finding (2026-12-05):
    they marked the organizations the copy held."""
    pair = Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a,
                               status=Pair.Status.ACTIVE,
                               starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31))
    tallies.rebuild()
    stale_pair = stale_copy_changed(Pair.objects.get(pk=pair.pk), b=world.charlie_p)  # org_b
    tallies.refresh()
    assert tallies.stale() == []
    stale_pair.delete()                # holds bob (org_a) as b
    assert world.org_b.pk in set(PairTallyMark.objects.values_list("organization_id",
                                                                   flat=True))
    tallies.refresh()
    assert tallies.stale() == []

    stale = stale_copy_changed(Participant.objects.get(pk=world.someone_b.pk),
                               organization=world.org_a)
    tallies.refresh()
    stale.delete()                     # holds org_b; counted in org_a
    assert set(PairTallyMark.objects.values_list("organization_id", flat=True)) == {
        world.org_a.pk}
    tallies.refresh()
    assert tallies.stale() == []
