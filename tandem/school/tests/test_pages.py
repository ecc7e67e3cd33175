"""The pages of the school of mentors, as the personas see them."""

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tandem.access.scope import scope_for
from tandem.school import selectors, services
from tandem.school.models import Event, Material, Registration
from tandem.territory.models import Organization
from tandem.testing import SchoolWorld, World, build_school


@pytest.fixture
def school(world: World) -> SchoolWorld:
    return build_school(world)


def _event(world: World, **extra: object) -> Event:
    start = timezone.now() + dt.timedelta(days=7)
    fields: dict[str, object] = {"kind": Event.Kind.PRACTICUM, "title": "Практикум",
                                 "region": world.region, "starts_at": start,
                                 "ends_at": start + dt.timedelta(hours=2), "place": "Зал",
                                 "capacity": 10, **extra}
    return Event.objects.create(**fields)


def test_who_sees_which_event(world: World) -> None:
    regional = _event(world, title="Областной")
    in_a = _event(world, title="В городе А", municipality=world.municipality_a)
    in_b = _event(world, title="В районе Б", municipality=world.municipality_b)
    for_culture = _event(world, title="Для культуры", sectors=[Organization.Sector.CULTURE])

    def seen(user: object) -> set[str]:
        return set(selectors.events_visible(scope=scope_for(user)).values_list("title",
                                                                               flat=True))

    everything = {e.title for e in (regional, in_a, in_b, for_culture)}
    assert seen(world.olga) == everything
    assert seen(world.erin) == {"Областной", "В городе А", "Для культуры"}
    assert seen(world.alice) == {"Областной", "В городе А", "Для культуры"}
    assert seen(world.charlie) == {"Областной", "В районе Б", "Для культуры"}
    # A teacher: their region and municipality, and only their sector's audience...
    assert seen(world.bob) == {"Областной", "В городе А"}
    # ...unless they are registered anyway.
    Registration.objects.create(event=for_culture, participant=world.bob_p,
                                status="registered", queued_at=timezone.now())
    assert seen(world.bob) == {"Областной", "В городе А", "Для культуры"}
    managed = set(selectors.events_manageable(scope=scope_for(world.erin))
                  .values_list("title", flat=True))
    assert managed == {"В городе А"}


def test_the_operator_creates_an_event(client: Client, world: World) -> None:
    client.force_login(world.olga)
    url = reverse("school:event_create")
    page = client.get(url).content.decode()
    assert "Город А" in page and "Тестовая область (региональное)" in page
    data = {"kind": "seminar", "title": "Реверсивное наставничество",
            "organizer": f"region:{world.region.pk}", "starts_at": "2027-05-16T10:00",
            "ends_at": "2027-05-16T16:00", "place": "Дворец «Пионер»", "capacity": "70",
            "hours": "6", "sectors": ["supplementary", "sport"], "self_registration": "on"}
    response = client.post(url, data)
    event = Event.objects.get(title="Реверсивное наставничество")
    assert response.headers["Location"] == reverse("school:event", args=[event.pk])
    assert (event.region, event.municipality, event.capacity) == (world.region, None, 70)
    assert event.sectors == ["supplementary", "sport"] and event.self_registration
    assert event.created_by == world.olga


def test_bad_event_input_says_what_is_wrong(client: Client, world: World) -> None:
    client.force_login(world.erin)
    data = {"kind": "seminar", "title": "Т", "organizer": f"region:{world.region.pk}",
            "starts_at": "2027-05-16T10:00", "ends_at": "2027-05-15T16:00", "capacity": "0",
            "hours": "2"}
    response = client.post(reverse("school:event_create"), data)
    body = response.content.decode()
    assert response.status_code == 200
    # The coordinator may not organise a regional event, the end precedes the start,
    # neither a place nor a link, no places.
    from tandem.school.forms import ENDS_BEFORE, NO_ORGANIZER, PLACE_OR_LINK

    for message in (NO_ORGANIZER, ENDS_BEFORE, PLACE_OR_LINK):
        assert str(message) in body
    assert not Event.objects.exists()


def test_the_curator_registers_people_and_sees_the_waiting_list(client: Client,
                                                                world: World) -> None:
    event = _event(world, capacity=1)
    client.force_login(world.alice)
    page = client.get(reverse("school:event", args=[event.pk])).content.decode()
    assert "Каролёва" in page and "Бэшкина" not in page  # only A's people to choose from
    response = client.post(reverse("school:register", args=[event.pk]),
                           {"participants": [world.carol_p.pk, world.bob_p.pk]}, follow=True)
    body = response.content.decode()
    assert "Мест нет — в листе ожидания" in body
    assert Registration.objects.filter(event=event, status="registered").count() == 1
    assert Registration.objects.filter(event=event, status="waiting").count() == 1
    # Twice: refused, by name.
    body = client.post(reverse("school:register", args=[event.pk]),
                       {"participants": [world.carol_p.pk]}, follow=True).content.decode()
    carol = Registration.objects.get(event=event, participant=world.carol_p)
    assert ("запись на это мероприятие уже есть" if carol.status == "registered"
            else "уже в листе ожидания") in body
    assert Registration.objects.filter(event=event, status="registered").count() == 1
    assert Registration.objects.filter(event=event, status="waiting").count() == 1


def test_someone_elses_person_is_a_404(client: Client, world: World) -> None:
    event = _event(world)
    client.force_login(world.alice)
    response = client.post(reverse("school:register", args=[event.pk]),
                           {"participants": [world.someone_b.pk]})
    assert response.status_code == 404
    response = client.post(reverse("school:register", args=[event.pk]),
                           {"participants": ["999999"]})
    assert response.status_code == 404
    assert not Registration.objects.exists()


