"""Participants through the API: the page's rules, the page's scope."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from tandem.accounts.models import User
from tandem.api.tests.conftest import error
from tandem.directory.forms import EMAIL_TAKEN, EXPERIENCE_TOO_LONG_FOR_AGE
from tandem.people.models import Participant
from tandem.testing import World, bulk_participants

Api = Callable[[User | None], APIClient]
URL = "/api/v1/participants/"


def _new(world: World, **changes: Any) -> dict[str, Any]:
    return {"organization": world.org_a.pk, "surname": "Новикова", "name": "Нина",
            "patronymic": "Павловна", "position": "учитель", "experience_years": 3,
            "age_band": "25-34", "email": "nina@example.org",
            "mentoring_consent_date": "2026-09-01", **changes}


def test_curator_adds_a_participant(api: Api, world: World) -> None:
    response = api(world.alice).post(URL, _new(world), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["full_name"] == "Новикова Нина Павловна"
    assert Participant.objects.get(email="nina@example.org").organization == world.org_a


def test_a_taken_email_is_refused_in_russian(api: Api, world: World) -> None:
    response = api(world.alice).post(URL, _new(world, email="Carol@Example.org"),
                                     format="json")
    assert response.status_code == 400
    body = error(response)
    assert body["code"] == "validation_error"
    assert body["fields"] == {"email": [str(EMAIL_TAKEN)]}
    assert body["message_en"] == "Validation failed."


def test_the_form_rules_apply(api: Api, world: World) -> None:
    response = api(world.alice).post(URL, _new(world, age_band="u25", experience_years=20),
                                     format="json")
    assert error(response)["fields"] == {"experience_years": [str(EXPERIENCE_TOO_LONG_FOR_AGE)]}


def test_another_organization_cannot_be_named(api: Api, world: World) -> None:
    response = api(world.alice).post(URL, _new(world, organization=world.org_b.pk),
                                     format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["organization"]
    assert not Participant.objects.filter(email="nina@example.org").exists()


def test_unknown_fields_are_refused(api: Api, world: World) -> None:
    response = api(world.alice).post(URL, _new(world, is_superuser=True), format="json")
    assert error(response)["fields"] == {"is_superuser": ["Неизвестное поле."]}


def test_a_teacher_cannot_add_people(api: Api, world: World) -> None:
    response = api(world.bob).post(URL, _new(world), format="json")
    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"


def test_patch_changes_only_what_it_names(api: Api, world: World) -> None:
    response = api(world.erin).patch(f"{URL}{world.carol_p.pk}/", {"position": "методист"},
                                     format="json")
    assert response.status_code == 200, response.json()
    carol = Participant.objects.get(pk=world.carol_p.pk)
    assert (carol.position, carol.surname, carol.line_manager) == (
        "методист", "Каролёва", world.alice_p)


def test_put_needs_every_required_field(api: Api, world: World) -> None:
    response = api(world.alice).put(f"{URL}{world.carol_p.pk}/", {"position": "методист"},
                                    format="json")
    assert response.status_code == 400
    assert {"surname", "name", "email"} <= set(error(response)["fields"])


def test_another_organizations_person_is_404(api: Api, world: World) -> None:
    for method in ("get", "patch"):
        response = getattr(api(world.charlie), method)(
            f"{URL}{world.carol_p.pk}/", {"position": "x"}, format="json")
        assert response.status_code == 404
        assert error(response) == {"code": "not_found", "message_ru": "Не найдено.",
                                   "message_en": "Not found.", "fields": {}}
    response = api(world.charlie).post(f"{URL}{world.carol_p.pk}/deactivate/",
                                       {"reason": "x"}, format="json")
    assert response.status_code == 404
    assert Participant.objects.get(pk=world.carol_p.pk).is_active


def test_a_teacher_reads_but_cannot_change_their_own_record(api: Api, world: World) -> None:
    client = api(world.bob)
    assert client.get(f"{URL}{world.bob_p.pk}/").json()["surname"] == "Бобров"
    assert client.get(f"{URL}{world.carol_p.pk}/").status_code == 404
    assert client.patch(f"{URL}{world.bob_p.pk}/", {"position": "x"},
                        format="json").status_code == 404


def test_deactivation_needs_a_reason(api: Api, world: World) -> None:
    client = api(world.alice)
    response = client.post(f"{URL}{world.carol_p.pk}/deactivate/", {}, format="json")
    assert error(response)["fields"] == {"reason": ["Укажите причину."]}
    response = client.post(f"{URL}{world.carol_p.pk}/deactivate/", {"reason": "увольнение"},
                           format="json")
    assert response.json()["is_active"] is False
    assert response.json()["deactivation_reason"] == "увольнение"


def test_filter_by_organization(api: Api, world: World) -> None:
    client = api(world.olga)
    response = client.get(URL, {"organization": world.org_b.pk})
    assert {p["surname"] for p in response.json()["results"]} == {"Чарлин", "Бэшкина"}
    # Not a number is none of the user's organizations: the rule of every list's filter
    # (access.forms.unit_filter), as on the pages.
    assert error(client.get(URL, {"organization": "b"}))["fields"] == {
        "organization": ["Такой организации нет среди ваших: фильтр по организации не "
                         "применён."]}


def test_updated_since_gives_what_changed(api: Api, world: World) -> None:
    long_ago = timezone.now() - dt.timedelta(days=30)
    Participant.objects.exclude(pk=world.carol_p.pk).update(updated_at=long_ago)
    client = api(world.alice)
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = client.get(URL, {"updated_since": since})
    assert [p["surname"] for p in response.json()["results"]] == ["Каролёва"]
    # Deactivated people come too: a sync must learn they left.
    Participant.objects.filter(pk=world.alice_p.pk).update(
        is_active=False, updated_at=timezone.now())
    response = client.get(URL, {"updated_since": since})
    assert {p["surname"] for p in response.json()["results"]} == {"Каролёва", "Алисова"}


def test_updated_since_must_be_a_datetime(api: Api, world: World) -> None:
    response = api(world.alice).get(URL, {"updated_since": "вчера"})
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["updated_since"]


def test_an_unescaped_plus_of_the_offset_is_understood(api: Api, world: World) -> None:
    response = api(world.alice).get(f"{URL}?updated_since=2000-01-01T00:00:00+05:00")
    assert response.json()["count"] == 3


def test_pages(api: Api, world: World) -> None:
    bulk_participants(world.org_a, 27)
    client = api(world.alice)
    first = client.get(URL, {"page_size": 10}).json()
    assert (first["count"], len(first["results"])) == (30, 10)
    assert "page=2" in first["next"] and first["previous"] is None
    last = client.get(URL, {"page_size": 10, "page": 3}).json()
    assert last["next"] is None and len(last["results"]) == 10
    assert len(client.get(URL, {"page_size": 10_000}).json()["results"]) == 30  # capped at 500
    assert client.get(URL, {"page": 99}).status_code == 404


def test_organizations_are_counted_for_the_page_only(api: Any, world: World) -> None:
    """The page is cut from the organizations, then only its organizations are counted:
    as many queries for 3 organizations as for 60, and the counts are each one's own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.territory.models import Organization
    from tandem.testing import OrganizationFactory

    client = api(world.olga)
    url = "/api/v1/organizations/?page_size=2"
    client.get(url)  # warm the token's last_used_at

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = queries()
    for i in range(58):
        org = OrganizationFactory.create(municipality=world.municipality_a,
                                         name=f"Школа {i:02}", code=f"extra-{i}")
        bulk_participants(org, i % 3)
    assert queries() == small
    body = client.get("/api/v1/organizations/", {"page_size": 7, "page": 3}).json()
    assert body["count"] == 60
    for item in body["results"]:
        org = Organization.objects.get(pk=item["id"])
        assert item["participant_count"] == org.participants.filter(is_active=True).count()
