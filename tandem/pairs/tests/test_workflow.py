import io

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from docx import Document

from tandem.maps import lifecycle
from tandem.pairs import services
from tandem.pairs.models import MatchingRun, Pair, PairRule
from tandem.testing import World, build_pairs_pool


@pytest.fixture
def pool(world: World) -> None:
    build_pairs_pool(world)


def _run(client: Client, world: World, django_capture_on_commit_callbacks: object) -> MatchingRun:
    client.force_login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(reverse("pairs:formation"), {"unit": f"o:{world.org_a.pk}"})
    assert response.status_code == 302
    return MatchingRun.objects.latest("pk")


def test_textbook_reverse_pair_is_proposed_with_its_explanation(
    client: Client, world: World, pool: None, django_capture_on_commit_callbacks: object,
) -> None:
    run = _run(client, world, django_capture_on_commit_callbacks)
    assert run.status == MatchingRun.Status.DONE and run.progress == 100
    [pair] = run.result["pairs"]
    assert {pair["a"], pair["b"]} == {world.bob_p.pk, world.carol_p.pk}
    assert run.result["optimal"] is True
    html = client.get(reverse("pairs:run", kwargs={"pk": run.pk})).content.decode()
    assert "Борис Олегович учит Карину Сергеевну" in html
    assert "Карина Сергеевна учит Бориса Олеговича" in html
    assert "оптимум доказан" in html
    # Alice could only pair with Carol, who reports to her.
    [unmatched] = run.result["unmatched"]
    assert unmatched["id"] == world.alice_p.pk


def test_forbid_and_rerun_drops_the_pair(
    client: Client, world: World, pool: None, django_capture_on_commit_callbacks: object,
) -> None:
    run = _run(client, world, django_capture_on_commit_callbacks)
    client.post(reverse("pairs:rule", kwargs={"pk": run.pk}),
                {"a": world.bob_p.pk, "b": world.carol_p.pk, "kind": "forbid"})
    assert PairRule.objects.get().kind == PairRule.Kind.FORBID
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.post(reverse("pairs:rerun", kwargs={"pk": run.pk}))
    rerun = MatchingRun.objects.latest("pk")
    assert rerun.pk != run.pk and rerun.result["pairs"] == []
    # The re-run starts warm from the first run's result (its duals are stored with it),
    # and is proven all the same.
    assert {pid for pid, _ in run.result["duals"]} == {
        u["id"] for u in rerun.result["unmatched"]}
    assert rerun.result["stats"]["warm"] is True and rerun.result["optimal"] is True


def test_manual_pair_inside_a_reporting_line_is_refused(
    client: Client, world: World, pool: None, django_capture_on_commit_callbacks: object,
) -> None:
    run = _run(client, world, django_capture_on_commit_callbacks)
    html = client.get(reverse("pairs:manual", kwargs={"pk": run.pk}),
                      {"a": world.alice_p.pk, "b": world.carol_p.pk}).content.decode()
    assert "линии подчинения" in html
    one_sided = client.get(reverse("pairs:manual", kwargs={"pk": run.pk}),
                           {"a": world.alice_p.pk, "b": world.bob_p.pk}).content.decode()
    assert "Пара односторонняя" in one_sided or "нечему" in one_sided


