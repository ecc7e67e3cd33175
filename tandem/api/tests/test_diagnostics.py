"""Diagnostics through the API: the framework, campaigns, results read and written."""

from collections.abc import Callable
from typing import Any

from rest_framework.test import APIClient

from tandem.accounts.models import User
from tandem.api.tests.conftest import error
from tandem.diagnostics.models import Answer, Campaign, FrameworkVersion, Response
from tandem.diagnostics.services import LOCKED
from tandem.testing import World, build_diagnostics

Api = Callable[[User | None], APIClient]


def _results(campaign: Campaign) -> str:
    return f"/api/v1/campaigns/{campaign.pk}/results/"


def test_framework_is_the_current_version(api: Api, world: World) -> None:
    build_diagnostics(world)
    body = api(world.bob).get("/api/v1/framework/").json()
    assert body["number"] == 1
    codes = [c["code"] for a in body["areas"] for c in a["competencies"]]
    assert "ict.ai_lessons" in codes and len(codes) == 39


def test_no_framework_yet_is_404(api: Api, world: World) -> None:
    FrameworkVersion.objects.all().delete()
    response = api(world.bob).get("/api/v1/framework/")
    assert response.status_code == 404
    assert error(response)["message_ru"] == "Рамка компетенций ещё не опубликована."


def test_campaigns_of_the_scope_only(api: Api, world: World) -> None:
    build_diagnostics(world)
    titles = [c["title"] for c in api(world.alice).get("/api/v1/campaigns/").json()["results"]]
    assert titles == ["Диагностика А"]
    assert api(world.bob).get("/api/v1/campaigns/").json()["count"] == 0


def test_results_have_answers_per_participant(api: Api, world: World) -> None:
    diag = build_diagnostics(world)
    body = api(world.alice).get(_results(diag.campaign_a)).json()
    by_name = {r["participant_name"]: r for r in body["results"]}
    carol = by_name["Каролёва Карина Сергеевна"]
    assert carol["status"] == "submitted" and len(carol["answers"]) == 39
    assert api(world.charlie).get(_results(diag.campaign_a)).status_code == 404


def _bob(world: World, **extra: Any) -> dict[str, Any]:
    return {"participant": world.bob_p.pk, "answers": [
        {"competency": "ict.ai_lessons", "level": 1, "wants_to_learn": True, "priority": 1},
        {"competency": "comm.parents", "level": 3, "can_teach": True}], **extra}


def test_results_are_saved_in_bulk(api: Api, world: World) -> None:
    diag = build_diagnostics(world)
    alice_item = {"participant": world.alice_p.pk,
                  "answers": [{"competency": "ict.ai_lessons", "level": 2}]}
    response = api(world.alice).post(_results(diag.campaign_a),
                                     {"results": [_bob(world), alice_item]}, format="json")
    assert response.json() == {"saved": 2, "submitted": 0}
    answer = Answer.objects.get(response=diag.bob_r, competency="ict.ai_lessons")
    assert (answer.self_level, answer.wants_to_learn, answer.priority) == (1, True, 1)
    assert Response.objects.get(pk=diag.alice_r.pk).status == "draft"


def test_all_or_nothing(api: Api, world: World) -> None:
    diag = build_diagnostics(world)
    carol_item = {"participant": world.carol_p.pk,
                  "answers": [{"competency": "ict.ai_lessons", "level": 0}]}
    response = api(world.alice).post(_results(diag.campaign_a),
                                     {"results": [_bob(world), carol_item]}, format="json")
    assert response.status_code == 400
    body = error(response)
    assert body["message_ru"] == str(LOCKED)
    assert body["fields"] == {"results.1": [str(LOCKED)]}
    assert not Answer.objects.filter(response=diag.bob_r, competency="comm.parents").exists()


def test_an_incomplete_questionnaire_is_not_submitted(api: Api, world: World) -> None:
    diag = build_diagnostics(world)
    response = api(world.alice).post(_results(diag.campaign_a),
                                     {"results": [_bob(world, submit=True)]}, format="json")
    assert response.status_code == 400
    fields = error(response)["fields"]
    assert "results.0.answers.comm.feedback" in fields or len(fields) > 10
    assert Response.objects.get(pk=diag.bob_r.pk).status == "draft"


