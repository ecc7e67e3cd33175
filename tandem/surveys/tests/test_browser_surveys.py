"""A survey answered on a phone, and the curator's results and reminders on the dashboard,
in a real browser."""

import datetime as dt

import pytest
from django.utils import timezone

from tandem.conftest import logged_in_page, shot
from tandem.maps.models import Map, Row
from tandem.surveys.models import Survey
from tandem.surveys.services import surveys_create_due
from tandem.surveys.tests.helpers import active_pair, answered_surveys
from tandem.testing import World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def surveyed(transactional_db: None) -> tuple[World, Survey]:
    world = build_world()
    today = timezone.localdate()
    pair = active_pair(world.bob_p, world.carol_p, starts_on=today - dt.timedelta(days=100),
                       ends_on=today + dt.timedelta(days=100))
    the_map = Map.objects.create(pair=pair, status=Map.Status.IN_PROGRESS)
    Row.objects.create(map=the_map, direction="ab", competency="ict.x",
                       title="Онлайн-тесты для кружка", current_level=0, target_level=2,
                       partner_level=3, task="Сделать тест", product="Тест", evidence="Показ",
                       deadline=today - dt.timedelta(days=4))
    surveys_create_due(today=today)
    answered_surveys(world, [(8, 9), (7, 8), (9, 10), (6, 7)], texts=[
        "Научилась делать интерактивные задания", "Больше совместных занятий",
        "Разобрали работу с родителями", ""])
    return world, Survey.objects.get(participant=world.bob_p)


def _login(chromium: object, base: str, username: str, width: int, height: int) -> object:
    return logged_in_page(chromium, base, username, width=width, height=height)


def test_a_survey_on_a_phone_and_the_results(live_server: object,
                                            surveyed: tuple[World, Survey],
                                            browser: object) -> None:
    from playwright.sync_api import expect

    _world, survey = surveyed
    base = live_server.url  # type: ignore[attr-defined]
    bob = _login(browser, base, "bob", 390, 844)
    bob.get_by_role("button", name="Ответить").click()  # type: ignore[attr-defined]
    expect(bob.get_by_role("heading", name="Опрос о работе в паре")).to_be_visible()  # type: ignore[attr-defined]
    shot(bob, "surveys-01-phone-empty")
    # The browser itself refuses an empty scale (required radios): nothing is sent.
    bob.get_by_role("button", name="Отправить ответы").click()  # type: ignore[attr-defined]
    assert Survey.objects.get(pk=survey.pk).submitted_at is None
    for group in bob.locator(".scale").all():  # type: ignore[attr-defined]
        group.locator("label.scale-option").nth(7).click()
    bob.get_by_label("Что было самым полезным?").fill("Разобрали онлайн-тесты")  # type: ignore[attr-defined]
    shot(bob, "surveys-02-phone-filled")
    bob.get_by_role("button", name="Отправить ответы").click()  # type: ignore[attr-defined]
    expect(bob.get_by_text("закрыты для изменений")).to_be_visible()  # type: ignore[attr-defined]
    shot(bob, "surveys-03-phone-locked")
    survey.refresh_from_db()
    assert survey.submitted_at is not None and survey.recommend == 8

    alice = _login(browser, base, "alice", 1280, 900)
    expect(alice.get_by_text("Онлайн-тесты для кружка")).to_be_visible()  # type: ignore[attr-defined]
    shot(alice, "surveys-04-dashboard-reminders")
    alice.get_by_role("link", name="Результаты опросов удовлетворённости").click()  # type: ignore[attr-defined]
    expect(alice.get_by_text("Разобрали онлайн-тесты")).to_be_visible()  # type: ignore[attr-defined]
    shot(alice, "surveys-05-results")
