"""Checking and committing a roster: at once for a small file, as a background task
(Django's tasks framework) for a large one, while the page shows a progress bar.

Both ways run the same function, so a small file and a large one behave alike; only
*when* differs.
"""

import logging

from auditlog.context import set_actor
from django.db import transaction
from django.tasks import task
from django.utils.translation import gettext_lazy as _

from tandem.access.scope import scope_for
from tandem.roster import services
from tandem.roster.fileformat import estimate_rows
from tandem.roster.models import RosterImport

# Above this many rows a file is checked and committed in the background.
SYNC_ROWS = 2000

FAILED = _("Не удалось обработать файл из-за ошибки на сервере. Ничего не загружено; "
           "попробуйте ещё раз или сообщите администратору.")

logger = logging.getLogger(__name__)


def is_large(upload: RosterImport) -> bool:
    return estimate_rows(bytes(upload.content), upload.filename) > SYNC_ROWS


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
