"""A large file made in the background (django.tasks), one home for every kind: the
participants export (``tandem.roster``), the monitoring reports (``tandem.monitoring``).

An app keeps its jobs in a model built on :class:`FileJob` (the owner, the fingerprint of
the owner's rights, the page's filters, the progress, the file) and makes the file with
:func:`write`: the rows counted as they go (progress every ``STEP``), the lease renewed
from a thread while it runs (tandem/web/jobs.py — the lease of every long job, not only of
files: a killed worker's job is marked failed by the sweep), and the file stored in one
write with the «done» status — a failed job never shows half a file. :func:`expire` is
the sweep's part: abandoned jobs failed, files older than ``KEPT`` deleted.

Who gets the file: its owner only (an app's views look a job up by its owner and the key;
anybody else: 404), and only while the owner's rights cover those the file was made under
(:func:`covers`). ``rights`` is ``Scope.fingerprint`` (``tandem.access.scope.Rights``) —
at the request, then, once the file is stored, the one it was made under. Rights that
grew keep the file; a job whose owner's rights shrank before it started, or changed at
all while it ran, is ``REFUSED`` (a Russian message, a warning in the log, no traceback),
and a finished one whose owner's rights shrank is not handed out (the page says «права
изменились»). This module knows the rights only as strings: an app's fingerprint that
has ``covers(stored)`` and ``record()`` (``Rights``) is asked; a plain string must be
equal.

An anonymisation and the making of files take turns (:func:`erasure_lock`): a job starts
and stores its file holding the lock shared, an anonymisation holds it alone; so a job
either ended before the anonymisation (which then deletes its file) or starts after it
(and reads the erased names) — never reads the old name and stores it afterwards.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.web import jobs
from tandem.web.dbrouter import primary_lsn

# From this many rows on a file is made by a task (the page shows progress and a download
# link); below it the request answers with the file at once.
SYNC_ROWS = 5000
STEP = 2000  # rows between two progress writes
# A finished file is kept this long for its owner to download, then deleted.
KEPT = dt.timedelta(days=1)
QUEUED_AT_MOST = dt.timedelta(minutes=30)

logger = logging.getLogger(__name__)

# The key of the PostgreSQL advisory lock between an anonymisation and the file jobs (a
# constant the project uses for nothing else; it has no other advisory lock).
ERASURE_LOCK = 7_301_152


def covers(now: str, stored: str) -> bool:
    """Rights ``now`` (a fingerprint) include the rights ``stored`` by a job: the same
    string, or ``now.covers(stored)`` where the fingerprint can tell (the app's rule)."""
    if now == stored:
        return True
    rule = getattr(now, "covers", None)
    return bool(stored) and rule is not None and bool(rule(stored))


def _record(rights: str) -> bool:
    """Keeps what ``rights`` cover, where the fingerprint can (``record()``); a plain
    string has nothing to keep."""
    keep = getattr(rights, "record", None)
    return True if keep is None else bool(keep())


class Refused(Exception):
    """The job's owner may not have this file now (their rights changed, the page's
    filters are out of their scope): the job is ``REFUSED``, a warning is logged."""


def erasure_lock(*, shared: bool) -> None:
    """Takes, until the transaction ends, the lock an anonymisation holds alone
    (``shared=False``: tandem/people/personal_data.py) and a file job shared, when it
    starts and when it stores its file. SQLite needs none: its writers take turns, and
    a job's start is a write."""
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [ERASURE_LOCK])


