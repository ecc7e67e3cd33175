"""gunicorn settings of the memory benchmarks only (``pages_load.py --request-log FILE``):
every worker appends, for each request, one line when it starts and one when it ends to the
file named by ``TANDEM_REQUEST_MEMORY_LOG``, so that a worker's peak can be laid at the door
of the requests that were in flight when it happened.

    gunicorn -c benchmarks/gunicorn_memory.py tandem.wsgi:application …

A line: ``time pid thread start|end METHOD path RSS-kB HWM-kB``. At the end of each request
the worker writes its peak resident memory since the end of its previous request (VmHWM) and
then resets that peak to the current resident memory (Linux: «5» into
``/proc/self/clear_refs``); so the HWM of an «end» line is the peak of the window between two
ends in that process, and the requests in flight in that window (from the «start» lines) are
the suspects. Never used by the application itself: production starts gunicorn without it.
"""

import os
import threading
import time

_LOG = os.environ.get("TANDEM_REQUEST_MEMORY_LOG", "")


def _memory() -> tuple[int, int]:
    rss = hwm = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return rss, hwm


def _write(phase: str, req: object) -> None:
    if not _LOG:
        return
    rss, hwm = _memory()
    line = (f"{time.time():.3f} {os.getpid()} {threading.get_ident()} {phase} "
            f"{getattr(req, 'method', '?')} {getattr(req, 'path', '?')} {rss} {hwm}\n")
    # One short write with O_APPEND: lines of concurrent workers do not interleave.
    descriptor = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode())
    finally:
        os.close(descriptor)
    if phase == "end":
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")


def pre_request(worker: object, req: object) -> None:
    _write("start", req)


def post_request(worker: object, req: object, environ: object, resp: object) -> None:
    _write("end", req)
