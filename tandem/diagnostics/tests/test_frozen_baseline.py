"""The baseline of a closed final round takes no questionnaire (docs/monitoring.md rule 4,
``services.baseline_frozen``; its query twin ``models.baseline_frozen_q``). A teacher whose
baseline questionnaire is still unsent when that happens is not asked to fill it in (home),
is told before she starts (the questionnaire page, no submit button) and, refused, is told
in her words to ask the curator; the curator is told what they can do — reopen the final
round first, or, once its reopening window has passed, that it can't change any more —
and no reminder goes out."""

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import scope_for
from tandem.diagnostics import services
from tandem.diagnostics.models import Campaign, Response, answerable_q, baseline_frozen_q
from tandem.home.next_steps import next_steps
from tandem.testing import DiagnosticsWorld, World, build_diagnostics
from tandem.web.confirm import reopen_days

pytestmark = pytest.mark.django_db

TEACHER = ("Входная диагностика закрыта: итоговая уже завершена и её итоги опубликованы. "
           "Если вы не успели отправить анкету, обратитесь к куратору.")
CURATOR = "сначала откройте снова итоговую диагностику"
FOR_GOOD = "срок, когда её можно было открыть снова, прошёл"
FILL = "Заполните анкету «Диагностика А»"


@pytest.fixture
def dw(world: World) -> DiagnosticsWorld:
    return build_diagnostics(world)


def _final(baseline: Campaign, *, closed: bool, days_ago: int = 0,
           title: str = "Итоговая А") -> Campaign:
    final = Campaign.objects.create(
        title=title, kind=Campaign.Kind.FINAL, organization=baseline.organization,
        framework=baseline.framework, baseline=baseline, starts_on=dt.date(2027, 4, 1),
        ends_on=dt.date(2027, 4, 20))
    if closed:
        final.status = Campaign.Status.CLOSED
        final.closed_at = timezone.now() - dt.timedelta(days=days_ago)
        final.save(update_fields=["status", "closed_at"])
    return final


def _steps(world: World) -> str:
    return " ".join(s.text for s in next_steps(scope=scope_for(world.bob),
                                                today=timezone.localdate()))


def test_the_teacher_is_no_longer_asked_to_fill_it_in(world: World, dw: DiagnosticsWorld,
                                                      client_for: Any) -> None:
    final = _final(dw.campaign_a, closed=False)
    assert FILL in _steps(world)
    home = client_for(world.bob).get(reverse("dashboard")).content.decode()
    assert FILL in home and "Продолжить анкету" in home
    services.campaign_close(campaign=final)
    assert FILL not in _steps(world)
    home = client_for(world.bob).get(reverse("dashboard")).content.decode()
    assert FILL not in home and "Продолжить анкету" not in home


def test_the_questionnaire_page_says_so_before_she_fills_it_in(
        world: World, dw: DiagnosticsWorld, client_for: Any) -> None:
    _final(dw.campaign_a, closed=True)
    url = reverse("diagnostics:questionnaire", kwargs={"pk": dw.bob_r.pk})
    page = client_for(world.bob).get(url).content.decode()
    assert TEACHER in page
    assert "Отправить анкету" not in page and "hx-post" not in page
    assert CURATOR not in page
    # The curator sees what they can do, not the teacher's words.
    page = client_for(world.alice).get(url).content.decode()
    assert CURATOR in page and TEACHER not in page


def test_a_refused_submission_is_worded_for_whoever_can_act(
        world: World, dw: DiagnosticsWorld, client_for: Any) -> None:
    final = _final(dw.campaign_a, closed=True)
    url = reverse("diagnostics:questionnaire", kwargs={"pk": dw.bob_r.pk})
    page = client_for(world.bob).post(url, {"submit": "1"}, follow=True).content.decode()
    assert TEACHER in page and CURATOR not in page
    dw.bob_r.refresh_from_db()
    assert not dw.bob_r.locked
    with pytest.raises(services.DiagnosticsError, match=r"«Итоговая А».*" + CURATOR):
        services.response_submit(response=dw.bob_r)  # on her behalf (the API, staff)
    with pytest.raises(services.DiagnosticsError, match=CURATOR):
        services.response_reopen(response=dw.carol_r)

    final.closed_at = timezone.now() - dt.timedelta(days=reopen_days() + 1)
    final.save(update_fields=["closed_at"])
    with pytest.raises(services.DiagnosticsError, match=r"«Итоговая А».*" + FOR_GOOD):
        services.response_reopen(response=dw.carol_r)
    with pytest.raises(services.DiagnosticsError, match=FOR_GOOD):
        services.response_submit(response=dw.bob_r)
    page = client_for(world.bob).post(url, {"submit": "1"}, follow=True).content.decode()
    assert TEACHER in page and FOR_GOOD not in page


def test_no_reminder_goes_out_and_the_curator_is_told_why(
        world: World, dw: DiagnosticsWorld, client_for: Any) -> None:
    final = _final(dw.campaign_a, closed=True)
    with pytest.raises(services.DiagnosticsError, match=CURATOR):
        services.campaign_remind(campaign=dw.campaign_a, responses=[dw.bob_r],
                                 base_url="http://testserver/")
    client = client_for(world.alice)
    detail = reverse("diagnostics:campaign", kwargs={"pk": dw.campaign_a.pk})
    page = client.get(detail).content.decode()
    assert CURATOR in page and "Пригласить и напомнить" not in page
    assert reverse("diagnostics:campaign", kwargs={"pk": final.pk}) in page  # to reopen
    page = client.post(reverse("diagnostics:remind", kwargs={"pk": dw.campaign_a.pk}),
                       follow=True).content.decode()
    assert CURATOR in page
    assert mail.outbox == []
    dw.bob_r.refresh_from_db()
    assert dw.bob_r.reminded_at is None


# The query twin (home, «Мои анкеты») and the write's check (holding the finals' rows)
# say the same of any set of finals, open or closed, recently or long ago.
FINALS = st.lists(st.sampled_from(["open", "recent", "old"]), max_size=3)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(finals=FINALS)
def test_the_query_twin_and_the_writes_check_agree(dw: DiagnosticsWorld,
                                                   finals: list[str]) -> None:
    base = dw.campaign_a
    Campaign.objects.filter(kind=Campaign.Kind.FINAL).delete()
    for i, state in enumerate(finals):
        _final(base, closed=state != "open", title=f"Ит{i}",
               days_ago=0 if state != "old" else reopen_days() + 1)
    frozen = Campaign.objects.filter(baseline_frozen_q(), pk=base.pk).exists()
    assert frozen == any(state != "open" for state in finals)
    with transaction.atomic():
        held = services.baseline_frozen(base)
    assert (held is not None) == frozen == (services.baseline_frozen(base, hold=False)
                                            is not None)
    assert (FOR_GOOD in (held or "")) == ("old" in finals)
    assert Response.objects.filter(answerable_q("campaign__"),
                                   pk=dw.bob_r.pk).exists() == (not frozen)
    assert not Campaign.objects.filter(baseline_frozen_q(), kind=Campaign.Kind.FINAL).exists()
