"""Checks of uploaded files shared by every app that takes them (map evidence, school
materials): size, type by extension, and only the file's own name, never a path the
uploader chose."""

from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy

FILE_TOO_BIG = gettext_lazy("Файл больше %(mb)s МБ.")
FILE_TYPE = gettext_lazy("Такой тип файла не принимается. Можно: %(types)s.")

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
    return None
