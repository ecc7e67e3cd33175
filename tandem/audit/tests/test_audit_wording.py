"""The audit log in a person's words (issue #15): fields named as the forms name them,
times in the region's zone (Tyumen, UTC+5), never an attribute name or UTC."""

from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.audit.selectors import FIELD_NAMES, _show, describe_entries, field_label
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.testing import World


def test_a_changed_surname_is_called_as_the_form_calls_it(client: Client, world: World) -> None:
    world.carol_p.surname = "Каролёва-Новая"
    world.carol_p.save()
    entry = LogEntry.objects.get_for_object(world.carol_p).order_by("-pk").first()
    rows = describe_entries([entry])
    fields = [c.field for c in rows[0].changes]
    assert "Фамилия" in fields
    assert not any(f.startswith(("surname", "search")) for f in fields)
    client.force_login(world.olga)
    html = client.get(reverse("audit:log"), {"model": "participant"}).content.decode()
    assert "Фамилия: " in html and "surname" not in html and "search name" not in html


def test_fields_without_a_name_of_their_own_get_a_russian_one() -> None:
    assert field_label(Pair._meta.get_field("a_confirmed_at")) == "Подтверждено первым участником"
    assert field_label(Participant._meta.get_field("created_at")) == "Создано"
    # Every audited field Django would name from its attribute has a Russian name here.
    for name, label in FIELD_NAMES.items():
        assert "_" not in str(label) and str(label) != name


def test_a_moment_is_shown_in_the_regions_zone(settings: object) -> None:
    field = Participant._meta.get_field("created_at")
    with timezone.override("Asia/Yekaterinburg"):
        assert _show(field, "2026-12-02 05:17:17.123456+00:00", {}) == "02.12.2026 10:17"
        assert _show(field, "2026-12-31 20:00:00", {}) == "01.01.2027 01:00"  # naive = UTC
    assert _show(field, None, {}) == "—"


def test_codes_inside_stored_values_are_named(db: None) -> None:
    from django.db.models import Model

    from tandem.audit.selectors import _VALUE_NAMES, _show_json
    from tandem.diagnostics.defaults import ensure_default_framework

    ensure_default_framework()
    names = {(Model, code): name for provider in _VALUE_NAMES
             for code, name in provider().items()}
    sectors = _show_json('["sport", "youth"]', names)
    assert sectors == "спорт, молодёжная политика" or "sport" not in sectors
    levels = _show_json('{"ict.office_cloud": 1, "comm.parents": 3}', names)
    assert "ict." not in levels and "comm." not in levels and ": 1" in levels
    assert _show_json("[]", names) == "—"


def test_a_person_is_named_not_logged_in(world: World) -> None:
    from tandem.access.models import Role, RoleAssignment

    world.bob.first_name, world.bob.last_name = "Борис", "Бобров"
    world.bob.save()
    assignment = RoleAssignment.objects.create(user=world.bob, role=Role.CURATOR,
                                               organization=world.org_a)
    entry = LogEntry.objects.get_for_object(assignment).order_by("-pk").first()
    [row] = describe_entries([entry])
    shown = {c.field: c.new for c in row.changes}
    assert shown["Пользователь"] == "Борис Бобров"


def test_a_rows_competency_and_forms_are_named_not_coded(world: World) -> None:
    from tandem.diagnostics.defaults import ensure_default_framework
    from tandem.diagnostics.models import Competency
    from tandem.maps.models import Row
    from tandem.testing import build_map

    ensure_default_framework()
    build_map(world)
    row = Row.objects.filter(competency__gt="").first()
    assert row is not None
    row.competency, row.forms = "ict.office_cloud", ["practicum", "master_class"]
    row.save()
    entry = LogEntry.objects.get_for_object(row).order_by("-pk").first()
    [described] = describe_entries([entry])
    shown = {c.field: c.new for c in described.changes}
    name = Competency.objects.get(code="ict.office_cloud").name
    assert name in shown.values()
    assert not any("ict." in v or "master_class" in v or "practicum" in v
                   for v in shown.values()), shown


def test_an_organizations_code_is_shown_as_code_to_type(client: Client, world: World) -> None:
    from tandem.territory.models import Organization

    org = Organization.objects.create(municipality=world.municipality_a, code="sosn-school",
                                      short_name="Сосновская СОШ", name="МАОУ «Сосновская СОШ»",
                                      sector=Organization.Sector.SCHOOL)
    entry = LogEntry.objects.get_for_object(org).order_by("-pk").first()
    [described] = describe_entries([entry])
    code = next(c for c in described.changes if c.field == "Код")
    assert (code.new, code.literal) == ("sosn-school", True)
    sector = next(c for c in described.changes if c.field == "Сфера")
    assert not sector.literal and sector.new == "общее образование"
    client.force_login(world.olga)
    html = client.get(reverse("audit:log"), {"model": "organization"}).content.decode()
    assert 'Код: — → <code translate="no">sosn-school</code>' in html


def test_a_many_to_many_change_names_what_was_added_and_removed(client: Client,
                                                               world: World) -> None:
    """auditlog keeps such a change as ``{"type": "m2m", "operation", "objects"}``: the
    page left it out (no column of the model's table); it names the competencies added
    and removed."""
    from tandem.diagnostics.models import Competency
    from tandem.resources.models import Resource
    from tandem.testing import build_resources

    resource = build_resources(world)["a"]
    parents = Competency.objects.get(code="comm.parents")
    resource.competencies.add(parents)  # type: ignore[attr-defined]
    resource.competencies.remove(parents)  # type: ignore[attr-defined]
    removed, added = LogEntry.objects.get_for_object(resource).order_by("-pk")[:2]
    [added_row, removed_row] = describe_entries([added, removed])
    field = field_label(Resource._meta.get_field("competencies"))
    name = str(parents)
    assert [(c.field, c.old, c.new) for c in added_row.changes] == [(field, "—", name)]
    assert [(c.field, c.old, c.new) for c in removed_row.changes] == [(field, name, "—")]
    client.force_login(world.olga)
    html = client.get(reverse("audit:log"), {"model": "resource"}).content.decode()
    assert f"{field}: — → {name}" in html and "#type" not in html
