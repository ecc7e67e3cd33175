"""The diagnostics e-mail is also the invitation: someone without a login gets one and a
link to set a password, follows it, logs in and finds the questionnaire."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tandem.diagnostics.models import Response
from tandem.testing import DiagnosticsWorld, ParticipantFactory, World, build_diagnostics


@pytest.fixture
def dw(world: World) -> DiagnosticsWorld:
    return build_diagnostics(world)


def _remind(client: Client, world: World, dw: DiagnosticsWorld) -> None:
    client.force_login(world.alice)
    response = client.post(reverse("diagnostics:remind", kwargs={"pk": dw.campaign_a.pk}))
    assert response.status_code == 302
    client.logout()


def test_a_newcomer_gets_a_login_and_a_password_link(client: Client, world: World,
                                                     dw: DiagnosticsWorld) -> None:
    dina_p = ParticipantFactory.create(organization=world.org_a, surname="Динова", name="Дина",
                                       email="dina@example.org")
    dina_r = Response.objects.create(campaign=dw.campaign_a, participant=dina_p)
    _remind(client, world, dw)

    dina_p.refresh_from_db()
    assert dina_p.user is not None and dina_p.user.username == "dina@example.org"
    assert not dina_p.user.has_usable_password()
    [letter] = [m for m in mail.outbox if m.to == ["dina@example.org"]]
    assert "Логин: dina@example.org" in letter.body
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", str(letter.body))
    assert link is not None

    # The link leads to a form that sets the password; then the login works.
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    done = client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "Тандем-пароль-2026", "new_password2": "Тандем-пароль-2026"})
    assert done.status_code == 302
    login = client.post(reverse("login"), {"username": "dina@example.org",
                                           "password": "Тандем-пароль-2026"})
    assert login.status_code == 302
    page = client.get(reverse("diagnostics:mine"))
    assert reverse("diagnostics:questionnaire", kwargs={"pk": dina_r.pk}) in page.text


def test_people_who_have_a_password_get_no_link(client: Client, world: World,
                                                dw: DiagnosticsWorld) -> None:
    _remind(client, world, dw)
    letters = {m.to[0]: m.body for m in mail.outbox}
    assert set(letters) == {"alice@example.org", "bob@example.org"}
    assert all("/accounts/password/reset/" not in body for body in letters.values())
    assert "Логин: bob" in letters["bob@example.org"]


def test_people_without_an_email_are_skipped(client: Client, world: World,
                                             dw: DiagnosticsWorld) -> None:
    nomail = ParticipantFactory.create(organization=world.org_a, surname="Безпочтова",
                                       name="Нина", email="")
    r = Response.objects.create(campaign=dw.campaign_a, participant=nomail)
    _remind(client, world, dw)
    nomail.refresh_from_db()
    r.refresh_from_db()
    assert nomail.user is None and r.reminded_at is None
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
