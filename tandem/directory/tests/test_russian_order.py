"""Lists and selects in Russian alphabetical order (issue #15): case ignored, «ё» = «е»."""


from tandem.access.scope import scope_for
from tandem.core.text import sort_key
from tandem.directory.forms import OrganizationForm
from tandem.directory.selectors import ParticipantFilters, organization_tree, participant_list
from tandem.testing import MunicipalityFactory, OrganizationFactory, ParticipantFactory, World


def test_the_territory_tree_puts_a_small_letter_name_in_its_place(world: World) -> None:
    region = world.region
    for name in ("Сосновский муниципальный район", "город Заречинск", "Ёлкинский район"):
        municipality = MunicipalityFactory.create(region=region, name=name)
        OrganizationFactory.create(municipality=municipality, short_name="школа")
    names = [m.municipality.name for r in organization_tree(scope=scope_for(world.olga))
             if r.region == region for m in r.municipalities]
    chosen = [n for n in names if n in ("Сосновский муниципальный район", "город Заречинск",
                                        "Ёлкинский район")]
    assert chosen == ["город Заречинск", "Ёлкинский район", "Сосновский муниципальный район"]


def test_participants_sort_with_yo_as_ye(world: World) -> None:
    for surname in ("Ёжикова", "Ежова", "егорова", "Ельцина"):
        ParticipantFactory.create(organization=world.org_a, surname=surname)
    surnames = [p.surname for p in participant_list(scope=scope_for(world.olga),
                                                   filters=ParticipantFilters())
                if p.surname in ("Ёжикова", "Ежова", "егорова", "Ельцина")]
    assert surnames == ["егорова", "Ёжикова", "Ежова", "Ельцина"]


def test_a_select_of_municipalities_is_in_russian_order(world: World) -> None:
    for name in ("Сосновский район", "город Заречинск"):
        MunicipalityFactory.create(region=world.region, name=name)
    form = OrganizationForm(municipalities=world.region.municipalities.all())
    choices = form.fields["municipality"].choices  # type: ignore[attr-defined]
    labels = [str(label) for _value, label in choices][1:]
    assert labels.index("город Заречинск") < labels.index("Сосновский район")


SURNAMES = ("Ёлкина", "Яковлев", "алексеев", "Елисеев")
EXPECTED = ["алексеев", "Елисеев", "Ёлкина", "Яковлев"]


def _people(world: World) -> list[int]:
    return [ParticipantFactory.create(organization=world.org_a, surname=s, name="Анна").pk
            for s in SURNAMES]


def _ours(names: list[str]) -> list[str]:
    return [n.split()[0] for n in names if n.split()[0] in SURNAMES]


def test_the_schools_lists_of_people_are_in_russian_order(world: World) -> None:
    from tandem.school import selectors
    from tandem.school.models import Registration
    from tandem.testing import build_school

    school = build_school(world)
    ids = _people(world)
    scope = scope_for(world.olga)
    picked = selectors.people_to_register(scope=scope, ids=ids)
    assert [p.surname for p in picked] == EXPECTED
    offered = selectors.candidates(scope=scope, event=school.event, limit=500)
    assert _ours([p.full_name for p in offered]) == EXPECTED
    for pk in ids:
        Registration.objects.create(event=school.event, participant_id=pk,
                                    status=Registration.Status.REGISTERED,
                                    queued_at=school.event.starts_at)
    rows = selectors.attendance_rows(event=school.event)
    assert _ours([r.participant.full_name for r in rows]) == EXPECTED


def test_the_practicums_people_select_is_in_russian_order(world: World) -> None:
    from tandem.school.models import Registration
    from tandem.testing import build_training
    from tandem.training.forms import TeamForm
    from tandem.training.models import Case
    from tandem.training.selectors import event_people

    training = build_training(world)
    event = training.no_teams_event
    for pk in _people(world):
        Registration.objects.create(event=event, participant_id=pk,
                                    status=Registration.Status.REGISTERED,
                                    queued_at=event.starts_at, attended=True)
    assert _ours([p.full_name for p in event_people(event)]) == EXPECTED
    form = TeamForm(cases=Case.objects.all(), people=event_people(event))
    labels = [str(label) for _v, label in form.fields["members"].choices]  # type: ignore[attr-defined]
    assert _ours(labels) == EXPECTED


def test_unit_selects_of_diagnostics_events_and_rosters_are_in_russian_order(
        world: World) -> None:
    from tandem.diagnostics.forms import unit_choices
    from tandem.roster.selectors import roster_organizations
    from tandem.school.forms import EventForm

    for name in ("Сосновский район", "город Заречинск", "Ёлкинский район"):
        municipality = MunicipalityFactory.create(region=world.region, name=name)
        OrganizationFactory.create(municipality=municipality, short_name=name.split()[-1])
    for short in ("ёлочка", "Берёзка", "Ясли № 10", "Ясли № 2"):
        OrganizationFactory.create(municipality=world.municipality_a, short_name=short)
    scope = scope_for(world.olga)

    def in_order(names: list[str]) -> bool:
        return names == sorted(names, key=sort_key)

    choices = unit_choices(scope, municipality=world.municipality_a.pk)
    for prefix in ("m:", "o:"):
        names = [label.split(": ", 1)[1] for value, label in choices if value.startswith(prefix)]
        assert in_order(names), names
    orgs = [label.split(": ", 1)[1] for value, label in choices if value.startswith("o:")]
    assert orgs.index("Ясли № 2") < orgs.index("Ясли № 10")
    assert orgs.index("Берёзка") < orgs.index("ёлочка")
    form = EventForm(scope=scope)
    municipalities = [str(label) for value, label in form.fields["organizer"].choices  # type: ignore[attr-defined]
                      if value.startswith("municipality:")]
    assert in_order(municipalities)
    assert municipalities.index("город Заречинск") < municipalities.index("Ёлкинский район")
    shorts = [o.short_name for o in roster_organizations(scope=scope)]
    assert in_order(shorts) and shorts.index("Берёзка") < shorts.index("ёлочка")