def test_unknown_competency_and_bad_level(api: Api, world: World) -> None:
    diag = build_diagnostics(world)
    bad = {"participant": world.bob_p.pk, "answers": [{"competency": "x.y", "level": 1}]}
    response = api(world.alice).post(_results(diag.campaign_a), {"results": [bad]},
                                     format="json")
    assert "x.y" in error(response)["message_ru"]
    bad = {"participant": world.bob_p.pk,
           "answers": [{"competency": "ict.ai_lessons", "level": 7}]}
    response = api(world.alice).post(_results(diag.campaign_a), {"results": [bad]},
                                     format="json")
    assert error(response)["fields"] == {
        "results.0.answers.ict.ai_lessons": ["Уровень должен быть от 0 до 3."]}


def test_a_malformed_body_names_the_place(api: Api, world: World) -> None:
    diag = build_diagnostics(world)
    response = api(world.alice).post(_results(diag.campaign_a),
                                     {"results": [{"participant": "x", "answers": []}]},
                                     format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["results.0.participant"]


def test_someone_elses_participant_or_campaign_is_404(api: Api, world: World) -> None:
    diag = build_diagnostics(world)
    forged = {"participant": world.someone_b.pk,
              "answers": [{"competency": "ict.ai_lessons", "level": 1}]}
    response = api(world.alice).post(_results(diag.campaign_a), {"results": [forged]},
                                     format="json")
    assert response.status_code == 404
    assert list(error(response)["fields"]) == ["results.0.participant"]
    response = api(world.charlie).post(_results(diag.campaign_a), {"results": [_bob(world)]},
                                       format="json")
    assert response.status_code == 404
    response = api(world.bob).post(_results(diag.campaign_a), {"results": [_bob(world)]},
                                   format="json")
    assert response.status_code == 404
    assert not Answer.objects.filter(response=diag.bob_r, competency="comm.parents").exists()


def _final_round(baseline: Campaign) -> Campaign:
    import datetime as dt

    return Campaign.objects.create(
        title="Итоговая А", kind=Campaign.Kind.FINAL, organization=baseline.organization,
        framework=baseline.framework, baseline=baseline, starts_on=dt.date(2027, 4, 1),
        ends_on=dt.date(2027, 4, 20))


def _frozen_checks(client: APIClient, campaign: Campaign, items: list[dict[str, Any]]) -> int:
    """How many times saving ``items`` read the campaign's final rounds — the check that
    a frozen baseline refuses the write (``diagnostics.services.baseline_frozen``)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.post(_results(campaign), {"results": items}, format="json")
    assert response.status_code == 200, response.content
    finals = '"diagnostics_campaign"."baseline_id" = %s AND "diagnostics_campaign"."kind" ='
    return sum(finals % campaign.pk in q["sql"] for q in ctx.captured_queries)


def test_a_batch_checks_the_baseline_once_at_any_size(api: Api, world: World) -> None:
    """The baseline's finals are read once per request, not once per questionnaire: two
    people and eight, drafts and submissions alike."""
    from tandem.testing import bulk_participants

    diag = build_diagnostics(world)
    _final_round(diag.campaign_a)
    people = list(bulk_participants(world.org_a, 8).exclude(
        responses__campaign=diag.campaign_a).order_by("pk"))
    assert len(people) == 8
    Response.objects.bulk_create([Response(campaign=diag.campaign_a, participant=p)
                                  for p in people])
    codes = diag.campaign_a.framework.codes()
    full = [{"competency": code, "level": 2} for code in codes]
    client = api(world.alice)
    for size in (2, 8):
        drafts = [{"participant": p.pk, "answers": full[:1]} for p in people[:size]]
        assert _frozen_checks(client, diag.campaign_a, drafts) == 1
    sent = [{"participant": p.pk, "answers": full, "submit": True} for p in people[:2]]
    assert _frozen_checks(client, diag.campaign_a, sent) == 1
    sent = [{"participant": p.pk, "answers": full, "submit": True} for p in people[2:8]]
    assert _frozen_checks(client, diag.campaign_a, sent) == 1
    assert Response.objects.filter(participant__in=people, status="submitted").count() == 8


def test_a_frozen_baseline_refuses_the_batch(api: Api, world: World) -> None:
    """Checked once, still refused: the first item is named, nothing is saved."""
    from django.utils import timezone

    diag = build_diagnostics(world)
    final = _final_round(diag.campaign_a)
    final.status, final.closed_at = Campaign.Status.CLOSED, timezone.now()
    final.save(update_fields=["status", "closed_at"])
    response = api(world.alice).post(_results(diag.campaign_a),
                                     {"results": [_bob(world)]}, format="json")
    assert response.status_code == 400
    assert "«Итоговая А»" in error(response)["message_ru"]
    assert not Answer.objects.filter(response=diag.bob_r, competency="comm.parents").exists()
