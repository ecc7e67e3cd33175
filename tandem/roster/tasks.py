"""Checking and committing a roster: at once for a small file, as a background task
(Django's tasks framework) for a large one, while the page shows a progress bar.

Both ways run the same function, so a small file and a large one behave alike; only
*when* differs.
"""

import logging
from collections.abc import Callable, Iterable, Iterator

from auditlog.context import set_actor
from django.db import transaction
from django.http import QueryDict
from django.tasks import task
from django.utils.translation import gettext_lazy as _

from tandem.access.scope import fingerprint_now, scope_for
from tandem.accounts.models import User
from tandem.roster import export, services
from tandem.roster.models import RosterExport, RosterImport
from tandem.web import exports
from tandem.web.dbrouter import reading_from_replica

# Above this many rows a file is checked and committed in the background.
SYNC_ROWS = 2000

FAILED = _("Не удалось обработать файл из-за ошибки на сервере. Ничего не загружено; "
           "попробуйте ещё раз или сообщите администратору.")

logger = logging.getLogger(__name__)


def is_large(upload: RosterImport) -> bool:
    """By the rows counted by the check, or estimated when the file was stored."""
    return upload.rows_total > SYNC_ROWS


def check_soon(upload: RosterImport) -> None:
    """Checks the file now if it is small, else queues the check."""
    if is_large(upload):
        transaction.on_commit(lambda: check_roster_file.enqueue(import_id=upload.pk))
    else:
        check_roster_file.call(import_id=upload.pk, background=False)


def commit_soon(upload: RosterImport, *, remote_addr: str | None) -> None:
    """Commits the file now if it is small, else queues the commit."""
    large = is_large(upload)
    services.mark_committing(upload=upload, remote_addr=remote_addr, queued=large)
    if large:
        transaction.on_commit(lambda: commit_roster_file.enqueue(import_id=upload.pk))
    else:
        commit_roster_file.call(import_id=upload.pk, background=False)


@task
def check_roster_file(*, import_id: int, background: bool = True) -> None:
    """``background``: a page is polling for the percent done (else the request that
    asked for the check is still waiting for it, and nobody looks)."""
    upload = RosterImport.objects.select_related("uploaded_by").filter(pk=import_id).first()
    if upload is None or upload.status != RosterImport.Status.CHECKING:
        return  # deleted, or already checked by an earlier attempt
    try:
        services.roster_import_check(upload=upload, scope=scope_for(upload.uploaded_by),
                                     show_progress=background)
    except Exception:
        logger.exception("roster import %s: the check failed", import_id)
        services.mark_failed(upload=upload, message=str(FAILED))


@task
def commit_roster_file(*, import_id: int, background: bool = True) -> None:
    upload = RosterImport.objects.select_related("uploaded_by").filter(pk=import_id).first()
    if upload is None or upload.status != RosterImport.Status.COMMITTING:
        return
    services.beat(upload)  # the lease starts (a killed worker lets it run out)
    # The audit trail names the uploader and their address, in a request or not.
    with set_actor(upload.uploaded_by, remote_addr=upload.remote_addr):
        try:
            services.roster_import_commit(upload=upload, scope=scope_for(upload.uploaded_by),
                                          show_progress=background)
        except services.RosterRefused:
            pass  # the reason is stored with the upload, for the page
        except Exception:
            logger.exception("roster import %s: the commit failed", import_id)
            services.mark_failed(upload=upload, message=str(FAILED))


# -- a large export: in the background, with its progress ---------------------------------
# From this many rows on a participants export is made by a task (the page shows progress
# and a download link); below it the request answers with the file at once.
EXPORT_SYNC_ROWS = exports.SYNC_ROWS
EXPORT_STEP = exports.STEP  # rows between two progress writes
EXPORT_REFUSED = _("Ваши права изменились после заказа выгрузки — выгрузите список заново со "
                   "страницы участников.")
EXPORT_BEFORE_RIGHTS = _("Эту выгрузку заказали до обновления системы — выгрузите список "
                         "заново со страницы участников.")
EXPORT_FAILED = _("Не удалось подготовить выгрузку из-за ошибки на сервере. Попробуйте ещё "
                  "раз или сообщите администратору.")


def export_soon(*, user: User, data: QueryDict, fmt: str, total: int) -> RosterExport:
    """Queues the export of the list page's participants (``data``: its filters)."""
    job = RosterExport.objects.create(requested_by=user, query=data.urlencode()[:2000],
                                      fmt=fmt, total=total,
                                      rights=scope_for(user).fingerprint)
    transaction.on_commit(lambda: export_participants.enqueue(export_id=job.pk))
    return job


@task
def export_participants(*, export_id: int) -> int:
    """Writes the file of an export job, counting rows as it goes (tandem/web/exports.py);
    the rows written."""
    def make(job: RosterExport, counted: Callable[[Iterable[list[export.Value]]],
                                                 Iterator[list[export.Value]]]
             ) -> tuple[bytes, str]:
        # The rows are read from the replica when there is one (docs/deploy.md; the job
        # itself was just written, so it is read on the primary). The query set is lazy:
        # it runs inside render, which is why render is wrapped too.
        scope = scope_for(job.requested_by)  # the rights on the primary (review finding)
        job.check_rights(scope.fingerprint)  # those the job was asked with
        with reading_from_replica(fresh_as_of=job.primary_lsn):
            people = export.export_people(scope, QueryDict(job.query))
            rows = export.roster_rows(people.iterator(chunk_size=EXPORT_STEP))
            return export.render(counted(rows), job.fmt), export.export_name(job.fmt)

    return exports.write(RosterExport, export_id, make, rights_now=fingerprint_now,
                         step=EXPORT_STEP)
