"""Load test of the monitoring dashboard: N concurrent clients, p50/p95 of the page and of
its charts, against a server on this machine only (127.0.0.1).

    # a demo region of 30,000 people in PostgreSQL, then gunicorn started by the script:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_load .venv/bin/tandem migrate
    DATABASE_URL=... .venv/bin/tandem seed-demo --participants 30000
    DATABASE_URL=... .venv/bin/python benchmarks/dashboard_load.py --start

    # or against a server already running on 127.0.0.1:
    .venv/bin/python benchmarks/dashboard_load.py --url http://127.0.0.1:8000

Each client logs in as the demo region operator (its own session), opens /monitoring/
once (the first, «cold» request of each page and chart is reported apart: it may compute
the aggregates), then loops: the page, then every chart image the page links, until it has
made ``--rounds`` rounds. Reported: p50/p95/max of the page alone, of the chart images,
and of a whole «page with all its charts» round, plus throughput. Requests are bounded in
number and the script stops by itself; it never sends anything off this machine.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCAL = ("127.0.0.1", "localhost", "[::1]")
CHART = re.compile(r'src="(/monitoring/chart/[^"]+)"')


@dataclass
class Timings:
    page: list[float] = field(default_factory=list)
    charts: list[float] = field(default_factory=list)
    rounds: list[float] = field(default_factory=list)
    cold_page: list[float] = field(default_factory=list)
    cold_charts: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Client:
    def __init__(self, base: str, timeout: float = 60) -> None:
        self.base = base
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        with self.opener.open(self.base + path, timeout=self.timeout) as response:
            body = response.read()
            return response.status, body, time.perf_counter() - started

    def login(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        data = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base + "/accounts/login/", data=data,  # noqa: S310
                                         headers={"Referer": self.base + "/accounts/login/"})
        with self.opener.open(request, timeout=self.timeout) as response:
            if "/accounts/login/" in response.geturl():
                # Not SystemExit: in a client's thread it would end the thread silently and
                # leave the others waiting at the start barrier for ever.
                raise RuntimeError(f"cannot log in as {username}: check the demo password "
                                   "(or another client's log-in ended this session)")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def run_client(base: str, args: argparse.Namespace, timings: Timings, lock: threading.Lock,
               start: threading.Barrier) -> None:
    client = Client(base)
    try:
        client.login(args.username, args.password)
        _status, body, elapsed = client.get(args.path)
        charts = CHART.findall(body.decode())
        cold = []
        for url in charts:
            cold.append(client.get(url.replace("&amp;", "&"))[2])
        with lock:
            timings.cold_page.append(elapsed)
            timings.cold_charts += cold
        start.wait()
        for _ in range(args.rounds):
            round_started = time.perf_counter()
            _status, body, elapsed = client.get(args.path)
            page_time = elapsed
            chart_times = [client.get(url.replace("&amp;", "&"))[2]
                           for url in CHART.findall(body.decode())]
            with lock:
                timings.page.append(page_time)
                timings.charts += chart_times
                timings.rounds.append(time.perf_counter() - round_started)
    except Exception as error:
        with lock:
            timings.errors.append(repr(error))
        start.abort()


def start_server(port: int, workers: int, threads: int,
                 request_log: str = "") -> subprocess.Popen[bytes]:
    """gunicorn on 127.0.0.1:PORT; with ``request_log``, under the benchmark-only settings
    ``gunicorn_memory.py`` that write each request's memory to that file."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    env = dict(os.environ, TANDEM_DEBUG="0")
    config = []
    if request_log:
        env["TANDEM_REQUEST_MEMORY_LOG"] = request_log
        config = ["--config", str(Path(__file__).with_name("gunicorn_memory.py"))]
    # Our own gunicorn with fixed arguments.
    process = subprocess.Popen(  # noqa: S603
        [gunicorn, "tandem.wsgi:application", *config, "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
         "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2).read()
            return process
        except OSError:
            time.sleep(0.5)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not answer /health/ within 60 s")


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) used so far by every process of a process group: the
    server's own cost, whatever else the machine is doing at the time."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat, counted after the name
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def report(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (f"| {label} | {len(ms)} | {percentile(ms, 50):.0f} | {percentile(ms, 95):.0f} | "
            f"{max(ms):.0f} |" if ms else f"| {label} | 0 | | | |")


def server_arguments(doc: str, *, port: int) -> argparse.ArgumentParser:
    """The options every load test here shares: where the server is (or that it is to be
    started, and how), how many clients, and the demo password."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--url", default="", help="a running server on 127.0.0.1")
    parser.add_argument("--start", action="store_true", help="start gunicorn for the test")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--password", default=os.environ.get("TANDEM_DEMO_PASSWORD",
                                                             "tandem-demo-2026"))
    return parser


def main() -> None:
    parser = server_arguments(__doc__, port=8765)
    parser.add_argument("--rounds", type=int, default=25, help="rounds per client")
    parser.add_argument("--path", default="/monitoring/")
    parser.add_argument("--username", default="region")
    args = parser.parse_args()
    if args.rounds > 1000 or args.clients > 64:
        raise SystemExit("bounded on purpose: at most 64 clients and 1000 rounds")
    server = None
    server_cpu = None
    if args.start:
        server = start_server(args.port, args.workers, args.threads)
        base = f"http://127.0.0.1:{args.port}"
    else:
        base = args.url.rstrip("/") or f"http://127.0.0.1:{args.port}"
    if urllib.parse.urlsplit(base).hostname not in {h.strip("[]") for h in LOCAL}:
        raise SystemExit("only a server on this machine (127.0.0.1) may be load-tested")
    timings = Timings()
    lock = threading.Lock()
    cpu_at_start: list[float] = []
    barrier = threading.Barrier(args.clients, action=lambda: cpu_at_start.append(
        group_cpu_seconds(server.pid) if server is not None else 0.0))
    try:
        threads = [threading.Thread(target=run_client, args=(base, args, timings, lock, barrier))
                   for _ in range(args.clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        total = time.perf_counter() - started
        if server is not None and cpu_at_start:
            server_cpu = group_cpu_seconds(server.pid) - cpu_at_start[0]
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    if timings.errors:
        raise SystemExit("errors: " + "; ".join(timings.errors[:5]))
    requests = len(timings.page) + len(timings.charts)
    print(f"{args.clients} clients × {args.rounds} rounds against {base}{args.path}; "
          f"{requests} requests in {total:.1f} s ({requests / total:.0f} per second)")
    print("| what | requests | p50, ms | p95, ms | max, ms |")
    print("|---|---|---|---|---|")
    print(report("first request of each client: page (may compute)", timings.cold_page))
    print(report("first request of each client: chart images", timings.cold_charts))
    print(report("page `/monitoring/`", timings.page))
    print(report("chart images (SVG)", timings.charts))
    print(report("page with all its charts (one round)", timings.rounds))
    if server_cpu is not None:
        print(f"server CPU in the measured rounds (all gunicorn processes): {server_cpu:.1f} s "
              f"= {1000 * server_cpu / requests:.1f} ms per request; load average at the end: "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    charts_per_page = len(timings.charts) / max(len(timings.page), 1)
    print(f"charts per page: {charts_per_page:.0f}; median of the page: "
          f"{statistics.median(timings.page) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
