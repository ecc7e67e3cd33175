"""A staff member's own part as a teacher on the overview, from the shared cache
(tandem/home/selectors.py: ``overview``, ``own_context``, ``own_stamp``): one entry per
user under the personal prefix (none for a teacher without a role), computed again after
whatever changes what it shows — audited (her pairs, maps, tasks, meetings, surveys, her
card) or not (her questionnaires; a partner of another organization renamed) — and the
next day."""

import datetime as dt
from typing import Any

import pytest
from django.core.cache import caches
from django.db import transaction
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.connection import ConnectionProxy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import scope_for
from tandem.diagnostics.models import Response
from tandem.home.selectors import overview, own_context
from tandem.maps.models import Map, Meeting, Row
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.surveys.tests.helpers import active_pair
from tandem.testing import World, build_diagnostics
from tandem.web.personal_cache import ALIAS, PREFIX, forget_personal

# The overview's entries live in the personal cache (tandem/web/personal_cache.py).
cache = ConnectionProxy(caches, ALIAS)

pytestmark = pytest.mark.django_db


def _shown(context: dict[str, Any]) -> tuple[object, ...]:
    """What the page shows of the own part (names included: a partner renamed)."""
    return (context["me"], context["my_responses"], context["next_steps"],
            context["my_pairs"])


def _kept(user: object, today: dt.date | None = None) -> tuple[object, ...]:
    today = today or timezone.localdate()
    return _shown(overview(scope=scope_for(user), request=None, today=today).context)


def _live(user: object, today: dt.date | None = None) -> tuple[object, ...]:
    today = today or timezone.localdate()
    return _shown(own_context(scope=scope_for(user), today=today))


def _new_pair(a: Participant, b: Participant) -> Pair:
    today = timezone.localdate()
    return active_pair(a, b, starts_on=today - dt.timedelta(days=30),
                       ends_on=today + dt.timedelta(days=200), status=Pair.Status.APPROVED)


def _overdue_task(pair: Pair) -> None:
    if Map.objects.filter(pair=pair).exists():
        return
    pair.status = Pair.Status.ACTIVE
    pair.save()
    the_map = Map.objects.create(pair=pair, status=Map.Status.IN_PROGRESS)
    Row.objects.create(map=the_map, direction=Row.Direction.A_TO_B, competency="ict.x",
                       title="Просроченная", current_level=0, target_level=2,
                       partner_level=3, task="Задача",
                       deadline=timezone.localdate() - dt.timedelta(days=1), product="Тест",
                       evidence="Показ")


def _meeting(pair: Pair) -> None:
    Meeting.objects.create(pair=pair, date=timezone.localdate() + dt.timedelta(days=2),
                           topic="Разбор урока", planned=True)


def _rename_partner(world: World) -> None:
    # Organization B: its audit entry changes B's version, not A's — the stamp sees it.
    partner = Participant.objects.get(pk=world.someone_b.pk)
    # Back and forth, so that any number of steps stays within the column (100
    # characters: PostgreSQL refused the seventeenth «-Новая» a run of steps had added).
    partner.surname = (partner.surname.removesuffix("-Новая")
                       if partner.surname.endswith("-Новая") else partner.surname + "-Новая")
    partner.save()


def _answer(world: World) -> None:
    # Answering a questionnaire saves the response (not audited).
    response = Response.objects.get(participant=world.alice_p)
    response.answered += 1
    response.save(update_fields=["answered", "status", "updated_at"])


def _import_result(world: World) -> None:
    # An imported result: update() without updated_at (diagnostics/imports.py).
    Response.objects.filter(participant=world.alice_p).update(
        status=Response.Status.SUBMITTED, submitted_at=timezone.now(), answered=9)


def _confirm(world: World) -> None:
    pair = Pair.objects.filter(a=world.alice_p).order_by("pk").last()
    if pair is not None and pair.a_confirmed_at is None:
        pair.a_confirmed_at = timezone.now()
        pair.save()


def _consent(world: World) -> None:
    me = Participant.objects.get(pk=world.alice_p.pk)
    me.mentoring_consent_date = None if me.mentoring_consent_date else timezone.localdate()
    me.save()


def _each_pair(world: World, change: Any) -> None:
    for pair in Pair.objects.filter(a=world.alice_p)[:1]:
        change(pair)


def _pair(world: World) -> None:
    if not Pair.objects.filter(a=world.alice_p).exists():  # one running pair of two
        _new_pair(world.alice_p, world.someone_b)


STEPS = {
    "pair": _pair,
    "confirm": _confirm,
    "task": lambda w: _each_pair(w, _overdue_task),
    "meeting": lambda w: _each_pair(w, _meeting),
    "rename": _rename_partner,
    "answer": _answer,
    "import": _import_result,
    "consent": _consent,
}


def test_each_change_shows_at_once(world: World) -> None:
    """A worked sequence: after each change the kept part is the computed one."""
    build_diagnostics(world)
    assert _kept(world.alice) == _live(world.alice)
    for step in ("pair", "confirm", "rename", "answer", "task", "meeting", "consent",
                 "import"):
        before = _kept(world.alice)
        with transaction.atomic():  # a request of its own
            STEPS[step](world)
        kept = _kept(world.alice)
        assert kept == _live(world.alice), step
        assert kept != before, step


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(sorted(STEPS)), max_size=8))
def test_any_sequence_of_changes_keeps_it_equal_to_the_computed_one(
        world: World, steps: list[str]) -> None:
    cache.clear()
    if world.diag is None:
        build_diagnostics(world)
    for step in steps:
        with transaction.atomic():
            STEPS[step](world)
        for user in (world.alice,):  # a curator who teaches
            assert _kept(user) == _live(user), (steps, step)


