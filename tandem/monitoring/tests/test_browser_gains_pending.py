"""«До и после» while the final round is open: the dashboard says when the levels will be
shown (docs/monitoring.md, «Правило публикации «до / после»», rule 4: once it is closed);
screenshots to look at."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tandem.conftest import logged_in_page, shot
from tandem.diagnostics import tallies
from tandem.monitoring.tests.test_gains_release import _rounds
from tandem.people.models import Participant
from tandem.testing import World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def world(transactional_db: None) -> World:
    return build_world()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_dashboard_says_when_before_and_after_come(live_server: object, world: World,
                                                       browser: object, width: int) -> None:
    from playwright.sync_api import expect

    today = timezone.localdate()
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))[:3]
    _rounds(world.org_a, [(p, 1, 2) for p in people], starts=today - dt.timedelta(days=5),
            ends=today + dt.timedelta(days=30), closed=False)
    tallies.rebuild()
    base = live_server.url  # type: ignore[attr-defined]
    page: Any = logged_in_page(browser, base, "olga", width=width, height=900)
    page.goto(f"{base}/monitoring/")
    note = page.get_by_text("До и после — после завершения итоговой диагностики")
    expect(note).to_be_visible()
    note.scroll_into_view_if_needed()
    shot(page, f"monitoring-gains-pending-{width}")
