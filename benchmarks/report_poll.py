"""The progress poll of a running background report (``/monitoring/reports/<pk>/`` with
htmx, once a second while the file is made): wall, process CPU and SQL time, medians of N
polls in one process, and the CPU of ``fingerprint_now`` alone. The tree measured is the
one on ``PYTHONPATH``; run the old and the new tree in turn against one database (it needs
the migrations of the newer tree: a copy of ``t300k``, never ``t300k`` itself):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_copy PYTHONPATH=/path/to/tree \
        .venv/bin/python benchmarks/report_poll.py region 40

The job is made for USER, polled, and deleted again."""

import os
import statistics
import sys
import time


def main(username: str, rounds: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    settings.ALLOWED_HOSTS = ["*"]
    from django.contrib.auth import get_user_model, user_logged_in
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from tandem.access.scope import fingerprint_now
    from tandem.monitoring.models import ReportJob

    user_logged_in.receivers = []
    user = get_user_model().objects.get(username=username)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET work_mem='32MB'")
            cursor.execute("SET jit=off")
    job = ReportJob.objects.create(requested_by=user, report="participants", fmt="xlsx",
                                   total=10**6, rights=fingerprint_now(user.pk),
                                   status=ReportJob.Status.RUNNING, heartbeat_at=timezone.now())
    client = Client()
    client.force_login(user)
    url = reverse("monitoring:report_job", kwargs={"pk": job.pk})
    walls: list[float] = []
    cpus: list[float] = []
    sqls: list[float] = []
    queries = 0
    try:
        for _ in range(rounds):
            ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
            with CaptureQueriesContext(connection) as captured:
                wall, cpu = time.perf_counter(), time.process_time()
                response = client.get(url, HTTP_HOST="localhost", HTTP_HX_REQUEST="true")
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
            sqls.append(sum(float(q["time"]) for q in captured.captured_queries))
            queries = len(captured.captured_queries)
            assert response.status_code == 200 and "HX-Refresh" not in response
        alone: list[float] = []
        for _ in range(rounds):
            cpu = time.process_time()
            fingerprint_now(user.pk)
            alone.append(time.process_time() - cpu)
    finally:
        ReportJob.objects.filter(pk=job.pk).delete()

    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000

    print(f"poll: median wall={ms(walls):.1f}ms cpu={ms(cpus):.1f}ms sql={ms(sqls):.1f}ms "
          f"queries={queries}; fingerprint_now cpu median={ms(alone):.2f}ms")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40)