class FileJob(models.Model):
    """A file being made for one person; ``query``: the page's filters (checked by the
    request that made the job)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("в очереди")
        RUNNING = "running", _("готовится")
        DONE = "done", _("готов")
        FAILED = "failed", _("не удалось")
        REFUSED = "refused", _("права изменились")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                     related_name="+", verbose_name=_("кто выгружает"))
    query = models.CharField(max_length=2000, blank=True)  # the list page's filters
    # ``Scope.fingerprint`` of the owner at the request, then the one the file was made
    # under: the file is theirs only while their rights cover these (:func:`covers`).
    rights = models.CharField(max_length=32, blank=True)
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new job keeps what its owner's rights cover at the request
        (``Rights.record``): the apps make jobs with ``rights=scope.fingerprint``, and
        only now, at that fingerprint's layout, can the organizations be read — the
        worker then lets rights that grew since run the job (:func:`covers`)."""
        if self._state.adding and self.rights:
            _record(self.rights)
        super().save(*args, **kwargs)

    @property
    def busy(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0

    # The primary's WAL position when the job was taken (:func:`write`; not stored): what
    # ``make`` passes to ``reading_from_replica(fresh_as_of=…)``.
    primary_lsn: str | None = None

    def refused_to(self, fingerprint: str) -> bool:
        """The file is not (or will not be) handed to its owner whose rights now have
        this fingerprint: they no longer cover those of the job (:func:`covers`: shrunk
        or changed otherwise — grown is fine), or the job was refused."""
        return self.status == self.Status.REFUSED or not covers(fingerprint, self.rights)

    @property
    def before_rights(self) -> bool:
        """Asked for before jobs kept their owner's rights (an empty ``rights``): refused
        like any other, though the rights need not have changed — its page says so
        neutrally, not «права изменились»."""
        return not self.rights

    def check_rights(self, fingerprint: str) -> None:
        """Raises :class:`Refused` unless the owner's rights the job's ``make`` reads its
        rows under (``Scope.fingerprint``) are those :func:`write` took the job under
        (``rights`` while it runs): the scope of ``make`` and the checks of :func:`write`
        are two readings of the roles, and a change between them would make the file
        under other rights than those it is stored with (review finding)."""
        if fingerprint != self.rights:
            raise Refused("the owner's rights changed before its rows were read")


def write[J: FileJob, T](model: type[J], pk: int,
                         make: Callable[[J, Callable[[Iterable[T]], Iterator[T]]],
                                        tuple[bytes, str]],
                         *, rights_now: Callable[[int], str], step: int = STEP) -> int:
    """Runs the job ``pk`` of ``model`` once (a job already taken, done, failed or
    deleted is left alone): ``make(job, counted)`` returns the file and its name, passing
    its rows through ``counted`` (which writes the progress every ``step`` rows).
    ``rights_now(user_id)``: the fingerprint of the owner's rights now. Taken when the job
    is, it must cover the request's (rights that grew run the job under the new ones) and
    is the job's from then on: ``make``'s own reading (:meth:`FileJob.check_rights`) and
    the one when the file is stored must equal it, and the file is stored with it (and
    what it covers, ``record()``). A shrink before, a change while it runs — or ``make``
    raising :class:`Refused` — refuses the job. The rows written; on another error the job
    is failed (no file) and the error raised, for the log and the task's result."""
    rows = model.objects.filter(pk=pk)  # type: ignore[attr-defined]
    # Taken in one conditional write (two workers: one wins), holding the erasure lock.
    with transaction.atomic():
        erasure_lock(shared=True)
        taken = rows.filter(status=FileJob.Status.QUEUED).update(
            status=FileJob.Status.RUNNING, heartbeat_at=timezone.now())
        rights, lsn = "", None
        if taken:
            # The rights before the WAL position: a replica that has replayed the position
            # has every layout change these rights saw (the store checks none came after).
            rights = rights_now(rows.values_list("requested_by_id", flat=True).get())
            # Every anonymisation that ran before is committed (the lock): a replica is
            # read only once it has replayed this far (tandem/web/dbrouter.py).
            lsn = primary_lsn()
    job = rows.select_related("requested_by").first()
    if not taken or job is None:
        return 0  # done, failed, taken by another worker, or deleted (an anonymisation)
    job.primary_lsn = lsn
    # Progress writes go to the primary (the router sends every write there), also from
    # inside the app's ``reading_from_replica()``; a job declared failed is not revived.
    running = rows.filter(status=FileJob.Status.RUNNING)

    def counted(items: Iterable[T]) -> Iterator[T]:
        for n, item in enumerate(items, start=1):
            if n == 1 or n % step == 0:  # the first row too: the data step before it is long
                running.update(done=n, heartbeat_at=timezone.now())
            yield item
            job.done = n

    def refuse(why: object) -> int:
        logger.warning("%s %s refused: %s", model.__name__, pk, why)
        running.update(status=FileJob.Status.REFUSED, finished_at=timezone.now())
        return 0

    if not covers(rights, job.rights):
        return refuse("the owner's rights shrank before it started")
    job.rights = rights  # those the file is made under
    try:
        with jobs.beating(running):
            content, filename = make(job, counted)
    except Refused as why:
        return refuse(why)
    except Exception:
        logger.exception("%s %s failed", model.__name__, pk)
        running.update(status=FileJob.Status.FAILED, finished_at=timezone.now())
        raise
    # The lease is renewed while the store waits for an anonymisation holding the erasure
    # lock: a long one would otherwise let the sweep fail a finished job (review finding).
    with jobs.beating(running), transaction.atomic():
        erasure_lock(shared=True)
        if rights_now(job.requested_by_id) != job.rights or not _record(job.rights):
            return refuse("the owner's rights changed while it ran")
        # Only a job still running gets its file: one the lease has meanwhile declared
        # failed (the page said so and offered to start again) stays failed (review
        # finding: it turned «done» behind the user's back); one an anonymisation deleted
        # stays deleted.
        running.update(status=FileJob.Status.DONE, content=content, done=job.done,
                       filename=filename, rights=str(job.rights), finished_at=timezone.now())
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
