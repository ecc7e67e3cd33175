"""Background tasks shared by every app (Django's tasks framework)."""

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)


def retry_delay(attempt: int) -> dt.timedelta:
    """Backoff before the next try after ``attempt`` failed ones: 1, 2, 4 … minutes,
    at most an hour."""
    return dt.timedelta(minutes=min(60, 2 ** max(0, attempt - 1)))


@task
def send_email(*, subject: str, body: str, to: list[str], attempt: int = 0) -> int:
    """Sends one e-mail outside the web request: a slow or broken SMTP server delays the
    worker, never the page. A failed send is queued again after a growing delay, up to
    ``TANDEM_EMAIL_RETRIES`` times (docs/deploy.md); after the last one — or where the
    backend cannot defer a task (the embedded set-up) — the failure stays in the task's
    result."""
    try:
        return send_mail(subject, body, None, to)
    except (smtplib.SMTPException, OSError) as error:
        backend = send_email.get_backend()
        if attempt >= settings.TANDEM_EMAIL_RETRIES or not backend.supports_defer:
            raise
        delay = retry_delay(attempt + 1)
        logger.warning("e-mail to %s recipient(s) failed (%s); try %s of %s in %s", len(to), error,
                       attempt + 2, settings.TANDEM_EMAIL_RETRIES + 1, delay)
        send_email.using(run_after=timezone.now() + delay).enqueue(
            subject=subject, body=body, to=to, attempt=attempt + 1)
        return 0
