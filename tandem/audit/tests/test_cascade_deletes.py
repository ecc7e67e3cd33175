"""A parent deleted with its audited children — through the ORM and through the admin —
writes every record's entry with the scope it had before the delete
(tandem/audit/deletes.py). Django orders a cascade only by the keys that may not be
null, so a map went after its pair, a role assignment after its organization; the
child's entry read its parent then and ``Pair.DoesNotExist`` rolled the delete back (an
organization's delete in the admin was a 500)."""

import datetime as dt
from typing import Any

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import router
from django.db.models.deletion import Collector
from django.db.models.signals import pre_delete
from django.test import Client

from tandem.access.models import Role, RoleAssignment
from tandem.audit import deletes
from tandem.pairs.models import Pair
from tandem.testing import (
    World,
    build_map,
    build_resources,
    build_school,
    build_training,
    start_map,
)

pytestmark = pytest.mark.django_db


def audited_in_cascade(obj: Any) -> dict[tuple[int, str], dict[str, object]]:
    """Every audited record the delete of ``obj`` takes, with its data as of now."""
    collector = Collector(using=router.db_for_write(type(obj)))
    collector.collect([obj])
    return {(ContentType.objects.get_for_model(model).pk, str(instance.pk)):
            instance.get_additional_data()  # type: ignore[attr-defined]
            for model, instances in collector.data.items() if auditlog.contains(model)
            for instance in instances}


def assert_deleted_with_scope(expected: dict[tuple[int, str], dict[str, object]]) -> None:
    entries = {(e.content_type_id, e.object_pk): e.additional_data
               for e in LogEntry.objects.filter(action=LogEntry.Action.DELETE)}
    for key, data in expected.items():
        assert entries.get(key) == data, key


def admin_client(world: World) -> Client:
    world.olga.is_staff = world.olga.is_superuser = True
    world.olga.save()
    client = Client()
    client.force_login(world.olga)
    return client


def delete(obj: Any, how: str, world: World) -> None:
    if how == "orm":
        obj.delete()
        return
    meta = obj._meta
    response = admin_client(world).post(
        f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]


def organization_with_children(world: World) -> Any:
    """A new organization of municipality A with the records of it that cascade: a
    curator's role, a pair-formation rule, a task template of its own."""
    from tandem.maps.models import TaskTemplate
    from tandem.pairs.models import PairRule
    from tandem.territory.models import Organization

    org = Organization.objects.create(municipality=world.municipality_a, name="Школа В",
                                      code="school-v")
    RoleAssignment.objects.create(user=world.bob, role=Role.CURATOR, organization=org)
    PairRule.objects.create(organization=org, kind=PairRule.Kind.FORBID,
                            a=min(world.bob_p, world.carol_p, key=lambda p: p.pk),
                            b=max(world.bob_p, world.carol_p, key=lambda p: p.pk))
    template = TaskTemplate.objects.filter(region=None, organization=None).first()
    assert template is not None
    template.pk = None
    template.organization = org
    template.save()
    return org


def region_with_children(world: World) -> Any:
    from tandem.territory.models import Region

    region = Region.objects.create(name="Новая область", code="new")
    RoleAssignment.objects.create(user=world.bob, role=Role.REGION_OPERATOR, region=region)
    return region


def municipality_with_children(world: World) -> Any:
    from tandem.territory.models import Municipality

    municipality = Municipality.objects.create(region=world.region, name="Посёлок В",
                                               code="village-v")
    RoleAssignment.objects.create(user=world.bob, role=Role.MUNICIPAL_COORDINATOR,
                                  municipality=municipality)
    return municipality


def participant_with_children(world: World) -> Any:
    """Vera of B: registered to a seminar (certificate) and in a training team."""
    from tandem.school.models import Certificate

    build_resources(world)
    build_training(world)
    school = build_school(world)
    Certificate.objects.create(registration=school.vera_r, code="TEST-VERA-0001")
    return world.someone_b


def user_with_children(world: World) -> Any:
    RoleAssignment.objects.create(user=world.bob, role=Role.MUNICIPAL_COORDINATOR,
                                  municipality=world.municipality_a)
    return world.bob


def pair_with_children(world: World) -> Any:
    """Bob ⇄ Carol with their map started (rows), a meeting, a survey, a reminder."""
    from tandem.maps.models import Meeting
    from tandem.reminders.models import ReminderLog
    from tandem.surveys.models import Survey

    pair: Any = build_map(world)
    start_map(pair, world)
    Meeting.objects.create(pair=pair, date=dt.date(2026, 12, 10), topic="Первая встреча")
    Survey.objects.create(pair=pair, participant=world.bob_p, stage=Survey.Stage.MID,
                          due_on=dt.date(2027, 2, 1))
    ReminderLog.objects.create(kind=ReminderLog.Kind.SURVEY, object_id=1, pair=pair,
                               event_on=dt.date(2027, 2, 1), run="test")
    return pair


def map_with_children(world: World) -> Any:
    from tandem.maps.models import Map

    pair: Any = build_map(world)
    return Map.objects.get(pair=pair)


