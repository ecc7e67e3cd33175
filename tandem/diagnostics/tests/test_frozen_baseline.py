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
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import scope_for
from tandem.diagnostics import selectors, services
from tandem.diagnostics.models import (
    Answer,
    Campaign,
    Response,
    answerable_q,
    baseline_frozen_q,
)
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


# -- a draft, the campaigns list, the campaign page (each failed before its fix) ---------

def test_an_autosave_from_a_page_opened_before_the_final_closed_is_refused(
        world: World, dw: DiagnosticsWorld, client_for: Any) -> None:
    """Her page was open (fields enabled) when the final round closed: the next change
    saved a draft she could never send. Now it is refused, in her words, and nothing is
    written."""
    _final(dw.campaign_a, closed=True)
    before = list(Answer.objects.filter(response=dw.bob_r).values_list(
        "competency", "self_level").order_by("competency"))
    url = reverse("diagnostics:autosave", kwargs={"pk": dw.bob_r.pk})
    code = dw.campaign_a.framework.codes()[-1]
    refused = client_for(world.bob).post(url, {"code": code, f"level-{code}": "2"},
                                         headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert TEACHER in refused.content.decode()
    assert list(Answer.objects.filter(response=dw.bob_r).values_list(
        "competency", "self_level").order_by("competency")) == before
    with pytest.raises(services.DiagnosticsError, match=CURATOR):  # the API, on her behalf
        services.answers_save(response=dw.bob_r, values={code: services.AnswerInput(2)})


def test_the_campaigns_list_shows_a_frozen_baseline_as_taking_nothing(
        world: World, dw: DiagnosticsWorld, client_for: Any) -> None:
    """Worked example: baseline A ended on 30 September and is still open; its final is
    closed. It is not «срок прошёл» (nobody can be reminded to finish it), but a baseline
    that takes no questionnaire."""
    today = dt.date(2026, 12, 6)
    olga = scope_for(world.olga)
    assert selectors.campaigns_page(scope=olga, today=today).counts["overdue"] == 2
    final = _final(dw.campaign_a, closed=True)
    data = selectors.campaigns_page(scope=olga, today=today)
    assert data.counts == {"running": 0, "overdue": 1, "frozen": 1, "closed": 1}
    frozen = selectors.campaigns_page(scope=olga, today=today, state="frozen")
    assert [c.pk for c, _p in frozen.rows] == [dw.campaign_a.pk]
    page = client_for(world.olga).get(reverse("diagnostics:campaigns")).content.decode()
    row = page[page.index("Диагностика А"):]
    row = row[:row.index("</tr>")]
    assert "анкеты не принимаются" in row and "срок прошёл" not in row
    assert final.title in page  # the final itself: closed
    page = client_for(world.olga).get(reverse("diagnostics:campaigns"),
                                      {"state": "frozen"}).content.decode()
    assert "Диагностика А" in page and "Диагностика Б" not in page


def test_the_list_says_frozen_in_one_wording(world: World, dw: DiagnosticsWorld,
                                              client_for: Any) -> None:
    """The state filter, its count and the row's badge name a frozen baseline in the same
    words (they used to say «анкет не принимают» and «анкеты не принимаются»). The filter's
    select, narrow on a phone (390 px: the whole words were cut there), names it by their
    head, and says the whole words with the reason beside it once chosen."""
    import re

    _final(dw.campaign_a, closed=True)
    url = reverse("diagnostics:campaigns")
    page = client_for(world.olga).get(url).content.decode()
    [option] = re.findall(r'<option value="frozen"[^>]*>([^<]*) \(1\)</option>', page)
    [count] = re.findall(r'<span class="stat-label">([^<]*)</span><span class="stat-value">'
                         r'<a href="\?state=frozen">1</a>', page)
    [badge] = re.findall(r'<span class="badge">(анкет[^<]*)</span>', page)
    assert count == badge[0].upper() + badge[1:]
    assert badge == "анкеты не принимаются: итоговая завершена"
    assert option == "Анкеты не принимаются" and count.startswith(option + ":")
    assert 'id="campaign-state-note"' not in page
    page = client_for(world.olga).get(url, {"state": "frozen"}).content.decode()
    [note] = re.findall(r'<p class="muted small" id="campaign-state-note">([^<]*)</p>', page)
    assert note.startswith(count + " — входные диагностики, чья итоговая уже завершена")
    assert 'aria-describedby="campaign-state-note"' in page


STATES = st.lists(st.tuples(st.sampled_from(["open", "closed"]), st.integers(-3, 3),
                            st.sampled_from(["none", "open", "closed"])),
                  min_size=1, max_size=4)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(campaigns=STATES)
def test_every_campaign_is_in_exactly_one_state(dw: DiagnosticsWorld,
                                                campaigns: list[tuple[str, int, str]]) -> None:
    """Running, overdue, frozen and closed add up to all, and a campaign is frozen exactly
    when it is open and the write's check refuses it (``services.baseline_frozen``)."""
    today = dt.date(2026, 12, 6)
    Campaign.objects.exclude(pk__in=[dw.campaign_a.pk, dw.campaign_b.pk]).delete()
    made = []
    for i, (status, days, final) in enumerate(campaigns):
        base = Campaign.objects.create(
            title=f"Вх{i}", organization=dw.campaign_a.organization,
            framework=dw.campaign_a.framework, starts_on=dt.date(2026, 9, 1),
            ends_on=today + dt.timedelta(days=days), status=status)
        if final != "none":
            _final(base, closed=final == "closed", title=f"Ит{i}")
        made.append(base)
    states = selectors.campaign_state_q(today)
    ours = Campaign.objects.filter(pk__in=[c.pk for c in made])
    for base in made:
        [where] = [name for name, q in states.items() if ours.filter(q, pk=base.pk).exists()]
        open_ = base.status == Campaign.Status.OPEN
        assert (where == selectors.FROZEN) == (
            open_ and services.baseline_frozen(base, hold=False) is not None)
        assert (where == selectors.CLOSED) == (not open_)


def test_the_campaign_page_reads_the_finals_that_freeze_it_once(
        world: World, dw: DiagnosticsWorld, client_for: Any) -> None:
    _final(dw.campaign_a, closed=True, title="Итоговая А")
    _final(dw.campaign_a, closed=True, title="Итоговая Б")
    client = client_for(world.alice)
    url = reverse("diagnostics:campaign", kwargs={"pk": dw.campaign_a.pk})
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    finals = [q["sql"] for q in queries.captured_queries
              if "diagnostics_campaign" in q["sql"] and '"baseline_id" =' in q["sql"]
              and "FROM \"diagnostics_campaign\"" in q["sql"]]
    assert len(finals) == 1, finals
    for title in ("Итоговая А", "Итоговая Б"):
        assert f"«{title}» →" in page
