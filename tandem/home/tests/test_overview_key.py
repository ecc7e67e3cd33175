"""The overview's staff part is one entry per set of units (tandem/home/selectors.py:
``staff_key``): two users share it exactly when their staff parts are the same by
construction — whatever else they are (a federal operator, a teacher elsewhere, a
curator inside their own municipality) — and the warm-up's entry is the one the page of
each of them reads."""

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import Scope, scope_for
from tandem.accounts.models import User
from tandem.home import selectors
from tandem.monitoring import tasks
from tandem.testing import ParticipantFactory, UserFactory, World, database_caches
from tandem.web.panels import STAFF, panels_for, shown_now

pytestmark = pytest.mark.django_db

URL = reverse("dashboard")


@pytest.fixture
def shared_cache() -> Iterator[None]:
    with database_caches("overviewkey"):
        yield


def _computed(client: Client, user: User, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many staff parts the user's view of / computed."""
    calls: list[Scope] = []
    compute = selectors.staff_overview

    def counted(scope: Scope, today: dt.date) -> selectors.StaffOverview:
        calls.append(scope)
        return compute(scope, today)

    client.force_login(user)
    with monkeypatch.context() as patched:
        patched.setattr(selectors, "staff_overview", counted)
        assert client.get(URL).status_code == 200
    return len(calls)


def _user(name: str, *roles: RoleAssignment, superuser: bool = False) -> User:
    user: User = UserFactory.create(username=name, is_superuser=superuser)
    for role in roles:
        role.user = user
    RoleAssignment.objects.bulk_create(roles)
    return user


def _combinations(world: World) -> dict[str, User]:
    """The personas and users of two roles (or a role and a teacher's record elsewhere)."""
    region = RoleAssignment(role=Role.REGION_OPERATOR, region=world.region)
    users = {name: getattr(world, name) for name in ("olga", "erin", "dave", "alice")}
    users["olga+federal"] = _user(
        "olga-federal", region, RoleAssignment(role=Role.FEDERAL_OPERATOR))
    users["erin+curator"] = _user(
        "erin-curator",
        RoleAssignment(role=Role.MUNICIPAL_COORDINATOR, municipality=world.municipality_a),
        RoleAssignment(role=Role.CURATOR, organization=world.org_a))
    users["erin+dave"] = _user(
        "two-units",
        RoleAssignment(role=Role.MUNICIPAL_COORDINATOR, municipality=world.municipality_a),
        RoleAssignment(role=Role.MUNICIPAL_COORDINATOR, municipality=world.municipality_b))
    users["erin teaching in B"] = _user(
        "erin-teaching",
        RoleAssignment(role=Role.MUNICIPAL_COORDINATOR, municipality=world.municipality_a))
    ParticipantFactory.create(organization=world.org_b, user=users["erin teaching in B"])
    users["superuser"] = _user("root", superuser=True)
    return users


def _live(scope: Scope, today: dt.date) -> tuple[object, ...]:
    """The staff part of the page as computed from the user's whole scope (no cache)."""
    context = selectors.dashboard_context(scope=scope)
    tree = [(m.municipality.pk, m.organization_count, m.participant_count,
             m.consent_count, m.login_count)
            for region in context["tree"] for m in region.municipalities]  # type: ignore[attr-defined]
    campaigns = [(c.pk, progress) for c, progress in context["campaigns"]]  # type: ignore[attr-defined]
    panels = [(p.key, p.context) for p in shown_now(
        panels_for(None, scope, STAFF, by_unit=True, today=today))]
    return context["totals"], tree, campaigns, panels


def test_users_share_an_entry_only_where_their_staff_parts_are_the_same(
        world: World) -> None:
    from tandem.testing import build_diagnostics

    build_diagnostics(world)
    today = timezone.localdate()
    users = _combinations(world)
    keys = {name: selectors.staff_key(scope_for(user), today) for name, user in users.items()}
    shown = {name: _live(scope_for(user), today) for name, user in users.items()}
    for name, key in keys.items():
        for other, other_key in keys.items():
            if key == other_key:
                assert shown[name] == shown[other], (name, other)
    # The same units share, whatever else the user is.
    assert keys["olga+federal"] == keys["olga"]
    assert keys["erin teaching in B"] == keys["erin"]
    # Other units do not (two municipalities are the region's organizations, not the
    # region's entry: its campaigns are the region's too).
    assert len({keys[n] for n in ("olga", "erin", "dave", "alice", "erin+dave",
                                  "superuser")}) == 6
    # What each page shows from the cache is its own staff part.
    for name, user in users.items():
        scope = scope_for(user)
        kept = selectors.overview(scope=scope, request=None, today=today)
        context = {**kept.context}
        assert (context["totals"], [(m.municipality.pk, m.organization_count,
                                     m.participant_count, m.consent_count, m.login_count)
                                    for region in context["tree"]  # type: ignore[attr-defined]
                                    for m in region.municipalities],
                [(c.pk, p) for c, p in context["campaigns"]],  # type: ignore[attr-defined]
                [(p.key, p.context) for p in kept.panels]) == shown[name], name


def test_a_coordinator_teaching_elsewhere_reads_her_units_warmed_entry(
        client: Client, world: World, shared_cache: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Dave coordinates B's municipality and teaches in A: his staff part is B's, the
    entry the warm-up computed and Dave's colleagues read (his own part as a teacher is
    keyed by A's version as well, ``own_key``)."""
    ParticipantFactory.create(organization=world.org_a, surname="Давыдов", user=world.dave)
    colleague = _user("dave-colleague", RoleAssignment(role=Role.MUNICIPAL_COORDINATOR,
                                                       municipality=world.municipality_b))
    tasks.warm_every_unit()
    # An audited change in A alone: B's entry holds (A's version moved, B's did not).
    with transaction.atomic():
        ParticipantFactory.create(organization=world.org_a, surname="Новикова")
    assert _computed(client, world.dave, monkeypatch) == 0
    assert _computed(client, colleague, monkeypatch) == 0


def test_a_full_warm_up_writes_one_personal_entry_per_region_and_municipality(
        world: World, shared_cache: None) -> None:
    """What ``settings.PERSONAL_CACHE_ENTRIES`` is counted from: ``warm_every_unit`` keeps
    the staff part of each region and each municipality with organizations (not the
    country's, a superuser's alone, nor the organizations': theirs once viewed) — one
    entry each in the personal table, none in the shared one."""
    from django.db import connection

    from tandem.testing import OrganizationFactory

    OrganizationFactory.create(municipality=world.municipality_a, name="Вторая школа",
                               code="school-a2")
    tasks.warm_every_unit()
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM tandem_cache_overviewkey_personal")
        keys = [key for (key,) in cursor.fetchall()]
    assert len(keys) == 3 and all(":people:home:" in key for key in keys)  # 1 + 2
    zone = world.region.time_zone
    units = [Scope(user_id=None, region_ids=frozenset({world.region.pk}), time_zone=zone),
             *(Scope(user_id=None, municipality_ids=frozenset({m.pk}), time_zone=zone)
               for m in (world.municipality_a, world.municipality_b))]
    with timezone.override(units[0].zone):
        today = timezone.localdate()
    assert sorted(keys) == sorted(f":1:{selectors.staff_key(unit, today)}" for unit in units)


def _queries(client: Client, *, cold: bool) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.testing import clear_caches

    if cold:
        clear_caches()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_a_coordinator_who_teaches_costs_the_same_queries_at_two_sizes(
        client: Client, world: World) -> None:
    """Erin coordinates A's municipality and teaches — in A (her own part under her
    units' version) or in B (under her units' and B's: one statement more); either way
    one lookup of her organization, and the same queries at 20 and 2,000 people."""
    from tandem.testing import bulk_participants

    me = ParticipantFactory.create(organization=world.org_a, user=world.erin)
    client.force_login(world.erin)

    def counts() -> dict[str, tuple[int, int]]:
        result = {}
        for where in (world.org_a, world.org_b):
            me.organization = where
            me.save()
            result[where.code] = (_queries(client, cold=True), _queries(client, cold=False))
        return result

    for org in (world.org_a, world.org_b):
        bulk_participants(org, 10)
    small = counts()
    for org in (world.org_a, world.org_b):
        bulk_participants(org, 990)
    assert counts() == small
    inside, outside = small[world.org_a.code], small[world.org_b.code]
    assert outside[1] == inside[1] + 1  # her own part's version of A and B
    assert inside[1] < inside[0]
