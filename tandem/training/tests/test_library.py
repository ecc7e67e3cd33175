"""Case-based training uses the task library (issue #17, item 5): the trainer sees the
case's map as the library would draft it for a real pair; a team takes a row for a deficit
from the library and swaps it like a pair would."""

import pytest
from django.test import Client
from django.urls import reverse

from tandem.core import task_library as core_library
from tandem.maps.models import Row
from tandem.maps.selectors import library_for
from tandem.testing import TrainingWorld, World, build_resources, build_training
from tandem.training import selectors


@pytest.fixture
def tw(world: World) -> TrainingWorld:
    build_resources(world)
    return build_training(world)


def _pick(client: Client, tw: TrainingWorld, pick: str) -> object:
    return client.post(reverse("training:row_from_library", kwargs={"pk": tw.team1.pk}),
                       {"pick": pick}, follow=True)


def test_the_case_rows_follow_the_drafting_rule(world: World, tw: TrainingWorld) -> None:
    rows = selectors.case_library_rows(tw.case)
    templates = library_for(region_id=tw.case.region_id)
    # Анна (a, 1 year, under 25) teaches Борис Петрович (b, 30 years) his deficit, and back.
    assert [(r.direction, r.competency) for r in rows] == [
        (Row.Direction.A_TO_B, "ict.ai_lessons"), (Row.Direction.B_TO_A, "comm.parents")]
    ab, ba = rows
    assert ab.template == core_library.choose_template(
        templates, "ict.ai_lessons", core_library.YOUNG_TO_SENIOR, 0, 3)
    assert ba.template == core_library.choose_template(
        templates, "comm.parents", core_library.SENIOR_TO_YOUNG, 0, 3)
    assert ab.template is not None and ab.template.direction == core_library.YOUNG_TO_SENIOR
    assert ba.template is not None and ba.template.direction == core_library.SENIOR_TO_YOUNG
    for r in rows:
        assert tw.case.starts_on <= r.deadline <= tw.case.ends_on
        assert r.technology_label and r.form_label


def test_the_trainer_sees_the_library_rows_on_the_case_page(client: Client, world: World,
                                                            tw: TrainingWorld) -> None:
    client.force_login(world.erin)
    page = client.get(reverse("training:case_detail", kwargs={"pk": tw.case.pk}))
    assert page.status_code == 200
    for r in selectors.case_library_rows(tw.case):
        assert r.template is not None
        assert r.template.task in page.content.decode()


def test_a_team_takes_rows_from_the_library_and_swaps_them(client: Client, world: World,
                                                           tw: TrainingWorld) -> None:
    client.force_login(world.bob)
    page = client.get(reverse("training:team_map", kwargs={"pk": tw.team1.pk}))
    assert "ab:ict.ai_lessons" in page.content.decode()
    response = _pick(client, tw, "ab:ict.ai_lessons")
    assert "добавлена из библиотеки" in response.content.decode()  # type: ignore[attr-defined]
    first = Row.objects.get(map__team=tw.team1, competency="ict.ai_lessons")
    expected = selectors.case_library_rows(tw.case)[0].template
    assert expected is not None
    assert (first.template_id, first.task, first.technology, first.forms) == (
        expected.id, expected.task, expected.technology, [expected.form])
    assert (first.current_level, first.partner_level) == (0, 3)
    assert tw.case.starts_on <= first.deadline <= tw.case.ends_on
    # The same deficit again: another template, never one already on the map.
    _pick(client, tw, "ab:ict.ai_lessons")
    ids = list(Row.objects.filter(map__team=tw.team1, competency="ict.ai_lessons")
               .values_list("template_id", flat=True))
    assert len(ids) == 2 and len(set(ids)) == 2
    # «Другая задача» on a team's row, as on a pair's.
    client.post(reverse("maps:row_swap", kwargs={"pk": first.pk}),
                {"version": str(first.version)})
    swapped = Row.objects.get(pk=first.pk)
    assert swapped.template_id not in ids
    assert swapped.template_id.startswith("ict.ai_lessons.")


@pytest.mark.parametrize("pick", ["ab:comm.parents",  # Борис's strength, not his deficit
                                  "ab:", "zz:ict.ai_lessons", ""])
def test_a_pick_that_is_not_a_deficit_of_the_block_adds_nothing(
        client: Client, world: World, tw: TrainingWorld, pick: str) -> None:
    client.force_login(world.bob)
    before = Row.objects.filter(map__team=tw.team1).count()
    response = _pick(client, tw, pick)
    assert response.status_code == 200  # type: ignore[attr-defined]
    text = response.content.decode()  # type: ignore[attr-defined]
    assert "дефицит" in text.lower()
    assert Row.objects.filter(map__team=tw.team1).count() == before


def test_only_the_team_takes_rows_from_the_library(client: Client, world: World,
                                                   tw: TrainingWorld) -> None:
    url = reverse("training:row_from_library", kwargs={"pk": tw.team1.pk})
    for user, status in ((world.erin, 404), (world.charlie, 404), (world.alice, 404)):
        c = Client()
        c.force_login(user)
        assert c.post(url, {"pick": "ab:ict.ai_lessons"}).status_code == status
    assert not Row.objects.filter(map__team=tw.team1, competency="ict.ai_lessons").exists()
