"""A questionnaire counts in the organization its person was in when they answered it
(``Response.organization``, docs/monitoring.md, «Переходы между ячейками»): set when it
is handed out, followed while it is not submitted, set again at each submission; the
migration that gave it (0020) forwards and backwards; a deleted organization, a deleted
person; the person's own data download."""

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from tandem.diagnostics import personal_data, services, tallies
from tandem.diagnostics.models import (
    Answer,
    AnswerTally,
    MunicipalityAnswerTally,
    Response,
    TallyState,
)
from tandem.territory.models import Organization
from tandem.testing import OrganizationFactory, ParticipantFactory, World, build_diagnostics

pytestmark = pytest.mark.django_db

MIGRATION = "tandem.diagnostics.migrations.0020_response_organization"


class _Editor:
    connection = connection


def _answer_all(response: Response, level: int) -> None:
    codes = response.campaign.framework.codes()
    services.answers_save(response=response, values={
        code: services.AnswerInput((level + i) % 4) for i, code in enumerate(codes)})


def test_a_submission_takes_the_organization_of_that_moment(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    """Bob's draft follows him to B; submitted there, it counts in B; he goes back to A:
    it stays in B. It cannot be reopened while he is in A (a draft again it would count
    where he is: its answers would move between cells); back in B, reopened and
    submitted again, it counts in B."""
    dw = build_diagnostics(world)
    with django_capture_on_commit_callbacks(execute=True):
        world.bob_p.organization = world.org_b
        world.bob_p.save()
        assert Response.objects.get(pk=dw.bob_r.pk).organization_id == world.org_b.pk
        _answer_all(dw.bob_r, 1)
        services.response_submit(response=Response.objects.get(pk=dw.bob_r.pk))
        world.bob_p.organization = world.org_a
        world.bob_p.save()
    tallies.refresh()
    assert Response.objects.get(pk=dw.bob_r.pk).organization_id == world.org_b.pk
    assert AnswerTally.objects.filter(organization=world.org_b, campaign=dw.campaign_a,
                                      answered=1).count() == len(
        dw.campaign_a.framework.codes())
    with pytest.raises(services.DiagnosticsError, match="перешёл в другую организацию"):
        services.response_reopen(response=Response.objects.get(pk=dw.bob_r.pk))
    assert Response.objects.get(pk=dw.bob_r.pk).status == Response.Status.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        world.bob_p.organization = world.org_b
        world.bob_p.save()
        services.response_reopen(response=Response.objects.get(pk=dw.bob_r.pk))
        assert Response.objects.get(pk=dw.bob_r.pk).organization_id == world.org_b.pk
        services.response_submit(response=Response.objects.get(pk=dw.bob_r.pk))
    tallies.refresh()
    assert Response.objects.get(pk=dw.bob_r.pk).organization_id == world.org_b.pk
    assert AnswerTally.objects.filter(organization=world.org_b, campaign=dw.campaign_a,
                                      answered=1).count() == len(
        dw.campaign_a.framework.codes())
    assert tallies.stale() == []


def test_a_person_deleted_after_moving_leaves_the_cell_she_answered_in(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    dw = build_diagnostics(world)
    with django_capture_on_commit_callbacks(execute=True):
        world.carol_p.organization = world.org_b
        world.carol_p.save()
        world.carol_p.delete()
    tallies.refresh()
    assert not AnswerTally.objects.filter(campaign=dw.campaign_a).exists()
    assert tallies.stale() == []


def test_an_organization_deleted_takes_its_answers_out_of_every_sum(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    """Carol and two others answered in C (A's municipality), then moved to A; C, nobody
    left in it, is deleted: their questionnaires stay theirs and count in no cell, and
    C's answers leave the municipality's sums in the deleting transaction. Three of them,
    not Carol alone: a group of one or two is never published (rule 5 of the deficit
    shares, docs/monitoring.md) and so was in no sum to leave."""
    dw = build_diagnostics(world)
    c = OrganizationFactory.create(municipality=world.municipality_a, name="Школа В",
                                   code="school-c")
    codes = dw.campaign_a.framework.codes()
    moved = [dw.carol_r.pk]
    for i in range(2):
        person = ParticipantFactory.create(organization=world.org_a, surname=f"Перешедший{i}")
        response = Response.objects.create(campaign=dw.campaign_a, participant=person,
                                           status=Response.Status.SUBMITTED,
                                           answered=len(codes))
        Answer.objects.bulk_create([Answer(response=response, competency=code,
                                           self_level=(i + j) % 4, level=(i + j) % 4)
                                    for j, code in enumerate(codes)])
        moved.append(response.pk)
    Response.objects.filter(pk__in=moved).update(organization=c)
    tallies.rebuild([world.org_a.pk, c.pk])
    assert AnswerTally.objects.filter(organization=c).exists()
    summed = MunicipalityAnswerTally.objects.filter(municipality=world.municipality_a)
    assert summed.filter(answered__gt=0).exists()  # C's published answers, summed in
    with django_capture_on_commit_callbacks(execute=True):
        Organization.objects.filter(pk=c.pk).delete()
    assert set(Response.objects.filter(pk__in=moved).values_list(
        "organization_id", flat=True)) == {None}
    assert not summed.filter(answered__gt=0).exists() and not summed.filter(
        left_out__gt=0).exists()
    assert tallies.stale() == []


def test_the_migration_fills_each_questionnaire_with_its_persons_organization(
        world: World) -> None:
    """0020 forwards gives every questionnaire its person's organization now (what the
    tallies counted until then), a batch at a time, and leaves one that has one: the
    kept tallies are exactly what a recount gives, nothing is rebuilt. Backwards marks
    for a rebuild the organizations a questionnaire of a person who moved since
    answering counts in, and theirs now — no other."""
    migration = importlib.import_module(MIGRATION)
    build_diagnostics(world)
    Response.objects.update(organization=None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migration, "BATCH", 2)
        migration.forwards(apps, _Editor())
    assert dict(Response.objects.values_list("pk", "organization_id")) == dict(
        Response.objects.values_list("pk", "participant__organization_id"))
    assert tallies.stale() == []

    world.carol_p.organization = world.org_b  # her submitted answers stay in A
    world.carol_p.save()
    tallies.refresh()
    assert tallies.stale() == []
    TallyState.objects.update(dirty_since=None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migration, "BATCH", 2)
        migration.backwards(apps, _Editor())
    assert set(TallyState.objects.filter(dirty_since__isnull=False).values_list(
        "organization_id", flat=True)) == {world.org_a.pk, world.org_b.pk}


def test_the_persons_data_names_the_organization_of_each_answer(world: World) -> None:
    build_diagnostics(world)
    world.carol_p.organization = world.org_b
    world.carol_p.save()
    rows = personal_data.rows(world.carol_p)
    assert [r["organization"] for r in rows] == [world.org_a.name]
    assert {r["organization"] for r in personal_data.flatten(rows)} == {world.org_a.name}
    assert str(personal_data.columns()["organization"]) == "организация ответа"
