"""Deleting a row of a map: a button on the row, asked once (tandem/web/confirm.py) — and
«Вернуть строку» puts it back as it was, but for its files, which the delete deletes for
good (maps/undo.py, ``services.row_restore``). The row kept for it is on the server, where
an anonymisation deletes it, and it is taken once."""

from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from tandem.maps import services, undo, views
from tandem.maps.models import Evidence, Map, Row
from tandem.people.models import Participant
from tandem.people.personal_data import participant_anonymise
from tandem.resources.models import Resource
from tandem.testing import (
    World,
    build_matrix_map,
    build_pairs,
    build_resources,
    build_training,
)
from tandem.web.personal_cache import personal_cache
from tandem.web.tests.test_personal_cache import _database_caches

FIELDS = ("map_id", "direction", "order", "competency", "title", "current_level",
          "target_level", "partner_level", "task", "forms", "deadline", "product",
          "evidence", "resources_note", "technology", "template_id", "done_at")


def _map(world: World) -> dict[str, Any]:
    build_resources(world)
    pairs = build_pairs(world)
    made: dict[str, Any] = build_matrix_map(pairs)  # Alice ⇄ Dmitry, a draft
    made["pairs"] = pairs
    row: Row = made["row"]
    row.resources.add(Resource.objects.get(title="Областной курс"))
    return made


def _row_state(row: Row) -> tuple[object, ...]:
    return (tuple(getattr(row, f) for f in FIELDS),
            sorted(row.resources.values_list("title", flat=True)),
            sorted(row.evidence_items.exclude(link="").values_list("original_name", "link")))


def _stored(name: str) -> bool:
    return bool(Evidence._meta.get_field("file").storage.exists(name))  # type: ignore[union-attr]


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
    assert "в течение часа" in text
    assert "Прикреплённые файлы (1) будут удалены безвозвратно" in text
    assert Row.objects.filter(pk=row.pk).exists()  # nothing deleted without «Да»


def test_a_deleted_row_comes_back_as_it_was_once(
        client: Client, world: World, django_capture_on_commit_callbacks: Any) -> None:
    made = _map(world)
    row: Row = made["row"]
    the_map: Map = made["map"]
    Evidence.objects.create(row=row, link="https://example.org/lesson")
    stored = made["evidence"].file.name
    before = _row_state(Row.objects.get(pk=row.pk))
    client.force_login(world.alice)

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("maps:row_delete", kwargs={"pk": row.pk}),
                           {"confirmed": "1"}, follow=True).content.decode()
    assert not Row.objects.filter(pk=row.pk).exists()
    assert not _stored(stored)  # its file is deleted for good
    assert "Строка «Строка карты А» удалена из карты." in page and "Вернуть строку" in page
    assert "в течение часа" in page and "файлы удалены и не вернутся" in page

    restore = reverse("maps:row_restore", kwargs={"map_pk": the_map.pk})
    page = client.post(restore, follow=True).content.decode()
    [back] = Row.objects.filter(map=the_map)
    assert _row_state(back) == before
    assert "Строка «Строка карты А» возвращена в карту." in page
    assert "Вернуть строку" not in page
    [link] = Evidence.objects.filter(row=back)  # the link, not the file
    assert link.link == "https://example.org/lesson" and not link.file
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


# -- the reviewer's three defects (each test failed before the fix) ---------------------

def test_restore_after_anonymisation_does_not_bring_the_erased_name_back(
        client: Client, world: World) -> None:
    """The row kept for «Вернуть строку» was in the session, out of the anonymiser's
    reach: putting it back after the person's anonymisation wrote their name again."""
    build_resources(world)
    pw = build_pairs(world)
    made: dict[str, Any] = build_matrix_map(pw)
    Row.objects.filter(pk=made["row"].pk).update(  # a test's setup: no trail needed
        title="Дёмин Дмитрий проводит открытый урок", task="Дёмин готовит урок")
    client.force_login(world.olga)
    client.post(reverse("maps:row_delete", kwargs={"pk": made["row"].pk}), {"confirmed": "1"})
    participant_anonymise(participant=Participant.objects.get(pk=pw.dmitry.pk), actor=None)
    page = client.post(reverse("maps:row_restore", kwargs={"map_pk": made["map"].pk}),
                       follow=True).content.decode()
    assert not Row.objects.filter(map=made["map"], title__contains="Дёмин").exists()
    assert not Row.objects.filter(map=made["map"]).exists()
    assert str(services.NOTHING_TO_RESTORE) in page and "Дёмин" not in page


