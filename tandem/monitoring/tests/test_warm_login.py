"""#16: a curator's dashboard nobody had viewed was the one first view over 300 ms on a
region of 300,000 (organizations are not warmed after a rebuild: ``warm_every_unit``).
Where a worker runs the tasks, a staff user's login queues one warm-up of her own
standard dashboard — under the key and version its page reads — and nothing else; with
the immediate backend the login computes nothing."""

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.access.tests.personas import federal_operator
from tandem.accounts.models import User
from tandem.monitoring import selectors, tasks
from tandem.monitoring.tests.calls import recording
from tandem.testing import World, build_diagnostics

pytestmark = pytest.mark.django_db

URL = reverse("monitoring:index")


def _warm_ups(queue: Any) -> list[Any]:
    return [result for result in queue.results
            if result.task.module_path == tasks.warm_dashboards.module_path]


def _log_in(client: Client, user: User, commit: Any) -> None:
    with commit(execute=True):
        client.force_login(user)


@pytest.mark.parametrize(("persona", "unit"), [
    ("alice", "organization_ids"), ("erin", "municipality_ids"), ("olga", "region_ids")])
def test_a_staff_login_warms_her_own_dashboard(
        client: Client, world: World, queue: Any, django_capture_on_commit_callbacks: Any,
        monkeypatch: pytest.MonkeyPatch, persona: str, unit: str) -> None:
    build_diagnostics(world)
    cache.clear()
    user = getattr(world, persona)
    _log_in(client, user, django_capture_on_commit_callbacks)
    (result,) = _warm_ups(queue)
    assert result.task.priority == tasks.LOGIN_PRIORITY > tasks.WARM_PRIORITY
    scope = scope_for(User.objects.get(pk=user.pk))
    (pk,) = {"organization_ids": scope.organization_ids,
             "municipality_ids": scope.municipality_ids, "region_ids": scope.region_ids}[unit]
    assert result.kwargs[unit] == [pk] and result.kwargs["unviewed"]
    assert not result.kwargs["country"]
    assert [k for k in ("organization_ids", "municipality_ids", "region_ids")
            if result.kwargs[k]] == [unit]
    assert tasks.warm_dashboards.call(**result.kwargs) == 1  # as the worker runs it
    # Not marked viewed by the warm-up: the hourly run leaves it till she looks.
    assert selectors.viewed([scope]) == []

    def computed(**kwargs: object) -> None:
        raise AssertionError("computed, not read from the cache")

    monkeypatch.setattr(selectors, "compute_dashboard", computed)
    page = client.get(URL)
    assert page.status_code == 200 and "Данные на" in page.content.decode()
    assert selectors.viewed([scope]) == [scope]


def test_the_federal_operators_login_warms_the_countrys(
        client: Client, world: World, queue: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    _log_in(client, federal_operator(), django_capture_on_commit_callbacks)
    (result,) = _warm_ups(queue)
    assert result.kwargs == {"country": True, "region_ids": [], "municipality_ids": [],
                             "organization_ids": [], "unviewed": True}


def test_a_teachers_login_queues_nothing(
        client: Client, world: World, queue: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    assert not scope_for(world.bob).is_staff
    _log_in(client, world.bob, django_capture_on_commit_callbacks)
    assert _warm_ups(queue) == []


def test_a_dashboard_warmed_and_young_is_left(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear()
    arguments = tasks.login_warm_up(scope_for(world.alice))
    assert arguments is not None
    assert tasks.warm_dashboards.call(**arguments) == 1
    warmed = recording(monkeypatch, "compute_dashboard")
    assert tasks.warm_dashboards.call(**arguments) == 0  # the next login's
    assert warmed == []


def test_an_operator_of_two_municipalities_is_not_warmed(world: World) -> None:
    both = Scope(user_id=world.erin.pk, municipality_ids=frozenset(
        {world.municipality_a.pk, world.municipality_b.pk}))
    assert not selectors.warmed(both, Filters())
    assert tasks.login_warm_up(both) is None


def test_the_immediate_backend_computes_nothing_at_login(
        client: Client, world: World, django_capture_on_commit_callbacks: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear()
    warmed = recording(monkeypatch, "warm")
    _log_in(client, world.alice, django_capture_on_commit_callbacks)
    assert warmed == []
    assert cache.get(selectors.cache_key(
        selectors.DATA_KIND, scope_for(world.alice), Filters(),
        selectors.data_version(scope_for(world.alice), Filters()))) is None
