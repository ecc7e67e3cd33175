"""Review of h/gaincell (``Response.organization``): the deficit map by people counts only
what it shows; a questionnaire reopened after its person moved is refused;
``tallies.stale`` sees a questionnaire left without its organization or not following
its person."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.access.scope import scope_for
from tandem.diagnostics import selectors, services, tallies
from tandem.diagnostics.models import Answer, Response
from tandem.testing import OrganizationFactory, ParticipantFactory, World, build_diagnostics

pytestmark = pytest.mark.django_db


def _totals(m: selectors.DeficitMap) -> tuple[int, int, int]:
    return (sum(r.strong for r in m.rows), sum(r.deficit for r in m.rows),
            sum(r.answered for r in m.rows))


def test_the_map_by_people_leaves_out_who_moved_away(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    """Carol answered in A and moved to B: Alice (A's curator) no longer manages her —
    neither her column nor her marks in the totals (the totals less the columns would
    give them away); Charlie (B's curator) manages her now, but she answered in A: not in
    B's map either."""
    dw = build_diagnostics(world)
    m = selectors.deficit_map(campaign=dw.campaign_a, scope=scope_for(world.alice))
    assert m.by == "people" and m.respondents == 1 and len(m.columns) == 1
    assert _totals(m)[0] > 0 and _totals(m)[1] > 0
    with django_capture_on_commit_callbacks(execute=True):
        world.carol_p.organization = world.org_b
        world.carol_p.save()
    tallies.refresh()
    for user in (world.alice, world.charlie, world.erin):
        m = selectors.deficit_map(campaign=dw.campaign_a, scope=scope_for(user))
        assert m.by == "people"
        assert (m.respondents, m.columns, _totals(m)) == (0, [], (0, 0, 0)), user
    # The region's operator manages her still and the answer counts in A, the region's.
    m = selectors.deficit_map(campaign=dw.campaign_a, scope=scope_for(world.olga))
    assert m.respondents == 1 and len(m.columns) == 1


def test_a_questionnaire_is_not_reopened_after_its_person_moved(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    """Carol answered in A and moved to B: reopening it (a draft again would count in B,
    her answers would leave A's cell) is refused, the page offers no button but says why;
    back in A, it reopens."""
    dw = build_diagnostics(world)
    with django_capture_on_commit_callbacks(execute=True):
        world.carol_p.organization = world.org_b
        world.carol_p.save()
    client = Client()
    client.force_login(world.olga)
    page = client.get(reverse("diagnostics:questionnaire", args=[dw.carol_r.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "перешёл в другую организацию" in html
    assert reverse("diagnostics:reopen", args=[dw.carol_r.pk]) not in html
    answer = client.post(reverse("diagnostics:reopen", args=[dw.carol_r.pk]), follow=True)
    assert "перешёл в другую организацию" in answer.content.decode()
    assert Response.objects.get(pk=dw.carol_r.pk).status == Response.Status.SUBMITTED
    with pytest.raises(services.DiagnosticsError):
        services.response_reopen(response=dw.carol_r)
    tallies.refresh()
    assert tallies.stale() == []
    with django_capture_on_commit_callbacks(execute=True):
        world.carol_p.organization = world.org_a
        world.carol_p.save()
    page = client.get(reverse("diagnostics:questionnaire", args=[dw.carol_r.pk]))
    assert reverse("diagnostics:reopen", args=[dw.carol_r.pk]) in page.content.decode()
    services.response_reopen(response=dw.carol_r)
    assert Response.objects.get(pk=dw.carol_r.pk).status == Response.Status.DRAFT


def test_the_check_sees_a_questionnaire_left_out_of_its_cell(world: World) -> None:
    """``tallies.stale`` (``tandem tallies --check``): (a) a questionnaire submitted
    without an organization after migration 0020 (old code still writing after the
    fill) and (b) one not submitted whose organization is not its person's now — no
    rebuild finds them: the tallies, rebuilt, agree with the questionnaires as they are."""
    dw = build_diagnostics(world)
    assert tallies.stale() == []
    # As old code would leave them (bypassing the writers on purpose).
    Response.objects.filter(pk=dw.carol_r.pk).update(organization=None,
                                                     submitted_at=timezone.now())
    Response.objects.filter(pk=dw.alice_r.pk).update(organization=world.org_b)
    tallies.rebuild([world.org_a.pk, world.org_b.pk])
    found = tallies.stale()
    assert ("questionnaire without organization", dw.carol_r.pk, world.carol_p.pk) in found
    assert ("questionnaire not with its person", dw.alice_r.pk, world.org_b.pk,
            world.org_a.pk) in found
    # A questionnaire not submitted without one (old code handing it out) too.
    Response.objects.filter(pk=dw.alice_r.pk).update(organization=None)
    assert ("questionnaire not with its person", dw.alice_r.pk, None,
            world.org_a.pk) in tallies.stale()


def test_the_check_keeps_quiet_on_a_questionnaire_of_an_organization_deleted_since(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    """A questionnaire submitted (after 0020) in an organization its person left, which
    was deleted then, counts in no cell (the delete set its organization to NULL) — and
    the rebuild keeps it in none: nothing differs (it was reported as «questionnaire
    without organization»). One left without an organization while its person's
    organization at the submission is still there is reported as before (the test above)
    — also when another organization of theirs, left before, is deleted."""
    dw = build_diagnostics(world)
    closing = OrganizationFactory.create(municipality=world.municipality_a, code="closing")
    earlier = OrganizationFactory.create(municipality=world.municipality_a, code="earlier")
    gone, kept = (ParticipantFactory.create(organization=closing),
                  ParticipantFactory.create(organization=earlier))
    with django_capture_on_commit_callbacks(execute=True):
        kept.organization = world.org_b  # left «earlier» before answering
        kept.save()
    codes = [c for c in Answer.objects.filter(response=dw.carol_r)
             .values_list("competency", flat=True)]
    responses = {}
    for person in (gone, kept):
        response = Response.objects.create(campaign=dw.campaign_a, participant=person,
                                           status=Response.Status.SUBMITTED,
                                           answered=len(codes), submitted_at=timezone.now())
        Answer.objects.bulk_create(Answer(response=response, competency=code, level=2,
                                          self_level=2) for code in codes)
        responses[person.pk] = response
    tallies.rebuild([closing.pk, world.org_b.pk])
    with django_capture_on_commit_callbacks(execute=True):
        gone.organization = world.org_a  # «closing» has nobody left
        gone.save()
        kept.organization = world.org_a
        kept.save()
    with django_capture_on_commit_callbacks(execute=True):
        closing.delete()
        earlier.delete()
    # As old code would have left the other (bypassing the writers on purpose).
    Response.objects.filter(pk=responses[kept.pk].pk).update(organization=None)
    tallies.rebuild([world.org_a.pk, world.org_b.pk])
    assert Response.objects.get(pk=responses[gone.pk].pk).organization_id is None
    assert tallies.stale() == [
        ("questionnaire without organization", responses[kept.pk].pk, kept.pk)]


def test_migration_0020_commits_batch_by_batch() -> None:
    """0020 is not one transaction (as pairs/0007): the column's exclusive lock is not
    held through the fill's batches and the index build."""
    import importlib

    migration = importlib.import_module(
        "tandem.diagnostics.migrations.0020_response_organization")
    assert migration.Migration.atomic is False
    assert "none holding the whole table" not in (migration.__doc__ or "")
