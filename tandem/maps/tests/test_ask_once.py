"""Issue #14, defects 2, 3 and 6: ending a map asks once and says what will happen; the
curator can return it to work for TANDEM_REOPEN_DAYS with a reason (audited); «Встреч
проведено» counts held meetings only; a member who agreed is told they wait for the
partner."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tandem.core.attention import reopenable
from tandem.maps import lifecycle, services
from tandem.maps.models import Map, Meeting
from tandem.pairs.models import Pair
from tandem.testing import World, build_map, build_resources, start_map


@pytest.fixture
def pair(world: World) -> Pair:
    build_resources(world)
    return build_map(world)  # type: ignore[return-value]


def _start(pair: Pair, world: World) -> Map:
    return start_map(pair, world)  # type: ignore[no-any-return]


def _status(client: Client, pair: Pair, **data: str) -> str:
    url = reverse("maps:status", kwargs={"pair_pk": pair.pk})
    return client.post(url, data, follow=True).content.decode()


@pytest.mark.parametrize(("action", "extra", "title"), [
    ("complete", {}, "Завершить карту и пару?"),
    ("end", {"reason": "переезд"}, "Прекратить наставничество досрочно?"),
])
def test_ending_a_map_asks_once_and_says_what_happens(
        client: Client, world: World, pair: Pair, action: str, extra: dict[str, str],
        title: str) -> None:
    _start(pair, world)
    client.force_login(world.alice)
    html = _status(client, pair, action=action, **extra)
    assert title in html
    assert "Выполнено задач: 0 из" in html and "вернуть карту в работу до" in html
    assert 'name="confirmed" value="1"' in html
    assert Map.objects.get(pair=pair).status == Map.Status.IN_PROGRESS  # nothing yet
    html = _status(client, pair, action=action, confirmed="1", **extra)
    the_map = Map.objects.get(pair=pair)
    assert the_map.status in (Map.Status.COMPLETED, Map.Status.ENDED_EARLY)
    assert the_map.closed_from == Map.Status.IN_PROGRESS and the_map.closed_at is not None
    assert "Вернуть в работу" in html  # the curator sees the way back


def test_the_curator_reopens_with_a_reason_and_the_audit_keeps_it(
        client: Client, world: World, pair: Pair) -> None:
    the_map = _start(pair, world)
    lifecycle.map_end_early(the_map=the_map, reason="переезд")
    client.force_login(world.alice)
    html = _status(client, pair, action="reopen", reason="")
    assert "почему карту возвращают" in html
    assert Map.objects.get(pair=pair).status == Map.Status.ENDED_EARLY
    _status(client, pair, action="reopen", reason="передумали, работают дальше")
    the_map.refresh_from_db()
    fresh = Pair.objects.get(pk=pair.pk)
    assert the_map.status == Map.Status.IN_PROGRESS and the_map.ended_reason == ""
    assert fresh.status == Pair.Status.ACTIVE and fresh.ended_reason == ""
    entry = LogEntry.objects.get_for_object(the_map).order_by("-pk").first()
    assert entry is not None and entry.additional_data["reason"].startswith("передумали")


def test_a_member_may_end_but_not_reopen(client: Client, world: World, pair: Pair) -> None:
    the_map = _start(pair, world)
    lifecycle.map_complete(the_map=the_map)
    client.force_login(world.bob)
    assert "Вернуть в работу" not in client.get(
        reverse("maps:detail", kwargs={"pair_pk": pair.pk})).content.decode()
    response = client.post(reverse("maps:status", kwargs={"pair_pk": pair.pk}),
                           {"action": "reopen", "reason": "хочу"})
    assert response.status_code == 404
    assert Map.objects.get(pair=pair).status == Map.Status.COMPLETED


@override_settings(TANDEM_REOPEN_DAYS=30)
def test_reopening_after_the_window_is_refused(world: World, pair: Pair) -> None:
    the_map = _start(pair, world)
    lifecycle.map_complete(the_map=the_map)
    the_map.closed_at = timezone.now() - dt.timedelta(days=31)
    the_map.save()
    assert not lifecycle.map_reopenable(the_map)
    with pytest.raises(services.MapError, match="30 дней"):
        lifecycle.map_reopen(the_map=the_map, reason="поздно")
    assert Map.objects.get(pk=the_map.pk).status == Map.Status.COMPLETED


def test_reopening_is_refused_when_the_two_already_run_a_new_pair(
        world: World, pair: Pair) -> None:
    the_map = _start(pair, world)
    lifecycle.map_end_early(the_map=the_map, reason="ошибка")
    Pair.objects.create(a=pair.b, b=pair.a, organization=pair.organization,
                        starts_on=pair.starts_on, ends_on=pair.ends_on)
    with pytest.raises(services.MapError, match="новой паре"):
        lifecycle.map_reopen(the_map=the_map, reason="вернуть")
    assert Map.objects.get(pk=the_map.pk).status == Map.Status.ENDED_EARLY
    assert Pair.objects.get(pk=pair.pk).status == Pair.Status.ENDED_EARLY


def test_a_draft_ended_early_returns_to_the_draft(world: World, pair: Pair) -> None:
    the_map = Map.objects.get(pair=pair)
    lifecycle.map_end_early(the_map=the_map, reason="не сложилось")
    lifecycle.map_reopen(the_map=the_map, reason="сложилось")
    assert Map.objects.get(pk=the_map.pk).status == Map.Status.DRAFT
    assert Pair.objects.get(pk=pair.pk).status == Pair.Status.APPROVED


@given(minutes=st.integers(min_value=0, max_value=10**7),
       offset=st.integers(min_value=-5, max_value=60), days=st.integers(min_value=1, max_value=90))
def test_the_reopen_window(minutes: int, offset: int, days: int) -> None:
    closed = dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    now = closed + dt.timedelta(days=offset)
    assert reopenable(closed_at=closed, now=now, days=days) == (0 <= offset <= days)
    assert not reopenable(closed_at=None, now=now, days=days)


def test_meetings_held_do_not_count_planned_ones(client: Client, world: World,
                                                 pair: Pair) -> None:
    today = timezone.localdate()
    Meeting.objects.create(pair=pair, date=today - dt.timedelta(days=3), topic="Была",
                           planned=False, duration_minutes=45)
    Meeting.objects.create(pair=pair, date=today - dt.timedelta(days=2), topic="Не отмечена",
                           planned=True, duration_minutes=45)
    Meeting.objects.create(pair=pair, date=today + dt.timedelta(days=5), topic="Будет",
                           planned=True, duration_minutes=45)
    client.force_login(world.alice)
    html = client.get(reverse("maps:detail", kwargs={"pair_pk": pair.pk})).content.decode()
    stat = html[html.index("Встреч проведено"):][:300]
    assert '<span class="stat-value">1</span>' in stat and "запланировано: 2" in stat


def test_a_member_who_agreed_waits_for_the_partner(client: Client, world: World,
                                                   pair: Pair) -> None:
    the_map = Map.objects.get(pair=pair)
    lifecycle.map_agree(the_map=the_map, participant=world.bob_p)
    client.force_login(world.bob)
    html = client.get(reverse("maps:detail", kwargs={"pair_pk": pair.pk})).content.decode()
    assert "ждём согласования партнёра" in html
    assert 'value="agree"' not in html
