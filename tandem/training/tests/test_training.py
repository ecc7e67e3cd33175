"""Case-based training: who sees which team's map, the editor in training mode, teams,
cases and scores; and training maps never reaching what is about real pairs."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tandem.access.scope import Scope
from tandem.api.services import api_token_issue
from tandem.home.selectors import dashboard_totals
from tandem.maps import lifecycle
from tandem.maps import services as map_services
from tandem.maps.models import Evidence, Map, Row
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.people.personal_data import personal_data
from tandem.resources.models import Resource
from tandem.school.models import Event, Registration
from tandem.testing import (
    TrainingWorld,
    World,
    build_map,
    build_resources,
    build_training,
)
from tandem.training import services
from tandem.training.models import Case, Score, Team, TeamMember


@pytest.fixture
def tw(world: World) -> TrainingWorld:
    build_resources(world)
    return build_training(world)


def _login(client: Client, user: object) -> Client:
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _team_url(name: str, team: object) -> str:
    return reverse(name, kwargs={"pk": team.pk})  # type: ignore[attr-defined]


# -- access --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["training:team_map", "training:present"])
def test_a_member_of_another_team_or_event_gets_404(client: Client, world: World,
                                                    tw: TrainingWorld, name: str) -> None:
    for outsider in (world.charlie, world.alice):  # another team; a team of another event
        c = _login(Client(), outsider)
        response = c.get(_team_url(name, tw.team1))
        assert response.status_code == 404
        assert "Строка учебной карты" not in response.content.decode()
    # ... while each still opens their own team's map.
    assert _login(client, world.charlie).get(_team_url(name, tw.team2)).status_code == 200


def test_the_member_edits_the_trainer_reads(client: Client, world: World,
                                            tw: TrainingWorld) -> None:
    row_url = reverse("maps:row_edit", kwargs={"pk": tw.row.pk})
    bob = _login(Client(), world.bob)
    assert bob.get(row_url).status_code == 200
    erin = _login(Client(), world.erin)
    assert erin.get(_team_url("training:team_map", tw.team1)).status_code == 200
    assert erin.get(row_url).status_code == 404  # reads the map, may not edit its rows
    assert _login(Client(), world.charlie).get(row_url).status_code == 404
    assert _login(Client(), world.alice).get(row_url).status_code == 404


def test_the_trainer_of_another_municipality_is_refused(client: Client, world: World,
                                                        tw: TrainingWorld) -> None:
    c = _login(client, world.dave)
    for url in (_team_url("training:team_map", tw.team1), _team_url("training:score", tw.team1),
                _team_url("training:event", tw.event)):
        assert c.get(url).status_code == 404


# -- the editor in training mode -----------------------------------------------------
def _row_post(**extra: str) -> dict[str, str]:
    return {"title": "Исправленная строка", "current_level": "0", "target_level": "2",
            "task": "Задача", "deadline": "2027-03-15", "product": "сценарий",
            "evidence": "собрание", "competency": "comm.parents", **extra}


def test_row_edit_keeps_the_version_check(client: Client, world: World,
                                          tw: TrainingWorld) -> None:
    c = _login(client, world.bob)
    url = reverse("maps:row_edit", kwargs={"pk": tw.row.pk})
    response = c.post(url, _row_post(version="1"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Row.objects.get(pk=tw.row.pk).title == "Исправленная строка"
    stale = c.post(url, _row_post(version="1", title="Поздно"), HTTP_HX_REQUEST="true")
    assert str(map_services.CONFLICT) in stale.content.decode()
    assert Row.objects.get(pk=tw.row.pk).title == "Исправленная строка"


def test_a_deadline_outside_the_case_term_is_refused(client: Client, world: World,
                                                     tw: TrainingWorld) -> None:
    c = _login(client, world.bob)
    c.post(_team_url("training:row_add", tw.team1), {
        "direction": "ab", "new-competency": "ict.ai_lessons", "new-title": "Поздняя",
        "new-current_level": "0", "new-target_level": "2", "new-task": "т",
        "new-deadline": "2027-09-01", "new-product": "п", "new-evidence": "п"})
    assert not Row.objects.filter(title="Поздняя").exists()


def test_only_the_case_resources_can_be_picked(client: Client, world: World,
                                               tw: TrainingWorld) -> None:
    c = _login(client, world.bob)
    url = reverse("maps:row_resource", kwargs={"pk": tw.row.pk})
    outside = Resource.objects.get(title="Ресурс района Б")
    inside = Resource.objects.get(title="Областной курс")
    c.post(url, {"resource": str(outside.pk), "action": "add"})
    c.post(url, {"resource": str(inside.pk), "action": "add"})
    assert list(tw.row.resources.all()) == [inside]
    page = c.get(_team_url("training:team_map", tw.team1)).content.decode()
    assert "Областной курс" in page and "Ресурс района Б" not in page


def test_a_training_row_is_never_marked_done(client: Client, world: World,
                                             tw: TrainingWorld) -> None:
    c = _login(client, world.bob)
    c.post(reverse("maps:row_done", kwargs={"pk": tw.row.pk}),
           {"link": "https://example.org/x"})
    assert not Evidence.objects.exists()
    assert Row.objects.get(pk=tw.row.pk).done_at is None
    with pytest.raises(map_services.MapError):
        lifecycle.map_start(the_map=Map.objects.get(team=tw.team1))


def test_a_map_belongs_to_a_pair_or_a_team_never_both(world: World, tw: TrainingWorld) -> None:
    pair = build_map(world)
    Map.objects.filter(pair=pair).delete()  # type: ignore[misc]  # its own map: unique key
    with pytest.raises(IntegrityError) as both, transaction.atomic():
        Map.objects.filter(team=tw.team1).update(pair=pair)
    assert "map_of_pair_or_team" in str(both.value)
    with pytest.raises(IntegrityError) as neither, transaction.atomic():
        Map.objects.create()
    assert "map_of_pair_or_team" in str(neither.value)


# -- training maps never reach what is about real pairs ------------------------------
def test_training_maps_stay_out_of_pairs_api_exports_and_dashboards(
        client: Client, world: World) -> None:
    build_resources(world)
    pair = build_map(world)
    real_maps = set(Map.objects.values_list("pk", flat=True))
    totals_before = {p: dashboard_totals(scope=_scope(getattr(world, p)))
                     for p in ("alice", "erin", "olga")}
    tw = build_training(world)
    training_maps = set(Map.objects.filter(team__isnull=False).values_list("pk", flat=True))
    assert training_maps and not training_maps & real_maps

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=world.olga)}")
    listed = {m["id"] for m in api.get("/api/v1/maps/?page_size=500").json()["results"]}
    assert listed == real_maps
    for pk in training_maps:
        assert api.get(f"/api/v1/maps/{pk}/").status_code == 404
    pairs = api.get("/api/v1/pairs/").json()["results"]
    assert {p["id"] for p in pairs} == set(Pair.objects.values_list("pk", flat=True))
    for p in pairs:  # the figures count the pair's own map only
        real = Row.objects.filter(map__pair_id=p["id"]).count()
        figures = p["effectiveness"]
        assert figures["a_to_b"]["rows_total"] + figures["b_to_a"]["rows_total"] == real

    for persona in ("alice", "erin", "olga"):
        assert dashboard_totals(scope=_scope(getattr(world, persona))) == \
            totals_before[persona]
        c = _login(Client(), getattr(world, persona))
        for url in (reverse("dashboard"), reverse("pairs:list"),
                    reverse("maps:detail", kwargs={"pair_pk": pair.pk}),  # type: ignore[attr-defined]
                    reverse("maps:docx", kwargs={"pair_pk": pair.pk}),  # type: ignore[attr-defined]
                    reverse("people:data_xlsx", kwargs={"pk": world.bob_p.pk})):
            body = c.get(url)
            content = (b"".join(body.streaming_content) if body.streaming  # type: ignore[attr-defined]
                       else body.content)
            assert "Строка учебной карты".encode() not in content, url
    # Bob's own data: his pair's map rows, not his team's.
    data = personal_data(world.bob_p)
    assert all(r["title"] != "Строка учебной карты" for r in data["map_rows"])
    assert tw.team1.map.pair_id is None


def _scope(user: object) -> Scope:
    from tandem.access.scope import scope_for

    return scope_for(user)


# -- teams ---------------------------------------------------------------------------
def test_a_team_takes_only_people_registered_and_not_yet_in_a_team(world: World,
                                                                  tw: TrainingWorld) -> None:
    with pytest.raises(services.TrainingError, match="уже в другой команде"):
        services.team_create(event=tw.event, case=tw.case, members=[world.bob_p])
    with pytest.raises(services.TrainingError, match="не записан"):
        services.team_create(event=tw.event, case=tw.case, members=[world.alice_p])
    assert Team.objects.filter(event=tw.event).count() == 2


def test_autosplit_mixes_organizations_and_gives_every_team_a_map(world: World,
                                                                  tw: TrainingWorld) -> None:
    event: Event = tw.no_teams_event
    Registration.objects.bulk_create([Registration(
        event=event, participant=p, status=Registration.Status.REGISTERED, attended=True,
        queued_at=event.starts_at) for p in (world.someone_b, world.charlie_p)])
    # A waiting-list person is not put in a team.
    Registration.objects.create(event=event, participant=world.alice_p, queued_at=event.starts_at,
                                status=Registration.Status.WAITING)
    with pytest.raises(services.TrainingError):
        services.teams_autosplit(event=event, cases=[tw.case], count=5)
    teams = services.teams_autosplit(event=event, cases=[tw.case], count=2)
    for team in teams:
        orgs = [m.participant.organization_id for m in team.members.select_related("participant")]
        assert sorted(orgs) == sorted([world.org_a.pk, world.org_b.pk])
        assert Map.objects.filter(team=team, pair__isnull=True).exists()
    assert not TeamMember.objects.filter(event=event, participant=world.alice_p).exists()
    with pytest.raises(services.TrainingError):
        services.teams_autosplit(event=event, cases=[tw.case], count=2)


# -- cases ---------------------------------------------------------------------------
def _case_post(world: World, **extra: object) -> dict[str, object]:
    region_course = Resource.objects.get(title="Областной курс")
    return {"title": "Кейс сельской школы", "context": "Малокомплектная школа.",
            "municipality": str(world.municipality_a.pk), "starts_on": "2027-02-01",
            "ends_on": "2027-08-31", "resources": [str(region_course.pk)],
            "a-name": "Ирина", "a-age_band": "u25", "a-experience_years": "2",
            "a-position": "учитель информатики", "b-name": "Галина Ивановна",
            "b-age_band": "55-64", "b-experience_years": "33", "b-position": "учитель",
            "a-level_ict.ai_lessons": "3", "a-level_comm.parents": "1",
            "b-level_ict.ai_lessons": "0", "b-level_comm.parents": "3", **extra}


def test_a_coordinator_writes_a_case_with_levels_strengths_and_deficits(
        client: Client, world: World, tw: TrainingWorld) -> None:
    c = _login(client, world.erin)
    response = c.post(reverse("training:case_create"), _case_post(world))
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(title="Кейс сельской школы")
    assert case.municipality_id == world.municipality_a.pk and case.region_id == world.region.pk
    a, b = case.people.order_by("role")
    assert (a.strengths, a.deficits) == (["ict.ai_lessons"], ["comm.parents"])
    assert (b.strengths, b.deficits) == (["comm.parents"], ["ict.ai_lessons"])
    assert b.levels == {"ict.ai_lessons": 0, "comm.parents": 3}


def test_a_case_person_without_a_deficit_is_refused(client: Client, world: World,
                                                    tw: TrainingWorld) -> None:
    c = _login(client, world.erin)
    response = c.post(reverse("training:case_create"),
                      _case_post(world, **{"a-level_comm.parents": "2"}))
    assert response.status_code == 200
    assert str(services.NEEDS_A_DEFICIT) in response.content.decode()
    assert not Case.objects.filter(title="Кейс сельской школы").exists()


def test_a_resource_of_another_region_cannot_be_listed(client: Client, world: World,
                                                       tw: TrainingWorld) -> None:
    from tandem.testing import RegionFactory

    other = Resource.objects.create(title="Чужой курс", kind="course", level="region",
                                    region=RegionFactory.create(name="Другая", code="other"))
    c = _login(client, world.olga)
    response = c.post(reverse("training:case_create"),
                      _case_post(world, resources=[str(other.pk)]))
    assert response.status_code == 200
    assert not Case.objects.filter(title="Кейс сельской школы").exists()


# -- scoring and feedback ------------------------------------------------------------
def test_the_trainer_scores_and_the_team_sees_the_feedback(client: Client, world: World,
                                                           tw: TrainingWorld) -> None:
    erin = _login(client, world.erin)
    form = erin.get(_team_url("training:score", tw.team1)).context["form"]
    # The hints come in as the first proposal: team 1 has rows in one direction only (0),
    # and its one row addresses one of the two deficits (1).
    assert form.initial["score_both_directions"] == 0
    assert form.initial["score_deficits_addressed"] == 1
    data = {f"score_{c}": "1" for c in ("both_directions", "deficits_addressed",
                                        "case_resources", "realistic_deadlines",
                                        "measurable_results")}
    data["comment_both_directions"] = "Нет второго направления"
    data["feedback"] = "Хорошее начало"
    assert erin.post(_team_url("training:score", tw.team1), data).status_code == 302
    assert Score.objects.filter(team=tw.team1).count() == 5
    bob_page = _login(Client(), world.bob).get(_team_url("training:team_map", tw.team1))
    assert "Нет второго направления" in bob_page.content.decode()
    assert "Хорошее начало" in bob_page.content.decode()
    charlie_page = _login(Client(), world.charlie).get(_team_url("training:team_map", tw.team2))
    assert "Хорошее начало" not in charlie_page.content.decode()


def test_a_score_out_of_range_is_refused(client: Client, world: World,
                                         tw: TrainingWorld) -> None:
    erin = _login(client, world.erin)
    response = erin.post(_team_url("training:score", tw.team1), {
        "score_both_directions": "7", "feedback": ""})
    assert response.status_code == 200
    assert not Score.objects.exists()


def test_compare_shows_every_team_of_the_case_with_hints(client: Client, world: World,
                                                         tw: TrainingWorld) -> None:
    url = reverse("training:compare", kwargs={"pk": tw.event.pk,
                                              "case_pk": tw.case.pk})
    page = _login(client, world.olga).get(url).content.decode()
    assert "Команда 1" in page and "Команда 2" in page
    assert "Строка учебной карты" in page
    # Team 1 addressed Anna's deficit (comm.parents, taught by B), not Boris's.
    assert "(1/2)" in page


def test_the_event_page_query_count_is_fixed(client: Client, world: World,
                                             tw: TrainingWorld) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.testing import bulk_participants

    c = _login(client, world.olga)
    urls = [_team_url("training:event", tw.event),
            reverse("training:compare", kwargs={"pk": tw.event.pk,
                                                "case_pk": tw.case.pk})]

    def counts() -> list[int]:
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert c.get(url).status_code == 200
            result.append(len(ctx.captured_queries))
        return result

    people = list(bulk_participants(world.org_b, 31).exclude(
        pk__in=[world.charlie_p.pk, world.someone_b.pk]))
    event: Event = tw.event

    def register(group: list[Participant]) -> None:
        Registration.objects.bulk_create([Registration(
            event=event, participant=p, status=Registration.Status.REGISTERED, attended=True,
            queued_at=event.starts_at) for p in group])

    register(people[-1:])  # someone not in a team yet, in both measurements
    small = counts()
    register(people[:-1])
    for i in range(3):
        services.team_create(event=event, case=tw.case, members=people[i * 5:(i + 1) * 5])
    team = Team.objects.get(event=event, number=3)
    for d in range(4):
        Row.objects.create(map=team.map, direction="ab", competency="ict.ai_lessons",
                           title=f"r{d}", current_level=0, target_level=2, partner_level=3,
                           task="т", deadline=dt.date(2027, 3, 1 + d), product="п",
                           evidence="п")
    assert counts() == small


def test_every_page_with_levels_explains_them(client: Client, world: World,
                                              tw: TrainingWorld) -> None:
    """The «0 → 2» of a map row has its legend wherever it appears (issue #15, item 10)."""
    from tandem.maps.models import Map
    from tandem.pairs.models import Pair
    from tandem.testing import build_map

    legend = "Уровни в строках — от 0 («не владею») до 3 («владею на уровне эксперта»)"
    client.force_login(world.olga)
    pages = [reverse("training:team_map", args=[tw.team1.pk]),
             reverse("training:present", args=[tw.team1.pk]),
             reverse("training:score", args=[tw.team1.pk]),
             reverse("training:compare", args=[tw.event.pk, tw.case.pk])]
    for url in pages:
        html = client.get(url).content.decode()
        assert " → " in html and legend in html, url
    pair: Pair = build_map(world)  # type: ignore[assignment]
    client.force_login(world.bob)
    the_map = Map.objects.get(pair=pair)
    assert legend in client.get(the_map.get_absolute_url()).content.decode()
