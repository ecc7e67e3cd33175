"""Deleting a row of a map: a button on the row, asked once (tandem/web/confirm.py) — and
«Вернуть строку» puts it back as it was (maps/undo.py, ``services.row_restore``)."""

from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from tandem.maps import services
from tandem.maps.models import Evidence, Map, Row
from tandem.resources.models import Resource
from tandem.testing import (
    World,
    build_matrix_map,
    build_pairs,
    build_resources,
    build_training,
)

FIELDS = ("map_id", "direction", "order", "competency", "title", "current_level",
          "target_level", "partner_level", "task", "forms", "deadline", "product",
          "evidence", "resources_note", "technology", "template_id", "done_at")


def _map(world: World) -> dict[str, Any]:
    build_resources(world)
    made: dict[str, Any] = build_matrix_map(build_pairs(world))  # Alice ⇄ Dmitry, a draft
    row: Row = made["row"]
    row.resources.add(Resource.objects.get(title="Областной курс"))
    return made


def _row_state(row: Row) -> tuple[object, ...]:
    return (tuple(getattr(row, f) for f in FIELDS),
            sorted(row.resources.values_list("title", flat=True)),
            sorted(row.evidence_items.values_list("file", "original_name", "link")))


def test_the_row_has_a_delete_button_that_asks_first(client: Client, world: World) -> None:
    made = _map(world)
    row, the_map = made["row"], made["map"]
    client.force_login(world.alice)
    page = client.get(the_map.get_absolute_url()).content.decode()
    delete = reverse("maps:row_delete", kwargs={"pk": row.pk})
    assert f'action="{delete}"' in page

    asked = client.post(delete)
    assert asked.status_code == 200
    text = asked.content.decode()
    assert "Удалить строку карты?" in text and "Строка карты А" in text
    assert "Вернуть строку" in text and 'name="confirmed" value="1"' in text
    assert Row.objects.filter(pk=row.pk).exists()  # nothing deleted without «Да»


def test_a_deleted_row_comes_back_as_it_was_once(client: Client, world: World) -> None:
    made = _map(world)
    row: Row = made["row"]
    the_map: Map = made["map"]
    before = _row_state(Row.objects.get(pk=row.pk))
    client.force_login(world.alice)

    page = client.post(reverse("maps:row_delete", kwargs={"pk": row.pk}), {"confirmed": "1"},
                       follow=True).content.decode()
    assert not Row.objects.filter(pk=row.pk).exists()
    assert "Строка «Строка карты А» удалена из карты." in page and "Вернуть строку" in page

    restore = reverse("maps:row_restore", kwargs={"map_pk": the_map.pk})
    page = client.post(restore, follow=True).content.decode()
    [back] = Row.objects.filter(map=the_map)
    assert _row_state(back) == before
    assert "Строка «Строка карты А» возвращена в карту." in page
    assert "Вернуть строку" not in page
    assert Evidence.objects.get(row=back).file.read() == b"%PDF-1.4"
    rows = ContentType.objects.get_for_model(Row)
    assert LogEntry.objects.filter(content_type=rows, object_pk=str(back.pk),
                                   actor=world.alice).exists()  # who put it back

    page = client.post(restore, follow=True).content.decode()  # a second press
    assert str(services.NOTHING_TO_RESTORE) in page
    assert Row.objects.filter(map=the_map).count() == 1


def test_only_the_one_who_deleted_may_put_it_back(client: Client, world: World) -> None:
    made = _map(world)
    client.force_login(world.olga)  # the region's operator manages the pair too
    client.post(reverse("maps:row_delete", kwargs={"pk": made["row"].pk}), {"confirmed": "1"})
    client.force_login(world.alice)  # another session: nothing of Olga's
    restore = reverse("maps:row_restore", kwargs={"map_pk": made["map"].pk})
    page = client.post(restore, follow=True).content.decode()
    assert str(services.NOTHING_TO_RESTORE) in page
    assert not Row.objects.filter(map=made["map"]).exists()


def test_a_map_no_longer_editable_keeps_its_rows_as_they_are(client: Client,
                                                             world: World) -> None:
    made = _map(world)
    the_map: Map = made["map"]
    client.force_login(world.alice)
    client.post(reverse("maps:row_delete", kwargs={"pk": made["row"].pk}), {"confirmed": "1"})
    Map.objects.filter(pk=the_map.pk).update(status=Map.Status.AGREED)
    page = client.get(the_map.get_absolute_url()).content.decode()
    assert "Вернуть строку" not in page
    restore = reverse("maps:row_restore", kwargs={"map_pk": the_map.pk})
    page = client.post(restore, follow=True).content.decode()
    assert str(services.NOT_EDITABLE) in page
    assert not Row.objects.filter(map=the_map).exists()


def test_an_outsider_can_neither_delete_nor_put_back(client: Client, world: World) -> None:
    made = _map(world)
    client.force_login(world.dave)  # the coordinator of the other municipality
    delete = reverse("maps:row_delete", kwargs={"pk": made["row"].pk})
    assert client.post(delete, {"confirmed": "1"}).status_code == 404
    restore = reverse("maps:row_restore", kwargs={"map_pk": made["map"].pk})
    assert client.post(restore).status_code == 404
    assert Row.objects.filter(pk=made["row"].pk).exists()


def test_a_training_map_s_row_comes_back_to_the_training_page(client: Client,
                                                              world: World) -> None:
    """The same editor serves a team's training map: its member deletes and puts back."""
    tw = build_training(world)
    the_map = tw.team1.map
    row = Row.objects.filter(map=the_map).first()
    assert row is not None
    count = Row.objects.filter(map=the_map).count()
    client.force_login(world.bob)  # a member of team 1
    deleted = client.post(reverse("maps:row_delete", kwargs={"pk": row.pk}),
                          {"confirmed": "1"})
    assert deleted["Location"] == the_map.get_absolute_url()
    page = client.get(deleted["Location"]).content.decode()
    assert "Вернуть строку" in page
    restored = client.post(reverse("maps:row_restore", kwargs={"map_pk": the_map.pk}))
    assert restored["Location"] == the_map.get_absolute_url()
    assert Row.objects.filter(map=the_map, title=row.title).count() == 1
    assert Row.objects.filter(map=the_map).count() == count
