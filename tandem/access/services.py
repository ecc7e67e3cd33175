"""Appointing and revoking roles."""

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.access.models import Role, RoleAssignment
from tandem.accounts.models import User
from tandem.people.models import Participant
from tandem.territory.models import Organization
from tandem.web.tasks import send_email

CURATOR_NEEDS_EMAIL = gettext_lazy(
    "У участника нет e-mail: без него нельзя создать учётную запись.")
CURATOR_WRONG_ORGANIZATION = gettext_lazy(
    "Куратором можно назначить только сотрудника этой организации.")
CURATOR_INACTIVE = gettext_lazy("Участник выведен из программы и не может быть куратором.")


class RoleError(Exception):
    pass


def participant_login(*, participant: Participant, base_url: str) -> tuple[User, str]:
    """The participant's login, created (with no usable password) when missing, and —
    while no password is set — a link to set one ("" once the person has a password).

    This is how people get into the system: a curator's appointment and the invitation
    to a diagnostics questionnaire both send this link. The login is the e-mail.
    """
    if participant.user_id:
        user: User = participant.user  # type: ignore[assignment]
    else:
        existing = User.objects.filter(username__iexact=participant.email).first()
        user = existing or User(username=participant.email, email=participant.email,
                                first_name=participant.name, last_name=participant.surname)
        if existing is None:
            user.set_unusable_password()
            user.save()
        participant.user = user
        participant.save(update_fields=["user", "updated_at", "search_name", "email"])
    if user.has_usable_password() or not user.is_active:
        return user, ""
    path = reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user)})
    return user, base_url.rstrip("/") + path


@transaction.atomic
def curator_assign(*, organization: Organization, participant: Participant,
                   base_url: str) -> RoleAssignment:
    """Appoints a staff member as curator; a new login gets a link to set a password."""
    if participant.organization_id != organization.pk:
        raise RoleError(CURATOR_WRONG_ORGANIZATION)
    if not participant.is_active:
        raise RoleError(CURATOR_INACTIVE)
    if not participant.email:
        raise RoleError(CURATOR_NEEDS_EMAIL)
    user, link = participant_login(participant=participant, base_url=base_url)
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user, role=Role.CURATOR, organization=organization)
    body = render_to_string("access/email/curator_assigned.txt", {
        "participant": participant, "organization": organization, "user": user,
        "link": link, "base_url": base_url})
    subject = _("Тандем: вы назначены куратором")
    # The one named exception to ``Participant.mailable`` (docs/security.md): the curator is
    # appointed by their employer to a duty, and this letter carries the only way to set
    # the login's password; it says nothing about anyone else.
    transaction.on_commit(lambda: send_email.enqueue(
        subject=subject, body=body, to=[participant.email]))
    return assignment


@transaction.atomic
def curator_revoke(*, assignment: RoleAssignment) -> None:
    assignment.delete()
