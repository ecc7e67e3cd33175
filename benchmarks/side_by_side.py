"""Running one piece of code from two source trees (two checkouts of the repository), each
in its own process and one after the other, so that they do not share the two cores: the
«было / стало» tables of docs/performance.md (``matching_old_new.py``,
``kept_figures_old_new.py``)."""

import json
import os
import subprocess
import sys
from typing import Any


def run_in(tree: str, child: str, *args: str, **env: str) -> dict[str, object]:
    """Runs ``child`` (Python source that prints one JSON object as its last line) with
    ``tree`` first on the path and ``env`` added; returns that object."""
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", child, *args], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": tree, **env}, check=True, cwd=tree)
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report



def backend_cpu(cursor: Any) -> float:
    """The CPU time (user + system, s) of the PostgreSQL server process behind ``cursor``
    (``/proc/<pid>/stat`` of ``pg_backend_pid()``: the server on this machine; parallel
    workers' time not included)."""
    cursor.execute("SELECT pg_backend_pid()")
    pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The start of a child that opens pages as a user (``Client`` with ``force_login``; the
# signed-cookie sessions and no login receivers, so that a page's queries are its own)
# and reads its own CPU time (``cpu()``): the pages' old/new benchmarks put their own
# measuring after it (``CHILD = PAGES_CHILD + r'''…'''``).
PAGES_CHILD = r'''
import json, os, resource, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()
from django.conf import settings
settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
settings.ALLOWED_HOSTS = ["*"]
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
user_logged_in.receivers = []
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
'''
