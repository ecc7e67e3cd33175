"""Writes for the roster: keeping an upload, storing its check, committing it.

A commit is one transaction: every row of the file is saved, or none. New people are
inserted in batches with their «created» audit entries written alongside in bulk; changed
people are saved one by one through the ORM, so django-auditlog records each change (who,
when, from which address, old → new) exactly as for an edit made by hand. An import is not
a way round the audit trail. Large files run in a background task (``tandem.roster.tasks``).

The file is kept in pieces (``RosterImportPart``) and read back through a temporary file,
so neither the upload nor the check nor the commit holds it whole in memory; the commit's
check spools the rows to write (``imports.WritePlan``) and writes them a batch at a time,
still inside its one transaction: new people in the file's order, then the people it
changes by id ascending across the whole file (the order ``people.models.organizations_now``
locks them in, so an import and the survey schedule or a hand-out never deadlock).
"""

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.access.scope import Scope
from tandem.accounts.models import User
from tandem.audit.entries import write_entries
from tandem.people.models import Participant
from tandem.roster.fileformat import estimate_rows
from tandem.roster.imports import Progress, Report, RowResult, check_roster
from tandem.roster.models import RosterExport, RosterImport, RosterImportPart
from tandem.territory.models import Organization
from tandem.web import exports, jobs
from tandem.web.signals import figures_changed

REFUSED = _("Ничего не загружено: в файле есть ошибки (%(n)s). Исправьте их и загрузите "
            "файл снова.")
CHANGED_MEANWHILE = _("Ничего не загружено: пока файл ждал загрузки, данные в системе "
                      "изменились. Проверьте новый результат проверки.")
NOT_CHECKED = _("Этот файл ещё не проверен или уже загружен.")
STALE_COMMIT = _("Загрузка прервалась: сервер, который её выполнял, остановился (перезапуск "
                 "или нехватка памяти). Ничего не записано — нажмите «Загрузить» ещё раз.")
STALE_CHECK = _("Проверка прервалась: сервер, который её выполнял, остановился (перезапуск "
                "или нехватка памяти). Ничего не загружено — загрузите файл ещё раз.")

KEEP_UNCOMMITTED = dt.timedelta(days=7)


