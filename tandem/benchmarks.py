"""Benchmarks behind `tandem bench`: each one returns rows of (measure, value, unit).

They run in a throw-away database (a temporary SQLite file, or ``test_<name>`` on
PostgreSQL), never in the real one. Figures go to docs/performance.md by hand, with the
date and the machine; tests never assert timings.
"""

import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
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


def bench_roster(participants: int) -> list[Row]:
    """A roster file of ``participants`` new people for the whole region (CSV): the check
    (the preview) and the all-or-nothing commit, as the region operator."""
    import csv
    import io

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
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    for p in generator.people(participants, seed=2):
        writer.writerow([p.surname, p.name, p.patronymic, p.position, p.subject,
                         p.experience_years, age_band_label(p.age_band),
                         "roster-" + p.email, "", "01.09.2026", "01.09.2026",
                         p.organization_code])
    content = buffer.getvalue().encode("utf-8-sig")
    operator = User.objects.get(username="region")
    scope = scope_for(operator)
    upload = roster_import_store(user=operator, filename="roster.csv", content=content)
    started = time.perf_counter()
    report = roster_import_check(upload=upload, scope=scope)
    checked = time.perf_counter() - started
    assert report.ok, report.errors[:3]
    mark_committing(upload=upload)
    started = time.perf_counter()
    roster_import_commit(upload=upload, scope=scope)
    written = time.perf_counter() - started
    return [(f"список {participants} новых участников (CSV): проверка", checked, "с"),
            (f"список {participants} новых участников: запись «всё или ничего»", written, "с"),
            (f"список {participants}: всего", checked + written, "с")]


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
