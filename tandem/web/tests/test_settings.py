"""Settings: safe defaults, loud errors, and a production mode that passes --deploy."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tandem import conf

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    "TANDEM_MODE": "production",
    "TANDEM_SECRET_KEY": "x7Yp2Qz9Lm4Nc8Vb1Tr6Hs3Kd5Fg0Jw-aQeRtYuIoPlKjHgFdSaZxCvBnM_1234",
    "TANDEM_ALLOWED_HOSTS": "tandem.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    ours = ("TANDEM_", "DATABASE_", "DJANGO_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return subprocess.run([sys.executable, "-c", code], env={**clean, **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(("reader", "raw"), [
    (lambda: conf.envbool("T_FLAG", False), "perhaps"),
    (lambda: conf.envint("T_FLAG", 1), "many"),
    (lambda: conf.envint("T_FLAG", 1, minimum=1), "0"),
    (lambda: conf.envchoice("T_FLAG", "a", ("a", "b")), "c"),
])
def test_nonsense_in_the_environment_fails_loudly(monkeypatch: pytest.MonkeyPatch, reader: object,
                                                  raw: str) -> None:
    monkeypatch.setenv("T_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="T_FLAG"):
        reader()  # type: ignore[operator]


def test_readers_parse_good_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_FLAG", "Yes")
    assert conf.envbool("T_FLAG", False) is True
    monkeypatch.setenv("T_LIST", " a.org, b.org ,")
    assert conf.envlist("T_LIST", []) == ["a.org", "b.org"]
    monkeypatch.delenv("T_FLAG")
    assert conf.envint("T_FLAG", 7) == 7


def test_production_needs_a_secret_key() -> None:
    env = {**PRODUCTION_ENV}
    del env["TANDEM_SECRET_KEY"]
    result = _run("import tandem.settings", **env)
    assert result.returncode != 0
    assert "TANDEM_SECRET_KEY is required" in result.stderr


def test_production_needs_allowed_hosts() -> None:
    env = {**PRODUCTION_ENV}
    del env["TANDEM_ALLOWED_HOSTS"]
    result = _run("import tandem.settings", **env)
    assert "TANDEM_ALLOWED_HOSTS is required" in result.stderr


@pytest.mark.slow
def test_deploy_check_reports_nothing_in_production() -> None:
    result = _run("from tandem.cli import main; import sys; "
                  "sys.argv=['tandem','check','--deploy','--fail-level','WARNING']; main()",
                  **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_production_sends_security_headers() -> None:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='tandem.settings'; "
        "django.setup(); from django.conf import settings; "
        # The manifest needs collectstatic; headers do not depend on it.
        "settings.STORAGES = {**settings.STORAGES, 'staticfiles': {'BACKEND': "
        "'django.contrib.staticfiles.storage.StaticFilesStorage'}}; "
        "from django.test.utils import setup_test_environment; "
        "setup_test_environment(); from django.test import Client; "
        "r = Client().get('/accounts/login/', secure=True, "
        "headers={'host': 'tandem.example.org'}); "
        "print(r.status_code); "
        "[print(k + ': ' + r.headers.get(k, '-')) for k in ('Content-Security-Policy', "
        "'Strict-Transport-Security', 'X-Frame-Options', 'X-Content-Type-Options', "
        "'Referrer-Policy', 'Cross-Origin-Opener-Policy')]; "
        "print('cookie-secure', r.cookies['csrftoken']['secure']); "
        "r2 = Client().get('/accounts/login/', headers={'host': 'tandem.example.org'}); "
        "print('plain-http', r2.status_code, r2.headers.get('Location'))"
    )
    result = _run(code, **PRODUCTION_ENV)
    out = result.stdout
    assert out.startswith("200"), result.stderr
    assert "Content-Security-Policy: default-src 'self'" in out
    assert "script-src 'self'" in out and "unsafe-inline" not in out
    assert "Strict-Transport-Security: max-age=31536000; includeSubDomains; preload" in out
    assert "X-Frame-Options: DENY" in out
    assert "X-Content-Type-Options: nosniff" in out
    assert "cookie-secure True" in out
    assert "plain-http 301 https://tandem.example.org/accounts/login/" in out


def test_demo_defaults_are_embedded() -> None:
    out = _run("import tandem.settings as s; print(s.DATABASES['default']['ENGINE'], "
               "s.TASKS['default']['BACKEND'], s.MAILERS['default']['BACKEND'], s.DEBUG)").stdout
    assert out.split() == ["django.db.backends.sqlite3",
                           "django.tasks.backends.immediate.ImmediateBackend",
                           "django.core.mail.backends.console.EmailBackend", "False"]


def test_debug_is_off_unless_a_developer_turns_it_on() -> None:
    """`make run` serves the demo with DEBUG off (Russian error pages, not Django's
    English debug page); TANDEM_DEBUG=1 turns it on, never in production."""
    code = "import tandem.settings as s; print(s.DEBUG)"
    assert _run(code).stdout.strip() == "False"
    assert _run(code, TANDEM_DEBUG="1").stdout.strip() == "True"
    assert _run(code, TANDEM_DEBUG="1", **PRODUCTION_ENV).returncode != 0


def test_production_queues_tasks_in_the_database() -> None:
    out = _run("import tandem.settings as s; print(s.TASKS['default']['BACKEND'])",
               **PRODUCTION_ENV).stdout
    assert out.strip() == "django_tasks_db.DatabaseBackend"


def test_health_answers_over_plain_http_in_production() -> None:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='tandem.settings'; "
        "django.setup(); from django.test.utils import setup_test_environment; "
        "setup_test_environment(); from django.test import Client; "
        "r = Client().get('/health/', headers={'host': 'tandem.example.org'}); "
        "print(r.status_code, r.content.decode())"
    )
    assert _run(code, **PRODUCTION_ENV).stdout.strip() == "200 ok"


def test_seed_demo_refuses_production() -> None:
    result = _run("from tandem.cli import main; import sys; "
                  "sys.argv=['tandem','seed-demo']; main()", **PRODUCTION_ENV)
    assert result.returncode != 0
    assert "не создаётся в режиме production" in result.stderr


def test_a_blank_value_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_TEXT", "   ")
    assert conf.envstr("T_TEXT", "Asia/Yekaterinburg") == "Asia/Yekaterinburg"
    monkeypatch.setenv("T_TEXT", " Europe/Moscow ")
    assert conf.envstr("T_TEXT", "x") == "Europe/Moscow"


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "-c jit=off -c work_mem=32MB"),
    ({"TANDEM_DB_SESSION_OPTIONS": "-c work_mem=64MB"}, "-c work_mem=64MB"),
    ({"TANDEM_DB_SESSION_OPTIONS": "off"}, None),
    # The URL's own ``?options=`` wins over the default.
    ({"DATABASE_URL": "postgres://u@db.invalid:5432/t?options=-c%20jit%3Don"}, "-c jit=on"),
])
def test_postgresql_sessions_get_jit_off_and_work_mem_and_persist(
        env: dict[str, str], expected: str | None) -> None:
    """Settings only (no connection is opened): what every PostgreSQL session is started
    with, in the demo mode and in production alike, on the replica too."""
    code = ("from django.conf import settings as s; import json; "
            "print(json.dumps({k: [d.get('OPTIONS', {}).get('options'), d['CONN_MAX_AGE'], "
            "d['CONN_HEALTH_CHECKS']] for k, d in s.DATABASES.items()}))")
    urls = {"DATABASE_URL": "postgres://u@db.invalid:5432/t",
            "DATABASE_REPLICA_URL": "postgres://u@replica.invalid:5432/t"}
    for mode_env in ({}, PRODUCTION_ENV):
        result = _run(f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']="
                      f"'tandem.settings'; django.setup(); {code}",
                      **{**mode_env, **urls, **env})
        assert result.returncode == 0, result.stderr
        databases = json.loads(result.stdout)
        assert databases["default"] == [expected, 60, True]
        assert databases["replica"] == [
            "-c jit=off -c work_mem=32MB" if "DATABASE_URL" in env else expected, 60, True]


def test_the_shared_cache_holds_three_entries_per_municipality_of_a_country() -> None:
    """The hourly run warms each viewed municipality (review of h/coordfirst): a country's
    ~2,700, about three entries each, must fit, or a full table culls the warmed ones in
    the very run that writes them."""
    from django.conf import settings

    assert settings.CACHE_ENTRIES >= 3 * 2_700


def test_the_personal_cache_holds_an_overview_for_every_unit_the_shared_one_warms() -> None:
    """Each unit whose dashboard is warmed gets its overview's staff part in the personal
    table (``home.selectors.warm_overview``): a unit takes about three entries of the
    shared table, one of the personal — two with the entry of its version before — so
    the personal table must hold two for each unit the shared one holds and room for the
    users' own parts, or the hourly run culls the overviews it has just written
    (h/cachekeys: 5,000 against ~6,600 units at the default)."""
    from django.conf import settings

    units = settings.CACHE_ENTRIES // 3
    assert settings.PERSONAL_CACHE_ENTRIES >= 2 * units