def test_an_evidence_file_naming_the_person_does_not_survive_erasure(
        client: Client, world: World, django_capture_on_commit_callbacks: Any) -> None:
    """A deleted row's files stayed in the storage (its records went, so the anonymiser
    never found them) and came back with the row."""
    build_resources(world)
    pw = build_pairs(world)
    made: dict[str, Any] = build_matrix_map(pw)
    ev = Evidence(row=made["row"], original_name="Дёмин — конспект.pdf")
    ev.file.save("Дёмин-конспект.pdf", ContentFile(b"%PDF-1.4 Demin Dmitry"), save=True)
    stored = str(ev.file.name)
    client.force_login(world.olga)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("maps:row_delete", kwargs={"pk": made["row"].pk}),
                    {"confirmed": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        participant_anonymise(participant=Participant.objects.get(pk=pw.dmitry.pk),
                              actor=None)
    assert not _stored(stored)


def test_a_rolled_back_delete_keeps_the_row_s_files(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    """The files go after the commit only: a delete that fails keeps them."""
    made = _map(world)
    pk, stored = made["row"].pk, made["evidence"].file.name
    with (django_capture_on_commit_callbacks(execute=True),
          pytest.raises(RuntimeError), transaction.atomic()):
        services.row_delete(row=made["row"], user=world.alice)
        raise RuntimeError
    assert Row.objects.filter(pk=pk).exists() and _stored(stored)


def _tab(path: str, user: Any, session_key: str) -> Any:
    """A request of one browser tab of this session, its session already read."""
    request = RequestFactory().post(path)
    request.user = user
    request.session = SessionStore(session_key)
    dict(request.session.items())  # read now, before either tab restores
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def test_two_tabs_restoring_at_once_make_one_row(client: Client, world: World) -> None:
    """Two tabs (a double click) that both had the row to put back: the session was the
    only guard, and each request had read it before the other forgot it."""
    build_resources(world)
    made: dict[str, Any] = build_matrix_map(build_pairs(world))
    the_map: Map = made["map"]
    client.force_login(world.alice)
    client.post(reverse("maps:row_delete", kwargs={"pk": made["row"].pk}), {"confirmed": "1"})
    path = reverse("maps:row_restore", kwargs={"map_pk": the_map.pk})
    key = client.session.session_key
    assert key is not None
    tabs = [_tab(path, world.alice, key) for _ in range(2)]
    for request in tabs:
        assert views.row_restore(request, map_pk=the_map.pk).status_code == 302
    assert Row.objects.filter(map=the_map).count() == 1
    said = [[str(m) for m in get_messages(request)] for request in tabs]
    assert said[1] == [str(services.NOTHING_TO_RESTORE)]


def test_the_claim_decides_even_when_both_read_the_row(world: World,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Both requests read the kept row before either took it: only the one whose delete
    removed the entry puts it back."""
    made = _map(world)
    the_map: Map = made["map"]
    services.row_delete(row=made["row"], user=world.alice)
    kept = undo.pending(world.alice.pk, the_map)
    cache = personal_cache()
    monkeypatch.setattr(type(cache), "get", lambda self, key, default=None, version=None: kept)
    services.row_restore(the_map=the_map, user=world.alice)
    with pytest.raises(services.MapError):
        services.row_restore(the_map=the_map, user=world.alice)
    assert Row.objects.filter(map=the_map).count() == 1


def test_on_a_database_cache_the_row_is_taken_once_and_erased_with_the_person(
        client: Client, world: World, settings: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """As in production (a table of its own, ``DatabaseCache``): the kept row is a row of
    the table, its delete says who took it, and an anonymisation deletes it."""
    _database_caches(settings)
    made = _map(world)
    the_map: Map = made["map"]
    services.row_delete(row=made["row"], user=world.alice)
    kept = undo.pending(world.alice.pk, the_map)
    assert kept is not None and kept["title"] == "Строка карты А"
    cache = personal_cache()
    with monkeypatch.context() as patched:  # both read it before either took it
        patched.setattr(type(cache), "get", lambda self, key, default=None, version=None: kept)
        services.row_restore(the_map=the_map, user=world.alice)
        with pytest.raises(services.MapError):
            services.row_restore(the_map=the_map, user=world.alice)
    assert Row.objects.filter(map=the_map).count() == 1

    [row] = Row.objects.filter(map=the_map)
    services.row_delete(row=row, user=world.alice)
    assert undo.pending(world.alice.pk, the_map) is not None
    _only_the_person_s_rows_go(world, made)


def test_anonymising_one_person_leaves_everyone_else_s_row_to_put_back(
        world: World) -> None:
    """The memory cache (tests, one process): the same as the table."""
    made = _map(world)
    services.row_delete(row=made["row"], user=world.alice)
    _only_the_person_s_rows_go(world, made)


def _only_the_person_s_rows_go(world: World, made: dict[str, Any]) -> None:
    """Anonymising Carol — no member of the Alice ⇄ Dmitry pair — leaves Alice's deleted
    row to put back (it used to go with every anonymisation, of anyone); anonymising
    Dmitry, whom the row's map names, deletes it."""
    import datetime as dt

    from tandem.maps.lifecycle import pairs_approve

    the_map: Map = made["map"]
    key = "-".join(str(x) for x in sorted((world.bob_p.pk, world.carol_p.pk)))
    [pair] = pairs_approve(run=made["pairs"].run, keys=[key], starts_on=dt.date(2026, 12, 1),
                           ends_on=dt.date(2027, 5, 31), curator=world.olga,
                           base_url="http://testserver/")
    other = Map.objects.get(pair=pair)  # Bob ⇄ Carol: Olga deletes a row of their map
    theirs = Row.objects.create(map=other, direction=Row.Direction.A_TO_B,
                                competency="ict.ai_lessons", title="Строка карты Б",
                                current_level=0, target_level=2, partner_level=3,
                                task="Задача", deadline=dt.date(2027, 1, 15))
    services.row_delete(row=theirs, user=world.olga)
    assert undo.pending(world.olga.pk, other) is not None
    participant_anonymise(participant=Participant.objects.get(pk=world.carol_p.pk),
                          actor=None)
    assert undo.pending(world.olga.pk, other) is None  # it named Carol
    assert undo.pending(world.alice.pk, the_map) is not None
    services.row_restore(the_map=the_map, user=world.alice)  # still works
    [row] = Row.objects.filter(map=the_map)
    services.row_delete(row=row, user=world.alice)
    participant_anonymise(participant=Participant.objects.get(pk=made["pairs"].dmitry.pk),
                          actor=None)
    assert undo.pending(world.alice.pk, the_map) is None


def test_a_link_the_person_added_to_another_pair_s_deleted_row_goes_with_them(
        world: World) -> None:
    """Alice (a curator who is also a participant) adds a link to a row of the Bob ⇄ Carol
    map, Olga deletes the row: once the row is gone no record of Alice's leads to that
    map, and her anonymisation left the link kept — «Вернуть строку» wrote it back
    (review of h/smalls). Now the row comes back without her link, and Olga's own stays."""
    import datetime as dt

    from tandem.maps.lifecycle import pairs_approve

    made = _map(world)
    key = "-".join(str(x) for x in sorted((world.bob_p.pk, world.carol_p.pk)))
    [pair] = pairs_approve(run=made["pairs"].run, keys=[key], starts_on=dt.date(2026, 12, 1),
                           ends_on=dt.date(2027, 5, 31), curator=world.olga,
                           base_url="http://testserver/")
    other = Map.objects.get(pair=pair)
    theirs = Row.objects.create(map=other, direction=Row.Direction.A_TO_B,
                                competency="ict.ai_lessons", title="Строка карты Б",
                                current_level=0, target_level=2, partner_level=3,
                                task="Задача", deadline=dt.date(2027, 1, 15))
    alice_link = "https://disk.example.org/alice@example.org/report"
    services.row_done(row=theirs, upload=None, link=alice_link, user=world.alice)
    Evidence.objects.create(row=theirs, link="https://disk.example.org/olga/plan",
                            uploaded_by=world.olga)
    services.row_delete(row=theirs, user=world.olga)
    participant_anonymise(participant=Participant.objects.get(user=world.alice),
                          actor=None)
    kept = undo.pending(world.olga.pk, other)
    assert kept is not None  # the row names neither Bob's nor Carol's… nor Alice
    row = services.row_restore(the_map=other, user=world.olga)
    links = sorted(row.evidence_items.values_list("link", flat=True))
    assert links == ["https://disk.example.org/olga/plan"]
    assert "alice" not in repr(undo.pending(world.olga.pk, other))


def test_a_restored_row_keeps_its_links_of_every_uploader(world: World) -> None:
    """Links kept apart by uploader come back together with the row, once."""
    made = _map(world)
    row: Row = made["row"]
    Evidence.objects.create(row=row, link="https://example.org/a", uploaded_by=world.alice)
    Evidence.objects.create(row=row, link="https://example.org/o", uploaded_by=world.olga)
    Evidence.objects.create(row=row, link="https://example.org/none", uploaded_by=None)
    services.row_delete(row=row, user=world.alice)
    back = services.row_restore(the_map=made["map"], user=world.alice)
    assert sorted(back.evidence_items.values_list("link", "uploaded_by")) == [
        ("https://example.org/a", world.alice.pk), ("https://example.org/none", None),
        ("https://example.org/o", world.olga.pk)]
    assert undo.take(world.alice.pk, made["map"]) is None
