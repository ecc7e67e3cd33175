"""A file or a link, exactly one: the attachment of map evidence and of school materials.

One home for the rule (docs/rules.md, «Файл или ссылка»): the model fields and their
storage (:class:`Attachment`), the check (:func:`attachment_problem`, used by the form and
by the services, so a page and any other caller refuse the same things with the same
words), the form fields (:class:`AttachmentForm`), the download
(:func:`attachment_response`) and the link on the page (``web/_attachment.html``). Each
user keeps only what is its own: where the file goes (its ``file`` field's
``upload_to``), how big it may be (``max_upload_mb``) and the URL of its download view
(``file_url``).
"""

import tempfile
from typing import IO, Any, ClassVar

from django import forms
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _

from tandem.web.uploads import own_name, upload_problem

ATTACHMENT_EMPTY = _("Приложите файл или укажите ссылку.")
ATTACHMENT_BOTH = _("Приложите что-то одно: файл или ссылку.")
LINK_INVALID = _("Ссылка должна быть адресом в интернете (http или https).")


def attachment_problem(upload: UploadedFile | None, link: str, *, max_mb: int) -> str | None:
    """What is wrong with a file-or-link (a Russian message), or None: exactly one of the
    two, and a file passes the shared checks of size, type and content
    (``web.uploads.upload_problem``)."""
    if upload is None and not link:
        return str(ATTACHMENT_EMPTY)
    if upload is not None and link:
        return str(ATTACHMENT_BOTH)
    if upload is not None:
        return upload_problem(upload, max_mb=max_mb)
    return None


class Attachment(models.Model):
    """An uploaded file (its stored name and the uploader's own name of it) or a link."""

    # A concrete model redeclares ``file`` with its own ``upload_to`` (where its files go:
    # only the file's own name under a folder of its pair or event, never the uploader's
    # path); the rest of the field is this.
    file = models.FileField(upload_to="attachments/", blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    link = models.URLField(_("ссылка"), max_length=500, blank=True)

    # The largest file this kind of attachment takes, in megabytes.
    max_upload_mb: ClassVar[int] = 10

    class Meta:
        abstract = True

    @property
    def file_url(self) -> str:
        """The URL of the download view (which checks who may read it)."""
        raise NotImplementedError

    @property
    def display_name(self) -> str:
        return self.original_name or self.link

    def attach(self, upload: UploadedFile | None, link: str) -> None:
        """Fills the record from a file or a link; raises ``ValueError`` with the Russian
        message when the pair breaks the rule. The file's name is set now and its bytes
        are written once the record is committed (:meth:`store_after_commit`), so a
        rolled-back transaction leaves no orphan file in MEDIA_ROOT."""
        problem = attachment_problem(upload, link, max_mb=self.max_upload_mb)
        if problem:
            raise ValueError(problem)
        self.link = link
        if upload is not None:
            self.original_name = own_name(upload.name)
            self.file.name = self.file.field.generate_filename(self, upload.name or "file")

    def store_after_commit(self, upload: UploadedFile | None) -> None:
        """After :meth:`attach` and ``save()``, inside the transaction: the file is kept in
        a private copy (the upload itself may be closed by then) and stored on commit."""
        if upload is None:
            return
        spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
        for chunk in upload.chunks():
            spool.write(chunk)
        transaction.on_commit(lambda: self._store(spool))

    def _store(self, spool: IO[bytes]) -> None:
        with spool:
            spool.seek(0)
            stored = self.file.storage.save(self.file.name, File(spool))
        if stored != self.file.name:
            # The storage picked another name (that one was taken in between); not a change
            # anyone made, so not audited.
            type(self)._default_manager.filter(pk=self.pk).update(file=stored)
            self.file.name = stored


def attachment_response(item: Attachment) -> FileResponse:
    """The download of an attachment's file (404 for a link): always as an attachment,
    under the uploader's own name of it."""
    if not item.file:
        raise Http404
    return FileResponse(item.file.open("rb"), as_attachment=True,
                        filename=item.original_name or "file")


class AttachmentForm(forms.Form):
    """The two fields of a file-or-link and the rule; ``max_upload_mb`` comes from the
    model it fills (``AttachmentForm(..., max_upload_mb=Evidence.max_upload_mb)``)."""

    file = forms.FileField(label=_("Файл"), required=False)
    link = forms.URLField(label=_("или ссылка"), required=False, max_length=500,
                          assume_scheme="https", error_messages={"invalid": LINK_INVALID})

    def __init__(self, *args: Any, max_upload_mb: int = Attachment.max_upload_mb,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_upload_mb = max_upload_mb

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:  # a malformed link or an empty file: said by the field
            return data
        problem = attachment_problem(data.get("file"), data.get("link") or "",
                                     max_mb=self.max_upload_mb)
        if problem:
            raise forms.ValidationError(problem)
        return data
