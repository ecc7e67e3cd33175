"""Certificates: only for attendees, unguessable codes, a public check that shows only the
name, event and date, and answers the same for unknown and revoked codes."""

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from tandem.people.models import Participant
from tandem.school import services
from tandem.school.models import Certificate, Event, Registration
from tandem.testing import SchoolWorld, World, build_school


@pytest.fixture
def school(world: World) -> SchoolWorld:
    return build_school(world)


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    return " ".join(page.extract_text().split())


def test_codes_are_random_and_well_formed() -> None:
    codes = {services.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    pattern = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")
    assert all(pattern.match(c) for c in codes)


@given(st.text(max_size=30))
def test_normalizing_is_idempotent_and_never_longer_than_a_code(text: str) -> None:
    once = services.normalize_code(text)
    assert services.normalize_code(once) == once
    assert len(once) <= 14


def test_normalizing_accepts_what_people_type() -> None:
    code = services.new_code()
    assert services.normalize_code(f"  {code.lower().replace('-', ' ')} ") == code


def test_only_attendees_get_a_certificate(world: World, school: SchoolWorld) -> None:
    with pytest.raises(services.SchoolError, match="присутствовал"):
        services.certificate_issue(registration=school.bob_r, user=world.olga)
    first = services.certificate_issue(registration=school.vera_r, user=world.olga)
    again = services.certificate_issue(registration=school.vera_r, user=world.olga)
    assert first.pk == again.pk


def test_issue_all_gives_one_to_each_attendee_without_one(world: World,
                                                          school: SchoolWorld) -> None:
    assert services.certificates_issue_all(event=school.event, user=world.olga) == 1
    assert services.certificates_issue_all(event=school.event, user=world.olga) == 0
    holders = set(Certificate.objects.filter(revoked_at__isnull=True)
                  .values_list("registration__participant_id", flat=True))
    assert holders == {world.carol_p.pk, world.someone_b.pk}


def test_unmarking_attendance_revokes_the_certificate(school: SchoolWorld) -> None:
    services.attendance_set(registration=school.carol_r, attended=False)
    assert Certificate.objects.get(pk=school.certificate.pk).revoked_at is not None


def test_attendance_is_marked_from_the_day_of_the_event(world: World) -> None:
    start = timezone.now() + dt.timedelta(days=3)
    event = Event.objects.create(kind=Event.Kind.WEBINAR, title="Вебинар", region=world.region,
                                 starts_at=start, ends_at=start + dt.timedelta(hours=1),
                                 online_link="https://example.org/w", capacity=3)
    r = Registration.objects.create(event=event, participant=world.bob_p, status="registered",
                                    queued_at=timezone.now())
    with pytest.raises(services.SchoolError, match="в день мероприятия"):
        services.attendance_set(registration=r, attended=True)
    services.attendance_set(registration=r, attended=True, now=start)
    assert Registration.objects.get(pk=r.pk).attended


def test_the_pdf_names_the_attendee_in_the_dative(client: Client, world: World,
                                                  school: SchoolWorld) -> None:
    client.force_login(world.alice)
    response = client.get(reverse("school:certificate", args=[school.carol_r.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    carol = Participant.objects.get(pk=world.carol_p.pk)
    from tandem.core.names import full_name

    dative = full_name(carol.surname, carol.name, carol.patronymic, "dative")
    assert dative != carol.full_name
    for expected in ("СЕРТИФИКАТ", dative, "Семинар школы наставников А", "семинаре",
                     "TEST-CARO-L234", "/school/verify/TEST-CARO-L234/", "Тестовая область",
                     "Школа наставников"):
        assert expected in text, expected
    assert "Организатор" in text and "подпись" in text  # no signatory yet: an unnamed line


def test_the_pdf_has_the_signatory_and_a_signature_line(client: Client, world: World,
                                                        school: SchoolWorld) -> None:
    Event.objects.filter(pk=school.event.pk).update(  # test setup, not an audited change
        signatory_name="И. И. Иванова", signatory_position="Директор ГАУ ДПО ТОГИРРО")
    client.force_login(world.alice)
    text = _pdf_text(client.get(reverse("school:certificate", args=[school.carol_r.pk])).content)
    for expected in ("Директор ГАУ ДПО ТОГИРРО", "И. И. Иванова", "подпись", "М. П."):
        assert expected in text, expected


def test_a_registered_absentee_gets_no_certificate(client: Client, world: World,
                                                   school: SchoolWorld) -> None:
    client.force_login(world.bob)
    response = client.get(reverse("school:certificate", args=[school.bob_r.pk]),
                          follow=True)
    assert str(services.NOT_ATTENDED) in response.content.decode()
    assert not Certificate.objects.filter(registration=school.bob_r).exists()


def _verify(client: Client, code: str) -> tuple[int, str]:
    response = client.get(reverse("school:verify"), {"code": code})
    return response.status_code, response.content.decode()


def test_a_valid_code_shows_only_name_event_and_date(client: Client, world: World,
                                                     school: SchoolWorld) -> None:
    status, body = _verify(client, "test caro l234")
    assert status == 200
    assert "Сертификат действителен" in body
    assert "Каролёва Карина Сергеевна" in body
    assert "Семинар школы наставников А" in body
    # Nothing else about the person: not the organization, the e-mail, the position.
    for secret in ("Школа А", "carol@example.org", "учитель"):
        assert secret not in body
    # The address printed on the certificate works too.
    response = client.get(reverse("school:verify_code", args=["TEST-CARO-L234"]))
    assert "Каролёва" in response.content.decode()


def test_unknown_and_revoked_codes_look_the_same(client: Client, world: World,
                                                 school: SchoolWorld) -> None:
    unknown = _verify(client, "ABCD-EFGH-JKLM")
    services.certificate_revoke(certificate=school.certificate, user=world.olga,
                                reason="ошибка в списке")
    revoked = _verify(client, "TEST-CARO-L234")
    assert unknown[0] == revoked[0] == 200
    assert "Сертификат не найден" in unknown[1]
    # Same page apart from the echoed code in the form (and the per-response CSRF mask).
    def bare(body: str, code: str) -> str:
        return re.sub(r'"X-CSRFToken": "[^"]+"', "", body.replace(code, "X"))

    assert bare(unknown[1], "ABCD-EFGH-JKLM") == bare(revoked[1], "TEST-CARO-L234")
    assert "Каролёва" not in revoked[1]


def test_revoking_twice_is_refused(world: World, school: SchoolWorld) -> None:
    services.certificate_revoke(certificate=school.certificate, user=world.olga,
                                reason="ошибка в списке")
    with pytest.raises(services.SchoolError, match="уже отозван"):
        services.certificate_revoke(certificate=school.certificate, user=world.olga,
                                reason="ошибка в списке")


def test_a_new_certificate_after_revocation_has_a_new_code(world: World,
                                                           school: SchoolWorld) -> None:
    services.certificate_revoke(certificate=school.certificate, user=world.olga,
                                reason="ошибка в списке")
    fresh = services.certificate_issue(registration=school.carol_r, user=world.olga)
    assert fresh.code != "TEST-CARO-L234"
    assert Certificate.objects.filter(registration=school.carol_r).count() == 2


# -- #13.14: past attendance and certificates change only by the organiser, with a reason
def _make_past(school: SchoolWorld) -> None:
    now = timezone.now()
    Event.objects.filter(pk=school.event.pk).update(
        starts_at=now - dt.timedelta(days=2), ends_at=now - dt.timedelta(days=2, hours=-3))


def test_a_curator_cannot_cancel_a_past_registration(client: Client, world: World,
                                                     school: SchoolWorld) -> None:
    _make_past(school)
    client.force_login(world.alice)  # Carol's curator, not the event's organiser
    response = client.post(reverse("school:cancel", kwargs={"pk": school.carol_r.pk}),
                           {"reason": "ошибка"}, follow=True)
    assert "отменить запись" in response.content.decode()
    assert "может только организатор" in response.content.decode()
    registration = Registration.objects.get(pk=school.carol_r.pk)
    assert registration.status == Registration.Status.REGISTERED
    assert registration.attended
    assert Certificate.objects.get(code="TEST-CARO-L234").revoked_at is None


def test_the_organiser_cancels_a_past_registration_only_with_a_reason(
        client: Client, world: World, school: SchoolWorld) -> None:
    from auditlog.models import LogEntry

    _make_past(school)
    client.force_login(world.olga)  # the region operator: organiser of a regional event
    url = reverse("school:cancel", kwargs={"pk": school.carol_r.pk})
    response = client.post(url, {"reason": "  "}, follow=True)
    assert "Укажите причину" in response.content.decode()
    assert Registration.objects.get(pk=school.carol_r.pk).attended

    client.post(url, {"reason": "записан по ошибке"})
    registration = Registration.objects.get(pk=school.carol_r.pk)
    assert registration.status == Registration.Status.CANCELLED
    assert not registration.attended
    certificate = Certificate.objects.get(code="TEST-CARO-L234")
    assert certificate.revoked_at is not None and certificate.revoked_by == world.olga
    for obj in (registration, certificate):
        entry = LogEntry.objects.get_for_object(obj).order_by("-timestamp", "-pk").first()
        assert entry is not None and entry.actor == world.olga
        assert entry.additional_data["reason"] == "записан по ошибке"


def test_a_revocation_needs_a_reason_and_records_who(world: World,
                                                     school: SchoolWorld) -> None:
    from auditlog.models import LogEntry

    with pytest.raises(services.SchoolError, match="причину"):
        services.certificate_revoke(certificate=school.certificate, user=world.olga,
                                    reason=" ")
    assert Certificate.objects.get(pk=school.certificate.pk).revoked_at is None
    services.certificate_revoke(certificate=school.certificate, user=world.olga,
                                reason="сертификат выдан не тому")
    entry = LogEntry.objects.get_for_object(school.certificate).order_by("-pk").first()
    assert entry is not None and entry.additional_data["reason"] == "сертификат выдан не тому"
    assert Certificate.objects.get(pk=school.certificate.pk).revoked_by == world.olga


def test_revoking_asks_once_then_can_be_undone(client: Client, world: World,
                                               school: SchoolWorld) -> None:
    """Issue #14, defect 2: the revocation says what will happen before it happens, and
    the manager can restore the same code for TANDEM_REOPEN_DAYS, with a reason."""
    client.force_login(world.olga)
    url = reverse("school:certificate_revoke", kwargs={"pk": school.certificate.pk})
    html = client.post(url, {"reason": "ошибка в списке"}).content.decode()
    assert "Отозвать сертификат TEST-CARO-L234?" in html and "Вернуть сертификат" in html
    assert Certificate.objects.get(pk=school.certificate.pk).revoked_at is None
    html = client.post(url, {"reason": "ошибка в списке", "confirmed": "1"},
                       follow=True).content.decode()
    assert Certificate.objects.get(pk=school.certificate.pk).revoked_at is not None
    assert "вернуть" in html  # the way back is on the event page
    restore = reverse("school:certificate_restore", kwargs={"pk": school.certificate.pk})
    html = client.post(restore, {"reason": " "}, follow=True).content.decode()
    assert "почему сертификат возвращают" in html
    client.post(restore, {"reason": "отозвали не того"})
    assert Certificate.objects.get(pk=school.certificate.pk).revoked_at is None
    assert _verify(client, "TEST-CARO-L234")[0] == 200


def test_restoring_is_refused_late_or_after_a_new_certificate(world: World,
                                                              school: SchoolWorld) -> None:
    services.certificate_revoke(certificate=school.certificate, user=world.olga,
                                reason="ошибка в списке")
    fresh = services.certificate_issue(registration=school.carol_r, user=world.olga)
    with pytest.raises(services.SchoolError, match="новый сертификат"):
        services.certificate_restore(certificate=school.certificate, reason="вернуть")
    services.certificate_revoke(certificate=fresh, user=world.olga, reason="повтор")
    # The old one, revoked 31 days ago: past the window.
    old = Certificate.objects.get(pk=school.certificate.pk)
    old.revoked_at = timezone.now() - dt.timedelta(days=31)
    old.save()
    with pytest.raises(services.SchoolError, match="срок прошёл"):
        services.certificate_restore(certificate=old, reason="вернуть")