def event_with_children(world: World) -> Any:
    """A practicum with its registrations, teams, members, the teams' maps and a row."""
    build_resources(world)
    return build_training(world).event


def seminar_with_children(world: World) -> Any:
    return build_school(world).event


PARENTS = {"region": region_with_children, "municipality": municipality_with_children,
           "organization": organization_with_children, "participant": participant_with_children,
           "user": user_with_children, "pair": pair_with_children, "map": map_with_children,
           "practicum": event_with_children, "seminar": seminar_with_children}
IN_ADMIN = {"region", "municipality", "organization", "participant", "user"}


@pytest.mark.parametrize(("parent", "how"), [(p, "orm") for p in PARENTS]
                         + [(p, "admin") for p in sorted(IN_ADMIN)])
def test_a_parent_deleted_with_its_children_writes_every_entry_with_its_scope(
        world: World, parent: str, how: str) -> None:
    obj = PARENTS[parent](world)
    expected = audited_in_cascade(obj)
    assert len(expected) > 1  # the parent and at least one audited child
    delete(obj, how, world)
    assert not type(obj).objects.filter(pk=obj.pk).exists()
    assert_deleted_with_scope(expected)


def test_the_pair_map_and_rows_entries_name_the_pairs_organization(world: World) -> None:
    """The worked example of the defect: a pair with a started map."""
    from tandem.maps.models import Map, Row

    pair = pair_with_children(world)
    the_map = Map.objects.get(pair=pair)
    rows = list(Row.objects.filter(map=the_map).values_list("pk", flat=True))
    assert rows
    pair.delete()
    scope = {"organization_id": world.org_a.pk, "region_id": world.region.pk}
    for model, pks in ((Map, [the_map.pk]), (Row, rows)):
        for pk in pks:
            entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(model),
                                         object_pk=str(pk), action=LogEntry.Action.DELETE)
            assert entry.additional_data == scope


def test_a_record_saved_again_after_its_delete_reads_its_data_afresh(world: World) -> None:
    assignment = RoleAssignment.objects.create(user=world.bob, role=Role.CURATOR,
                                               organization=world.org_b)
    assignment.delete()
    assignment.organization = world.org_a
    assignment.save()
    assert assignment.get_additional_data()["organization_id"] == world.org_a.pk


def test_every_audited_model_with_scope_keeps_it_for_its_delete() -> None:
    """The audit app is listed after every app, so its ready() saw every registration."""
    for model in auditlog.get_models():
        if callable(getattr(model, "get_additional_data", None)):
            live: Any = pre_delete._live_receivers(model)
            sync = live[0] if isinstance(live, tuple) else live
            assert deletes.keep_additional_data in sync, model


def test_the_admin_delete_pages_are_russian_and_never_a_500(world: World) -> None:
    """The delete pages of the admin — a participant in a pair (protected), an
    organization with roles, the confirmation and the deletion — answer in Russian: the
    third-party apps' names in the admin's menu were English (tandem/web/vendor_apps.py)."""
    pair: Any = build_map(world)
    client = admin_client(world)
    org = organization_with_children(world)
    pages = [client.get(f"/admin/people/participant/{pair.a_id}/delete/"),
             client.post(f"/admin/people/participant/{pair.a_id}/delete/", {"post": "yes"}),
             client.get(f"/admin/territory/organization/{org.pk}/delete/"),
             client.post(f"/admin/territory/organization/{org.pk}/delete/", {"post": "yes"},
                         follow=True)]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        for english in ("Audit log", "Axes", "Tasks Database Backend"):
            assert english not in html
        for russian in ("Журнал изменений: записи", "Защита входа", "Фоновые задачи"):
            assert russian in html
    assert "Не удается удалить" in pages[0].content.decode()  # protected: its pair
    assert Pair.objects.filter(pk=pair.pk).exists()



def test_a_failed_delete_leaves_no_kept_data_for_a_later_save(world: World) -> None:
    """A delete that fails after ``pre_delete`` (a receiver raising, a deadlock) must not
    leave the kept data on the instance: a later save's entry has the scope of now
    (review of 2026-12-05)."""
    from django.db import transaction
    from django.db.models.signals import post_delete

    assignment = RoleAssignment.objects.create(user=world.bob, role=Role.CURATOR,
                                               organization=world.org_b)

    def fail(**kwargs: object) -> None:
        raise RuntimeError("the delete fails after pre_delete")

    post_delete.connect(fail, sender=RoleAssignment, dispatch_uid="test-failing-delete")
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            assignment.delete()
    finally:
        post_delete.disconnect(sender=RoleAssignment, dispatch_uid="test-failing-delete")
    assignment.refresh_from_db()
    assignment.organization = world.org_a
    assignment.save()
    entry = LogEntry.objects.get_for_object(assignment).order_by("-pk").first()
    assert entry is not None and entry.action == LogEntry.Action.UPDATE
    assert entry.additional_data["organization_id"] == world.org_a.pk
