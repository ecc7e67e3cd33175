import pytest
from django.test import Client
from django.urls import reverse

from tandem.directory import forms
from tandem.people.models import Participant
from tandem.testing import World


def _valid(world: World, **overrides: object) -> dict[str, object]:
    data = {
        "organization": world.org_a.pk, "surname": "Семёнова", "name": "Дарья",
        "patronymic": "Игоревна", "position": "педагог дополнительного образования",
        "subject": "робототехника", "experience_years": 2, "age_band": "u25",
        "email": "semenova@example.org", "phone": "",
        "mentoring_consent_date": "2026-10-01", "personal_data_consent_date": "2026-10-01",
        "line_manager": "",
    }
    data.update(overrides)
    return data


def test_curator_adds_a_participant(client: Client, world: World) -> None:
    client.force_login(world.alice)
    response = client.post(reverse("people:create"), _valid(world, email="Semenova@Example.org"))
    created = Participant.objects.get(surname="Семёнова")
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("people:detail", kwargs={"pk": created.pk})
    assert created.organization == world.org_a
    assert created.email == "semenova@example.org"
    assert created.search_name == "семенова дарья игоревна"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("email", "BOB@example.org", forms.EMAIL_TAKEN),
    ("surname", "", forms.SURNAME_REQUIRED),
    ("name", "   ", forms.NAME_REQUIRED),
    ("experience_years", -3, forms.EXPERIENCE_NEGATIVE),
    ("experience_years", 90, forms.EXPERIENCE_TOO_LONG),
    ("experience_years", 30, forms.EXPERIENCE_TOO_LONG_FOR_AGE),
    ("surname", "Я" * 101, "не более 100 символов"),
    ("email", "not-an-email", "Введите правильный адрес электронной почты."),
    ("mentoring_consent_date", "2099-01-01", forms.CONSENT_IN_FUTURE),
    ("age_band", "99+", "Выберите корректный вариант."),
])
def test_bad_input_is_refused_next_to_the_field(
    client: Client, world: World, field: str, value: object, message: str
) -> None:
    client.force_login(world.alice)
    before = Participant.objects.count()
    response = client.post(reverse("people:create"), _valid(world, **{field: value}))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(str(message) in str(e) for e in form.errors[field]), form.errors
    # The message is rendered next to the field, in Russian.
    html = response.content.decode()
    assert 'class="field-error"' in html
    assert "Проверьте поля, отмеченные красным: ничего не сохранено." in html
    assert Participant.objects.count() == before


def test_forged_organization_of_another_curator_is_refused(client: Client, world: World) -> None:
    client.force_login(world.charlie)
    response = client.post(reverse("people:create"), _valid(world, organization=world.org_a.pk))
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert not Participant.objects.filter(surname="Семёнова").exists()


def test_line_manager_from_another_organization_is_refused(client: Client, world: World) -> None:
    client.force_login(world.olga)
    response = client.post(reverse("people:create"),
                           _valid(world, line_manager=world.charlie_p.pk))
    assert "line_manager" in response.context["form"].errors
    assert not Participant.objects.filter(surname="Семёнова").exists()


def test_participant_cannot_manage_themselves(client: Client, world: World) -> None:
    client.force_login(world.alice)
    url = reverse("people:edit", kwargs={"pk": world.carol_p.pk})
    data = _valid(world, email="carol@example.org", line_manager=world.carol_p.pk)
    response = client.post(url, data)
    assert "line_manager" in response.context["form"].errors


def test_edit_keeps_own_email_and_records_history(client: Client, world: World) -> None:
    client.force_login(world.alice)
    url = reverse("people:edit", kwargs={"pk": world.carol_p.pk})
    response = client.post(url, _valid(world, surname="Каролёва-Смирнова",
                                       email="carol@example.org", age_band="35-44",
                                       experience_years=12))
    assert response.status_code == 302
    world.carol_p.refresh_from_db()
    assert world.carol_p.surname == "Каролёва-Смирнова"
    card = client.get(reverse("people:detail", kwargs={"pk": world.carol_p.pk})).content.decode()
    assert "Каролёва → Каролёва-Смирнова" in card


def test_deactivation_needs_a_reason(client: Client, world: World) -> None:
    client.force_login(world.alice)
    url = reverse("people:deactivate", kwargs={"pk": world.carol_p.pk})
    client.post(url, {"reason": ""})
    world.carol_p.refresh_from_db()
    assert world.carol_p.is_active
    client.post(url, {"reason": "переход в другую организацию"})
    world.carol_p.refresh_from_db()
    assert not world.carol_p.is_active
    assert world.carol_p.deactivation_reason == "переход в другую организацию"
    assert world.carol_p.deactivated_at is not None


@pytest.mark.parametrize("query", ["каролёва", "КАРОЛЕВА", "  карина   каролева "])
def test_search_ignores_case_and_yo(client: Client, world: World, query: str) -> None:
    client.force_login(world.alice)
    response = client.get(reverse("people:list"), {"q": query})
    names = [p.surname for p in response.context["page"].object_list]
    assert names == ["Каролёва"]


def test_filters_narrow_the_list(client: Client, world: World) -> None:
    Participant.objects.filter(pk=world.carol_p.pk).update(mentoring_consent_date=None)
    client.force_login(world.olga)
    url = reverse("people:list")
    no_consent = client.get(url, {"consent": "no"}).context["page"].object_list
    assert [p.pk for p in no_consent] == [world.carol_p.pk]
    young = client.get(url, {"age_band": "u25"}).context["page"].object_list
    assert [p.pk for p in young] == [world.bob_p.pk]
    in_b = client.get(url, {"organization": world.org_b.pk}).context["page"].object_list
    assert {p.organization_id for p in in_b} == {world.org_b.pk}
    # A forged or malformed filter value is ignored, never a 500.
    assert client.get(url, {"organization": "abc", "page": "999"}).status_code == 200


def test_htmx_request_gets_only_the_table(client: Client, world: World) -> None:
    client.force_login(world.alice)
    response = client.get(reverse("people:list"), {"q": "бобров"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert "Бобров" in html


def test_form_speaks_russian_only(client: Client, world: World) -> None:
    client.force_login(world.olga)
    html = client.get(reverse("people:create")).content.decode()
    assert "— выберите —" in html
    assert "Select an option" not in html
