"""Load test of every page a persona sees in its menu: N concurrent clients, p50/p95 per page
and per persona, and the memory of the server's workers — against a server on this machine
only (127.0.0.1).

    # a demo region of 300,000 people in PostgreSQL, then gunicorn started by the script:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/t300k .venv/bin/tandem seed-demo \
        --participants 300000
    DATABASE_URL=... .venv/bin/python benchmarks/pages_load.py --start \
        --users region,federal,curator-orbita

Each client logs in as one of ``--users`` (clients are dealt to the users in turn), opens the
overview ``/`` and reads the links of its main menu (what that person can reach in one
click), adds ``/api/v1/pairs/`` when ``--api`` is given, opens every page once — the first,
«cold» request, reported apart: it may compute figures — then loops over all of them for
``--rounds`` rounds. Reported per persona and page: p50/p95/max; per persona: p95 of all
its pages; the server's CPU in the measured rounds; per page, the resident memory of the
largest server process right after its answers (with concurrent clients, a page shares the
process with others); each worker's resident memory after start-up, at the end (with PSS
and USS) and its peak (VmHWM). With ``--request-log FILE`` the started gunicorn runs under
the benchmark-only settings ``gunicorn_memory.py``: each request's resident memory goes to
FILE, and the report ends with the worst peaks of each worker and the requests that were in
flight in that worker when each happened (the peak of a window between two answers of a
process). Requests are bounded in number and the script stops by itself; it never sends
anything off this machine. The shared pieces (client, server start, percentiles, CPU of the
server) are ``dashboard_load``'s.
"""

import argparse
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from dashboard_load import (
    LOCAL,
    Client,
    group_cpu_seconds,
    percentile,
    server_arguments,
    start_server,
)

MENU = re.compile(r'<ul class="main-nav">(.*?)<ul class="phone-nav">', re.S)
LINK = re.compile(r'href="(/[^"#?]*)"')
SKIP = ("/accounts/", "/static/", "/i18n/")


@dataclass
class Timings:
    # (user, path) -> seconds
    cold: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    warm: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[tuple[str, str], set[int]] = field(default_factory=lambda: defaultdict(set))
    # (user, path) -> the resident memory (kB) of the largest server process right after
    # each answer of that page (started server only)
    memory: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)


def menu_pages(body: str) -> list[str]:
    """The overview and the distinct links of the main menu, in their order."""
    block = MENU.search(body)
    links = LINK.findall(block.group(1)) if block else []
    pages = ["/"]
    for link in links:
        if link not in pages and not link.startswith(SKIP):
            pages.append(link)
    return pages


def visit(client: Client, user: str, path: str, into: dict[tuple[str, str], list[float]],
          timings: Timings, lock: threading.Lock, pgid: int | None = None) -> None:
    """One request; a request that times out counts as taking the whole timeout (and is
    listed with status 0), so a page too slow to answer still shows in its p95."""
    started = time.perf_counter()
    try:
        status, _body, elapsed = client.get(path)
    except urllib.error.HTTPError as error:  # a refusal or a server error: its code
        status, elapsed = error.code, time.perf_counter() - started
    except OSError:  # timed out, or the worker was restarted under it
        status, elapsed = 0, time.perf_counter() - started
    largest = max((rss for _pid, rss, _hwm in worker_memory(pgid)), default=0) if pgid else 0
    with lock:
        into[user, path].append(elapsed)
        timings.statuses[user, path].add(status)
        if largest:
            timings.memory[user, path].append(largest)


def run_client(base: str, user: str, args: argparse.Namespace, timings: Timings,
               lock: threading.Lock, start: threading.Barrier, pgid: int | None) -> None:
    client = Client(base, timeout=args.timeout)
    try:
        client.login(user, args.password)
        _status, body, _elapsed = client.get("/")
        pages = menu_pages(body.decode())
        if args.api:
            pages.append("/api/v1/pairs/")
        for path in pages:
            visit(client, user, path, timings.cold, timings, lock, pgid)
        start.wait()
        for _ in range(args.rounds):
            for path in pages:
                visit(client, user, path, timings.warm, timings, lock, pgid)
    except Exception as error:
        with lock:
            timings.errors.append(f"{user}: {error!r}")
        start.abort()


