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
