"""Lists and selects in Russian alphabetical order (issue #15): case ignored, «ё» = «е»."""


from tandem.access.scope import scope_for
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
