"""Memory of one web request, in this process: what a worker holds after start-up and how
much each page of a persona adds while it is served — read-only, safe on a shared database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/t300k .venv/bin/python \
        benchmarks/request_memory.py --users region,federal,curator-orbita

What it does: starts Django as gunicorn's worker does (``tandem.wsgi``) and imports the
URLconf with every view, then reports the process's memory — RSS, PSS and USS (private
pages) from ``/proc/self/smaps_rollup`` — and which heavy libraries are already imported.
Then what a log-in adds for its password, which ``force_login`` skips: the first user's
stored hash checked, and a new hash made with the project's hasher (each: time, CPU, growth
of the peak). Then, for each user of ``--users``: the Django test client logged in with
``force_login`` opens ``/`` and every link of its main menu, ``/api/v1/pairs/`` and the
first visible pair's card and map, each twice — the first view (cache emptied before it:
figures computed) and the second (from the cache). Per request: the growth of the peak
resident memory while it is served (VmHWM, reset through ``/proc/self/clear_refs`` just
before) over the resident memory just before, the resident memory left after it, and — with
``--tracemalloc`` — the peak of Python's own allocations (tracemalloc; it does not see
libpq's result buffers, and it makes everything slower, so it is off by default).

Nothing is written: every connection runs with ``default_transaction_read_only=on`` (a
write fails loudly instead), the session is a signed cookie, the cache lives in this
process, and ``force_login`` runs no receivers (``last_login``, django-axes' access log).
"""

import argparse
import gc
import os
import re
import sys
import time
import tracemalloc

HEAVY = ("numpy", "scipy", "matplotlib", "rustworkx", "openpyxl", "docx", "reportlab", "PIL",
         "lxml", "fontTools", "networkx")
MENU = re.compile(r'<ul class="main-nav">(.*?)<ul class="phone-nav">', re.S)
LINK = re.compile(r'href="(/[^"#?]*)"')
SKIP = ("/accounts/", "/static/", "/i18n/")


def memory() -> dict[str, int]:
    """RSS, PSS, USS (private clean + dirty) and the peak RSS of this process, in kB."""
    values: dict[str, int] = {}
    with open("/proc/self/smaps_rollup") as rollup:
        for line in rollup:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                values[parts[0].rstrip(":")] = int(parts[1])
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                values["HWM"] = int(line.split()[1])
    values["USS"] = values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)
    return values


