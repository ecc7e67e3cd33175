from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.access.models import Role, RoleAssignment
from tandem.accounts.models import User
from tandem.demo import generator
from tandem.directory.forms import _MAX_EXPERIENCE_FOR_BAND
from tandem.people.models import AgeBand, Participant
from tandem.territory.models import Municipality, Organization, Region


@given(total=st.integers(min_value=95, max_value=5000))
@settings(max_examples=30, deadline=None)
def test_sizes_add_up_and_nobody_is_tiny(total: int) -> None:
    sizes = generator.organization_sizes(total)
    assert sum(sizes.values()) == total
    assert min(sizes.values()) >= 5
    assert set(sizes) == {o[1] for o in generator.ORGANIZATIONS}


@given(seed=st.integers(min_value=0, max_value=10_000))
@settings(max_examples=10, deadline=None)
def test_people_are_plausible(seed: int) -> None:
    people = list(generator.people(200, seed))
    assert len({p.email for p in people}) == len(people)
    for p in people:
        # The same rule the participant form applies to a curator's input.
        assert 0 <= p.experience_years <= _MAX_EXPERIENCE_FOR_BAND[AgeBand(p.age_band)]
        assert p.surname and p.name and p.patronymic and p.position
        assert p.patronymic.endswith("на" if p.female else "ич")


def test_the_same_seed_gives_the_same_region() -> None:
    assert list(generator.people(150, 7)) == list(generator.people(150, 7))
    assert list(generator.people(150, 7)) != list(generator.people(150, 8))


def _plain_answers(band: str, competencies: list[tuple[str, str]], seed: int
                   ) -> list[generator.DemoAnswer]:
    """answers_for as first written: a level by ``rng.choices`` with the weights of the
    band and direction, then the coins."""
    import random

    rng = random.Random(seed)
    young, senior = band in generator.YOUNG_BANDS, band in generator.SENIOR_BANDS
    raw = []
    for code, direction in competencies:
        weights = {"young_to_experienced": [1, 2, 4, 4] if young else
                   [5, 4, 2, 1] if senior else [2, 3, 3, 2],
                   "experienced_to_young": [5, 4, 2, 1] if young else
                   [1, 2, 4, 4] if senior else [2, 3, 3, 2]}.get(direction, [2, 3, 3, 2])
        level = rng.choices(range(4), weights=weights)[0]
        can = level == 3 or (level == 2 and rng.random() < 0.4)
        want = (level <= 1 and rng.random() < 0.7) or (level == 2 and rng.random() < 0.15)
        raw.append((code, level, can, want))
    wishes = [code for code, level, _c, want in raw if want and level < 3]
    rng.shuffle(wishes)
    priority = {code: i + 1 for i, code in enumerate(sorted(wishes[:3]))}
    return [generator.DemoAnswer(code, level, can, want, priority.get(code))
            for code, level, can, want in raw]


@given(seed=st.integers(min_value=0, max_value=2**40),
       band=st.sampled_from([*AgeBand.values, "неизвестно"]),
       directions=st.lists(st.sampled_from(["young_to_experienced", "experienced_to_young",
                                            "both", "другое"]), max_size=45))
@settings(max_examples=300, deadline=None)
def test_answers_are_the_plain_draws(seed: int, band: str, directions: list[str]) -> None:
    """The hand-written draws of answers_for give the very answers of the plain version,
    so the demo data stay the same for the same seed."""
    competencies = [(f"area.c{i}", d) for i, d in enumerate(directions)]
    assert generator.answers_for(band, competencies, seed) == _plain_answers(
        band, competencies, seed)


def test_feminine_surnames() -> None:
    assert generator.feminine_surname("Семёнов") == "Семёнова"
    assert generator.feminine_surname("Островский") == "Островская"
    assert generator.feminine_surname("Шевченко") == "Шевченко"


@pytest.mark.django_db
def test_seed_demo_creates_a_whole_region(settings: object) -> None:
    settings.TANDEM_TIME_ZONE = "Europe/Moscow"  # type: ignore[attr-defined]
    out = StringIO()
    call_command("seed-demo", stdout=out, stderr=StringIO())
    assert Participant.objects.count() == 400
    assert Organization.objects.count() >= 15
    assert Organization.objects.values("sector").distinct().count() >= 7
    assert Municipality.objects.count() >= 4
    # The demo region lives on Tyumen's clock (UTC+5) whatever the installation's default.
    assert Region.objects.get().time_zone == "Asia/Yekaterinburg"
    for org in Organization.objects.all():
        assert RoleAssignment.objects.filter(role=Role.CURATOR, organization=org).count() == 1
    for mun in Municipality.objects.all():
        assert RoleAssignment.objects.filter(role=Role.MUNICIPAL_COORDINATOR,
                                             municipality=mun).count() == 1
    assert RoleAssignment.objects.filter(role=Role.REGION_OPERATOR).count() == 1
    # Both teachers and every curator are linked to their participant records.
    linked = Participant.objects.filter(user__isnull=False).count()
    assert linked == Organization.objects.count() + 2
    assert Participant.objects.filter(line_manager__isnull=False).exists()
    region = User.objects.get(username="region")
    assert check_password(settings.TANDEM_DEMO_PASSWORD, region.password)  # type: ignore[attr-defined]
    printed = out.getvalue()
    for login in ("region", "coord-prirechensk", "curator-orbita", "teacher-young"):
        assert login in printed


@pytest.mark.django_db
def test_seed_demo_leaves_a_filled_database_alone() -> None:
    call_command("seed-demo", "--participants", "100", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("seed-demo", "--if-empty", stdout=out, stderr=StringIO())
    assert "уже есть" in out.getvalue()
    assert Participant.objects.count() == 100
    with pytest.raises(CommandError, match="уже есть регион"):
        call_command("seed-demo", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_seed_demo_builds_a_country_of_regions_that_do_not_clash() -> None:
    """Issue #16, item 5: ``--regions R`` — each region its own units, e-mails and logins,
    the whole cycle's demo stages in each; ``--participants`` counts per region."""
    from tandem.diagnostics.models import Answer
    from tandem.territory.models import Region

    out, err = StringIO(), StringIO()
    call_command("seed-demo", "--regions", "3", "--participants", "120", stdout=out,
                 stderr=err)
    regions = list(Region.objects.order_by("code"))
    assert [r.code for r in regions] == ["demo", "demo-r2", "demo-r3"]
    assert len({r.name for r in regions}) == 3
    for region in regions:
        people = Participant.objects.filter(organization__municipality__region=region)
        assert people.count() == 120
        operators = RoleAssignment.objects.filter(role=Role.REGION_OPERATOR, region=region)
        assert operators.count() == 1
        assert Answer.objects.filter(
            response__participant__organization__municipality__region=region).exists()
    assert set(User.objects.filter(role_assignments__role=Role.REGION_OPERATOR)
               .values_list("username", flat=True)) == {"region", "region-r2", "region-r3"}
    assert User.objects.filter(username="curator-orbita-r3").exists()
    assert Participant.objects.filter(email__endswith="@r2.example.org").count() == 120
    assert "Регион 3 из 3" in err.getvalue()
    assert "логины с окончанием «-rN»" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--regions", "0", "--regions: от 1 до 20"), ("--regions", "21", "--regions: от 1 до 20"),
    ("--participants", "300001", "--participants: от"),
])
def test_seed_demo_refuses_sizes_outside_its_range(flag: str, value: str,
                                                   message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("seed-demo", flag, value, stdout=StringIO(), stderr=StringIO())
    assert not Participant.objects.exists()
