"""CI's PostgreSQL pass (``TANDEM_TEST_DATABASE_ONLY=1``) leaves out the tests that touch
no database — only those (tandem/conftest.py, ``_database_only``)."""

from types import SimpleNamespace
from typing import Any

import pytest

from tandem.conftest import _database_only, uses_database


class Item(SimpleNamespace):
    def get_closest_marker(self, name: str) -> Any:
        return self.marks.get(name)


def _items() -> list[Any]:
    return [
        Item(nodeid="core", marks={}, fixturenames=["request", "settings"]),
        Item(nodeid="marked", marks={"django_db": object()}, fixturenames=["request"]),
        Item(nodeid="db", marks={}, fixturenames=["request", "db", "_django_db_helper"]),
        Item(nodeid="browser", marks={}, fixturenames=["live_server", "transactional_db"]),
    ]


def test_a_test_uses_the_database_by_its_mark_or_its_fixtures() -> None:
    assert [i.nodeid for i in _items() if uses_database(i)] == ["marked", "db", "browser"]


@pytest.mark.parametrize(("flag", "engine", "kept"), [
    ("1", "django.db.backends.postgresql", ["marked", "db", "browser"]),
    ("1", "django.db.backends.sqlite3", ["core", "marked", "db", "browser"]),  # never there
    ("", "django.db.backends.postgresql", ["core", "marked", "db", "browser"]),  # by hand
])
def test_only_the_flagged_postgresql_pass_leaves_tests_out(
        monkeypatch: pytest.MonkeyPatch, flag: str, engine: str, kept: list[str]) -> None:
    from django.conf import settings

    monkeypatch.setenv("TANDEM_TEST_DATABASE_ONLY", flag)
    # (the settings' dict itself: the hook reads it; no connection is opened here)
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", engine)
    left: list[Any] = []
    config = SimpleNamespace(hook=SimpleNamespace(
        pytest_deselected=lambda items: left.extend(items)))
    items = _items()
    _database_only(config, items)  # type: ignore[arg-type]
    assert [i.nodeid for i in items] == kept
    assert sorted(i.nodeid for i in left) == sorted({"core", "marked", "db", "browser"}
                                                    - set(kept))
