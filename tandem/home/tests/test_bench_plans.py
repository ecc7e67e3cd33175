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
    assert "больше 1000000000 строк: 0 (ещё 0 — только в плане" in out.getvalue()


def test_a_scan_that_never_ran_is_counted_apart() -> None:
    """EXPLAIN ANALYZE marks a branch the data never reached with no loops: such a scan
    stands in the plan but read nothing (the overview's quiet pairs: an anti-join of the
    meetings under an index lookup that found no pair)."""
    from tandem.benchmarks import _seq_scans

    plan = {"Node Type": "Hash Anti Join", "Actual Loops": 1, "Plans": [
        {"Node Type": "Bitmap Heap Scan", "Actual Loops": 1, "Plans": []},
        {"Node Type": "Seq Scan", "Relation Name": "maps_meeting", "Plan Rows": 52091,
         "Actual Loops": 0},
        {"Node Type": "Seq Scan", "Relation Name": "pairs_pair", "Plan Rows": 10,
         "Actual Loops": 1}]}
    assert list(_seq_scans(plan)) == [("maps_meeting", 52091.0, False),
                                      ("pairs_pair", 10.0, True)]
    # A plan without ANALYZE has no loops: every scan in it counts as run.
    assert list(_seq_scans({"Node Type": "Seq Scan", "Relation Name": "t",
                            "Plan Rows": 5})) == [("t", 5.0, True)]
