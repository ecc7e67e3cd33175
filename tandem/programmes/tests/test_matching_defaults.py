"""The adopted programme's pair rules are the defaults of the matching engine for its
organization: the run form is pre-filled with them and a run started without options uses
them (in the instance the engine reads, and so in its proposal)."""

import datetime as dt

from django.test import Client
from django.urls import reverse

from tandem.access.scope import scope_for
from tandem.maps import lifecycle
from tandem.pairs import services as pair_services
from tandem.pairs.models import MatchingRun, Pair
from tandem.pairs.selectors import pool_responses
from tandem.testing import World, build_pairs_pool, build_programme


def _run(client: Client, world: World, capture: object, data: dict[str, str] | None = None,
         ) -> MatchingRun:
    client.force_login(world.alice)
    with capture(execute=True):  # type: ignore[operator]
        response = client.post(reverse("pairs:formation"),
                               {"unit": f"o:{world.org_a.pk}", **(data or {})})
    assert response.status_code == 302, response.content[:300]
    return MatchingRun.objects.latest("pk")


def _members(run: MatchingRun) -> set[frozenset[int]]:
    return {frozenset((p["a"], p["b"])) for p in run.result["pairs"]}


def test_without_a_programme_the_platform_defaults_hold(
        client: Client, world: World, django_capture_on_commit_callbacks: object) -> None:
    build_pairs_pool(world)
    run = _run(client, world, django_capture_on_commit_callbacks)
    constraints = run.instance["constraints"]
    assert (constraints["reciprocity_required"], constraints["no_reporting_line"]) == (True,
                                                                                     True)
    assert {p["capacity"] for p in run.instance["participants"]} == {1}
    assert run.rules["source"] == "default"
    assert _members(run) == {frozenset((world.bob_p.pk, world.carol_p.pk))}


def test_the_run_form_is_prefilled_from_the_adopted_programme(client: Client,
                                                              world: World) -> None:
    build_pairs_pool(world)
    programme = build_programme(world, capacity=2, no_reporting_line=False,
                                reciprocity_required=False)
    client.force_login(world.alice)
    response = client.get(reverse("pairs:formation") + f"?unit=o:{world.org_a.pk}")
    form = response.context["run_form"]
    assert (form["capacity"].value(), form["no_reporting_line"].value(),
            form["reciprocity_required"].value()) == (2, False, False)
    assert f"/programmes/{programme.pk}/" in response.content.decode()


def test_the_engine_run_uses_the_programmes_rules(
        client: Client, world: World, django_capture_on_commit_callbacks: object) -> None:
    build_pairs_pool(world)
    programme = build_programme(world, capacity=2, no_reporting_line=False)
    run = _run(client, world, django_capture_on_commit_callbacks)
    assert run.instance["constraints"]["no_reporting_line"] is False
    assert {p["capacity"] for p in run.instance["participants"]} == {2}
    assert run.rules["source"] == "programme"
    assert run.rules["programme"] == programme.pk
    page = client.get(reverse("pairs:run", kwargs={"pk": run.pk})).content.decode()
    assert "Правила — по принятой программе:" in page
    assert "пары в линии подчинения допускаются" in page and "пар на одного педагога: 2" in page
    # Carol reports to Alice: the programme allows that pair, and Carol may take two.
    assert frozenset((world.alice_p.pk, world.carol_p.pk)) in _members(run)
    assert frozenset((world.bob_p.pk, world.carol_p.pk)) in _members(run)


def test_the_curator_may_override_the_defaults_for_one_run(
        client: Client, world: World, django_capture_on_commit_callbacks: object) -> None:
    build_pairs_pool(world)
    build_programme(world, capacity=2, no_reporting_line=False)
    run = _run(client, world, django_capture_on_commit_callbacks,
               {"options": "1", "no_reporting_line": "on", "reciprocity_required": "on",
                "capacity": "1"})
    assert run.rules["source"] == "form"
    assert run.instance["constraints"]["no_reporting_line"] is True
    assert _members(run) == {frozenset((world.bob_p.pk, world.carol_p.pk))}
    # The re-run keeps this run's rules rather than going back to the programme's.
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.post(reverse("pairs:rerun", kwargs={"pk": run.pk}))
    rerun = MatchingRun.objects.latest("pk")
    assert rerun.pk != run.pk and rerun.rules == run.rules
    bad = client.post(reverse("pairs:formation"), {"unit": f"o:{world.org_a.pk}",
                                                   "options": "1", "capacity": "7"},
                      follow=True)
    assert "Поле «Пар на одного педагога»: от 1 до 3." in bad.content.decode()


