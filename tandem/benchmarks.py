"""Benchmarks behind `tandem bench`: each one returns rows of (measure, value, unit).

They run in a throw-away database (a temporary SQLite file, or ``test_<name>`` on
PostgreSQL), never in the real one; ``tandem bench plans`` (:func:`plan_report`) only reads
the current PostgreSQL database's plans, in a transaction it rolls back. Figures go to
docs/performance.md by hand, with the date and the machine; tests never assert timings.
"""

import io
import json
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases
from django.urls import reverse

from tandem.core.matching.bench import bench_matching

Row = tuple[str, float, str]


@contextmanager
def scratch_database() -> Iterator[None]:
    db = settings.DATABASES["default"]
    tmp = None
    if db["ENGINE"].endswith("sqlite3"):
        tmp = tempfile.TemporaryDirectory()
        db.setdefault("TEST", {})["NAME"] = str(Path(tmp.name) / "bench.sqlite3")
    old = setup_databases(verbosity=0, interactive=False)
    try:
        yield
    finally:
        teardown_databases(old, verbosity=0)
        if tmp:
            tmp.cleanup()


def _progress(done: int, total: int) -> None:
    sys.stderr.write(f"\r  участники: {done}/{total}")
    sys.stderr.flush()


def bench_seed(participants: int) -> list[Row]:
    from tandem.demo.services import demo_region_create

    started = time.perf_counter()
    demo_region_create(participants=participants, seed=1, progress=_progress)
    sys.stderr.write("\n")
    return [(f"seed-demo, {participants} участников", time.perf_counter() - started, "с")]


def bench_pages(participants: int, repeat: int = 5) -> list[Row]:
    """Times the heaviest pages for a region operator and a curator (median of runs)."""
    from tandem.accounts.models import User

    rows = bench_seed(participants)
    client = Client()
    for username, names in (("region", ["dashboard", "people:list", "territory:tree",
                                        "audit:log", "diagnostics:campaigns",
                                        "resources:catalogue"]),
                            ("curator-orbita", ["dashboard", "people:list", "pairs:list",
                                                "pairs:formation"])):
        client.force_login(User.objects.get(username=username))
        for name in names:
            url = reverse(name)
            times = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append(time.perf_counter() - started)
                assert response.status_code == 200, (url, response.status_code)
            rows.append((f"{username} {url} ({len(queries.captured_queries)} SQL)",
                         statistics.median(times) * 1000, "мс"))
        search = reverse("people:list") + "?q=иванова"
        started = time.perf_counter()
        client.get(search)
        rows.append((f"{username} поиск «иванова»", (time.perf_counter() - started) * 1000, "мс"))
    return rows


def bench_documents(participants: int, repeat: int = 5) -> list[Row]:
    """One map's DOCX and PDF, and a campaign page (median of runs), on a demo region of
    up to 2,000 people (pairs and maps are made for demo regions of that size)."""
    from tandem.accounts.models import User
    from tandem.diagnostics.models import Campaign
    from tandem.maps.documents import map_data, map_docx, map_pdf
    from tandem.maps.models import Map

    rows = bench_seed(min(participants, 2000))
    the_map = (Map.objects.filter(pair__isnull=False).annotate(n=Count("rows"))
               .order_by("-n", "pk").first())
    assert the_map is not None
    for label, render in (("DOCX", map_docx), ("PDF", map_pdf)):
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            render(map_data(the_map))
            times.append(time.perf_counter() - started)
        rows.append((f"карта пары ({the_map.rows.count()} строк) в {label}",
                     statistics.median(times) * 1000, "мс"))
    client = Client()
    client.force_login(User.objects.get(username="curator-orbita"))
    campaign = Campaign.objects.filter(organization__code="orbita").order_by("pk").first()
    assert campaign is not None
    for name in ("diagnostics:campaign", "diagnostics:map"):
        url = reverse(name, kwargs={"pk": campaign.pk})
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - started)
        rows.append((f"куратор {url}", statistics.median(times) * 1000, "мс"))
    return rows


