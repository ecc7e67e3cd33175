"""The campaign's deficit map by organizations (``selectors.deficit_map``): the share of
those who gave a competency a level — a blank level is no answer, as on the dashboard —
and a page the federal operator (aggregates only) cannot reach."""

import pytest
from django.test import Client
from django.urls import reverse

from tandem.access.scope import scope_for
from tandem.access.tests.personas import federal_operator
from tandem.core import diagnostics as core
from tandem.diagnostics import selectors, tallies
from tandem.diagnostics.models import Answer, Response
from tandem.testing import World, build_diagnostics

pytestmark = pytest.mark.django_db


def test_the_share_by_organizations_is_of_those_who_gave_a_level(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    dw = build_diagnostics(world)  # Carol alone submitted in A
    answer = Answer.objects.filter(response=dw.carol_r).order_by("pk").first()
    assert answer is not None
    answer.level, answer.wants_to_learn = 0, False  # a deficit
    answer.save()
    # Bob submits with that competency left blank: no answer, not «no deficit».
    Answer.objects.filter(response=dw.bob_r).delete()
    Answer.objects.create(response=dw.bob_r, competency=answer.competency, level=None)
    dw.bob_r.status = Response.Status.SUBMITTED
    dw.bob_r.save()
    tallies.rebuild([world.org_a.pk])
    monkeypatch.setattr(selectors, "MAP_MAX_PEOPLE", 0)
    m = selectors.deficit_map(campaign=dw.campaign_a, scope=scope_for(world.erin))
    assert m.by == "organizations"
    shares = {row.code: row.cells for row in m.rows}
    assert core.is_deficit(answer.level, answer.wants_to_learn)
    assert shares[answer.competency] == [100]  # one level, a deficit: not 50 %


def test_the_federal_operator_cannot_open_a_campaign_or_its_map(
        client: Client, world: World) -> None:
    dw = build_diagnostics(world)
    client.force_login(federal_operator())
    for name in ("diagnostics:campaign", "diagnostics:map"):
        assert client.get(reverse(name, args=[dw.campaign_a.pk])).status_code == 404
