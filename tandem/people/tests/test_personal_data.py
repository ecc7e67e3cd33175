import io
import json

from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tandem.diagnostics.models import Answer, Response
from tandem.maps.models import Map
from tandem.people.models import Participant
from tandem.testing import World, build_map


def test_a_teacher_downloads_everything_kept_about_them(client: Client, world: World) -> None:
    build_map(world)  # Bob has a diagnostic, a pair with Carol and its map
    client.force_login(world.bob)
    data = json.loads(client.get(reverse("people:data_json",
                                         kwargs={"pk": world.bob_p.pk})).content)
    assert data["profile"]["surname"] == "Бобров"
    assert data["profile"]["email"] == "bob@example.org"
    assert data["diagnostics"][0]["answers"]
    [pair] = data["pairs"]
    assert pair["partner"] == "Каролёва Карина Сергеевна" and pair["i_teach"]
    assert data["map_rows"]
    book = load_workbook(io.BytesIO(client.get(
        reverse("people:data_xlsx", kwargs={"pk": world.bob_p.pk})).content))
    assert book.sheetnames[:3] == ["Профиль", "Диагностика", "Пары"]
    # ...and nobody else's.
    other = client.get(reverse("people:data_json", kwargs={"pk": world.carol_p.pk}))
    assert other.status_code == 404


def test_anonymisation_erases_names_keeps_statistics(client: Client, world: World) -> None:
    pair = build_map(world)
    answers = Answer.objects.filter(response__participant=world.bob_p).count()
    client.force_login(world.alice)  # a curator may not
    url = reverse("people:anonymise", kwargs={"pk": world.bob_p.pk})
    assert client.post(url, {"confirm": "yes"}).status_code == 403
    client.force_login(world.olga)
    client.post(url, {})  # not confirmed: nothing happens
    assert Participant.objects.get(pk=world.bob_p.pk).surname == "Бобров"
    client.post(url, {"confirm": "yes"})
    bob = Participant.objects.get(pk=world.bob_p.pk)
    assert (bob.surname, bob.name, bob.patronymic, bob.phone) == ("Удалено", "", "", "")
    assert bob.email.endswith("@invalid.example") and not bob.is_active
    assert bob.user is None
    world.bob.refresh_from_db()
    assert not world.bob.is_active and not world.bob.has_usable_password()
    # Statistics stay: the questionnaire, the pair and its map.
    assert Answer.objects.filter(response__participant=bob).count() == answers
    assert Response.objects.filter(participant=bob).exists()
    assert Map.objects.filter(pair_id=pair.pk).exists()  # type: ignore[attr-defined]
    # The trail says who did it, and no longer holds the old name.
    entries = list(LogEntry.objects.get_for_object(bob))
    assert any("обезличивание" in e.changes_dict and e.actor == world.olga for e in entries)
    assert all("Бобров" not in json.dumps(e.changes_dict, ensure_ascii=False)
               and "Бобров" not in e.object_repr for e in entries)



def test_the_download_includes_own_survey_answers_and_school_events(
        client: Client, world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    from tandem.surveys.models import Survey
    from tandem.testing import build_school

    pair = build_map(world)  # Bob ⇄ Carol, with a map
    Survey.objects.create(pair=pair, participant=world.carol_p,  # type: ignore[misc]
                          stage=Survey.Stage.MID, due_on=dt.date(2026, 12, 1),
                          submitted_at=timezone.now(), mentee_benefit=9, recommend=8,
                          text_good="Разбор урока")
    build_school(world)  # Carol attended the seminar and has a certificate
    # Her own download (she has no login yet in this world: give her one) has her answers.
    from tandem.accounts.models import User

    carol = User.objects.create_user(username="carol", password="x")
    world.carol_p.user = carol
    world.carol_p.save()
    client.force_login(carol)
    own = json.loads(client.get(reverse("people:data_json",
                                        kwargs={"pk": world.carol_p.pk})).content)
    [survey] = own["surveys"]
    assert survey["mentee_benefit"] == 9 and survey["text_good"] == "Разбор урока"
    own_book = load_workbook(io.BytesIO(client.get(
        reverse("people:data_xlsx", kwargs={"pk": world.carol_p.pk})).content))
    assert "Опросы" in own_book.sheetnames
    # Her curator's download (made at her request) leaves the anonymous answers out.
    client.force_login(world.alice)
    data = json.loads(client.get(reverse("people:data_json",
                                         kwargs={"pk": world.carol_p.pk})).content)
    assert "surveys" not in data
    assert "Разбор урока" not in json.dumps(data, ensure_ascii=False)
    [event] = data["events"]
    assert event["event"] == "Семинар школы наставников А" and event["attended"] is True
    assert event["certificates"] == "TEST-CARO-L234"
    book = load_workbook(io.BytesIO(client.get(
        reverse("people:data_xlsx", kwargs={"pk": world.carol_p.pk})).content))
    assert "Мероприятия" in book.sheetnames and "Опросы" not in book.sheetnames
    assert book["Мероприятия"]["A2"].value == "Семинар школы наставников А"
    # Bob's own download has neither Carol's answers nor her certificate.
    client.force_login(world.bob)
    mine = json.loads(client.get(reverse("people:data_json",
                                         kwargs={"pk": world.bob_p.pk})).content)
    assert mine["surveys"] == []  # his own list: Carol's answers are not his
    assert all(e["certificates"] == "" for e in mine["events"])


def test_the_download_keeps_a_formula_like_name_as_text(client: Client, world: World) -> None:
    Participant.objects.filter(pk=world.bob_p.pk).update(surname="=1+1")
    client.force_login(world.bob)
    book = load_workbook(io.BytesIO(client.get(
        reverse("people:data_xlsx", kwargs={"pk": world.bob_p.pk})).content))
    [cell] = [row[1] for row in book["Профиль"].iter_rows() if row[0].value == "Фамилия"]
    assert cell.value == "=1+1" and cell.data_type == "s"
