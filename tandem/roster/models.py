"""A roster file between its upload, its check (the preview) and its commit."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RosterImport(models.Model):
    """One uploaded roster. The file stays here until it is committed; the check's
    result (``report``) is kept so that a large file is checked once, in a background
    task, and its preview can be paged through afterwards."""

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
    content = models.BinaryField()
    status = models.CharField(_("состояние"), max_length=12, choices=Status.choices,
                              default=Status.CHECKING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent of the current step
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
