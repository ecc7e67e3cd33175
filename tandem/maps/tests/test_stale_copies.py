"""A save from an out-of-date copy of a member (a roster import loads a batch, a move
happens on the web, the import saves each person whole): ``pairs/members.py`` puts the
older organization back on the pairs, so the technologies must hear it — the values
compared are the stored ones (tandem/web/tracking.py), not the loaded ones. Review
finding (2026-12-04): the loaded copy saw no change, the tallies stayed wrong, no mark."""
import datetime as dt

import pytest

from tandem.conftest import World
from tandem.maps import tallies
from tandem.maps.models import Map, Row, TechnologyTallyMark
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.territory.models import Organization
from tandem.testing import OrganizationFactory, stale_copy_changed

pytestmark = pytest.mark.django_db


def _pair_with_a_row(world: World) -> Pair:
    pair = Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a,
                               starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31))
    Row.objects.create(map=Map.objects.create(pair=pair), direction=Row.Direction.A_TO_B,
                       competency="ict.ai_lessons", title="Строка", current_level=0,
                       target_level=2, partner_level=3, task="Задача",
                       deadline=dt.date(2027, 1, 15), product="П", evidence="Показ",
                       technology="case")
    return pair


def test_a_stale_member_copy_saved_after_a_rebuild_marks_the_pair(world: World) -> None:
    pair = _pair_with_a_row(world)
    tallies.refresh()
    # A roster import's copy, loaded before a move on the web:
    stale = stale_copy_changed(Participant.objects.get(pk=world.carol_p.pk),
                               organization=world.org_b)
    tallies.refresh()                                      # the job after the move
    assert tallies.stale() == []
    stale.position = "учитель"
    stale.save()                                           # puts org_a back on the pair
    fresh = Pair.objects.get(pk=pair.pk)
    assert world.org_a.pk in (fresh.a_organization_id, fresh.b_organization_id)
    assert set(TechnologyTallyMark.objects.values_list("organization_id", flat=True)) == {
        world.org_a.pk}
    tallies.refresh()
    assert tallies.stale() == []


def test_a_save_that_writes_no_organization_marks_nothing(world: World) -> None:
    """update_fields without the organization: nothing read, nothing marked, even from an
    out-of-date copy (the organization it holds is not written)."""
    _pair_with_a_row(world)
    tallies.refresh()
    stale = stale_copy_changed(Participant.objects.get(pk=world.carol_p.pk),
                               organization=world.org_b)
    tallies.refresh()
    stale.position = "учитель"
    stale.save(update_fields=["position"])
    assert not TechnologyTallyMark.objects.exists()
    assert tallies.stale() == []


def test_stale_copies_deleted_mark_what_the_rows_hold(world: World) -> None:
    """The delete handlers read the pair's organization and the organization's
    municipality as stored (tracking.stored, before the delete), not from the deleted
    copy. Review finding (2026-12-05): they marked what the copy held. (A pair without a
    map: deleting one with rows is the services' business.)"""
    pair = Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a,
                               starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31))
    tallies.refresh()
    stale_pair = stale_copy_changed(Pair.objects.get(pk=pair.pk), organization=world.org_b)
    tallies.refresh()
    assert tallies.stale() == []
    stale_pair.delete()                                    # holds org_a
    assert set(TechnologyTallyMark.objects.values_list("organization_id", flat=True)) == {
        world.org_b.pk}
    tallies.refresh()
    assert tallies.stale() == []

    place = OrganizationFactory.create(municipality=world.municipality_a)
    tallies.refresh()
    stale = stale_copy_changed(Organization.objects.get(pk=place.pk),
                               municipality=world.municipality_b)
    tallies.refresh()
    stale.delete()                                         # holds municipality A
    assert list(TechnologyTallyMark.objects.values_list("organization_id",
                                                        "municipality_id")) == [
        (place.pk, world.municipality_b.pk)]
    tallies.refresh()
    assert tallies.stale() == []
