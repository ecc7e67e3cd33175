"""The overview's staff part from the shared cache (tandem/home/selectors.py:
``overview``): each scope its own entry, computed again once something of its
organizations changed — the figures always those computed live."""

import datetime as dt
from typing import Any

import pytest
from django.core.cache import caches
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.connection import ConnectionProxy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import scope_for
from tandem.home.selectors import dashboard_context, overview
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.reminders.services import reminders_send
from tandem.territory.models import Organization
from tandem.testing import ParticipantFactory, World
from tandem.web.panels import STAFF as STAFF_PLACE
from tandem.web.panels import panels_for, shown_now

# The overview's entries live in the personal cache (tandem/web/personal_cache.py).
cache = ConnectionProxy(caches, "personal")

pytestmark = pytest.mark.django_db
STAFF = ("alice", "charlie", "dave", "erin", "olga")


def _figures(context: dict[str, object]) -> tuple[object, ...]:
    tree = context["tree"]
    return (context["totals"],
            [(m.municipality.pk, m.organization_count, m.participant_count,
              m.consent_count, m.login_count)
             for region in tree for m in region.municipalities],  # type: ignore[attr-defined]
            [p.pk for p in context["missing_consent"]],  # type: ignore[attr-defined]
            [(c.pk, progress) for c, progress in context["campaigns"]])  # type: ignore[attr-defined]


def _kept(world: World, persona: str) -> tuple[object, ...]:
    scope = scope_for(getattr(world, persona))
    kept = overview(scope=scope, request=None, today=timezone.localdate())
    return (_figures(kept.context), [(p.key, p.context) for p in kept.panels])


def _live(world: World, persona: str) -> tuple[object, ...]:
    scope = scope_for(getattr(world, persona))
    return (_figures(dashboard_context(scope=scope)),
            [(p.key, p.context) for p in shown_now(panels_for(
                None, scope, STAFF_PLACE, by_unit=True, today=timezone.localdate()))])


def test_a_person_without_consent_shows_at_once_and_only_to_those_who_manage_her(
        client: Client, world: World) -> None:
    pages = {}
    for persona in ("alice", "dave", "olga"):  # each scope's entry is cached
        client.force_login(getattr(world, persona))
        pages[persona] = client.get(reverse("dashboard")).content.decode()
    assert all("Несогласова" not in page for page in pages.values())
    with transaction.atomic():  # a request of its own: an audited save in organization B
        ParticipantFactory.create(organization=world.org_b, surname="Несогласова",
                                  mentoring_consent_date=None)
    for persona, shown in (("alice", False), ("dave", True), ("olga", True)):
        client.force_login(getattr(world, persona))
        page = client.get(reverse("dashboard")).content.decode()
        assert ("Несогласова" in page) is shown, persona
    assert _kept(world, "olga") == _live(world, "olga")


def test_the_totals_are_the_tree_s_sums(world: World) -> None:
    context = dashboard_context(scope=scope_for(world.olga))
    totals: Any = context["totals"]
    tree: Any = context["tree"]
    [region] = tree
    assert totals.participants == region.participant_count
    assert totals.with_consent == region.consent_count
    assert totals.organizations == region.organization_count
    assert totals.with_login == Participant.objects.filter(
        is_active=True, user__isnull=False).count()


STEP = st.one_of(
    st.tuples(st.just("view"), st.sampled_from(STAFF)),
    st.tuples(st.just("join"), st.sampled_from(["a", "b"]), st.booleans()),
    st.tuples(st.just("consent"), st.integers(min_value=0, max_value=50)),
    st.tuples(st.just("leave"), st.integers(min_value=0, max_value=50)),
    st.tuples(st.just("move"), st.integers(min_value=0, max_value=50)),
    # Organization A moves to the other municipality (and back).
    st.tuples(st.just("relocate")),
    # A running pair with an overdue task: of A, of B, or of A with a member in B.
    st.tuples(st.just("pair"), st.sampled_from(["aa", "bb", "ab"])),
    # «Напомнить сейчас» on some pair, by whoever manages it.
    st.tuples(st.just("remind"), st.integers(min_value=0, max_value=50)),
)


def _overdue_pair(a: Participant, b: Participant) -> None:
    from tandem.maps.models import Map, Row
    from tandem.surveys.tests.helpers import active_pair

    today = timezone.localdate()
    pair = active_pair(a, b, starts_on=today - dt.timedelta(days=30),
                       ends_on=today + dt.timedelta(days=200))
    the_map = Map.objects.create(pair=pair, status=Map.Status.IN_PROGRESS)
    Row.objects.create(map=the_map, direction=Row.Direction.A_TO_B, competency="ict.x",
                       title="Задача", current_level=0, target_level=2, partner_level=3,
                       task="Задача", deadline=today - dt.timedelta(days=2), product="Тест",
                       evidence="Показ")


@given(steps=st.lists(STEP, min_size=1, max_size=10))
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_kept_overview_is_always_the_live_one(world: World,
                                                  steps: list[tuple[object, ...]]) -> None:
    """Whatever audited writes come between views — people join (with or without
    consent), give consent, leave, move to the other organization; an organization moves
    to another municipality; pairs (some across two organizations) fall behind and are
    reminded — every staff persona's overview from the cache, its figures and its kept
    panels, is the one computed live."""
    cache.clear()
    for step in steps:
        people = list(Participant.objects.order_by("pk"))
        with transaction.atomic():  # each write a request of its own
            if step[0] == "join":
                ParticipantFactory.create(
                    organization=world.org_a if step[1] == "a" else world.org_b,
                    mentoring_consent_date=None if not step[2] else timezone.localdate())
            elif step[0] in ("consent", "leave", "move"):
                person = people[int(step[1]) % len(people)]  # type: ignore[call-overload]
                if step[0] == "consent":
                    person.mentoring_consent_date = person.personal_data_consent_date = (
                        timezone.localdate())
                elif step[0] == "leave":
                    person.is_active = False
                else:
                    person.organization = (world.org_b if person.organization_id
                                           == world.org_a.pk else world.org_a)
                person.save()
            elif step[0] == "relocate":
                org = Organization.objects.get(pk=world.org_a.pk)
                org.municipality = (world.municipality_b if org.municipality_id
                                    == world.municipality_a.pk else world.municipality_a)
                org.save()
            elif step[0] == "pair":
                units = {"a": world.org_a, "b": world.org_b}
                _overdue_pair(*(ParticipantFactory.create(organization=units[side])
                                for side in str(step[1])))
            elif step[0] == "remind":
                pairs = list(Pair.objects.order_by("pk"))
                if pairs:
                    pair = pairs[int(step[1]) % len(pairs)]  # type: ignore[call-overload]
                    reminders_send(today=timezone.localdate(),
                                   pairs=Pair.objects.filter(pk=pair.pk))
        for persona in STAFF:
            assert _kept(world, persona) == _live(world, persona), (step, persona)


def test_a_person_who_moved_leaves_the_list_of_the_organization_she_left(
        client: Client, world: World) -> None:
    """Her entry names the organization she joined; the one she left changed too
    (``monitoring.versions._left``)."""
    with transaction.atomic():
        person = ParticipantFactory.create(organization=world.org_a, surname="Переездова",
                                           mentoring_consent_date=None)
    client.force_login(world.alice)  # curator of A
    assert "Переездова" in client.get(reverse("dashboard")).content.decode()
    with transaction.atomic():
        person.organization = world.org_b
        person.save()
    assert "Переездова" not in client.get(reverse("dashboard")).content.decode()