def _memory_kb(field: str) -> int:
    """A line of /proc/self/status (VmRSS: now; VmHWM: the peak), in kB; 0 elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak() -> None:
    """Starts VmHWM afresh (Linux 4.0+), so that each phase shows its own peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


@contextmanager
def _measured(rows: list[Row], name: str) -> Iterator[None]:
    """Wall time, the process's CPU time, its peak resident memory and the load average
    around one phase, appended to ``rows``."""
    _reset_peak()
    before = _memory_kb("VmRSS")
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    rows += [(f"{name}: стена", time.perf_counter() - wall, "с"),
             (f"{name}: CPU процесса", time.process_time() - cpu, "с"),
             (f"{name}: пик памяти процесса (VmHWM; до фазы — {before // 1024} МБ)",
              _memory_kb("VmHWM") / 1024, "МБ"),
             (f"{name}: load average до → после ({load:.2f} →)", os.getloadavg()[0], "")]


def bench_roster(participants: int) -> list[Row]:
    """A roster file of ``participants`` new people for the whole region (CSV, written to
    a temporary file, never held in memory): stored in pieces as the upload is, then the
    check (the preview) and the all-or-nothing commit, as the region operator — the path
    of a streamed upload, with each phase's wall and CPU time and peak memory."""
    import csv

    from tandem.access.scope import scope_for
    from tandem.accounts.models import User
    from tandem.demo import generator
    from tandem.demo.services import demo_region_create
    from tandem.roster.export import HEADER
    from tandem.roster.fileformat import age_band_label
    from tandem.roster.services import (
        mark_committing,
        roster_import_check,
        roster_import_commit,
        roster_import_store,
    )

    demo_region_create(participants=generator.MIN_PARTICIPANTS, seed=1,
                       with_diagnostics=False)
    rows: list[Row] = []
    with tempfile.TemporaryFile() as file:
        text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
        writer = csv.writer(text, delimiter=";")
        writer.writerow(HEADER)
        # A number in the surname: a file's namesake of a seeded person in the same
        # organization would be taken for them (found by name), twice for two namesakes.
        # The seeded region has the demo's named organizations only; the territory of a
        # large N has further ones (generator.territory): those people join the named
        # organizations in turn.
        from tandem.territory.models import Organization

        seeded = sorted(Organization.objects.values_list("code", flat=True))
        for i, p in enumerate(generator.people(participants, seed=2)):
            code = p.organization_code if p.organization_code in seeded else seeded[
                i % len(seeded)]
            writer.writerow([f"{p.surname}-{i}", p.name, p.patronymic, p.position, p.subject, "",
                             p.experience_years, age_band_label(p.age_band),
                             "roster-" + p.email, "", "01.09.2026", "01.09.2026", code])
        text.flush()
        size = file.tell()
        operator = User.objects.get(username="region")
        scope = scope_for(operator)
        name = f"список {participants} новых участников (CSV, {size / 2**20:.0f} МБ)"
        with _measured(rows, f"{name}: приём в базу частями"):
            upload = roster_import_store(user=operator, filename="roster.csv", file=file)
        text.detach()
    with _measured(rows, f"{name}: проверка"):
        report = roster_import_check(upload=upload, scope=scope, show_progress=True)
    assert report.ok, report.errors[:3]
    mark_committing(upload=upload)
    with _measured(rows, f"{name}: запись «всё или ничего»"):
        roster_import_commit(upload=upload, scope=scope, show_progress=True)
    return rows


