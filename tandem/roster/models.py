"""A roster file between its upload, its check (the preview) and its commit."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.web.exports import FileJob


class RosterImport(models.Model):
    """One uploaded roster. The file stays here (in :class:`RosterImportPart` pieces) until
    it is committed; the check's result (``report``: the counts and the first rows of each
    status, ``tandem.roster.imports.Report``) is kept so that a large file is checked once,
    in a background task, and its preview can be paged through afterwards."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("проверяется")
        CHECKED = "checked", _("проверен")
        COMMITTING = "committing", _("загружается")
        DONE = "done", _("загружен")
        FAILED = "failed", _("не удалось")

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                    related_name="+", verbose_name=_("кто загрузил"))
    # Where the commit was asked from: the audit trail of a commit made by a background
    # task names it, as it would for a commit made in the request.
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    filename = models.CharField(_("файл"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)  # of the file, in bytes
    status = models.CharField(_("состояние"), max_length=12, choices=Status.choices,
                              default=Status.CHECKING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent of the current step
    # Rows of the current step done, of the file's rows (an estimate until the check
    # has counted them): the page shows «12 000 из 300 000 строк».
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)  # see tandem.roster.imports.Report.as_json
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    # The lease of the check or commit at work (tandem/web/jobs.py): written as it goes;
    # silent for TANDEM_JOB_LEASE_SECONDS means its process was killed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("загрузка списка участников")
        verbose_name_plural = _("загрузки списков участников")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.filename

    @property
    def busy(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.COMMITTING)


class RosterImportPart(models.Model):
    """A piece (at most ``SIZE`` bytes) of an uploaded roster or of its full list of
    problems: a file of 200 MB is written and read a piece at a time, never held whole
    in memory, and stays in the database with its upload (a worker on another machine
    reads it; deleting the upload deletes it)."""

    SIZE = 1024 * 1024

    class Kind(models.TextChoices):
        FILE = "file", _("файл")
        PROBLEMS = "problems", _("список ошибок")

    upload = models.ForeignKey(RosterImport, on_delete=models.CASCADE, related_name="parts")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.FILE)
    number = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        verbose_name = _("часть файла списка участников")
        verbose_name_plural = _("части файлов списков участников")
        constraints = [models.UniqueConstraint(fields=["upload", "kind", "number"],
                                               name="roster_part_once")]

    def __str__(self) -> str:
        return f"{self.upload_id}/{self.kind}/{self.number}"


class RosterExport(FileJob):
    """A large participants export made in the background (``roster.tasks.EXPORT_SYNC_ROWS``
    rows and more): the page shows its progress and then a download link. The file holds
    personal data, so it is kept for its owner only, for a day (the sweep deletes older
    ones; an anonymisation deletes every export that names the person)."""

    class Meta:
        verbose_name = _("выгрузка участников")
        verbose_name_plural = _("выгрузки участников")
        ordering = ["-created_at", "-pk"]
