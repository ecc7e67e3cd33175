"""One e-mail rule (``Participant.mailable`` / ``Participant.objects.mailable()``): a person
without the consent to the processing of personal data gets no letter of any kind — pair
notices, diagnostic invitations, school letters, surveys — and the only named exception,
the curator's appointment letter, is the one documented in docs/security.md."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from tandem.people.models import Participant
from tandem.testing import ParticipantFactory, build_diagnostics, build_school, build_world

pytestmark = pytest.mark.django_db


def _no_consent(*people: Participant) -> None:
    for p in people:
        p.personal_data_consent_date = None
        p.save()


def _to(address: str) -> list[str]:
    return [str(m.subject) for m in mail.outbox if address in m.to]


def test_queryset_and_property_are_the_same_rule() -> None:
    world = build_world()
    _no_consent(world.carol_p)
    gone = ParticipantFactory.create(organization=world.org_a, is_active=False)
    quiet = ParticipantFactory.create(organization=world.org_a, email="")
    ids = set(Participant.objects.mailable().values_list("pk", flat=True))
    for p in Participant.objects.all():
        assert p.mailable == (p.pk in ids), p
    assert not {world.carol_p.pk, gone.pk, quiet.pk} & ids
    assert world.bob_p.pk in ids


def test_pair_notice_skips_a_member_without_consent(
        django_capture_on_commit_callbacks) -> None:
    from tandem.pairs.models import Pair
    from tandem.testing import build_pairs

    world = build_world()
    pairs_world = build_pairs(world)
    _no_consent(world.carol_p)
    from tandem.maps.lifecycle import pairs_approve

    key = "-".join(str(x) for x in sorted((world.bob_p.pk, world.carol_p.pk)))
    with django_capture_on_commit_callbacks(execute=True):
        [pair] = pairs_approve(run=pairs_world.run, keys=[key],  # type: ignore[arg-type]
                               starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31),
                               curator=world.alice, base_url="http://testserver/")
    assert isinstance(pair, Pair)
    assert _to(world.bob_p.email), "the member with consent is told"
    assert not _to(world.carol_p.email)


def test_diagnostic_invitation_skips_a_person_without_consent() -> None:
    from tandem.diagnostics.services import campaign_remind

    world = build_world()
    diag = build_diagnostics(world)
    _no_consent(world.alice_p)
    sent = campaign_remind(campaign=diag.campaign_a, responses=[diag.alice_r, diag.bob_r],
                           base_url="http://testserver/")
    assert sent == 1
    assert _to(world.bob_p.email) and not _to(world.alice_p.email)


def test_school_promotion_letter_skips_a_person_without_consent(
        django_capture_on_commit_callbacks) -> None:
    from tandem.school.models import Registration
    from tandem.school.services import registration_cancel

    world = build_world()
    school = build_school(world)
    waiting = []
    for p in (world.alice_p, world.charlie_p):
        waiting.append(Registration.objects.create(
            event=school.event, participant=p, status=Registration.Status.WAITING,
            queued_at=timezone.now()))
    school.event.capacity = 3
    school.event.save()
    _no_consent(world.alice_p, world.charlie_p)
    with django_capture_on_commit_callbacks(execute=True):
        promoted = registration_cancel(registration=school.bob_r, base_url="http://t/")
    assert promoted, "the place is given, only the letter is not sent"
    assert not _to(world.alice_p.email) and not _to(world.charlie_p.email)


def test_curator_appointment_letter_is_the_named_exception(
        django_capture_on_commit_callbacks) -> None:
    """docs/security.md: the appointment letter carries the only way to set the login's
    password; it goes even before the consent is recorded."""
    from tandem.access.services import curator_assign

    world = build_world()
    _no_consent(world.carol_p)
    with django_capture_on_commit_callbacks(execute=True):
        curator_assign(organization=world.org_a, participant=world.carol_p,
                       base_url="http://testserver/")
    assert _to(world.carol_p.email)
