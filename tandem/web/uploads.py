"""Checks of uploaded files shared by every app that takes them (map evidence, school
materials, every import): size — while the body streams in, not after —, type by
extension *and* by content, and only the file's own name, never a path the uploader
chose."""

import zipfile
from collections.abc import Callable
from functools import wraps
from pathlib import PurePath
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

FILE_TOO_BIG = gettext_lazy("Файл больше %(mb)s МБ.")
FILE_TYPE = gettext_lazy("Такой тип файла не принимается. Можно: %(types)s.")
FILE_CONTENT = gettext_lazy(
    "Содержимое файла не похоже на %(type)s: видимо, у файла изменено расширение. "
    "Сохраните его в нужном формате и загрузите снова.")

# Documents, spreadsheets, slides, pictures and plain text: what teachers file as proof
# of work or as event materials.
DOCUMENT_TYPES = (".pdf", ".doc", ".docx", ".odt", ".xls", ".xlsx", ".ods", ".ppt", ".pptx",
                  ".odp", ".jpg", ".jpeg", ".png", ".txt")


def own_name(filename: str | None, limit: int = 200) -> str:
    """The last part of ``filename`` (Windows or POSIX separators), at most ``limit`` long."""
    return PurePath((filename or "").replace("\\", "/")).name[-limit:]


def upload_problem(upload: UploadedFile, *, max_mb: int,
                   allowed: tuple[str, ...] = DOCUMENT_TYPES) -> str | None:
    """What is wrong with ``upload`` (a Russian message), or None when it may be kept."""
    if upload.size is not None and upload.size > max_mb * 1024 * 1024:
        return str(FILE_TOO_BIG) % {"mb": max_mb}
    if PurePath(own_name(upload.name)).suffix.lower() not in allowed:
        return str(FILE_TYPE) % {"types": ", ".join(t[1:] for t in allowed)}
    return content_problem(upload)


# -- the content, not only the name ---------------------------------------------------
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, .ppt
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF",), ".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",), ".doc": (_OLE,), ".xls": (_OLE,), ".ppt": (_OLE,),
}
# Office Open XML: a ZIP with [Content_Types].xml and the part that makes it what it is.
_OOXML = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml", ".xlsm": "xl/workbook.xml",
          ".pptx": "ppt/presentation.xml"}
_OPEN_DOCUMENT = (".odt", ".ods", ".odp")
_TEXT = (".txt", ".csv")
_BINARY = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"MZ", b"\x7fELF", b"PK\x03\x04",
           _OLE)


def content_matches(upload: UploadedFile, suffix: str) -> bool:
    """Whether the file's bytes are what its extension says: signatures for PDF, images
    and old Office files, the real container for DOCX/XLSX/PPTX and OpenDocument, and
    no binary for text. An unknown suffix is not judged here."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    try:
        if suffix in _SIGNATURES:
            return head.startswith(_SIGNATURES[suffix])
        if suffix in _OOXML or suffix in _OPEN_DOCUMENT:
            if not head.startswith(b"PK"):
                return False
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
            if suffix in _OPEN_DOCUMENT:
                return "mimetype" in names and "content.xml" in names
            return "[Content_Types].xml" in names and _OOXML[suffix] in names
        if suffix in _TEXT:
            return not head.startswith(_BINARY) and b"\x00" not in head
        return True
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    finally:
        upload.seek(0)


def content_problem(upload: UploadedFile) -> str | None:
    """A Russian message when the content is not what the extension says."""
    suffix = PurePath(own_name(upload.name)).suffix.lower()
    if content_matches(upload, suffix):
        return None
    return str(FILE_CONTENT) % {"type": suffix[1:].upper()}


# -- the size, while the body streams in ------------------------------------------------
def _limit_mb(request: HttpRequest | None) -> int:
    return int(getattr(request, "upload_limit_mb", None) or settings.UPLOAD_MAX_MB)


class LimitedUploadHandler(FileUploadHandler):
    """First of the upload handlers: refuses a request body larger than the limit as it
    arrives (by its declared length, before a byte is read, and by the bytes actually
    received), instead of taking in 200 MB to refuse them afterwards.

    The limit is ``settings.UPLOAD_MAX_MB`` (the largest any form takes), or a view's own
    (:func:`upload_limit`); each form still checks its own, smaller one. The connection
    is dropped, as browsers expect of a refused upload; the page, if shown, says why."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit_mb = _limit_mb(request)
        # Form fields and multipart boundaries come on top of the file.
        self.limit = (self.limit_mb + 1) * 1024 * 1024
        self.received = 0
        self.declared = 0

    def _refuse(self) -> None:
        if self.request is not None:
            self.request.upload_refused = True  # type: ignore[attr-defined]
            # A view with its own limit (upload_limit) words the refusal in its form.
            if getattr(self.request, "upload_limit_mb", None) is None:
                messages.error(self.request, str(FILE_TOO_BIG) % {"mb": self.limit_mb},
                               fail_silently=True)
        raise StopUpload(connection_reset=True)

    def handle_raw_input(self, input_data: Any, META: dict[str, Any], content_length: int,
                         boundary: str, encoding: str | None = None) -> None:
        self.declared = content_length

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        # The fields before the file (the CSRF token among them) are read; the file of a
        # body declared too long is not.
        if self.declared > self.limit:
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


View = TypeVar("View", bound=Callable[..., Any])


def upload_limit(mb: int | Callable[[HttpRequest], int]) -> Callable[[View], View]:
    """A view whose uploads stop at ``mb`` megabytes while they stream in; ``mb`` may be
    a function of the request (a larger file for some users: the roster of a region).
    Above the limit of the settings, the file goes to a temporary file on disk as it
    arrives (TemporaryFileUploadHandler), never whole into memory."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            limit = mb(request) if callable(mb) else mb
            request.upload_limit_mb = limit  # type: ignore[attr-defined]
            for handler in request.upload_handlers:
                if isinstance(handler, LimitedUploadHandler):
                    handler.limit_mb = limit
                    handler.limit = (limit + 1) * 1024 * 1024
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate
