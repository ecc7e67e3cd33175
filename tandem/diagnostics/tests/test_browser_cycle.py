"""The diagnostics cycle in a real browser: a teacher fills in the questionnaire on a phone,
the curator watches progress reach 100 % and reads the deficit map."""

import pytest
from django.db import connection

from tandem.conftest import log_in, shot
from tandem.diagnostics.models import Response
from tandem.testing import DiagnosticsWorld, World, build_diagnostics, build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def cycle(transactional_db: None) -> tuple[World, DiagnosticsWorld]:
    world = build_world()
    dw = build_diagnostics(world)
    Response.objects.filter(pk=dw.alice_r.pk).delete()  # only Carol (done) and Bob remain
    # Written past the services (no product path deletes one questionnaire): the kept
    # figures are rebuilt as a writer in bulk would have them rebuilt.
    from tandem.diagnostics import tallies

    tallies.rebuild([world.org_a.pk])
    return world, dw


def _login(page: object, base: str, username: str) -> None:
    log_in(page, base, username)


def test_teacher_fills_in_on_a_phone_and_curator_sees_the_map(
    live_server: object, cycle: tuple[World, DiagnosticsWorld], browser: object,
) -> None:
    from playwright.sync_api import expect

    _world, dw = cycle
    base = live_server.url  # type: ignore[attr-defined]
    codes = dw.campaign_a.framework.codes()

    curator = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")  # type: ignore[attr-defined]
    _login(curator, base, "alice")
    curator.goto(f"{base}/diagnostics/{dw.campaign_a.pk}/")
    expect(curator.get_by_text("50 %")).to_be_visible()
    shot(curator, "diag-01-campaign-half")

    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="ru-RU")  # type: ignore[attr-defined]
    _login(phone, base, "bob")
    phone.get_by_role("button", name="Продолжить анкету").click()
    expect(phone.get_by_role("heading", name="Диагностика А")).to_be_visible()
    for i, code in enumerate(codes):
        level = 3 if code.startswith("ict.") else (0 if i % 3 else 1)
        phone.locator(f"input[name='level-{code}'][value='{level}']").check()
        if level == 3:
            phone.locator(f"input[name='can-{code}']").check()
        if level == 0 and i % 2:
            phone.locator(f"input[name='want-{code}']").check()
    # The count follows the autosaves: under a loaded CI (two suites side by side) the last
    # of 39 took longer than the default 5 s.
    expect(phone.get_by_text(f"Заполнено {len(codes)} из {len(codes)}")).to_be_visible(
        timeout=20_000)
    shot(phone, "diag-02-questionnaire-phone")
    phone.get_by_role("button", name="Отправить анкету").click()
    expect(phone.get_by_text("Анкета отправлена. Спасибо!")).to_be_visible()
    expect(phone.get_by_role("img")).to_be_visible()  # the radar chart
    shot(phone, "diag-03-profile-phone")

    curator.reload()
    expect(curator.get_by_text("100 %")).to_be_visible()
    expect(curator.get_by_text("Все отправили анкеты.")).to_be_visible()
    expect(curator.locator("th.rot", has_text="Бобров Б.")).to_be_visible()
    shot(curator, "diag-04-campaign-done")
    bob = Response.objects.get(pk=dw.bob_r.pk)
    # Playwright runs this body in a greenlet with its own connection: let it go, or the
    # test database cannot be dropped.
    connection.close()
    assert bob.locked and bob.answered == len(codes)


def test_an_autosave_refused_after_the_final_closed_says_why_on_the_page(
    live_server: object, cycle: tuple[World, DiagnosticsWorld], browser: object,
) -> None:
    """Bob's questionnaire was open when the final round of its baseline closed: his next
    change is refused (422), and htmx shows the refusal by the progress bar (4xx answers
    were not swapped in: the message never reached the screen)."""
    from playwright.sync_api import expect

    from tandem.diagnostics.models import Answer, Campaign
    from tandem.diagnostics.services import BASELINE_FROZEN_TEACHER

    _world, dw = cycle
    base = live_server.url  # type: ignore[attr-defined]
    code = dw.campaign_a.framework.codes()[-1]
    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="ru-RU")  # type: ignore[attr-defined]
    _login(phone, base, "bob")
    phone.goto(f"{base}/diagnostics/q/{dw.bob_r.pk}/")
    expect(phone.get_by_role("heading", name="Диагностика А")).to_be_visible()
    Campaign.objects.create(
        title="Итоговая А", kind=Campaign.Kind.FINAL, organization=dw.campaign_a.organization,
        framework=dw.campaign_a.framework, baseline=dw.campaign_a,
        starts_on=dw.campaign_a.ends_on, ends_on=dw.campaign_a.ends_on,
        status=Campaign.Status.CLOSED)
    phone.locator(f"input[name='level-{code}'][value='2']").check()
    expect(phone.get_by_role("alert")).to_contain_text(str(BASELINE_FROZEN_TEACHER))
    shot(phone, "diag-05-autosave-refused-phone")
    saved = Answer.objects.filter(response=dw.bob_r, competency=code,
                                  self_level=2).exists()
    connection.close()
    assert not saved