def test_approve_notify_confirm_and_order(
    client: Client, world: World, pool: None, django_capture_on_commit_callbacks: object,
) -> None:
    run = _run(client, world, django_capture_on_commit_callbacks)
    key = "-".join(str(x) for x in sorted((world.bob_p.pk, world.carol_p.pk)))
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(reverse("maps:pair_approve", kwargs={"pk": run.pk}), {
            "pair": [key], "starts_on": "2026-12-01", "ends_on": "2027-05-31"})
    assert response.status_code == 302
    pair = Pair.objects.get()
    assert pair.status == Pair.Status.APPROVED and pair.curator == world.alice
    assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.org", "carol@example.org"]
    # Bob confirms; Carol has no login, so the curator cannot confirm for her.
    client.force_login(world.bob)
    client.post(reverse("maps:pair_confirm", kwargs={"pk": pair.pk}))
    pair.refresh_from_db()
    assert pair.a_confirmed_at or pair.b_confirmed_at
    assert pair.status == Pair.Status.APPROVED
    lifecycle.pair_confirm(pair=pair, participant=world.carol_p)
    pair.refresh_from_db()
    assert pair.status == Pair.Status.ACTIVE
    # The same people cannot be approved twice.
    with pytest.raises(services.PairsError, match="уже работают в паре"):
        lifecycle.pairs_approve(run=run, keys=[key], starts_on=pair.starts_on,
                               ends_on=pair.ends_on, curator=None, base_url="http://x/")
    # The order.
    client.force_login(world.alice)
    response = client.post(
        reverse("pairs:order_create") + f"?organization={world.org_a.pk}",
        {"number": "12-од", "date": "2026-11-27", "head_name": "Н. Н. Директорова",
         "head_position": "Директор", "pairs": [pair.pk]})
    assert response.status_code == 302
    docx = client.get(response.headers["Location"])
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats")
    document = Document(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "№ 12-од" in text and "Алисову Алису Сергеевну" in text
    table = document.tables[1]
    assert "Бобров Борис Олегович" in table.rows[1].cells[1].text + table.rows[1].cells[2].text


@pytest.mark.parametrize(("starts", "ends", "message"), [
    ("2026-12-01", "2026-11-01", "Окончание раньше начала"),
    ("2026-12-01", "2027-01-15", "от 3 до 12 месяцев"),
])
def test_bad_terms_are_refused(
    client: Client, world: World, pool: None, django_capture_on_commit_callbacks: object,
    starts: str, ends: str, message: str,
) -> None:
    run = _run(client, world, django_capture_on_commit_callbacks)
    key = "-".join(str(x) for x in sorted((world.bob_p.pk, world.carol_p.pk)))
    response = client.post(reverse("maps:pair_approve", kwargs={"pk": run.pk}),
                           {"pair": [key], "starts_on": starts, "ends_on": ends}, follow=True)
    assert message in response.content.decode()
    assert not Pair.objects.exists()


def test_forged_pair_key_is_refused(
    client: Client, world: World, pool: None, django_capture_on_commit_callbacks: object,
) -> None:
    run = _run(client, world, django_capture_on_commit_callbacks)
    response = client.post(reverse("maps:pair_approve", kwargs={"pk": run.pk}), {
        "pair": [f"{world.alice_p.pk}-{world.someone_b.pk}"], "starts_on": "2026-12-01",
        "ends_on": "2027-05-31"}, follow=True)
    assert "нет в этом предложении" in response.content.decode()
    assert not Pair.objects.exists()


def test_empty_pool_is_a_clear_message(client: Client, world: World) -> None:
    client.force_login(world.alice)
    response = client.post(reverse("pairs:formation"), {"unit": f"o:{world.org_a.pk}"},
                           follow=True)
    assert "Некого подбирать" in response.content.decode()


def test_garbage_ids_are_404_not_500(
    client: Client, world: World, pool: None, django_capture_on_commit_callbacks: object,
) -> None:
    run = _run(client, world, django_capture_on_commit_callbacks)
    response = client.post(reverse("pairs:rule", kwargs={"pk": run.pk}),
                           {"a": "abc", "b": "1; drop", "kind": "lock"})
    assert response.status_code == 404
    assert not PairRule.objects.exists()
    response = client.get(reverse("pairs:order_create") + "?organization=x")
    assert response.status_code == 404
    # A number too long for the database's integer is no id either (it was a 500).
    response = client.post(reverse("pairs:rule", kwargs={"pk": run.pk}),
                           {"a": "9" * 25, "b": "1", "kind": "lock"})
    assert response.status_code == 404
    response = client.get(reverse("pairs:order_create") + "?organization=" + "9" * 25)
    assert response.status_code == 404


def test_forbidden_pairs_are_listed_and_a_ban_can_be_lifted(
    client: Client, world: World, pool: None, django_capture_on_commit_callbacks: object,
) -> None:
    """Issue #14, defect 8: after «запретить эту пару» the formation page lists the ban
    and lifts it; the next run may propose the pair again."""
    run = _run(client, world, django_capture_on_commit_callbacks)
    client.post(reverse("pairs:rule", kwargs={"pk": run.pk}),
                {"a": world.bob_p.pk, "b": world.carol_p.pk, "kind": "forbid"})
    page = reverse("pairs:formation") + f"?unit=o:{world.org_a.pk}"
    html = client.get(page).content.decode()
    assert "запрещена" in html and "Бобров Борис Олегович" in html and "снять запрет" in html
    rule = PairRule.objects.get()
    html = client.post(reverse("pairs:rule_delete", kwargs={"pk": rule.pk}),
                       follow=True).content.decode()
    assert "Запрет снят" in html and not PairRule.objects.exists()
    # Another organization's curator cannot lift a ban of school A.
    rule = services.rule_set(unit=world.org_a, a=world.bob_p, b=world.carol_p,
                             kind=PairRule.Kind.FORBID, user=None)
    client.force_login(world.charlie)
    assert client.post(reverse("pairs:rule_delete", kwargs={"pk": rule.pk})).status_code == 404
    assert PairRule.objects.filter(pk=rule.pk).exists()


@pytest.mark.parametrize(("gap", "proposed"), [(10, True), (30, False)])
def test_a_stated_experience_gap_removes_candidates_and_says_so(
    client: Client, world: World, pool: None, django_capture_on_commit_callbacks: object,
    gap: int, proposed: bool,
) -> None:
    """Issue #14, item 13: the curator states «разница в стаже не меньше N лет»; the engine
    carries it as forbidden pairs and the run's page says how many it removed."""
    from tandem.people.models import Participant

    Participant.objects.filter(pk=world.bob_p.pk).update(experience_years=3)
    Participant.objects.filter(pk=world.carol_p.pk).update(experience_years=25)
    Participant.objects.filter(pk=world.alice_p.pk).update(experience_years=20)
    client.force_login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.post(reverse("pairs:formation"), {
            "unit": f"o:{world.org_a.pk}", "options": "1", "reciprocity_required": "on",
            "no_reporting_line": "on", "capacity": "1", "min_experience_gap": str(gap),
            "age_groups": "any", "subject": "any"})
    run = MatchingRun.objects.latest("pk")
    assert run.rules["min_experience_gap"] == gap and run.rules["source"] == "form"
    pairs = {frozenset((p["a"], p["b"])) for p in run.result["pairs"]}
    assert (frozenset((world.bob_p.pk, world.carol_p.pk)) in pairs) is proposed
    html = client.get(reverse("pairs:run", kwargs={"pk": run.pk})).content.decode()
    assert f"разница в стаже не меньше {gap} лет" in html
    assert ("мала разница в стаже — " in html) is (run.rules["removed"] != {})
    if not proposed:
        assert run.rules["removed"]["experience_gap"] >= 1


@pytest.mark.parametrize(("bad", "messages"), [
    ({"min_experience_gap": "99", "age_groups": "same", "subject": "any"},
     ["Разница в стаже", "от 0 до 40"]),
    ({"place": "на луне"}, ["Поле «Где работает пара»: выберите из списка."]),
])
def test_a_bad_stated_rule_is_a_clear_message_and_starts_nothing(
    client: Client, world: World, pool: None, bad: dict[str, str], messages: list[str],
) -> None:
    client.force_login(world.alice)
    response = client.post(reverse("pairs:formation"), {
        "unit": f"o:{world.org_a.pk}", "options": "1", "capacity": "1", **bad}, follow=True)
    html = response.content.decode()
    assert all(message in html for message in messages), messages
    assert not MatchingRun.objects.exists()


def test_an_online_pool_pairs_across_buildings(
    client: Client, world: World, pool: None, django_capture_on_commit_callbacks: object,
) -> None:
    """«Любое здание и онлайн» (the default) does not look at buildings at all."""
    from tandem.people.models import Participant

    Participant.objects.filter(pk=world.bob_p.pk).update(building="Корпус 2")
    client.force_login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.post(reverse("pairs:formation"), {
            "unit": f"o:{world.org_a.pk}", "options": "1", "reciprocity_required": "on",
            "no_reporting_line": "on", "capacity": "1", "place": "any"})
    run = MatchingRun.objects.latest("pk")
    assert "different_building" not in run.rules["removed"]
    assert frozenset((world.bob_p.pk, world.carol_p.pk)) in {
        frozenset((p["a"], p["b"])) for p in run.result["pairs"]}