class RosterRefused(Exception):
    def __init__(self, message: str, report: Report | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class Written:
    created: int
    updated: int
    skipped: int = 0  # rows with errors left out (only with ``skip_invalid``)


@transaction.atomic
def roster_import_store(*, user: User, filename: str, content: bytes | None = None,
                        file: IO[bytes] | None = None) -> RosterImport:
    """Keeps an uploaded file (``content``, or a seekable binary ``file`` such as Django's
    upload, read a piece at a time) until it is committed; the user's files that were
    never committed go after ``KEEP_UNCOMMITTED``: they hold personal data nobody needs."""
    RosterImport.objects.filter(uploaded_by=user, committed_at__isnull=True,
                                created_at__lt=timezone.now() - KEEP_UNCOMMITTED).delete()
    source = file if file is not None else io.BytesIO(content or b"")
    upload = RosterImport.objects.create(uploaded_by=user, filename=filename[:255])
    source.seek(0)
    upload.size = _write_parts(upload, RosterImportPart.Kind.FILE,
                               iter(lambda: source.read(RosterImportPart.SIZE), b""))
    upload.rows_total = estimate_rows(source, filename)
    upload.save(update_fields=["size", "rows_total"])
    return upload


def _write_parts(upload: RosterImport, kind: str, chunks: Iterator[bytes]) -> int:
    """Writes ``chunks`` as the upload's pieces of ``kind`` (a piece at a time; a chunk
    larger than a piece is cut); the bytes written."""
    size = number = 0
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= RosterImportPart.SIZE:
            RosterImportPart.objects.create(upload=upload, kind=kind, number=number,
                                            data=buffer[:RosterImportPart.SIZE])
            size += RosterImportPart.SIZE
            number += 1
            buffer = buffer[RosterImportPart.SIZE:]
    if buffer:
        RosterImportPart.objects.create(upload=upload, kind=kind, number=number, data=buffer)
        size += len(buffer)
    return size


def has_parts(upload: RosterImport, kind: str = RosterImportPart.Kind.FILE) -> bool:
    return RosterImportPart.objects.filter(upload=upload, kind=kind).exists()


def stored_chunks(upload: RosterImport,
                  kind: str = RosterImportPart.Kind.FILE) -> Iterator[bytes]:
    """The stored file of ``kind``, a piece at a time (a few pieces fetched at once)."""
    parts = (RosterImportPart.objects.filter(upload=upload, kind=kind).order_by("number")
             .values_list("data", flat=True))
    for data in parts.iterator(chunk_size=4):
        yield bytes(data)


@contextmanager
def stored_file(upload: RosterImport) -> Iterator[IO[bytes]]:
    """The uploaded file, copied piece by piece into a temporary file (in memory while
    small): what the reader of a table needs — it seeks, and a workbook is a ZIP."""
    with tempfile.SpooledTemporaryFile(max_size=8 * RosterImportPart.SIZE) as spool:
        for chunk in stored_chunks(upload):
            spool.write(chunk)
        spool.seek(0)
        yield spool  # type: ignore[misc]


PROBLEMS_HEADER = (_("Строка"), _("ФИО"), _("Организация"), _("Что не так"))


class _ProblemList:
    """Every problem of a check, one line per message, as a CSV (UTF-8 with BOM, «;»: it
    opens in Excel) spooled to a temporary file; the preview shows the first ones and
    offers this list whole for download."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * RosterImportPart.SIZE)
        self.text = io.TextIOWrapper(self.file, encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.text, delimiter=";")
        self.writer.writerow([str(h) for h in PROBLEMS_HEADER])
        self.count = 0

    def __call__(self, row: RowResult) -> None:
        for message in row.errors:
            self.writer.writerow([row.number, row.who, row.organization, message])
            self.count += 1

    def store(self, upload: RosterImport) -> None:
        RosterImportPart.objects.filter(upload=upload,
                                        kind=RosterImportPart.Kind.PROBLEMS).delete()
        if self.count:
            self.text.flush()
            self.file.seek(0)
            _write_parts(upload, RosterImportPart.Kind.PROBLEMS,
                         iter(lambda: self.file.read(RosterImportPart.SIZE), b""))

    def close(self) -> None:
        self.text.close()


def roster_import_check(*, upload: RosterImport, scope: Scope,
                        show_progress: bool = False) -> Report:
    """Checks the stored file and keeps the result for the preview (and the whole list
    of problems, for download); with ``show_progress``, keeps the rows done up to date
    for a page that polls it."""
    _set_progress(upload, 0, status=RosterImport.Status.CHECKING)
    problems = _ProblemList()
    try:
        with stored_file(upload) as source:
            report = check_roster(
                source=source, filename=upload.filename, scope=scope, problems=problems,
                progress=(lambda done, total: _set_progress(upload, _percent(done, total),
                                                            done=done, total=total))
                if show_progress else None)
        if report.plan is not None:
            report.plan.close()
        with transaction.atomic():
            problems.store(upload)
            upload.report = report.as_json()
            upload.status = RosterImport.Status.CHECKED
            upload.progress = 100
            upload.rows_done = upload.rows_total = report.total
            upload.save(update_fields=["report", "status", "progress", "rows_done",
                                       "rows_total"])
    finally:
        problems.close()
    return report


def _percent(done: int, total: int) -> int:
    return min(100, 100 * done // total) if total else 0


def mark_committing(*, upload: RosterImport, remote_addr: str | None = None,
                    queued: bool = False) -> None:
    """Takes a checked file's commit in hand, so that a second click does nothing;
    ``remote_addr`` is where the commit was asked from, for the audit trail. The lease
    starts now, unless the commit is ``queued`` for a worker (it starts when one takes it:
    a long queue is not a dead worker)."""
    taken = RosterImport.objects.filter(pk=upload.pk, status=RosterImport.Status.CHECKED).update(
        status=RosterImport.Status.COMMITTING, progress=0, failure="", remote_addr=remote_addr,
        heartbeat_at=None if queued else timezone.now())
    if not taken:
        raise RosterRefused(str(NOT_CHECKED))
    upload.status, upload.progress, upload.failure = RosterImport.Status.COMMITTING, 0, ""
    upload.remote_addr = remote_addr


def beat(upload: RosterImport) -> None:
    """The lease of the work starting now (a worker took the job)."""
    upload.heartbeat_at = timezone.now()
    RosterImport.objects.filter(pk=upload.pk).update(heartbeat_at=upload.heartbeat_at)


def expire_stale(*, pk: int | None = None) -> int:
    """Marks abandoned work (no heartbeat within the lease: its process was killed) as
    failed and retryable, with a Russian message: a commit goes back to the checked file —
    its transaction died with it, nothing was written, and the button commits again; a
    check asks for the file again. ``pk``: only that upload (a page looking at it)."""
    uploads = RosterImport.objects.all() if pk is None else RosterImport.objects.filter(pk=pk)
    now = timezone.now()
    n = jobs.expire(uploads.filter(status=RosterImport.Status.COMMITTING), now=now,
                    status=RosterImport.Status.CHECKED, progress=100,
                    failure=str(STALE_COMMIT), heartbeat_at=None)
    return n + jobs.expire(uploads.filter(status=RosterImport.Status.CHECKING), now=now,
                           status=RosterImport.Status.FAILED, failure=str(STALE_CHECK),
                           heartbeat_at=None)


# A finished export's file is kept this long for its owner to download, then deleted.
EXPORT_KEPT = exports.KEPT
EXPORT_QUEUED_AT_MOST = exports.QUEUED_AT_MOST


def expire_stale_exports(*, pk: int | None = None) -> int:
    """Marks an export whose process was killed as failed (the page offers to export
    again) and deletes exports older than ``EXPORT_KEPT`` (personal data kept no longer
    than it is needed). ``pk``: only that job, and no deleting (a page looking at it)."""
    return exports.expire(RosterExport, pk=pk, kept=EXPORT_KEPT,
                          queued_at_most=EXPORT_QUEUED_AT_MOST)


def mark_failed(*, upload: RosterImport, message: str) -> None:
    upload.status = RosterImport.Status.FAILED
    upload.failure = message
    RosterImport.objects.filter(pk=upload.pk).update(status=upload.status, failure=message)


def roster_import_commit(*, upload: RosterImport, scope: Scope,
                         show_progress: bool = False) -> Written:
    """Checks the file again, in the transaction that writes it, and saves every row;
    refuses (and writes nothing) if any row is wrong now. The upload must have been
    taken in hand by ``mark_committing``."""
    if upload.status != RosterImport.Status.COMMITTING:
        raise RosterRefused(str(NOT_CHECKED))
    was_ok = bool(upload.report) and Report.from_json(upload.report).ok
    side = _SideChannel(upload, enabled=show_progress)
    problems = _ProblemList()
    report: Report | None = None
    try:
        with stored_file(upload) as source, transaction.atomic():
            # The check first, whole, then the writing: every row is matched against the
            # database as it was before this commit wrote anything.
            report = check_roster(source=source, filename=upload.filename, scope=scope,
                                  progress=side.between(0, 40), problems=problems)
            if not report.ok:
                message = (CHANGED_MEANWHILE if was_ok
                           else REFUSED % {"n": max(1, report.problem_count)})
                raise RosterRefused(str(message), report)
            written = roster_write(report=report, progress=side.between(40, 100))
            upload.report = report.as_json()
            upload.status = RosterImport.Status.DONE
            upload.progress = 100
            upload.rows_done = upload.rows_total = report.total
            upload.committed_at = timezone.now()
            upload.save(update_fields=["report", "status", "progress", "rows_done",
                                       "rows_total", "committed_at"])
            # The people are in the database now; no second copy of the file.
            upload.parts.filter(kind=RosterImportPart.Kind.FILE).delete()
    except RosterRefused as refused:
        if refused.report is not None:
            problems.store(upload)  # the new check's problems, whole, for download
        _refuse(upload, str(refused), refused.report)
        raise
    except IntegrityError:
        # Someone saved the same e-mail between the check and the write.
        _refuse(upload, str(CHANGED_MEANWHILE), None)
        raise RosterRefused(str(CHANGED_MEANWHILE)) from None
    finally:
        side.close()
        problems.close()
        if report is not None and report.plan is not None:
            report.plan.close()
    return written


def _refuse(upload: RosterImport, message: str, report: Report | None) -> None:
    """Back to the preview, with the reason and (if there is one) the new check."""
    upload.status = RosterImport.Status.CHECKED
    upload.progress = 100
    upload.failure = message
    if report is not None:
        upload.report = report.as_json()
    upload.save(update_fields=["status", "progress", "failure", "report"])


@transaction.atomic
def roster_write(*, report: Report, skip_invalid: bool = False,
                 progress: Progress | None = None) -> Written:
    """Saves the rows a check found new or changed (its ``plan``), a batch at a time — new
    people in the file's order, then changed people by id ascending across the whole file;
    all of them or, if any row is wrong and ``skip_invalid`` is not set, none."""
    if not report.ok and not skip_invalid:
        raise RosterRefused(str(REFUSED % {"n": max(1, report.problem_count)}), report)
    if report.file_errors:
        raise RosterRefused(report.file_errors[0], report)
    assert report.plan is not None, "a report read back from JSON has nothing to write"
    total = max(1, report.plan.size)
    organizations: dict[int, Organization] = {}
    created = updated = 0
    # New people first, in the file's order: nobody else holds their rows. Then the
    # people to change, by their ids across the whole file — the order the readers of
    # people's rows (``people.models.organizations_now``: the hand-out of questionnaires,
    # the survey schedule, submissions) lock them in, so the two cannot each hold a row
    # the other waits for (PostgreSQL would end one, often this whole import).
    for batch in report.plan.new():
        new = [(target, values) for target, values in batch if target is not None]
        missing = {t for t, _v in new} - organizations.keys()
        organizations.update(Organization.objects.in_bulk(missing))
        created += _create_all([(organizations[t], v) for t, v in new])
        if progress is not None:
            progress(created + updated, total)
    for changes in report.plan.changes():
        people = Participant.objects.in_bulk({pk for pk, _values in changes})
        for pk, values in changes:  # ascending ids
            if pk in people:  # (one removed since the check is left out, as before)
                _update(_Change(people[pk], values))
                updated += 1
        if progress is not None:
            progress(created + updated, total)
    if progress is not None:
        progress(total, total)
    skipped = report.counts["error"] if skip_invalid else 0
    return Written(created=created, updated=updated, skipped=skipped)


CREATE_BATCH = 2000


def _create_all(rows: list[tuple[Organization, dict[str, Any]]]) -> int:
    """New people in batches, each with its own «created» entry in the audit trail.

    Checked by RosterRowForm and, for the e-mail, against the whole database in one query;
    saving them one by one (with full_clean) took a 30,000-row file over a minute.
    bulk_create sends no signals, so the audit entries are written here, in bulk too
    (``tandem.audit.entries.write_entries``: the actor, address and correlation id too).
    """
    done = 0
    for start in range(0, len(rows), CREATE_BATCH):
        batch = []
        for organization, values in rows[start:start + CREATE_BATCH]:
            participant = Participant(organization=organization, **values)
            participant.refresh_search_name()
            participant.email = participant.email.strip().lower()
            batch.append(participant)
        Participant.objects.bulk_create(batch)
        _log_created(batch)
        # bulk_create sends no model signal: the figures kept per organization.
        figures_changed.send(sender=Participant,
                             organization_ids={p.organization_id for p in batch})
        done += len(batch)
    return done


def _log_created(people: list[Participant]) -> None:
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Participant)
    regions = dict(Organization.objects.filter(
        pk__in={p.organization_id for p in people}).values_list("pk", "municipality__region"))
    # As auditlog's own entries (tandem/people/apps.py): no derived columns — the search
    # name, the times, the place kept from the organization (municipality, region).
    fields = [f.name for f in Participant._meta.concrete_fields
              if f.name not in ("id", "search_name", "created_at", "updated_at",
                                "municipality", "region")]
    entries = []
    for p in people:
        changes = {}
        for name in fields:
            value = getattr(p, f"{name}_id" if name in ("organization", "line_manager", "user")
                            else name)
            if value not in (None, ""):
                changes[name] = ["None", str(value)]
        entries.append(LogEntry(
            content_type=content_type, object_pk=str(p.pk), object_id=p.pk,
            object_repr=str(p), action=LogEntry.Action.CREATE, changes=changes,
            additional_data={"organization_id": p.organization_id,
                             "region_id": regions.get(p.organization_id)}))
    write_entries(entries)


@dataclass(frozen=True)
class _Change:
    participant: Participant
    values: dict[str, Any]


def _update(change: _Change) -> Participant:
    """One changed person, saved through the ORM: django-auditlog records old → new."""
    participant = change.participant
    for name, value in change.values.items():
        setattr(participant, name, value)
    participant.save()
    return participant


# -- progress --------------------------------------------------------------------------
def _set_progress(upload: RosterImport, percent: int, *, status: str | None = None,
                  done: int | None = None, total: int | None = None) -> None:
    upload.progress = percent
    if status is not None:
        upload.status = status
    changes: dict[str, Any] = {}
    if done is not None and total is not None:
        upload.rows_done, upload.rows_total = done, total
        changes = {"rows_done": done, "rows_total": total}
    upload.heartbeat_at = timezone.now()  # the lease (tandem/web/jobs.py)
    RosterImport.objects.filter(pk=upload.pk).update(progress=percent, status=upload.status,
                                                     heartbeat_at=upload.heartbeat_at,
                                                     **changes)


class _SideChannel:
    """Progress of work inside the commit's transaction, for the page that polls it.

    An update made in that transaction would stay invisible until it ends, so on
    PostgreSQL the percent goes through a second connection of its own. SQLite takes one
    writer at a time, and a second one would wait for the very transaction it reports
    on; there the page shows the step, and the percent jumps when the step ends.
    """

    def __init__(self, upload: RosterImport, *, enabled: bool) -> None:
        self.upload_id = upload.pk
        self.enabled = enabled and connections[DEFAULT_DB_ALIAS].vendor == "postgresql"
        self.connection: BaseDatabaseWrapper | None = None

    def between(self, start: int, end: int) -> Progress:
        def publish(done: int, total: int) -> None:
            if not self.enabled:
                return
            if self.connection is None:
                self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
            table = self.connection.ops.quote_name(RosterImport._meta.db_table)
            percent = start + (end - start) * _percent(done, total) // 100
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress = %s, rows_done = %s, rows_total = %s, "  # noqa: S608
                    "heartbeat_at = %s WHERE id = %s",
                    [percent, done, total, timezone.now(), self.upload_id])

        return publish

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
