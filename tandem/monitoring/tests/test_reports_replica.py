"""Which report files read the replica (#16, 7; docs/deploy.md 8.4): the XLSX tables read
inside ``reading_from_replica()``; the summary PDF does not — its figures are the
dashboard's own, from the dashboard's cache, which a lagging replica must not feed."""

import dataclasses
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.monitoring import reports
from tandem.testing import World
from tandem.web import dbrouter


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Each report's data function, recording whether it ran inside the replica context."""
    inside: dict[str, bool] = {}
    for name, item in list(reports.REPORTS.items()):

        def data(*, _name: str = name, _data: Any = item.data, **kwargs: Any) -> Any:
            inside[_name] = dbrouter._wanted.get()
            return _data(**kwargs)

        monkeypatch.setitem(reports.REPORTS, name, dataclasses.replace(item, data=data))
    return inside


def test_the_tables_read_the_replica_and_the_summary_the_dashboard_cache(
    client: Client, world: World, seen: dict[str, bool]
) -> None:
    client.force_login(world.olga)
    for name in reports.REPORTS:
        assert client.get(reverse("monitoring:report", args=[name])).status_code == 200
    assert seen == {
        "participants": True,
        "pairs": True,
        "effectiveness": True,
        "surveys": True,
        "summary": False,
    }
    assert dbrouter._wanted.get() is False  # and the context ended with the request


def test_a_table_answered_at_once_reads_the_replica_only_once_it_has_the_users_writes(
    client: Client, world: World, seen: dict[str, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read-your-writes (docs/deploy.md 8.4): the request notes the primary's position and
    reads the replica only once it has replayed it — the same rule as a background file,
    with a shorter wait; a replica behind it: the primary, and an INFO line."""
    asked: list[str] = []
    caught_up = [False]

    def replayed(lsn: str, **kwargs: object) -> bool:
        asked.append(lsn)
        return caught_up[0]

    monkeypatch.setattr(dbrouter, "replica_configured", lambda: True)
    monkeypatch.setattr(dbrouter, "primary_lsn", lambda: "0/16B3748")
    monkeypatch.setattr(dbrouter, "replayed", replayed)
    monkeypatch.setattr(dbrouter, "REQUEST_REPLAY_WAIT_SECONDS", 0.0)
    client.force_login(world.olga)
    url = reverse("monitoring:report", args=["participants"])
    assert client.get(url).status_code == 200
    assert seen == {"participants": False} and set(asked) == {"0/16B3748"}  # the primary
    caught_up[0] = True
    assert client.get(url).status_code == 200
    assert seen == {"participants": True}  # replayed: the replica
