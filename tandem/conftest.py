import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from django.db import connection
from django.test import Client

from tandem.testing import World, build_world

# Speed is measured in benchmarks, never asserted in tests: Hypothesis's per-example
# deadline and its «too slow» check only turn a busy CI machine into false failures.
hypothesis.settings.register_profile(
    "tandem", deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow])
hypothesis.settings.load_profile("tandem")


# Fixtures through which a test reaches the database (pytest-django's own, and what is
# built on them: ``fixturenames`` is the whole closure).
DATABASE_FIXTURES = {"_django_db_helper", "db", "transactional_db", "live_server"}


def uses_database(item: pytest.Item) -> bool:
    return (item.get_closest_marker("django_db") is not None
            or bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))))


def _database_only(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``TANDEM_TEST_DATABASE_ONLY=1`` (CI's second pass, on PostgreSQL: .ci/run): the
    tests that touch no database — the pure domain core, parsers, rules — ran in the
    SQLite pass with the same code and give the same answer; this pass keeps the ones
    whose result may depend on the database. Never on SQLite (that pass runs them all)."""
    from django.conf import settings

    if os.environ.get("TANDEM_TEST_DATABASE_ONLY") != "1":
        return
    if "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        return
    kept = [item for item in items if uses_database(item)]
    left = [item for item in items if not uses_database(item)]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept
        print(f"\nTANDEM_TEST_DATABASE_ONLY: {len(left)} tests without a database left "
              "to the SQLite pass")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _database_only(config, items)
    _serialized_transactions(items)


def _serialized_transactions(items: list[pytest.Item]) -> None:
    """Every transactional test (``django_db(transaction=True)``, ``transactional_db``,
    ``live_server``) starts with the rows the data migrations load — the default
    competency framework, the task library, the layout version's row — restored
    (Django's ``serialized_rollback``). A transactional test ends by flushing every
    table, those rows too, and pytest-django runs the transactional tests last: without
    this, each of them but a worker's first found a database with no framework, so
    what depends on it quietly did nothing (seed-demo wrote no questionnaires and formed
    no pairs) — only in a full run, only on the worker where another one ran before."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker is not None else {}
        fixtures = getattr(item, "fixturenames", ())
        transactional = (kwargs.get("transaction") or kwargs.get("reset_sequences")
                         or "transactional_db" in fixtures or "live_server" in fixtures)
        if not transactional or kwargs.get("serialized_rollback"):
            continue
        kwargs.update(transaction=True, serialized_rollback=True)
        # Put first: pytest-django reads the closest (the first) django_db mark.
        item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    # Argon2 is slow by design; tests that check it ask for it explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty (in-process) cache: the overview's and the
    monitoring dashboard's entries are keyed by ids and data versions, and a rolled-back
    test's ids come again in the next test (SQLite reuses them) — with other data."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    for alias in ("default", "personal"):
        backend = caches[alias]
        # (a database cache's rows go with the test's transaction)
        if isinstance(backend, LocMemCache):
            backend.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: object, tmp_path: object) -> None:
    # Uploaded evidence goes to a folder of the test's own.
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined, operator]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None,
                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    """SQLite tests use a database file of each worker's own, not Django's in-memory one:
    the live server of the browser tests answers a page's parallel requests (the
    dashboard's charts) in several threads, and threads sharing the one in-memory
    connection fail with «bad parameter or other API misuse»."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def client_for(client: Client):  # type: ignore[no-untyped-def]
    """``client_for(user)``: the test client logged in as ``user`` (or anonymous for None)."""

    def login(user: object) -> Client:
        client.logout()
        if user is not None:
            client.force_login(user)  # type: ignore[arg-type]
        return client

    return login


# -- browser tests ---------------------------------------------------------------------
CHROMIUM = Path(os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Debian's Chromium driven by Playwright; the test is skipped, saying why, without it."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests skipped: {CHROMIUM} is missing (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    _wait_for_server_connections()


def _wait_for_server_connections() -> None:
    """Lets the live server's keep-alive threads close their PostgreSQL sessions (they do
    when Chromium hangs up, a moment after the test), for up to five seconds. Nothing is
    ended here: under load a session may be slow to close, and ending one that a later
    test reuses breaks that test; stragglers are ended once, when the session is over
    (:func:`_end_stray_postgresql_sessions`)."""
    if connection.vendor != "postgresql":
        return
    query = ("SELECT count(*) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    with connection.cursor() as cursor:
        for _ in range(50):
            cursor.execute(query)
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


@pytest.fixture(scope="session", autouse=True)
def _end_stray_postgresql_sessions(django_db_setup: None,
                                   django_db_blocker: Any) -> Iterator[None]:
    """After the last test, before the test database is dropped: ends the sessions still
    open on it (a test body that used the ORM inside Playwright's greenlet keeps its own
    connection), which would otherwise stop the drop."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")


# The logins of the test world (tandem/testing.py) all have this password.
WORLD_PASSWORD = "correct horse battery"  # noqa: S105 (test logins)


def log_in(page: object, base: str, username: str, password: str = WORLD_PASSWORD) -> None:
    """Logs in through the log-in form and waits until the browser has left it."""
    page.goto(f"{base}/accounts/login/")  # type: ignore[attr-defined]
    page.get_by_label("Имя пользователя").fill(username)  # type: ignore[attr-defined]
    page.get_by_label("Пароль").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Войти").click()  # type: ignore[attr-defined]
    page.wait_for_url(lambda url: "/accounts/login/" not in url)  # type: ignore[attr-defined]


def logged_in_page(browser: object, base: str, username: str, *, width: int = 1280,
                   height: int = 900, password: str = WORLD_PASSWORD) -> object:
    """A page of a fresh browser context (its own cookies) with ``username`` logged in."""
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": width, "height": height}, locale="ru-RU")
    page = context.new_page()
    log_in(page, base, username, password)
    return page


def shot(page: object, name: str) -> None:
    """A full-page screenshot under artifacts/screenshots/ (ignored by git), to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def add_resource(row: Any, label: str) -> None:
    """Adds a resource to a map row through its picker: the resources of the row's
    competency first, the rest of the catalogue behind «другие ресурсы» (opened if the
    resource is there)."""
    for select in row.locator("select[name=resource]").all():
        if any(label in option for option in select.locator("option").all_text_contents()):
            if not select.is_visible():
                row.locator("details summary", has_text="другие ресурсы").click()
            select.select_option(label=label)
            select.locator("xpath=ancestor::form[1]").get_by_role(
                "button", name="добавить").click()
            return
    raise AssertionError(f"no resource «{label}» in the row's picker")


@pytest.fixture
def mapped(transactional_db: None) -> tuple[World, Any]:
    """A world whose pair Bob ⇄ Carol has a drafted map and the catalogue's resources,
    Carol with a login (for the browser tests of the map and the keyboard)."""
    from tandem.testing import UserFactory, build_map, build_resources

    world = build_world()
    build_resources(world)
    pair = build_map(world)
    world.carol_p.user = UserFactory.create(username="carol")
    world.carol_p.save()
    return world, pair
