"""The anonymisation sweep: a person seeded into every table the product has — profile
and login, diagnostics, a matching run and a pair order, a pair with its map, meetings,
reflections, evidence files, surveys, the school's registration and certificate, a
training team, a programme's roadmap, a resource, roster and results uploads, queued
letters, the login guard's records, the admin's and the audit trail's entries — and
after ``participant_anonymise`` their surname, first name, e-mail and phone occur
nowhere: not in any column of any table (JSON decoded, files opened, ZIPs unpacked) and
not in the media folder (file names and contents). The statistics stay."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tandem.people.models import Participant
from tandem.people.personal_data import participant_anonymise, texts_of_bytes
from tandem.testing import World

SURNAME, NAME = "Каролёва", "Карина"
PHONE = "+7 (912) 555-01-23"
EMAIL = "carol@example.org"
NEEDLES = (SURNAME, SURNAME.replace("ё", "е"), NAME, EMAIL, PHONE, "79125550123")
FULL, SHORT = "Каролёва Карина Сергеевна", "Каролёва К. С."


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (bytes, memoryview)):
        return texts_of_bytes(bytes(value))
    text = str(value)
    out = [text]
    if text[:1] in "[{\"":
        try:
            out.append(json.dumps(json.loads(text), ensure_ascii=False))
        except ValueError:
            pass
    return out


def _find_in_database() -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    for text in _texts(value):
                        low = text.lower()
                        found += [f"{table}: {needle!r} in {text[:160]!r}"
                                  for needle in NEEDLES if needle.lower() in low]
    return found


def _find_in_media() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    found = []
    for path in (root.rglob("*") if root.exists() else []):
        texts = [str(path.relative_to(root))]
        if path.is_file():
            texts += texts_of_bytes(path.read_bytes())
        found += [f"{path.name}: {n!r}" for t in texts for n in NEEDLES if n.lower() in t.lower()]
    return found


def _seed(world: World, client: Client, capture: Any) -> dict[str, int]:
    from auditlog.models import LogEntry
    from django.contrib.admin.models import CHANGE
    from django.contrib.admin.models import LogEntry as AdminLogEntry
    from django.contrib.contenttypes.models import ContentType

    from tandem.access.services import curator_assign
    from tandem.diagnostics.models import ResultImport
    from tandem.maps import lifecycle
    from tandem.maps import services as maps
    from tandem.maps.models import Map
    from tandem.pairs.models import Pair, PairOrder
    from tandem.programmes import services as programmes
    from tandem.resources.models import Resource
    from tandem.roster import services as roster
    from tandem.roster.tests.files import roster_csv, row_of
    from tandem.school.models import Event
    from tandem.surveys.models import Survey
    from tandem.testing import (
        build_diagnostics,
        build_map,
        build_programme,
        build_resources,
        build_school,
        build_training,
    )
    from tandem.web.tasks import send_email

    carol = world.carol_p
    carol.phone = PHONE
    carol.save()
    build_diagnostics(world)
    build_resources(world)
    pair = build_map(world)
    with capture(execute=True):  # her appointment letter, her login
        curator_assign(organization=world.org_a, participant=carol, base_url="http://t/")
    carol.refresh_from_db()
    # The map at work: a meeting, reflections, evidence (hers, and Bob's naming her).
    the_map = Map.objects.get(pair=pair)  # type: ignore[misc]
    lifecycle.map_agree(the_map=the_map, participant=world.bob_p)
    lifecycle.map_agree(the_map=the_map, participant=carol)
    lifecycle.map_approve(the_map=the_map, user=world.alice)
    lifecycle.map_start(the_map=the_map)
    maps.meeting_add(pair=pair, data={  # type: ignore[arg-type]
        "date": dt.date(2026, 12, 10), "format": "offline", "duration_minutes": 45,
        "topic": f"Урок {SHORT}", "notes": f"{NAME} показала приём; звонить {PHONE}"},
        user=world.bob)
    for who, text in ((carol, f"Я, {FULL}, научилась многому"),
                      (world.bob_p, f"{NAME} {SURNAME} объясняла терпеливо")):
        maps.reflection_save(the_map=the_map, participant=who, direction="ab", text=text)
    rows = list(the_map.rows.order_by("direction", "order"))
    with capture(execute=True):
        maps.row_done(row=rows[0], link="", user=carol.user, upload=SimpleUploadedFile(
            f"{SURNAME}_отчёт.pdf", f"%PDF отчёт {FULL}".encode()))
        maps.row_done(row=rows[1], link="", user=world.bob, upload=SimpleUploadedFile(
            f"план_{SURNAME}.pdf", b"%PDF plan"))
        maps.row_done(row=rows[2], link="", user=world.bob,
                      upload=SimpleUploadedFile("конспект.pdf", f"%PDF {EMAIL}".encode()))
        # A file or a link, exactly one (web/attachments.py): the link is a second piece.
        maps.row_done(row=rows[2], link=f"https://disk.example.org/{SURNAME}", user=world.bob,
                      upload=None)
    # Surveys: hers, and Bob's naming her.
    for who, text in ((carol, f"Спасибо, пишите на {EMAIL}"), (world.bob_p, f"{NAME} — лучшая")):
        Survey.objects.create(pair=pair, participant=who, stage=Survey.Stage.MID,  # type: ignore[misc]
                              due_on=dt.date(2027, 2, 1), text_good=text,
                              submitted_at=timezone.now(), mentee_benefit=5)
    order = PairOrder.objects.create(organization=world.org_a, number="2-од",
                                     date=dt.date(2026, 11, 28), head_name=SHORT)
    order.pairs.set([pair])  # type: ignore[list-item]
    # School, training, programme, resources.
    school = build_school(world)
    Event.objects.filter(pk=school.event.pk).update(speaker=SHORT)
    training = build_training(world)
    training.team2.feedback = f"{NAME} вела команду"
    training.team2.save()
    programme = build_programme(world, adopt=False)
    programmes.roadmap_add(programme=programme, data={
        "stage": "diagnostics", "activity": "Входная диагностика", "result": "профили",
        "starts_on": programme.roadmap.first().starts_on,  # type: ignore[union-attr]
        "ends_on": programme.roadmap.first().ends_on,  # type: ignore[union-attr]
        "responsible": SHORT})
    Resource.objects.create(title="Мастер-класс", kind="material", level="organization",
                            organization=world.org_a, owner_name=FULL)
    # Uploads: a checked roster (its report has her phone), a results file.
    upload = roster.roster_import_store(user=world.alice, filename=f"{SURNAME}.csv",
                                        content=roster_csv([row_of(carol)]))
    from tandem.access.scope import scope_for

    roster.roster_import_check(upload=upload, scope=scope_for(world.alice))
    ResultImport.objects.create(campaign=world.diag.campaign_a,  # type: ignore[union-attr]
                                uploaded_by=world.alice, filename="итоги.csv",
                                content=f"{FULL};3;2\n".encode())
    # Letters waiting in the queue: to her, and to Bob naming her.
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        send_email.enqueue(subject="Опрос", body=f"Здравствуйте, {NAME}!", to=[EMAIL])
        send_email.enqueue(subject="Пара", body=f"Ваша пара: {FULL}, {PHONE}",
                           to=["bob@example.org"])
    # The login guard remembers a failed login with her name; the admin's log names her.
    client.post(reverse("login"), {"username": EMAIL, "password": "wrong"})
    AdminLogEntry.objects.create(user=world.olga, content_type=ContentType.objects.get_for_model(
        Participant), object_id=str(carol.pk), object_repr=FULL, action_flag=CHANGE,
        change_message=f"Изменено: телефон {PHONE}")
    assert LogEntry.objects.filter(object_repr__contains=SURNAME).exists()
    return {"pairs": Pair.objects.count(), "people": Participant.objects.count(),
            "evidence": len(rows)}


def test_after_anonymisation_the_person_is_nowhere(
        world: World, client: Client, django_capture_on_commit_callbacks: Any) -> None:
    from tandem.diagnostics.models import Response
    from tandem.maps.models import Evidence
    from tandem.pairs.models import Pair

    before = _seed(world, client, django_capture_on_commit_callbacks)
    found = _find_in_database() + _find_in_media()
    tables = {f.split(":")[0] for f in found}
    assert {"people_participant", "auditlog_logentry", "maps_reflection", "maps_meeting",
            "surveys_survey", "roster_rosterimport", "django_tasks_database_dbtaskresult",
            "accounts_user", "axes_accessattempt"} <= tables, tables  # the seed is real
    responses = Response.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        participant_anonymise(participant=world.carol_p, actor=world.olga)

    left = _find_in_database()
    assert left == [], "\n".join(left)
    assert _find_in_media() == []
    carol = Participant.objects.get(pk=world.carol_p.pk)
    assert carol.surname == "Удалено" and not carol.is_active and carol.user is None
    # The statistics stay: pairs, people, answers, the record that evidence was given.
    assert Pair.objects.count() == before["pairs"]
    assert Participant.objects.count() == before["people"]
    assert Response.objects.count() == responses
    assert Evidence.objects.count() == 4  # the records stay
    # The letter to her is not sent; Bob's still is, without her name.
    from django_tasks_db.models import DBTaskResult

    waiting = [t.args_kwargs["kwargs"] for t in DBTaskResult.objects.filter(status="READY")]
    assert [w["to"] for w in waiting] == [["bob@example.org"]]
    assert "[удалено]" in waiting[0]["body"]


def test_the_anonymisation_writes_no_entry_with_the_old_values(world: World) -> None:
    from auditlog.models import LogEntry

    participant_anonymise(participant=world.carol_p, actor=world.olga)
    last = LogEntry.objects.get_for_object(world.carol_p).order_by("-pk").first()
    assert last is not None and last.changes_dict == {"обезличивание": ["", "выполнено"]}
    assert not LogEntry.objects.filter(changes__icontains="carol@").exists()
