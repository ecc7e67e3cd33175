"""Writes for the roster: keeping an upload, storing its check, committing it.

A commit is one transaction: every row of the file is saved, or none. New people are
inserted in batches with their «created» audit entries written alongside in bulk; changed
people are saved one by one through the ORM, so django-auditlog records each change (who,
when, from which address, old → new) exactly as for an edit made by hand. An import is not
a way round the audit trail. Large files run in a background task (``tandem.roster.tasks``).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.access.scope import Scope
from tandem.accounts.models import User
from tandem.people.models import Participant
from tandem.roster.imports import NEW, UPDATE, Progress, Report, RowResult, check_roster
from tandem.roster.models import RosterExport, RosterImport
from tandem.territory.models import Organization
from tandem.web import jobs

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
def roster_import_store(*, user: User, filename: str, content: bytes) -> RosterImport:
    """Keeps an uploaded file until it is committed; the user's files that were never
    committed go after ``KEEP_UNCOMMITTED``: they hold personal data nobody needs."""
    RosterImport.objects.filter(uploaded_by=user, committed_at__isnull=True,
                                created_at__lt=timezone.now() - KEEP_UNCOMMITTED).delete()
    return RosterImport.objects.create(uploaded_by=user, filename=filename[:255],
                                       content=content)


def roster_import_check(*, upload: RosterImport, scope: Scope,
                        show_progress: bool = False) -> Report:
    """Checks the stored file and keeps the result for the preview; with
    ``show_progress``, keeps the percent done up to date for a page that polls it."""
    _set_progress(upload, 0, status=RosterImport.Status.CHECKING)
    report = check_roster(content=bytes(upload.content), filename=upload.filename, scope=scope,
                          progress=(lambda p: _set_progress(upload, p)) if show_progress
                          else None)
    upload.report = report.as_json()
    upload.status = RosterImport.Status.CHECKED
    upload.progress = 100
    upload.save(update_fields=["report", "status", "progress"])
    return report


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
EXPORT_KEPT = dt.timedelta(days=1)
EXPORT_QUEUED_AT_MOST = dt.timedelta(minutes=30)


def expire_stale_exports(*, pk: int | None = None) -> int:
    """Marks an export whose process was killed as failed (the page offers to export
    again) and deletes exports older than ``EXPORT_KEPT`` (personal data kept no longer
    than it is needed). ``pk``: only that job, and no deleting (a page looking at it)."""
    exports = RosterExport.objects.all() if pk is None else RosterExport.objects.filter(pk=pk)
    n = jobs.expire(exports.filter(status=RosterExport.Status.RUNNING),
                    status=RosterExport.Status.FAILED, heartbeat_at=None)
    # Never taken by a worker (none running, or the queue lost it): failed after a while,
    # so the page stops waiting and offers to export again.
    n += RosterExport.objects.filter(
        pk__in=exports.values("pk"), status=RosterExport.Status.QUEUED,
        created_at__lt=timezone.now() - EXPORT_QUEUED_AT_MOST,
    ).update(status=RosterExport.Status.FAILED)
    if pk is None:
        n += RosterExport.objects.filter(created_at__lt=timezone.now() - EXPORT_KEPT
                                         ).delete()[0]
    return n


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
    try:
        with transaction.atomic():
            report = check_roster(content=bytes(upload.content), filename=upload.filename,
                                  scope=scope, progress=side.between(0, 20))
            if not report.ok:
                message = (CHANGED_MEANWHILE if was_ok
                           else REFUSED % {"n": max(1, len(report.errors))})
                raise RosterRefused(str(message), report)
            written = roster_write(report=report, progress=side.between(20, 100))
            upload.report = report.as_json()
            upload.status = RosterImport.Status.DONE
            upload.progress = 100
            upload.committed_at = timezone.now()
            upload.content = b""  # the people are in the database now; no second copy
            upload.save(update_fields=["report", "status", "progress", "committed_at",
                                       "content"])
    except RosterRefused as refused:
        _refuse(upload, str(refused), refused.report)
        raise
    except IntegrityError:
        # Someone saved the same e-mail between the check and the write.
        _refuse(upload, str(CHANGED_MEANWHILE), None)
        raise RosterRefused(str(CHANGED_MEANWHILE)) from None
    finally:
        side.close()
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
    """Saves the rows a check found new or changed; all of them or, if any row is wrong
    and ``skip_invalid`` is not set, none."""
    if not report.ok and not skip_invalid:
        raise RosterRefused(str(REFUSED % {"n": max(1, len(report.errors))}), report)
    if report.file_errors:
        raise RosterRefused(report.file_errors[0], report)
    new = [r for r in report.rows if r.status == NEW]
    changed = [r for r in report.rows if r.status == UPDATE]
    total = max(1, len(new) + len(changed))
    created = _create_all(new, progress=progress, total=total)
    updated = 0
    step = max(1, total // 50)
    for i, row in enumerate(changed, start=created):
        _update(row)
        updated += 1
        if progress is not None and i % step == 0:
            progress(100 * i // total)
    if progress is not None:
        progress(100)
    skipped = sum(1 for r in report.rows if r.errors)
    return Written(created=created, updated=updated, skipped=skipped)


CREATE_BATCH = 2000


def _create_all(rows: list[RowResult], *, progress: Progress | None, total: int) -> int:
    """New people in batches, each with its own «created» entry in the audit trail.

    Checked by RosterRowForm and, for the e-mail, against the whole database in one query;
    saving them one by one (with full_clean) took a 30,000-row file over a minute.
    bulk_create sends no signals, so the audit entries are written here, in bulk too; the
    actor and address come from auditlog's own receiver (see ``_log_created``).
    """
    done = 0
    for start in range(0, len(rows), CREATE_BATCH):
        batch = []
        for row in rows[start:start + CREATE_BATCH]:
            participant = Participant(organization=row.target, **row.values)
            participant.refresh_search_name()
            participant.email = participant.email.strip().lower()
            batch.append(participant)
        Participant.objects.bulk_create(batch)
        _log_created(batch)
        done += len(batch)
        if progress is not None:
            progress(100 * done // total)
    return done


def _log_created(people: list[Participant]) -> None:
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db.models.signals import pre_save

    content_type = ContentType.objects.get_for_model(Participant)
    regions = dict(Organization.objects.filter(
        pk__in={p.organization_id for p in people}).values_list("pk", "municipality__region"))
    fields = [f.name for f in Participant._meta.concrete_fields
              if f.name not in ("id", "search_name", "created_at", "updated_at")]
    entries = []
    for p in people:
        changes = {}
        for name in fields:
            value = getattr(p, f"{name}_id" if name in ("organization", "line_manager", "user")
                            else name)
            if value not in (None, ""):
                changes[name] = ["None", str(value)]
        entry = LogEntry(
            content_type=content_type, object_pk=str(p.pk), object_id=p.pk,
            object_repr=str(p), action=LogEntry.Action.CREATE, changes=changes,
            additional_data={"organization_id": p.organization_id,
                             "region_id": regions.get(p.organization_id)})
        # auditlog fills in the actor and address in its pre_save receiver, and only while
        # a request or task has set them; bulk_create sends no signal, so send it here.
        pre_save.send(sender=LogEntry, instance=entry, raw=False, using="default",
                      update_fields=None)
        entries.append(entry)
    LogEntry.objects.bulk_create(entries)


def _update(row: RowResult) -> Participant:
    participant = row.participant
    assert participant is not None
    for name, value in row.values.items():
        setattr(participant, name, value)
    participant.save()
    return participant


# -- progress --------------------------------------------------------------------------
def _set_progress(upload: RosterImport, percent: int, *, status: str | None = None) -> None:
    upload.progress = percent
    if status is not None:
        upload.status = status
    upload.heartbeat_at = timezone.now()  # the lease (tandem/web/jobs.py)
    RosterImport.objects.filter(pk=upload.pk).update(progress=percent, status=upload.status,
                                                     heartbeat_at=upload.heartbeat_at)


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
        def publish(percent: int) -> None:
            if not self.enabled:
                return
            if self.connection is None:
                self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
            table = self.connection.ops.quote_name(RosterImport._meta.db_table)
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress = %s, heartbeat_at = %s WHERE id = %s",  # noqa: S608
                    [start + (end - start) * percent // 100, timezone.now(), self.upload_id])

        return publish

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
