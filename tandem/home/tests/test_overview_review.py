"""The overview's kept staff part (tandem/home/selectors.py: ``overview``) against
the gaps a review found: an organization moved, a pair across two organizations, the
audit trail of «Напомнить сейчас», and the people's data in the shared cache table after
an anonymisation (152-ФЗ)."""

import base64
import dataclasses
import datetime as dt
import pickle

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.access.scope import scope_for
from tandem.home.selectors import dashboard_context
from tandem.maps.models import Map, Row
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.reminders.models import ReminderLog
from tandem.reminders.selectors import open_reminders_by_pair
from tandem.surveys.tests.helpers import active_pair
from tandem.testing import OrganizationFactory, ParticipantFactory, World
from tandem.web import panels

pytestmark = pytest.mark.django_db


def _overdue_pair(a: Participant, b: Participant, title: str = "Кроссзадача") -> Pair:
    """A running pair (in date today) with one overdue task: an open reminder."""
    today = timezone.localdate()
    pair = active_pair(a, b, starts_on=today - dt.timedelta(days=30),
                       ends_on=today + dt.timedelta(days=200))
    the_map = Map.objects.create(pair=pair, status=Map.Status.IN_PROGRESS)
    Row.objects.create(map=the_map, direction=Row.Direction.A_TO_B, competency="ict.x",
                       title=title, current_level=0, target_level=2, partner_level=3,
                       task="Задача", deadline=today - dt.timedelta(days=2), product="Тест",
                       evidence="Показ")
    return pair


def _page(client: Client) -> str:
    return client.get(reverse("dashboard")).content.decode()


def test_a_cross_organization_pair_reminded_shows_so_to_the_other_members_curator(
        client: Client, world: World, django_capture_on_commit_callbacks: object) -> None:
    """A pair of A with a member in B: B's curator manages it (``pair_q``) and reminds
    it; everything about it is audited under A — and under B too
    (``member_organization_ids``), so B's kept panel is computed again."""
    with transaction.atomic():
        pair = _overdue_pair(world.bob_p, world.someone_b)
    client.force_login(world.charlie)  # curator of B
    html = _page(client)
    assert "Кроссзадача" in html and "Напомнить сейчас" in html
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(reverse("reminders:send_now", kwargs={"pk": pair.pk}))
    assert response.status_code == 302
    assert ReminderLog.objects.filter(pair=pair).exists()
    [group] = open_reminders_by_pair(scope_for(world.charlie), 10)
    assert not group.pending  # live: already reminded
    html = _page(client)
    assert "Напомнить сейчас" not in html
    assert "обо всём уже напомнили" in html


def test_remind_now_audit_entries_name_who_pressed_it(
        client: Client, world: World, django_capture_on_commit_callbacks: object) -> None:
    """The run's entries are written in bulk (``audit.entries.write_entries``) with the
    actor and address of the request, as an entry saved alone."""
    with transaction.atomic():
        pair = _overdue_pair(world.bob_p, world.carol_p)
    client.force_login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(reverse("reminders:send_now", kwargs={"pk": pair.pk}))
    assert response.status_code == 302
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ReminderLog))
    assert entries.count() == 1
    entry = entries.get()
    assert entry.actor_id == world.alice.pk
    assert entry.remote_addr == "127.0.0.1"
    assert entry.additional_data["organization_id"] == world.org_a.pk


def test_an_organization_moved_leaves_the_overview_of_the_coordinator_it_left(
        client: Client, world: World) -> None:
    with transaction.atomic():
        ParticipantFactory.create(organization=world.org_a, surname="Уехавшая",
                                  mentoring_consent_date=None)
    with transaction.atomic():  # another organization of A's municipality
        other = OrganizationFactory.create(municipality=world.municipality_a,
                                           name="Школа В", code="school-c")
    with transaction.atomic():
        ParticipantFactory.create(organization=other, surname="Остающаяся",
                                  mentoring_consent_date=None)
    client.force_login(world.erin)  # coordinator of A's municipality
    assert "Уехавшая" in _page(client)
    with transaction.atomic():
        org = world.org_a
        org.municipality = world.municipality_b
        org.save()
    live = dashboard_context(scope=scope_for(world.erin))
    assert "Уехавшая" not in [p.surname for p in live["missing_consent"]]  # type: ignore[attr-defined]
    html = _page(client)
    assert "Уехавшая" not in html and "Школа А" not in html
    assert "Остающаяся" in html
    client.force_login(world.dave)  # coordinator of B's municipality: A joined
    assert "Уехавшая" in _page(client)


