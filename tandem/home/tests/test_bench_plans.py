"""`tandem bench plans`: the queries of the personas' pages whose plans read a big table
whole. Plans are PostgreSQL's: on SQLite the command says so and does nothing."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection

from tandem.testing import World, build_map


def test_on_sqlite_it_says_why_it_skips(db: None) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite message; PostgreSQL runs the plans below")
    out = io.StringIO()
    call_command("bench", "plans", stdout=out)
    assert "только в PostgreSQL" in out.getvalue()
    assert "пропущено" in out.getvalue()


def test_it_lists_every_sequential_scan_over_the_threshold(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: EXPLAIN plans (the SQLite message is tested above)")
    from tandem.accounts.models import User
    from tandem.benchmarks import plan_report, plan_table
    from tandem.pairs.models import Pair

    build_map(world)
    pairs_before = Pair.objects.count()
    # Threshold 0: the tiny test tables are read whole, so something is found.
    report = plan_report(usernames=["olga", "alice", "bob", "nobody"], min_rows=0)
    assert report.pages > 0 and report.queries > 0
    assert report.scans
    assert all(s.table_rows > 0 and s.persona in {"olga", "alice", "bob"}
               for s in report.scans)
    assert "nobody: нет такого пользователя" in report.skipped
    # Every link of a persona's own menu is planned, not only the fixed list of pages.
    from django.test import Client
    client = Client()
    client.force_login(User.objects.get(username="olga"))
    menu = re.search(r'<ul class="main-nav">(.*?)<ul class="phone-nav">',
                     client.get("/").content.decode(), re.S)
    assert menu is not None
    links = set(re.findall(r'href="(/[^"#?]*)"', menu.group(1)))
    assert "/surveys/results/" in links
    assert {f"olga {link}" for link in links} <= set(report.visited)
    lines = plan_table(report, min_rows=0)
    assert lines[2] == "| кто | страница | запрос | таблица | строк | SQL |"
    assert len(lines) == 4 + len(report.scans) + len(report.skipped)
    # What the pages wrote (sessions) is rolled back; the data are untouched.
    assert Pair.objects.count() == pairs_before
    assert not User.objects.filter(username="nobody").exists()

    out = io.StringIO()
    call_command("bench", "plans", "--users", "olga", "--min-rows", "1000000000", stdout=out)
    assert "больше 1000000000 строк: 0." in out.getvalue()