def worker_memory(pgid: int) -> list[tuple[int, int, int]]:
    """(pid, VmRSS kB, VmHWM kB) of every process of the server's process group."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        if int(stat[2]) != pgid:
            continue
        values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if "VmRSS" not in values or "VmHWM" not in values:  # exiting: no memory left
            continue
        found.append((int(entry), int(values["VmRSS"].split()[0]),
                      int(values["VmHWM"].split()[0])))
    return sorted(found)


def private_memory(pid: int) -> tuple[int, int]:
    """(PSS kB, USS kB) of a process, from /proc/PID/smaps_rollup: its proportional share
    of the pages it shares (libraries, pages shared with the master after fork) and its
    private pages only — what it would give back if it ended."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                values[parts[0].rstrip(":")] = int(parts[1])
    except OSError:
        return 0, 0
    return values.get("Pss", 0), values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)


@dataclass
class Window:
    """A worker's peak between two of its answers, and the requests in flight meanwhile."""
    pid: int
    peak: int  # kB
    rss_before: int  # kB: resident memory at the previous answer of that process
    requests: list[str]


def peak_windows(log: Path) -> list[Window]:
    """The windows of a ``gunicorn_memory.py`` log: per process, from one answer to the next,
    the peak (VmHWM of the «end» line) and every request whose start…end overlaps it."""
    by_pid: dict[int, list[tuple[float, int, str, str, int, int]]] = defaultdict(list)
    for line in log.read_text().splitlines():
        stamp, pid, thread, phase, method, path, rss, hwm = line.split(" ")
        by_pid[int(pid)].append((float(stamp), int(thread), phase, f"{method} {path}",
                                 int(rss), int(hwm)))
    windows = []
    for pid, events in by_pid.items():
        events.sort()
        spans: list[tuple[float, float, str]] = []  # start, end, request
        open_at: dict[int, tuple[float, str]] = {}
        for stamp, thread, phase, request, _rss, _hwm in events:
            if phase == "start":
                open_at[thread] = (stamp, request)
            elif thread in open_at:
                began, name = open_at.pop(thread)
                spans.append((began, stamp, name))
        spans += [(began, float("inf"), name) for began, name in open_at.values()]
        previous, rss_before = 0.0, 0
        for stamp, _thread, phase, _request, rss, hwm in events:
            if phase != "end":
                continue
            inside = [name for began, ended, name in spans if began <= stamp and ended >= previous]
            windows.append(Window(pid, hwm, rss_before, inside))
            previous, rss_before = stamp, rss
    return windows


def report_windows(windows: list[Window], top: int = 8) -> None:
    """Each worker's peak, then the worst windows of all with their requests in flight."""
    print("\nper request memory (gunicorn_memory.py): peak of each worker — "
          + ", ".join(f"{pid}: {max(w.peak for w in windows if w.pid == pid) / 1024:.0f} MB"
                      for pid in sorted({w.pid for w in windows})))
    print("| worker | peak, MB | resident at its previous answer, MB | requests in flight |")
    print("|---|---|---|---|")
    for window in sorted(windows, key=lambda w: -w.peak)[:top]:
        counted: dict[str, int] = defaultdict(int)
        for name in window.requests:
            counted[name] += 1
        flight = ", ".join(f"{n} × `{name}`" if n > 1 else f"`{name}`"
                           for name, n in sorted(counted.items()))
        print(f"| {window.pid} | {window.peak / 1024:.0f} | {window.rss_before / 1024:.0f} "
              f"| {flight} |")


def ms(values: list[float]) -> str:
    millis = [v * 1000 for v in values]
    return (f"{len(millis)} | {percentile(millis, 50):.0f} | {percentile(millis, 95):.0f} | "
            f"{max(millis):.0f}" if millis else "0 | | |")


