import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tandem.diagnostics import services
from tandem.diagnostics.models import Answer, Campaign, Response
from tandem.testing import DiagnosticsWorld, World, build_diagnostics


@pytest.fixture
def dw(world: World) -> DiagnosticsWorld:
    return build_diagnostics(world)


def _full_answers(codes: list[str]) -> dict[str, str]:
    data = {}
    for i, code in enumerate(codes):
        data[f"level-{code}"] = str(i % 4)
        data[f"seen-{code}"] = "1"
        if i % 4 == 3:
            data[f"can-{code}"] = "on"
        if i % 4 == 0:
            data[f"want-{code}"] = "on"
    data[f"prio-{codes[0]}"] = "1"
    return data


def test_autosave_keeps_a_draft_and_reports_progress(client: Client, world: World,
                                                     dw: DiagnosticsWorld) -> None:
    client.force_login(world.bob)
    url = reverse("diagnostics:autosave", kwargs={"pk": dw.bob_r.pk})
    response = client.post(url, {"code": "comm.teens", "level-comm.teens": "3",
                                 "can-comm.teens": "on"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Заполнено 3 из 39" in response.content.decode()
    answer = Answer.objects.get(response=dw.bob_r, competency="comm.teens")
    assert (answer.self_level, answer.level, answer.can_teach) == (3, 3, True)


@pytest.mark.parametrize(("post", "message"), [
    ({"code": "ict.nonexistent", "level-ict.nonexistent": "2"}, "Такой компетенции нет"),
    ({"code": "comm.teens", "level-comm.teens": "7"}, "Уровень должен быть от 0 до 3."),
    ({"code": "comm.teens", "level-comm.teens": "1", "prio-comm.teens": "4"},
     "Приоритет — 1, 2 или 3."),
])
def test_autosave_refuses_bad_values(client: Client, world: World, dw: DiagnosticsWorld,
                                     post: dict[str, str], message: str) -> None:
    client.force_login(world.bob)
    before = Answer.objects.filter(response=dw.bob_r).count()
    response = client.post(reverse("diagnostics:autosave", kwargs={"pk": dw.bob_r.pk}), post)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Answer.objects.filter(response=dw.bob_r).count() == before


def test_half_filled_questionnaire_is_not_submitted(client: Client, world: World,
                                                    dw: DiagnosticsWorld) -> None:
    client.force_login(world.bob)
    url = reverse("diagnostics:questionnaire", kwargs={"pk": dw.bob_r.pk})
    response = client.post(url, {"submit": "1", "seen-comm.teens": "1",
                                 "level-comm.teens": "2"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Анкета не отправлена" in html
    assert "не выбран уровень" in html
    assert Response.objects.get(pk=dw.bob_r.pk).status == Response.Status.DRAFT


def test_complete_questionnaire_is_submitted_and_locked(client: Client, world: World,
                                                        dw: DiagnosticsWorld) -> None:
    client.force_login(world.bob)
    codes = dw.campaign_a.framework.codes()
    url = reverse("diagnostics:questionnaire", kwargs={"pk": dw.bob_r.pk})
    response = client.post(url, {"submit": "1", **_full_answers(codes)})
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("diagnostics:profile",
                                                   kwargs={"pk": dw.bob_r.pk})
    bob_r = Response.objects.get(pk=dw.bob_r.pk)
    assert bob_r.locked and bob_r.answered == len(codes)
    # Locked: a later change is refused and nothing moves.
    client.post(url, {"seen-comm.teens": "1", "level-comm.teens": "0"})
    assert Answer.objects.get(response=bob_r, competency="comm.teens").self_level != 0
    assert client.get(url).content.decode().count("disabled") > len(codes)


def test_priority_must_be_on_a_deficit_and_unique(world: World, dw: DiagnosticsWorld) -> None:
    codes = dw.campaign_a.framework.codes()
    values = {c: services.AnswerInput(level=2) for c in codes}
    values[codes[0]] = services.AnswerInput(level=3, priority=1)
    values[codes[1]] = services.AnswerInput(level=0, priority=2)
    values[codes[2]] = services.AnswerInput(level=1, priority=2)
    services.answers_save(response=dw.bob_r, values=values)
    with pytest.raises(services.DiagnosticsError) as error:
        services.response_submit(response=dw.bob_r)
    assert set(error.value.problems) == {codes[0], codes[2]}


def test_curator_reopens_and_expert_level_combines(client: Client, world: World,
                                                   dw: DiagnosticsWorld) -> None:
    client.force_login(world.alice)
    client.post(reverse("diagnostics:reopen", kwargs={"pk": dw.carol_r.pk}))
    assert Response.objects.get(pk=dw.carol_r.pk).status == Response.Status.DRAFT
    code = dw.campaign_a.framework.codes()[0]  # Carol said 0
    client.post(reverse("diagnostics:expert", kwargs={"pk": dw.carol_r.pk}),
                {f"expert-{code}": "3"})
    answer = Answer.objects.get(response=dw.carol_r, competency=code)
    assert (answer.self_level, answer.expert_level, answer.level) == (0, 3, 2)


def test_curator_cannot_fill_in_for_a_teacher(client: Client, world: World,
                                              dw: DiagnosticsWorld) -> None:
    client.force_login(world.alice)
    response = client.post(reverse("diagnostics:questionnaire", kwargs={"pk": dw.bob_r.pk}),
                           {"seen-comm.teens": "1", "level-comm.teens": "0"})
    # The pattern: an object outside the right ("answer": its own respondent only) is a 404.
    assert response.status_code == 404


def test_teacher_never_reads_a_colleagues_answers(client: Client, world: World,
                                                  dw: DiagnosticsWorld) -> None:
    client.force_login(world.bob)
    for name in ("questionnaire", "profile", "expert"):
        url = reverse(f"diagnostics:{name}", kwargs={"pk": dw.carol_r.pk})
        assert client.get(url).status_code in (403, 404)


def test_closed_campaign_takes_no_answers(world: World, dw: DiagnosticsWorld) -> None:
    Campaign.objects.filter(pk=dw.campaign_a.pk).update(status=Campaign.Status.CLOSED)
    dw.bob_r.refresh_from_db()
    with pytest.raises(services.DiagnosticsError, match="завершена"):
        services.answers_save(response=dw.bob_r,
                              values={"comm.teens": services.AnswerInput(level=1)})


def test_reminder_goes_to_those_who_have_not_finished(
    client: Client, world: World, dw: DiagnosticsWorld,
) -> None:
    client.force_login(world.alice)
    client.post(reverse("diagnostics:remind", kwargs={"pk": dw.campaign_a.pk}))
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    assert all("/diagnostics/q/" in m.body for m in mail.outbox)


def test_campaign_created_for_the_organization(client: Client, world: World,
                                               dw: DiagnosticsWorld) -> None:
    client.force_login(world.alice)
    response = client.post(reverse("diagnostics:campaign_create"), {
        "title": "Входная 2027", "kind": "initial", "unit": f"o:{world.org_a.pk}",
        "starts_on": "2027-01-10", "ends_on": "2027-01-31", "only_with_consent": "on"})
    campaign = Campaign.objects.get(title="Входная 2027")
    assert response.status_code == 302
    assert set(campaign.responses.values_list("participant_id", flat=True)) == {
        world.alice_p.pk, world.bob_p.pk, world.carol_p.pk}


def test_forged_unit_is_refused(client: Client, world: World, dw: DiagnosticsWorld) -> None:
    client.force_login(world.charlie)
    response = client.post(reverse("diagnostics:campaign_create"), {
        "title": "Чужая", "kind": "initial", "unit": f"o:{world.org_a.pk}",
        "starts_on": "2027-01-10", "ends_on": "2027-01-31"})
    assert "unit" in response.context["form"].errors
    assert not Campaign.objects.filter(title="Чужая").exists()


def test_profile_shows_change_against_the_baseline(client: Client, world: World,
                                                   dw: DiagnosticsWorld) -> None:
    final = Campaign.objects.create(title="Итоговая А", kind=Campaign.Kind.FINAL,
                                    organization=world.org_a, baseline=dw.campaign_a,
                                    framework=dw.campaign_a.framework,
                                    starts_on=dw.campaign_a.ends_on,
                                    ends_on=dw.campaign_a.ends_on)
    after = Response.objects.create(campaign=final, participant=world.carol_p,
                                    status=Response.Status.SUBMITTED)
    Answer.objects.bulk_create([
        Answer(response=after, competency=a.competency, self_level=3, level=3)
        for a in dw.carol_r.answers.all()])
    client.force_login(world.alice)
    html = client.get(reverse("diagnostics:profile", kwargs={"pk": after.pk})).content.decode()
    assert "Изменения после входной диагностики" in html
    assert "+3" in html
    png = client.get(reverse("diagnostics:radar", kwargs={"pk": after.pk, "fmt": "png"}))
    assert png["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"
