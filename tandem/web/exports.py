"""A large file made in the background (django.tasks), one home for every kind: the
participants export (``tandem.roster``), the monitoring reports (``tandem.monitoring``).

An app keeps its jobs in a model built on :class:`FileJob` (the owner, the page's filters,
the progress, the file) and makes the file with :func:`write`: the rows counted as they go
(progress every ``STEP``), a heartbeat (tandem/web/jobs.py: a killed worker's job is
marked failed by the sweep), and the file stored in one write with the «done» status — a
failed job never shows half a file. :func:`expire` is the sweep's part: abandoned jobs
failed, files older than ``KEPT`` deleted. The file is its owner's only: an app's views
look a job up by its owner and the key (anybody else: 404).
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.web import jobs

# From this many rows on a file is made by a task (the page shows progress and a download
# link); below it the request answers with the file at once.
SYNC_ROWS = 5000
STEP = 2000  # rows between two progress writes
# A finished file is kept this long for its owner to download, then deleted.
KEPT = dt.timedelta(days=1)
QUEUED_AT_MOST = dt.timedelta(minutes=30)

logger = logging.getLogger(__name__)


class FileJob(models.Model):
    """A file being made for one person; ``query``: the page's filters (checked by the
    request that made the job)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("в очереди")
        RUNNING = "running", _("готовится")
        DONE = "done", _("готов")
        FAILED = "failed", _("не удалось")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                     related_name="+", verbose_name=_("кто выгружает"))
    query = models.CharField(max_length=2000, blank=True)  # the list page's filters
    fmt = models.CharField(max_length=4)  # "xlsx" or "csv"
    status = models.CharField(_("состояние"), max_length=8, choices=Status.choices,
                              default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # tandem/web/jobs.py

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.filename or str(self.pk)

    @property
    def busy(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0


def write[J: FileJob, T](model: type[J], pk: int,
                         make: Callable[[J, Callable[[Iterable[T]], Iterator[T]]],
                                        tuple[bytes, str]],
                         *, step: int = STEP) -> int:
    """Runs the job ``pk`` of ``model`` once (a job already taken, done or failed is left
    alone): ``make(job, counted)`` returns the file and its name, passing its rows through
    ``counted`` (which writes the progress every ``step`` rows). The rows written; on an
    error the job is failed (no file) and the error raised, for the log and the task's
    result."""
    job = model.objects.select_related("requested_by").get(pk=pk)  # type: ignore[attr-defined]
    if job.status != FileJob.Status.QUEUED:
        return 0  # done, failed or taken by another worker
    job.status, job.heartbeat_at = FileJob.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "heartbeat_at"])
    # Progress writes go to the primary (the router sends every write there), also from
    # inside the app's ``reading_from_replica()``.
    rows = model.objects.filter(pk=pk)  # type: ignore[attr-defined]

    def counted(items: Iterable[T]) -> Iterator[T]:
        for n, item in enumerate(items, start=1):
            if n == 1 or n % step == 0:  # the first row too: the data step before it is long
                rows.update(done=n, heartbeat_at=timezone.now())
            yield item
            job.done = n

    try:
        content, filename = make(job, counted)
    except Exception:
        logger.exception("%s %s failed", model.__name__, pk)
        rows.filter(status=FileJob.Status.RUNNING).update(
            status=FileJob.Status.FAILED, finished_at=timezone.now())
        raise
    # Only a job still running gets its file: one the lease has meanwhile declared failed
    # (the page said so and offered to start again) stays failed (review finding: it
    # turned «done» behind the user's back).
    rows.filter(status=FileJob.Status.RUNNING).update(
        status=FileJob.Status.DONE, content=content, done=job.done, filename=filename,
        finished_at=timezone.now())
    return int(job.done)


def expire(model: type[FileJob], *, pk: int | None = None,
           kept: dt.timedelta = KEPT, queued_at_most: dt.timedelta = QUEUED_AT_MOST) -> int:
    """Marks a job whose process was killed as failed (the page offers to start again),
    fails one never taken by a worker after ``QUEUED_AT_MOST`` and deletes jobs older than
    ``KEPT`` (personal data kept no longer than it is needed). ``pk``: only that job, and
    no deleting (a page looking at it)."""
    objects: Any = model.objects  # type: ignore[attr-defined]
    chosen = objects.all() if pk is None else objects.filter(pk=pk)
    n = jobs.expire(chosen.filter(status=FileJob.Status.RUNNING),
                    status=FileJob.Status.FAILED, heartbeat_at=None)
    n += objects.filter(pk__in=chosen.values("pk"), status=FileJob.Status.QUEUED,
                        created_at__lt=timezone.now() - queued_at_most,
                        ).update(status=FileJob.Status.FAILED)
    if pk is None:
        n += objects.filter(created_at__lt=timezone.now() - kept).delete()[0]
    return int(n)
