"""This app's part of the anonymisation (tandem/people/personal_data.py): roster uploads
keep the checked rows (names, phones) in their report, and an uncommitted one the file."""

from django.utils.translation import gettext as _

from tandem.people.personal_data import Erasure
from tandem.roster.models import RosterExport, RosterImport


def anonymise(e: Erasure) -> None:
    """An upload whose file names them loses the file (a committed one has none left);
    one not yet committed is closed with a message to upload it again. Every report, file
    name and message loses their name and contacts."""
    waiting = RosterImport.objects.exclude(content=b"").values_list("pk", "content", "status")
    for pk, content, status in waiting:
        if not e.mentions(content):
            continue
        changes: dict[str, object] = {"content": b""}
        if status != RosterImport.Status.DONE:
            changes.update(status=RosterImport.Status.FAILED, failure=_(
                "Файл удалён: один из участников в нём обезличен. Загрузите список снова."))
        RosterImport.objects.filter(pk=pk).update(**changes)  # not audited
    e.scrub_rows(RosterImport.objects.all(), ["report", "filename", "failure"])
    # A prepared export lists many people: one that names the person is deleted whole, and
    # one still being prepared may have read them already.
    RosterExport.objects.filter(status__in=[RosterExport.Status.QUEUED,
                                            RosterExport.Status.RUNNING]).delete()
    for pk, content in RosterExport.objects.exclude(content=b"").values_list("pk", "content"):
        if e.mentions(bytes(content)):
            RosterExport.objects.filter(pk=pk).delete()