def main() -> None:
    parser = server_arguments(__doc__, port=8766)
    parser.add_argument("--rounds", type=int, default=5, help="rounds over all pages per client")
    parser.add_argument("--users", default="region,federal,curator-orbita",
                        help="logins, comma-separated; clients are dealt to them in turn")
    parser.add_argument("--timeout", type=float, default=120,
                        help="seconds a request may take (a timed-out one counts as status 0)")
    parser.add_argument("--api", action="store_true", help="also /api/v1/pairs/")
    parser.add_argument("--request-log", default="",
                        help="with --start: a file for each request's memory, reported at "
                             "the end (benchmarks/gunicorn_memory.py)")
    args = parser.parse_args()
    users = [u.strip() for u in args.users.split(",") if u.strip()]
    if args.rounds > 200 or args.clients > 64 or not users:
        raise SystemExit("bounded on purpose: at most 64 clients and 200 rounds, one user or more")
    server = None
    memory_at_start: dict[int, int] = {}
    if args.start:
        if args.request_log:
            Path(args.request_log).unlink(missing_ok=True)
        server = start_server(args.port, args.workers, args.threads,
                              os.path.abspath(args.request_log) if args.request_log else "")
        base = f"http://127.0.0.1:{args.port}"
        memory_at_start = {pid: rss for pid, rss, _hwm in worker_memory(server.pid)}
    else:
        base = args.url.rstrip("/") or f"http://127.0.0.1:{args.port}"
    if urllib.parse.urlsplit(base).hostname not in {h.strip("[]") for h in LOCAL}:
        raise SystemExit("only a server on this machine (127.0.0.1) may be load-tested")
    timings = Timings()
    lock = threading.Lock()
    cpu_at_start: list[float] = []
    load_at_start = os.getloadavg()[0]
    barrier = threading.Barrier(args.clients, action=lambda: cpu_at_start.append(
        group_cpu_seconds(server.pid) if server is not None else 0.0))
    memory_at_end: list[tuple[int, int, int]] = []
    private_at_end: dict[int, tuple[int, int]] = {}
    server_cpu = None
    try:
        threads = [threading.Thread(target=run_client,
                                    args=(base, users[i % len(users)], args, timings, lock,
                                          barrier, server.pid if server is not None else None))
                   for i in range(args.clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        total = time.perf_counter() - started
        if server is not None and cpu_at_start:
            server_cpu = group_cpu_seconds(server.pid) - cpu_at_start[0]
            memory_at_end = worker_memory(server.pid)
            private_at_end = {pid: private_memory(pid) for pid, _rss, _hwm in memory_at_end}
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a loaded machine: workers slow to exit
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=30)
    if timings.errors:
        raise SystemExit("errors: " + "; ".join(timings.errors[:5]))
    requests = sum(len(v) for v in timings.warm.values())
    print(f"{args.clients} clients ({', '.join(users)}) × {args.rounds} rounds over their menu "
          f"pages against {base}; {requests} measured requests in {total:.1f} s; load average "
          f"{load_at_start:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| who | page | answers (0: timed out) | first view: n | p50, ms | p95, ms | max, ms "
          "| then: n | p50, ms | p95, ms | max, ms | largest server process after it, MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for user, path in sorted(timings.cold):
        codes = ",".join(str(c) for c in sorted(timings.statuses[user, path]))
        rss = timings.memory.get((user, path))
        largest = f"{max(rss) / 1024:.0f}" if rss else ""
        print(f"| {user} | `{path}` | {codes} | {ms(timings.cold[user, path])} "
              f"| {ms(timings.warm[user, path])} | {largest} |")
    print()
    print("| who | all pages, then: n | p50, ms | p95, ms | max, ms |")
    print("|---|---|---|---|---|")
    for user in users:
        every = [t for (u, _p), ts in timings.warm.items() if u == user for t in ts]
        print(f"| {user} | {ms(every)} |")
    if server_cpu is not None:
        print(f"\nserver CPU in the measured rounds (all gunicorn processes): {server_cpu:.1f} s "
              f"= {1000 * server_cpu / max(requests, 1):.1f} ms per request")
        for pid, rss, hwm in memory_at_end:
            pss, uss = private_at_end.get(pid, (0, 0))
            print(f"- process {pid}: resident after start {memory_at_start.get(pid, 0) / 1024:.0f} "
                  f"MB, now {rss / 1024:.0f} MB (PSS {pss / 1024:.0f}, USS {uss / 1024:.0f}), "
                  f"peak {hwm / 1024:.0f} MB" + (" (since its last answer)" if args.request_log
                                                 else ""))
        if args.request_log and Path(args.request_log).exists():
            report_windows(peak_windows(Path(args.request_log)))


if __name__ == "__main__":
    main()
