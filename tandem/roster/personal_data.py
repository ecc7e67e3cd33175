"""This app's part of the anonymisation (tandem/people/personal_data.py): roster uploads
keep the checked rows (names, phones) in their report, an uncommitted one the file, and
a checked one the list of its problems."""

import tempfile
import zipfile
from collections.abc import Iterator

from django.utils.translation import gettext as _

from tandem.people.personal_data import Erasure
from tandem.roster.models import RosterExport, RosterImport, RosterImportPart

_OVERLAP = 4096  # bytes carried from one piece to the next: a name cut in two is found


def _windows(chunks: Iterator[bytes]) -> Iterator[bytes]:
    carry = b""
    for chunk in chunks:
        yield carry + chunk
        carry = chunk[-_OVERLAP:]


def _parts(upload_id: int, kind: str) -> Iterator[bytes]:
    parts = (RosterImportPart.objects.filter(upload_id=upload_id, kind=kind)
             .order_by("number").values_list("data", flat=True))
    for data in parts.iterator(chunk_size=4):
        yield bytes(data)


def _mentions(e: Erasure, upload_id: int, kind: str) -> bool:
    """Whether a stored file names the person, read a piece at a time: a CSV's text, or
    the text of every member of an XLSX (a ZIP, copied to a temporary file to be opened)."""
    first = next(_parts(upload_id, kind), b"")
    if first[:2] != b"PK":
        return any(e.mentions(window) for window in _windows(_parts(upload_id, kind)))
    with tempfile.TemporaryFile() as spool:
        for chunk in _parts(upload_id, kind):
            spool.write(chunk)
        spool.seek(0)
        try:
            with zipfile.ZipFile(spool) as archive:
                for name in archive.namelist():
                    with archive.open(name) as member:
                        pieces = iter(lambda m=member: m.read(RosterImportPart.SIZE), b"")  # type: ignore[misc]
                        if any(e.mentions(window) for window in _windows(pieces)):
                            return True
        except (zipfile.BadZipFile, OSError, RuntimeError):
            return False
    return False


def anonymise(e: Erasure) -> None:
    """An upload whose file names them loses the file (a committed one has none left);
    one not yet committed is closed with a message to upload it again. A list of problems
    that names them is deleted. Every report, file name and message loses their name and
    contacts."""
    stored = (RosterImportPart.objects.filter(number=0)
              .values_list("upload_id", "kind", "upload__status"))
    for pk, kind, status in list(stored):
        if not _mentions(e, pk, kind):
            continue
        RosterImportPart.objects.filter(upload_id=pk, kind=kind).delete()
        if kind == RosterImportPart.Kind.FILE and status != RosterImport.Status.DONE:
            RosterImport.objects.filter(pk=pk).update(  # not audited
                status=RosterImport.Status.FAILED, failure=_(
                    "Файл удалён: один из участников в нём обезличен. Загрузите список снова."))
    e.scrub_rows(RosterImport.objects.all(), ["report", "filename", "failure"])
    # A prepared export lists many people: one that names the person is deleted whole, and
    # one still being prepared may have read them already.
    RosterExport.objects.filter(status__in=[RosterExport.Status.QUEUED,
                                            RosterExport.Status.RUNNING]).delete()
    for pk, content in RosterExport.objects.exclude(content=b"").values_list("pk", "content"):
        if e.mentions(bytes(content)):
            RosterExport.objects.filter(pk=pk).delete()