def bench_monitoring(participants: int, repeat: int = 5) -> list[Row]:
    """The monitoring dashboard of the region and of a curator: computed (empty cache) and
    cached, with their SQL query counts, and the XLSX export of all participants. The load
    test under 8 concurrent clients is benchmarks/dashboard_load.py."""
    from django.core.cache import cache

    from tandem.accounts.models import User

    rows = bench_seed(participants)
    if connection.vendor == "postgresql":
        # Fresh bulk inserts have no planner statistics until autovacuum's ANALYZE gets to
        # them (minutes later); without them the first view plans nested loops over a
        # million answers and takes minutes. A real database has its statistics.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    for username in ("region", "curator-orbita"):
        client.force_login(User.objects.get(username=username))
        for url in (reverse("monitoring:index"),
                    reverse("monitoring:chart", args=["deficits", "svg"])):
            cold = []
            warm = []
            for _ in range(repeat):
                cache.clear()
                with CaptureQueriesContext(connection) as computed:
                    started = time.perf_counter()
                    assert client.get(url).status_code == 200
                    cold.append(time.perf_counter() - started)
                with CaptureQueriesContext(connection) as cached:
                    started = time.perf_counter()
                    client.get(url)
                    warm.append(time.perf_counter() - started)
            rows.append((f"{username} {url}: расчёт ({len(computed.captured_queries)} SQL)",
                         statistics.median(cold) * 1000, "мс"))
            rows.append((f"{username} {url}: из кэша ({len(cached.captured_queries)} SQL)",
                         statistics.median(warm) * 1000, "мс"))
    client.force_login(User.objects.get(username="region"))
    started = time.perf_counter()
    response = client.get(reverse("monitoring:report", args=["participants"]))
    assert response.status_code == 200
    rows.append((f"region: XLSX участников ({participants})",
                 time.perf_counter() - started, "с"))
    return rows


BENCHMARKS: dict[str, Callable[[int], list[Row]]] = {
    "seed": bench_seed,
    "pages": bench_pages,
    "matching": bench_matching,
    "documents": bench_documents,
    "roster": bench_roster,
    "monitoring": bench_monitoring,
}


# -- tandem bench plans: which queries of the personas' pages read a big table whole ------
PLAN_PERSONAS = ("federal", "region", "coord-prirechensk", "curator-orbita", "teacher-young")
# Besides every link of the persona's own main menu (what they can actually open).
PLAN_PAGES = ("dashboard", "people:list", "pairs:list", "territory:tree", "monitoring:index",
              "diagnostics:campaigns", "resources:catalogue", "audit:log")
_MENU = re.compile(r'<ul class="main-nav">(.*?)<ul class="phone-nav">', re.S)
_LINK = re.compile(r'href="(/[^"#?]*)"')
PLAN_MIN_ROWS = 50_000


@dataclass(frozen=True)
class SeqScan:
    """One sequential scan in the plan of one query of one page."""

    persona: str
    url: str
    query: int  # the query's number on the page (from 1)
    table: str
    table_rows: int  # the planner's count of the table's rows (pg_class.reltuples)
    sql: str


@dataclass
class PlanReport:
    scans: list[SeqScan] = field(default_factory=list)
    pages: int = 0
    queries: int = 0
    skipped: list[str] = field(default_factory=list)  # pages not shown (and why)
    visited: list[str] = field(default_factory=list)  # "persona url" of every page shown
    # Sequential scans of big tables that stand in a plan but were never executed (a
    # branch the data never reach, e.g. an anti-join under an empty index scan).
    unexecuted: int = 0


def _seq_scans(node: dict[str, Any]) -> Iterator[tuple[str, float, bool]]:
    """(table, the plan's row estimate, whether it ran) of every sequential scan (parallel
    ones too) in a JSON plan node and the nodes under it; «ran» — at least one loop of
    ``EXPLAIN ANALYZE`` (a plan without ANALYZE counts every scan as run)."""
    if node.get("Node Type") == "Seq Scan":
        yield (node["Relation Name"], float(node.get("Plan Rows", 0)),
               node.get("Actual Loops", 1) > 0)
    for child in node.get("Plans", ()):
        yield from _seq_scans(child)