def test_candidate_search_is_an_htmx_fragment(client: Client, world: World) -> None:
    event = _event(world)
    client.force_login(world.alice)
    response = client.get(reverse("school:event", args=[event.pk]),
                          {"fragment": "candidates", "q": "бобр"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Бобров" in body and "Каролёва" not in body and "<html" not in body


def test_a_teacher_registers_themselves(client: Client, world: World) -> None:
    event = _event(world, self_registration=True)
    client.force_login(world.bob)
    assert "Записаться" in client.get(reverse("school:event", args=[event.pk])).content.decode()
    client.post(reverse("school:register", args=[event.pk]), {"self": "1"})
    assert Registration.objects.get(event=event).participant_id == world.bob_p.pk
    # Bob may not register others.
    assert client.post(reverse("school:register", args=[event.pk]),
                       {"participants": [world.carol_p.pk]}).status_code == 403


def test_attendance_toggles_with_htmx(client: Client, world: World, school: SchoolWorld) -> None:
    client.force_login(world.olga)
    url = reverse("school:attendance_mark", args=[school.bob_r.pk])
    response = client.post(url, {"attended": "1"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and "присутствует" in body and "<html" not in body
    assert Registration.objects.get(pk=school.bob_r.pk).attended
    client.post(url, {"attended": "0"}, headers={"HX-Request": "true"})
    assert not Registration.objects.get(pk=school.bob_r.pk).attended


def test_attendance_search(client: Client, world: World, school: SchoolWorld) -> None:
    client.force_login(world.olga)
    response = client.get(reverse("school:attendance", args=[school.event.pk]),
                          {"q": "карол"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Каролёва" in body and "Бобров" not in body


def test_report_page_and_xlsx(client: Client, world: World, school: SchoolWorld) -> None:
    client.force_login(world.olga)
    page = client.get(reverse("school:report", args=[school.event.pk])).content.decode()
    for text in ("Город А", "Район Б", "Школа А", "Дом творчества Б", "общее образование",
                 "дополнительное образование"):
        assert text in page
    data = client.get(reverse("school:report_xlsx", args=[school.event.pk])).content
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Итоги", "Муниципалитеты", "Организации", "Сферы"]
    rows = list(wb["Организации"].iter_rows(values_only=True))
    assert rows[0] == ("Муниципалитет", "Организация", "Сфера", "Присутствовали")
    assert sorted(rows[1:]) == [("Город А", "Школа А", "общее образование", 1),
                                ("Район Б", "Дом творчества Б", "дополнительное образование", 1)]
    summary = {r[0]: r[1] for r in wb["Итоги"].iter_rows(values_only=True)}
    assert (summary["Записаны"], summary["Присутствовали"]) == (3, 2)


def test_material_upload_checks_type_and_keeps_the_name_only(
        client: Client, world: World, school: SchoolWorld,
        django_capture_on_commit_callbacks: Any) -> None:
    client.force_login(world.olga)
    url = reverse("school:material_add", args=[school.event.pk])
    bad = SimpleUploadedFile("virus.exe", b"MZ")
    body = client.post(url, {"title": "x", "file": bad}, follow=True).content.decode()
    assert "Такой тип файла не принимается" in body
    # A real presentation's container (the content is checked, not only the name).
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p:presentation/>")
    pptx = buffer.getvalue()
    renamed = SimpleUploadedFile("презентация.pptx", b"MZ\x90\0")
    body = client.post(url, {"title": "x", "file": renamed}, follow=True).content.decode()
    assert "Содержимое файла не похоже на PPTX" in body
    good = SimpleUploadedFile("../../etc/презентация.pptx", pptx)
    with django_capture_on_commit_callbacks(execute=True):  # the file is written on commit
        client.post(url, {"title": "", "file": good})
    material = Material.objects.get(original_name="презентация.pptx")
    assert material.title == "презентация.pptx"
    assert material.file.name and ".." not in material.file.name
    assert material.file.name.startswith("school/event-")
    response = client.get(reverse("school:material", args=[material.pk]))
    assert b"".join(response.streaming_content) == pptx  # type: ignore[attr-defined]


def test_too_big_material_is_refused(world: World, school: SchoolWorld,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Material, "max_upload_mb", 0)
    with pytest.raises(services.SchoolError, match="больше"):
        services.material_add(event=school.event, title="x",
                              upload=SimpleUploadedFile("a.pdf", b"%PDF"), link="", user=None)


def test_events_list_splits_upcoming_and_past(client: Client, world: World) -> None:
    _event(world, title="Будущий практикум")
    past = timezone.now() - dt.timedelta(days=30)
    _event(world, title="Прошедший семинар", starts_at=past,
           ends_at=past + dt.timedelta(hours=3))
    client.force_login(world.bob)
    body = client.get(reverse("school:events")).content.decode()
    assert body.index("Предстоящие") < body.index("Будущий практикум") < body.index(
        "Прошедшие") < body.index("Прошедший семинар")


def test_the_organizer_goes_from_the_event_to_its_teams(client: Client, world: World,
                                                        school: SchoolWorld) -> None:
    teams = reverse("training:event", kwargs={"pk": school.event.pk})
    client.force_login(world.olga)  # the region operator organizes the region's event
    page = client.get(reverse("school:event", kwargs={"pk": school.event.pk}))
    assert teams in page.content.decode()
    assert client.get(teams).status_code == 200
    client.force_login(world.alice)  # a curator registers people but does not train
    page = client.get(reverse("school:event", kwargs={"pk": school.event.pk}))
    assert page.status_code == 200 and teams not in page.content.decode()