def _cache_rows() -> list[tuple[str, object]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM tandem_cache_personal")
        rows = cursor.fetchall()
    return [(key, pickle.loads(base64.b64decode(value))) for key, value in rows]  # noqa: S301


def _dump(value: object) -> str:
    """Everything an entry holds, its objects' fields included."""
    seen: set[int] = set()
    out: list[str] = []

    def walk(item: object) -> None:
        if id(item) in seen:
            return
        seen.add(id(item))
        out.append(repr(item))
        if isinstance(item, dict):
            for v in item.values():
                walk(v)
        elif isinstance(item, list | tuple | set):
            for v in item:
                walk(v)
        elif hasattr(item, "__dict__"):
            for v in vars(item).values():
                walk(v)

    walk(value)
    return "\n".join(out)


def test_the_shared_cache_table_keeps_no_contacts_and_forgets_an_anonymised_name(
        client: Client, world: World, settings: object) -> None:
    """Production keeps the overview's cache in the table ``tandem_cache_personal``, where
    an entry stays until the table outgrows its limit: the overview keeps only what it
    shows — the pairs' members by name, never anybody's e-mail or phone, and the people
    without consent not at all (read live) — and the anonymisation deletes the entries
    that name people."""
    from tandem.people.personal_data import participant_anonymise

    settings.CACHES = {alias: {  # type: ignore[attr-defined]
        "BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}
        for alias, table in (("default", "tandem_cache"), ("personal", "tandem_cache_personal"))}
    call_command("createcachetable", verbosity=0)
    with transaction.atomic():
        person = ParticipantFactory.create(
            organization=world.org_a, surname="Стираемова", name="Софья",
            email="erase.me@example.org", phone="+79990001122", mentoring_consent_date=None)
        _overdue_pair(person, world.carol_p, title="Задача пары")
    client.force_login(world.alice)
    html = _page(client)
    assert "Стираемова" in html and "Задача пары" in html
    kept = "\n".join(_dump(value) for _key, value in _cache_rows())
    assert "Стираемова" not in kept  # the reminders panel: names read at every view
    for contact in ("erase.me@example.org", "+79990001122", "carol@example.org"):
        assert contact not in kept
    participant_anonymise(participant=person, actor=world.olga)
    assert not [key for key, value in _cache_rows()
                if "Стираемова" in _dump(value)]
    html = _page(client)
    assert "Стираемова" not in html and "Задача пары" in html  # computed again


def _warm_queries(client: Client) -> int:
    _page(client)
    with CaptureQueriesContext(connection) as queries:
        _page(client)  # the staff part from the cache
    return len(queries.captured_queries)


def test_a_partner_renamed_in_another_organization_shows_at_once(
        client: Client, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A's curator keeps her panel by A's data version; the pair's partner works in B,
    whose edits do not move it — the panel kept her name and showed the old one until the
    entry expired (120 s). The names are read at every view: one query by primary key."""
    with transaction.atomic():
        _overdue_pair(world.bob_p, world.someone_b)
    client.force_login(world.alice)  # curator of A
    assert "Бэшкина В." in _page(client)
    with transaction.atomic():  # a request of its own: an audited save in organization B
        partner = Participant.objects.get(pk=world.someone_b.pk)
        partner.surname = "Переименованная"
        partner.save()
    html = _page(client)
    assert "Переименованная В." in html and "Бэшкина" not in html
    # Query count: the names cost the kept view one query, and nothing else moved.
    with_names = _warm_queries(client)
    panel = panels._PANELS["reminders"]
    monkeypatch.setitem(panels._PANELS, "reminders", dataclasses.replace(panel, live=None))
    assert with_names == _warm_queries(client) + 1