def reset_peak() -> None:
    """Resets VmHWM to the current RSS (Linux: «5» into clear_refs)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def mb(kb: float) -> str:
    return f"{kb / 1024:.0f}"


def password_check(username: str) -> None:
    """What a log-in adds for its password (``force_login`` below skips it): the growth of
    the peak resident memory while the demo password is checked against the user's stored
    hash (with the parameters written in it) and while a new hash is made with the project's
    hasher — what a log-in with a hash of other parameters does before saving the new one."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import identify_hasher, make_password

    encoded = get_user_model().objects.get(username=username).password
    hasher = identify_hasher(encoded)
    print(f"\npassword of {username}: stored as {'$'.join(encoded.split('$')[:4])}; hasher "
          f"{type(hasher).__module__}.{type(hasher).__name__}")
    for label, work in (("check against the stored hash", lambda: hasher.verify(
                            settings.TANDEM_DEMO_PASSWORD, encoded)),
                        ("a new hash (project parameters)", lambda: make_password(
                            settings.TANDEM_DEMO_PASSWORD))):
        gc.collect()
        before = memory()
        reset_peak()
        t0, c0 = time.perf_counter(), time.process_time()
        work()
        print(f"- {label}: {1000 * (time.perf_counter() - t0):.0f} ms, CPU "
              f"{1000 * (time.process_time() - c0):.0f} ms, peak growth "
              f"{(memory()['HWM'] - before['Rss']) / 1024:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="region,federal,curator-orbita")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also the peak of Python's allocations per request (slower)")
    parser.add_argument("--label", default="", help="a name for this run in the output")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    os.environ["TANDEM_DEBUG"] = "0"
    os.environ["TANDEM_DATABASE_CACHE"] = "0"  # the cache in this process, not in a table
    os.environ["TANDEM_DB_SESSION_OPTIONS"] = (
        "-c jit=off -c work_mem=32MB -c default_transaction_read_only=on")
    bare = memory()
    started, cpu_started = time.perf_counter(), time.process_time()
    from django.core.wsgi import get_wsgi_application

    get_wsgi_application()
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view, as the first request does
    gc.collect()
    at_start = memory()
    heavy = [m for m in HEAVY if m in sys.modules]
    load = os.getloadavg()[0]
    print(f"## {args.label or 'run'}: {sys.modules['tandem'].__file__}")
    print(f"start-up (wsgi + URLconf): {time.perf_counter() - started:.1f} s, CPU "
          f"{time.process_time() - cpu_started:.1f} s, load average {load:.1f}; "
          f"{len(sys.modules)} modules; RSS {mb(at_start['Rss'])} MB, PSS "
          f"{mb(at_start['Pss'])} MB, USS {mb(at_start['USS'])} MB (bare interpreter: RSS "
          f"{mb(bare['Rss'])} MB); heavy libraries imported: {', '.join(heavy) or 'none'}")

    from django.conf import settings
    from django.contrib.auth import get_user_model, user_logged_in
    from django.core.cache import caches
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    # force_login writes through its receivers (last_login; django-axes' access log): off.
    user_logged_in.receivers.clear()
    user_logged_in.sender_receivers_cache.clear()
    settings.ALLOWED_HOSTS = ["*"]
    if args.tracemalloc:
        tracemalloc.start()
    password_check(args.users.split(",")[0].strip())
    print("\n| who | page | view | status | ms | CPU ms | peak growth, MB | RSS after, MB "
          + ("| Python peak, MB " if args.tracemalloc else "") + "|")
    print("|---|---|---|---|---|---|---|---|" + ("---|" if args.tracemalloc else ""))
    worst = (0, "")
    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"):
        for username in [u.strip() for u in args.users.split(",") if u.strip()]:
            user = get_user_model().objects.get(username=username)
            client = Client()
            client.force_login(user)
            body = client.get("/").content.decode()
            block = MENU.search(body)
            pages = ["/"]
            for link in LINK.findall(block.group(1)) if block else []:
                if link not in pages and not link.startswith(SKIP):
                    pages.append(link)
            pages.append("/api/v1/pairs/")
            from tandem.access.scope import scope_for
            from tandem.pairs.selectors import pairs_visible

            pair = pairs_visible(scope=scope_for(user)).order_by("pk").first()
            if pair is not None:
                pages += [reverse("pairs:detail", kwargs={"pk": pair.pk}),
                          reverse("maps:detail", kwargs={"pair_pk": pair.pk})]
            for path in pages:
                for alias in ("default", "personal"):  # the overview's too
                    caches[alias].clear()
                for view in ("first", "second"):
                    gc.collect()
                    before = memory()
                    reset_peak()
                    if args.tracemalloc:
                        tracemalloc.reset_peak()
                    t0, c0 = time.perf_counter(), time.process_time()
                    response = client.get(path)
                    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
                    after = memory()
                    growth = after["HWM"] - before["Rss"]
                    worst = max(worst, (growth, f"{username} {path} ({view})"))
                    python_peak = (f"| {tracemalloc.get_traced_memory()[1] / 2**20:.0f} "
                                   if args.tracemalloc else "")
                    print(f"| {username} | `{path}` | {view} | {response.status_code} "
                          f"| {1000 * elapsed:.0f} | {1000 * cpu:.0f} | {growth / 1024:.1f} "
                          f"| {mb(after['Rss'])} {python_peak}|")
    end = memory()
    print(f"\nat the end: RSS {mb(end['Rss'])} MB, USS {mb(end['USS'])} MB; the largest growth "
          f"of one request: {worst[0] / 1024:.1f} MB — {worst[1]}; load average "
          f"{os.getloadavg()[0]:.1f}; heavy libraries imported by then: "
          f"{', '.join(m for m in HEAVY if m in sys.modules) or 'none'}")


if __name__ == "__main__":
    main()
