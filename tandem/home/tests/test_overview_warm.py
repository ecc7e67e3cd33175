"""#16: the overview's staff part (tandem/home/selectors.py: ``warm_overview``) is computed
ahead with the unit's standard dashboard — after a rebuild of every figure
(``tasks.warm_every_unit``), by the hourly run and the login warm-up — under the key the
page reads: a region operator's and a coordinator's first ``/`` computes none of it, and
finds what the page itself computes."""

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.access.scope import Scope, scope_for
from tandem.accounts.models import User
from tandem.directory.selectors import RegionNode
from tandem.home import selectors
from tandem.monitoring import tasks
from tandem.monitoring.selectors import CACHE_SECONDS, WARM_SECONDS
from tandem.testing import World, bulk_participants, clear_caches, database_caches
from tandem.web.personal_cache import personal_cache

pytestmark = pytest.mark.django_db

URL = reverse("dashboard")
@pytest.fixture
def shared_cache() -> Iterator[None]:
    """The caches in the database, as in production (``warm_every_unit`` warms nothing
    into a process's memory)."""
    with database_caches("overview"):
        yield


def _computed(client: Client, user: User, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many staff parts the user's view of / computed."""
    calls: list[Scope] = []
    compute = selectors.staff_overview

    def counted(scope: Scope, today: object) -> selectors.StaffOverview:
        calls.append(scope)
        return compute(scope, today)  # type: ignore[arg-type]

    client.force_login(user)
    with monkeypatch.context() as patched:
        patched.setattr(selectors, "staff_overview", counted)
        response = client.get(URL)
    assert response.status_code == 200
    return len(calls)


def _tree(overview: selectors.StaffOverview) -> list[tuple[int, int, int]]:
    tree: list[RegionNode] = overview.context["tree"]  # type: ignore[assignment]
    return [(m.municipality.pk, m.participant_count, m.consent_count)
            for region in tree for m in region.municipalities]


@pytest.mark.parametrize("who", ["olga", "erin"])
def test_a_rebuild_computes_the_first_overview_of_a_region_and_a_municipality(
        client: Client, world: World, shared_cache: None, who: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    bulk_participants(world.org_a, 3)
    user: User = getattr(world, who)
    assert tasks.warm_every_unit() == 3  # the country, the region, the municipalities
    assert _computed(client, user, monkeypatch) == 0
    # What was kept is what the page computes, under the key the page reads.
    scope = scope_for(user)
    with timezone.override(scope.zone):
        today = timezone.localdate()
        kept = personal_cache().get(selectors.staff_key(scope, today))
        fresh = selectors.staff_overview(scope, today)
    assert kept is not None
    assert kept.context["totals"] == fresh.context["totals"]
    assert _tree(kept) == _tree(fresh)
    assert [(p.key, p.context) for p in kept.panels] == [
        (p.key, p.context) for p in fresh.panels]


def test_a_curators_overview_is_warmed_with_her_dashboard(
        client: Client, world: World, shared_cache: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Organizations are not warmed on a rebuild (a guard of the limit: passes without
    the warm-up too); the login warm-up of her dashboard warms her overview's staff part
    as well (her own part as a teacher is kept per user: computed by the page)."""
    tasks.warm_every_unit()
    assert _computed(client, world.alice, monkeypatch) == 1
    clear_caches()
    arguments = tasks.login_warm_up(scope_for(world.alice))
    assert arguments is not None
    tasks.warm_dashboards.call(**arguments)
    assert _computed(client, world.alice, monkeypatch) == 0


def test_the_warm_up_keeps_its_entry_as_long_as_the_dashboards(
        world: World, shared_cache: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Computed ahead: ``WARM_SECONDS`` (the page's own: ``CACHE_SECONDS``); an entry
    there is left unless ``again``; the country's (a superuser's alone) is not computed."""
    lifetimes: list[float] = []
    store = personal_cache().set

    def kept(key: str, value: object, timeout: float) -> None:
        lifetimes.append(timeout)
        store(key, value, timeout)

    monkeypatch.setattr(personal_cache(), "set", kept)
    scope = Scope(user_id=None, region_ids=frozenset({world.region.pk}),
                  time_zone=world.region.time_zone)
    assert selectors.warm_overview(scope=scope)
    assert not selectors.warm_overview(scope=scope)
    assert selectors.warm_overview(scope=scope, again=True)
    assert not selectors.warm_overview(scope=Scope(user_id=None, everything=True))
    assert lifetimes == [WARM_SECONDS, WARM_SECONDS]
    assert CACHE_SECONDS < WARM_SECONDS


def test_an_overview_that_fails_leaves_the_dashboards_warmed(
        world: World, shared_cache: None, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The overview's warm-up is a receiver of ``unit_warmed``, sent robustly: its error is
    logged, and every unit's dashboard is computed all the same."""
    def broken(scope: Scope, today: object) -> selectors.StaffOverview:
        raise RuntimeError("overview")

    monkeypatch.setattr(selectors, "staff_overview", broken)
    assert tasks.warm_dashboards.call(region_ids=[world.region.pk],
                                      municipality_ids=[world.org_a.municipality_id],
                                      unviewed=True) == 2
    assert "failed" in caplog.text