def test_the_next_day_is_computed_again(world: World) -> None:
    """A task due today is overdue tomorrow: the day is part of the key."""
    pair = _new_pair(world.alice_p, world.someone_b)
    _overdue_task(pair)
    Row.objects.filter(map__pair=pair).update(deadline=timezone.localdate())
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    assert _kept(world.alice, today) == _live(world.alice, today)
    steps: Any = _kept(world.alice, today)[2]
    assert not any("Просроченная" in s.text for s in steps)
    kept = _kept(world.alice, tomorrow)
    assert kept == _live(world.alice, tomorrow)
    steps = kept[2]
    assert any("Просроченная" in s.text for s in steps)


def test_the_entry_is_the_user_s_own_and_forgotten_on_anonymisation(client: Client,
                                                                    world: World) -> None:
    cache.clear()
    from tandem.testing import ParticipantFactory

    with transaction.atomic():  # Dave coordinates B and teaches in A
        ParticipantFactory.create(organization=world.org_a, user=world.dave)
    for user in (world.bob, world.alice, world.dave):
        client.force_login(user)
        assert client.get(reverse("dashboard")).status_code == 200
    own = [key for key in cache._cache if ":home-own:" in key]  # type: ignore[attr-defined]
    assert len(own) == 2  # one entry per staff user, none shared, none for a teacher
    assert all(key.startswith(cache.make_key(PREFIX)) for key in own)
    forget_personal()
    assert not [key for key in cache._cache if ":home-own:" in key]  # type: ignore[attr-defined]


def test_the_entry_keeps_only_what_is_shown(world: World) -> None:
    """No person's row in the shared cache (docs/security.md): her card, questionnaires
    and pairs as shown — no e-mail, no phone, no partner's row."""
    build_diagnostics(world)
    _new_pair(world.alice_p, world.someone_b)
    cache.clear()
    overview(scope=scope_for(world.alice), request=None, today=timezone.localdate())
    [key] = [key for key in cache._cache if ":home-own:" in key]  # type: ignore[attr-defined]
    entry = cache.get(key.split(":", 2)[2])
    assert entry is not None and set(entry) == {"me", "my_responses", "next_steps",
                                                 "my_pairs"}
    text = repr(entry)
    assert "alice@example.org" not in text and "vera.b@example.org" not in text
    assert not any(isinstance(v, Model) for v in _values(entry))


def _values(value: object) -> list[object]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in [v, *_values(v)]]
    if isinstance(value, list):
        return [x for v in value for x in [v, *_values(v)]]
    if hasattr(value, "__dataclass_fields__"):
        return [x for f in value.__dataclass_fields__  # type: ignore[attr-defined]
                for x in [getattr(value, f), *_values(getattr(value, f))]]
    return []


def _own_section(client: Client) -> str:
    return client.get(reverse("dashboard")).content.decode().split("Мой профиль")[1]


def test_the_page_shows_the_partner_s_new_name(client: Client, world: World) -> None:
    _new_pair(world.alice_p, world.someone_b)
    client.force_login(world.alice)
    assert "Бэшкина" in _own_section(client)
    with transaction.atomic():
        partner = Participant.objects.get(pk=world.someone_b.pk)
        partner.surname = "Вэшкина"
        partner.save()
    own = _own_section(client)
    assert "Вэшкина" in own and "Бэшкина" not in own


def test_a_coordinator_teaching_outside_her_municipality(world: World) -> None:
    """Dave coordinates B's municipality and teaches in A: the version keying his entries
    takes A as well — a pair proposed to him in A shows at once."""
    from tandem.testing import ParticipantFactory

    with transaction.atomic():
        dave_p = ParticipantFactory.create(organization=world.org_a, surname="Давыдов",
                                           user=world.dave)
    with transaction.atomic():
        pair = _new_pair(world.carol_p, dave_p)
    before = _kept(world.dave)
    assert before == _live(world.dave)
    with transaction.atomic():  # audited under A only: B's version and the stamp stay
        pair.status = Pair.Status.ACTIVE
        pair.save()
    kept = _kept(world.dave)
    assert kept == _live(world.dave) and kept != before
    pairs: Any = kept[3]
    assert [p.status for p in pairs] == [str(Pair.Status.ACTIVE.label)]


def test_a_survey_created_in_bulk_shows_in_the_kept_part_at_once(
        world: World, settings: Any) -> None:
    """Review of 2026-12-05: the nightly run creates surveys in bulk (no audit entry) and
    over more than ``TANDEM_TALLIES_SYNC_MAX`` organizations leaves the cells' rebuild to a
    job after the commit — the kept part lacked «Ответьте на короткий опрос» until then."""
    from tandem.surveys.services import surveys_create_due

    settings.TANDEM_TALLIES_SYNC_MAX = 0
    today = timezone.localdate()
    with transaction.atomic():
        active_pair(world.alice_p, world.someone_b, starts_on=today - dt.timedelta(days=200),
                    ends_on=today + dt.timedelta(days=10), status=Pair.Status.ACTIVE)
    overview(scope=scope_for(world.alice), request=None, today=today)  # kept
    with transaction.atomic():
        assert surveys_create_due(today=today) > 0
    kept = overview(scope=scope_for(world.alice), request=None, today=today).context
    live = own_context(scope=scope_for(world.alice), today=today)
    kept_steps: list[Any] = list(kept["next_steps"])  # type: ignore[call-overload]
    live_steps: list[Any] = list(live["next_steps"])  # type: ignore[call-overload]
    assert [s.text for s in kept_steps] == [s.text for s in live_steps]
    assert any("опрос" in s.text for s in live_steps)
