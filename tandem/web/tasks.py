"""Background tasks shared by every app (Django's tasks framework)."""

from django.core.mail import send_mail
from django.tasks import task


@task
def send_email(*, subject: str, body: str, to: list[str]) -> int:
    """Sends one e-mail outside the web request: a slow or broken SMTP server delays the
    worker, never the page, and the failure is kept in the task's result."""
    return send_mail(subject, body, None, to)