def test_capacity_keeps_a_paired_person_in_the_pool_and_approval_respects_it(
        client: Client, world: World, django_capture_on_commit_callbacks: object) -> None:
    build_pairs_pool(world)
    Pair.objects.create(a=world.carol_p, b=world.charlie_p, organization=world.org_a,
                        starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31))
    scope = scope_for(world.alice)
    ids = {r.participant_id for r in pool_responses(unit=world.org_a, scope=scope)}
    assert world.carol_p.pk not in ids  # the platform's default: one pair each
    build_programme(world, capacity=2)
    run = _run(client, world, django_capture_on_commit_callbacks)
    capacity = {p["id"]: p["capacity"] for p in run.instance["participants"]}
    assert capacity[world.carol_p.pk] == 1 and capacity[world.bob_p.pk] == 2
    key = "-".join(str(x) for x in sorted((world.bob_p.pk, world.carol_p.pk)))
    assert key in {f"{min(p['a'], p['b'])}-{max(p['a'], p['b'])}"
                   for p in run.result["pairs"]}
    # Carol took another pair since the run: her last place is gone.
    Pair.objects.create(a=world.carol_p, b=world.someone_b, organization=world.org_a,
                        starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31))
    try:
        lifecycle.pairs_approve(run=run, keys=[key], starts_on=dt.date(2026, 12, 1),
                                    ends_on=dt.date(2027, 5, 31), curator=world.alice,
                                    base_url="http://testserver/")
    except pair_services.PairsError as error:
        assert "Каролёва" in str(error)
    else:
        raise AssertionError("approval went over Carol's capacity")


def test_a_municipal_pool_leaves_out_organizations_that_pair_inside(
        world: World, django_capture_on_commit_callbacks: object) -> None:
    build_pairs_pool(world)
    scope = scope_for(world.erin)
    defaults = pair_services.run_defaults(world.municipality_a)
    assert defaults.excluded == [] and defaults.options.capacity is None
    build_programme(world, pair_scope="organization")
    defaults = pair_services.run_defaults(world.municipality_a)
    assert defaults.excluded == [world.org_a.pk]
    assert pool_responses(unit=world.municipality_a, scope=scope,
                          exclude_organizations=defaults.excluded) == []
    try:
        pair_services.run_start(unit=world.municipality_a, scope=scope, user=world.erin)
    except pair_services.PairsError as error:
        assert str(error) == str(pair_services.EMPTY_POOL)
    else:
        raise AssertionError("A's people were put into the municipal pool")


def test_the_programmes_pair_rules_are_the_runs_defaults(
        client: Client, world: World, django_capture_on_commit_callbacks: object) -> None:
    """Issue #14, item 13: the rules a curator states in the programme (who may pair with
    whom) pre-fill the run form, hold in a run started without options, and are printed in
    the programme's regulation."""
    from tandem.people.models import Participant

    build_pairs_pool(world)
    # Bob works in the school's second building, Carol in the main one.
    Participant.objects.filter(pk=world.bob_p.pk).update(building="Корпус 2")
    programme = build_programme(world, adopt=False)
    client.force_login(world.alice)
    url = reverse("programmes:section", kwargs={"pk": programme.pk, "name": "rules"})
    response = client.post(url, {"pair_scope": "organization", "capacity": "1",
                                 "reciprocity_required": "on", "no_reporting_line": "on",
                                 "min_experience_gap": "0", "age_groups": "any",
                                 "subject": "any", "place": "same_building"},
                           HTTP_HX_REQUEST="true")
    assert "Раздел сохранён" in response.content.decode()
    programme.refresh_from_db()
    assert programme.preferences.place == "same_building"
    assert "только в одном здании (встречи очно)" in response.content.decode()
    bad = client.post(url, {"pair_scope": "organization", "capacity": "1", "place": "online",
                            "min_experience_gap": "41"}, HTTP_HX_REQUEST="true")
    text = bad.content.decode()
    assert "Поле «Где работает пара»: выберите из списка." in text
    assert "Поле «Разница в стаже»: от 0 до 40 лет." in text
    programme.refresh_from_db()
    assert (programme.place, programme.min_experience_gap) == ("same_building", 0)

    from tandem.programmes.models import Programme
    Programme.objects.filter(pk=programme.pk).update(
        status=Programme.Status.ADOPTED, order_number="12-од", order_date=dt.date.today())
    form = client.get(reverse("pairs:formation") + f"?unit=o:{world.org_a.pk}"
                      ).context["run_form"]
    assert form["place"].value() == "same_building"
    run = _run(client, world, django_capture_on_commit_callbacks)
    assert run.rules["source"] == "programme" and run.rules["place"] == "same_building"
    assert frozenset((world.bob_p.pk, world.carol_p.pk)) not in _members(run)
    assert run.rules["removed"]["different_building"] >= 1
    page = client.get(reverse("pairs:run", kwargs={"pk": run.pk})).content.decode()
    assert "только в одном здании" in page and "разные здания или организации — " in page


def test_a_municipal_pool_takes_the_strictest_of_the_programmes_pair_rules(
        world: World) -> None:
    build_pairs_pool(world)
    build_programme(world, pair_scope="municipality", min_experience_gap=7,
                    age_groups="different")
    options = pair_services.run_defaults(world.municipality_a).options
    assert (options.min_experience_gap, options.age_groups, options.subject,
            options.place) == (7, "different", "any", "any")


def test_one_building_in_a_municipal_pool_is_refused_with_a_message(
        client: Client, world: World) -> None:
    from tandem.programmes.models import Programme

    programme = build_programme(world, adopt=False)
    client.force_login(world.alice)
    url = reverse("programmes:section", kwargs={"pk": programme.pk, "name": "rules"})
    response = client.post(url, {"pair_scope": "municipality", "capacity": "1",
                                 "place": "same_building"}, HTTP_HX_REQUEST="true")
    assert "не формируются в муниципальном пуле" in response.content.decode()
    assert Programme.objects.get(pk=programme.pk).pair_scope == "organization"