def _persona_urls(client: Client, user: Any) -> list[str]:
    """The persona's main pages: the overview, every link of their main menu, the lists and
    the dashboard (refused ones are reported as skipped), the API's pairs, and one pair's
    card and map (the first pair they see)."""
    from tandem.access.scope import scope_for
    from tandem.pairs.selectors import pairs_visible

    urls = [reverse(name) for name in PLAN_PAGES]
    menu = _MENU.search(client.get(reverse("dashboard")).content.decode())
    for link in _LINK.findall(menu.group(1) if menu else ""):
        if link not in urls and not link.startswith(("/accounts/", "/static/", "/i18n/")):
            urls.append(link)
    urls.append("/api/v1/pairs/")
    pair = pairs_visible(scope=scope_for(user)).order_by("pk").first()
    if pair is not None:
        urls += [reverse("pairs:detail", kwargs={"pk": pair.pk}),
                 reverse("maps:detail", kwargs={"pair_pk": pair.pk})]
    return urls


def plan_report(*, usernames: Iterable[str] = PLAN_PERSONAS,
                min_rows: int = PLAN_MIN_ROWS) -> PlanReport:
    """Requests the main pages as each persona in this database and runs ``EXPLAIN
    ANALYZE`` over every query they issue (each read runs twice); a sequential scan of a
    table of more than ``min_rows`` rows that ran is reported — one that only stands in
    the plan (a branch never executed on these data) is counted apart
    (``unexecuted``): the planner may keep a scan under an index lookup that finds
    nothing, and that costs nothing. PostgreSQL only.

    Runs in one transaction rolled back at the end (a page view may write: the session,
    a map's first draft), with no cache (every page computes its figures)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("EXPLAIN plans are PostgreSQL's")
    report = PlanReport()
    # The refused pages (a teacher on the audit log) are expected: no traceback for them.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)
    try:
        _plan_pages(report, usernames, min_rows)
    finally:
        request_log.setLevel(level)
    return report


def _plan_pages(report: PlanReport, usernames: Iterable[str], min_rows: int) -> None:
    from django.contrib.auth import get_user_model

    dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    with override_settings(CACHES={"default": dummy, "personal": dummy}), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT c.relname, c.reltuples FROM pg_class c "
                           "WHERE c.relkind IN ('r', 'p')")
            table_rows = {name: int(rows) for name, rows in cursor.fetchall()}
        for username in usernames:
            user = get_user_model().objects.filter(username=username, is_active=True).first()
            if user is None:
                report.skipped.append(f"{username}: нет такого пользователя")
                continue
            client = Client()
            client.force_login(user)
            for url in _persona_urls(client, user):
                with CaptureQueriesContext(connection) as page:
                    response = client.get(url)
                if response.status_code != 200:
                    report.skipped.append(f"{username} {url}: ответ {response.status_code}")
                    continue
                report.pages += 1
                report.visited.append(f"{username} {url}")
                for number, captured in enumerate(page.captured_queries, start=1):
                    sql = captured["sql"] or ""
                    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                        continue
                    report.queries += 1
                    scans = _explain(sql)
                    big = {table: max(table_rows.get(table, 0), int(estimate))
                           for table, estimate, ran in scans if ran}
                    report.scans += [SeqScan(username, url, number, table, rows, sql)
                                     for table, rows in big.items() if rows > min_rows]
                    report.unexecuted += sum(
                        1 for table, estimate, ran in scans
                        if not ran and max(table_rows.get(table, 0), int(estimate)) > min_rows)
        transaction.set_rollback(True)


def _explain(sql: str) -> list[tuple[str, float, bool]]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return list(_seq_scans(plan[0]["Plan"]))


def plan_table(report: PlanReport, *, min_rows: int) -> list[str]:
    """The report as Markdown lines: one row per sequential scan found."""
    lines = [f"Страниц: {report.pages}, запросов: {report.queries}; последовательных "
             f"чтений таблиц больше {min_rows} строк: {len(report.scans)} (ещё "
             f"{report.unexecuted} — только в плане, не выполнялись).", "",
             "| кто | страница | запрос | таблица | строк | SQL |", "|---|---|---|---|---|---|"]
    for s in report.scans:
        sql = " ".join(s.sql.split())[:160].replace("|", "\\|")
        lines.append(f"| {s.persona} | {s.url} | {s.query} | {s.table} | {s.table_rows} "
                     f"| `{sql}` |")
    lines += [f"- не открыта: {reason}" for reason in report.skipped]
    return lines
