from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from typing import Any

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
from tandem.testing import built_once
from tandem.web import signals

NAMED = {o[1] for o in generator.ORGANIZATIONS}
# The first size with further organizations: the named ones full, and room for one more.
FURTHER_FROM = generator.NAMED_CAPACITY + 30


@given(total=st.integers(min_value=95, max_value=FURTHER_FROM - 1))
@settings(max_examples=30, deadline=None)
def test_small_regions_keep_the_named_organizations(total: int) -> None:
    sizes = generator.organization_sizes(total)
    assert sum(sizes.values()) == total
    assert min(sizes.values()) >= 5
    assert set(sizes) == NAMED
    land = generator.territory(total)
    assert [m[0] for m in land.municipalities] == [m[0] for m in generator.MUNICIPALITIES]
    assert not land.still_open and not land.with_final


@given(total=st.integers(min_value=95, max_value=300_000))
@settings(max_examples=60, deadline=None)
def test_the_territory_grows_with_the_region(total: int) -> None:
    """Issue #16, item 5: whatever the size, the people add up, every organization has a
    deputy and four more (at least five), the named units are there, every
    organization's municipality is one of the region's, codes are unique; past the
    named organizations' capacity, organizations stay of a school's size."""
    land = generator.territory(total)
    sizes = land.sizes
    assert sum(sizes.values()) == total
    assert min(sizes.values()) >= 5
    codes = [o[1] for o in land.organizations]
    assert len(set(codes)) == len(codes) and set(codes) == set(sizes)
    assert NAMED <= set(codes)
    municipalities = [m[0] for m in land.municipalities]
    assert len(set(municipalities)) == len(municipalities)
    assert {m[0] for m in generator.MUNICIPALITIES} <= set(municipalities)
    assert {o[0] for o in land.organizations} <= set(municipalities)
    assert all(o[4] in generator.POSITIONS for o in land.organizations)
    assert land.still_open.isdisjoint(land.with_final)
    assert (land.still_open | land.with_final) <= set(codes) - NAMED
    # Codes and names fit their columns (SlugField 40 with «-r20», short name 120).
    assert max(len(c) for c in codes) + len("-r20") <= 40
    assert max(len(o[2]) for o in land.organizations) <= 120
    if total >= FURTHER_FROM:
        assert max(sizes.values()) <= 200  # no organization of thousands
        assert all(sizes[c] == generator.STAFF_PER_SIZE * o[5]
                   for o in generator.ORGANIZATIONS for c in [o[1]])
    if total >= 30_000:
        # About 55 people an organization, about 95 organizations a municipality.
        assert 45 <= total / len(codes) <= 65
        assert 70 <= len(codes) / len(municipalities) <= 120
    assert generator.territory(total) == land  # the same size, the same territory


@pytest.mark.parametrize(("total", "municipalities", "organizations", "largest"), [
    (400, 5, 19, 46),  # the default demo, as it always was
    (1_200, 5, 19, 137),
    (6_000, 5, 109, 150),
    (30_000, 6, 540, 150),
    (150_000, 29, 2_732, 150),  # a region of a country of 1.5 million in ten
    (300_000, 57, 5_456, 150),  # was 19 organizations, «Орбита» 34,091 people
])
def test_territory_sizes_worked_examples(total: int, municipalities: int,
                                         organizations: int, largest: int) -> None:
    land = generator.territory(total)
    assert len(land.municipalities) == municipalities
    assert len(land.organizations) == organizations
    assert max(land.sizes.values()) == largest == land.sizes["orbita"]


def test_the_default_demo_is_split_as_before() -> None:
    """The sizes of the 400-person demo (and the tests' smaller ones) did not change."""
    assert generator.organization_sizes(400) == {
        "orbita": 46, "school-5": 37, "gymnasium-12": 37, "raduga": 18, "sshor-3": 18,
        "sovremennik": 9, "impuls": 9, "ped-college": 18, "ds-41": 9, "zar-school-2": 34,
        "masterskaya": 22, "zar-dyussh": 11, "ishim-school": 36, "ishim-ddt": 12,
        "berez-school-1": 33, "berez-dk": 11, "sosn-school": 24, "sosn-youth": 8,
        "sosn-ds": 8}


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
def test_seed_demo_ends_with_its_figures_rebuilt_signal() -> None:
    """The end of a seed tells the figures' readers that every figure is built
    (``signals.rebuilt``: monitoring computes the dashboards ahead of their first view) —
    once, after the last region; a database already filled gets no signal."""
    sent: list[int] = []

    def receiver(sender: object = None, **kwargs: object) -> None:
        sent.append(Participant.objects.count())

    signals.rebuilt.connect(receiver, dispatch_uid="test_seed_rebuilt")
    try:
        call_command("seed-demo", "--regions", "2", "--participants", "100",
                     stdout=StringIO(), stderr=StringIO())
        call_command("seed-demo", "--if-empty", stdout=StringIO(), stderr=StringIO())
    finally:
        signals.rebuilt.disconnect(dispatch_uid="test_seed_rebuilt")
    assert sent == [200]


@pytest.mark.django_db
def test_seed_demo_builds_a_country_of_regions_that_do_not_clash() -> None:
    """Issue #16, item 5: ``--regions R`` — each region its own units, e-mails and logins,
    the whole cycle's demo stages in each; ``--participants`` counts per region."""
    from tandem.diagnostics import tallies
    from tandem.diagnostics.models import Answer
    from tandem.territory.models import Region

    indexes_before, keys_before = _indexes(), _foreign_keys()
    out, err = StringIO(), StringIO()
    call_command("seed-demo", "--regions", "3", "--participants", "120", stdout=out,
                 stderr=err)
    # Regions 2 and 3 rebuilt the people's indexes after their loads too
    # (_indexes_built_once_if_cheaper): every one is back as it was.
    assert _indexes() == indexes_before
    # Regions 1 and 2 left their foreign keys NOT VALID, the last validated them all.
    assert _foreign_keys() == keys_before
    # And the figures of every region equal their recomputation from the answers.
    assert tallies.stale() == []
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


def _indexes() -> list[tuple[str, str]]:
    """The names and definitions of the bulk tables' indexes (PostgreSQL; elsewhere none)."""
    from django.db import connection

    from tandem.demo.services import bulk_models

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                       "ORDER BY indexname", [[m._meta.db_table for m in bulk_models()]])
        return cursor.fetchall()


def _foreign_keys() -> list[tuple[str, str, bool]]:
    """The bulk tables' (and the later stages' bulk tables') foreign keys: name,
    definition, validated (PostgreSQL; elsewhere none)."""
    from django.db import connection

    from tandem.demo.services import bulk_models, later_bulk_models

    if connection.vendor != "postgresql":
        return []
    tables = [m._meta.db_table for m in (*bulk_models(), *later_bulk_models())]
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid), convalidated "
                       "FROM pg_constraint WHERE contype = 'f' "
                       "AND conrelid = ANY(%s::regclass[]) ORDER BY conname", [tables])
        return cursor.fetchall()


@pytest.mark.django_db
@pytest.mark.parametrize(("held", "rebuilt"), [(0, True), (1, True), (2, True), (3, False),
                                               (4, False)])
def test_indexes_are_rebuilt_while_the_table_holds_less_than_up_to_loads(
        held: int, rebuilt: bool) -> None:
    """A country's next regions: a table's indexes are dropped for the load and rebuilt
    after it while the table holds less than ``up_to`` times what the load adds — an
    empty table always; past that they are kept up row by row."""
    from contextlib import nullcontext

    from tandem.demo.services import _indexes_built_once_if_cheaper

    for n in range(held):
        Region.objects.create(name=f"Регион {n}", code=f"r{n}")
    chosen = _indexes_built_once_if_cheaper(Region, 1, up_to=3)
    assert (not isinstance(chosen, nullcontext)) == rebuilt


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


@pytest.mark.django_db
def test_a_region_past_the_named_organizations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #16, item 5, on the database: a region of 1,700 people has the named units
    full and further organizations, each with its curator; every person is in an
    organization of the region; the named demo logins are there; the answers are the
    generator's draws for each person (the one-pass load writes what a pass per
    organization wrote), the final round improving on the initial one."""
    from tandem.demo import services
    from tandem.diagnostics.models import Answer, Campaign, FrameworkVersion, Response
    from tandem.pairs.models import Pair

    monkeypatch.setattr(services, "PAIRS_UP_TO", 100)  # the bulk path of big regions
    total = 1_700
    land = generator.territory(total)
    out = StringIO()
    call_command("seed-demo", "--participants", str(total), stdout=out, stderr=StringIO())
    region = Region.objects.get()
    assert Organization.objects.count() == len(land.organizations) > len(NAMED)
    assert Municipality.objects.count() == len(land.municipalities)
    assert not Participant.objects.exclude(organization__municipality__region=region).exists()
    for org in Organization.objects.all():
        assert RoleAssignment.objects.filter(role=Role.CURATOR, organization=org).count() == 1
        assert Participant.objects.filter(organization=org).count() == land.sizes[org.code]
    assert Organization.objects.get(code="orbita").participants.count() == 150
    for login in ("federal", "region", "coord-prirechensk", "curator-orbita",
                  "teacher-young", "teacher-senior", "admin"):
        assert User.objects.filter(username=login).exists()
        assert login in out.getvalue()
    further = len(land.organizations) - len(NAMED)
    assert f"И ещё {further}:" in out.getvalue()  # the further curators are only counted

    framework = FrameworkVersion.objects.current()
    assert framework is not None
    competencies = [(c["code"], c.get("typical_direction", "both"))
                    for c in framework.competencies()]
    answers: dict[int, list[generator.DemoAnswer]] = {}
    for a in Answer.objects.order_by("pk"):
        assert a.level is not None and a.level == a.self_level  # no expert level in the demo
        answers.setdefault(a.response_id, []).append(generator.DemoAnswer(
            a.competency, a.level, a.can_teach, a.wants_to_learn, a.priority))
    initial: dict[int, list[generator.DemoAnswer]] = {}
    responses = list(Response.objects.select_related("participant", "campaign")
                     .order_by("campaign__kind", "pk"))  # "final" < "initial": sorted below
    responses.sort(key=lambda r: (r.campaign.kind != Campaign.Kind.INITIAL, r.pk))
    for r in responses:
        got = answers.get(r.pk, [])
        assert len(got) == r.answered
        person = r.participant
        if r.campaign.kind == Campaign.Kind.INITIAL:
            drawn = generator.answers_for(person.age_band, competencies, 100_003 + person.pk)
            if len(got) == len(competencies):
                initial[person.pk] = got
        else:
            drawn = generator.improved(initial[person.pk], 100_003 + person.pk)
        assert got == drawn[:len(got)]
    # The further organizations at every stage: some still answering (no pairs), some
    # with the final round.
    for code in land.still_open:
        assert Campaign.objects.get(organization__code=code).status == Campaign.Status.OPEN
        assert not Pair.objects.filter(organization__code=code).exists()
    # The bulk path's COPY writes the region kept on each pair (Pair.region).
    assert Pair.objects.exists()
    assert not Pair.objects.exclude(region=region, b_region__isnull=True).exists()
    # ... and the members' search names (Pair.names): every pair's are theirs now.
    assert Pair.objects.exclude(names="").exists()
    assert not Pair.objects.all().stale_names().exists()
    for code in land.with_final:
        assert Campaign.objects.filter(organization__code=code,
                                       kind=Campaign.Kind.FINAL).exists()


def test_the_later_bulk_tables_are_all_installed_models() -> None:
    """``LATER_BULK`` names models by label (the stages are plug-ins): a renamed or moved
    model would silently lose the once-only check of its foreign keys — none may be
    missing."""
    from tandem.demo.services import LATER_BULK, later_bulk_models

    assert len(later_bulk_models()) == len(LATER_BULK)


@pytest.mark.django_db
def test_seed_demo_verbose_prints_each_stage() -> None:
    err = StringIO()
    call_command("seed-demo", "--participants", "100", "-v", "2", stdout=StringIO(),
                 stderr=err)
    assert "figures (tallies.rebuild)" in err.getvalue()
    assert "later stages and figures with their foreign keys" in err.getvalue()
    assert "CPU процесса" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_seed_demo_leaves_the_tables_vacuumed_on_postgresql() -> None:
    """Issue #16, item 5: after the load, outside its transaction, every table is
    vacuumed — pages marked all-visible, so the pages' index-only counts (pairs,
    questionnaires, answers) do not read the heap too — and analyzed. On SQLite there is
    no visibility map: the command only has to run."""
    from django.db import connection

    from tandem.diagnostics.models import Answer
    from tandem.pairs.models import Pair

    call_command("seed-demo", "--participants", "100", stdout=StringIO(), stderr=StringIO())
    if connection.vendor != "postgresql":
        assert Pair.objects.exists()
        return
    with connection.cursor() as cursor:
        for model in (Answer, Pair, Participant, Organization):
            cursor.execute("SELECT c.relpages, c.relallvisible, s.last_vacuum IS NOT NULL "
                           "FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid "
                           "WHERE c.oid = %s::regclass", [model._meta.db_table])
            pages, visible, vacuumed = cursor.fetchone()
            assert vacuumed, model
            assert pages > 0, model
            assert visible > 0, model


@pytest.mark.django_db
def test_seed_demo_without_a_framework_loads_the_default_and_says_so() -> None:
    """A base without the competency framework (a flush took the migration's rows) got a
    region with no diagnostics, and the command said nothing (defect of 2026-12-05)."""
    from tandem.diagnostics.models import (
        Campaign,
        Competency,
        CompetencyArea,
        FrameworkVersion,
    )

    FrameworkVersion.objects.all().delete()
    Competency.objects.all().delete()
    CompetencyArea.objects.all().delete()
    out = StringIO()
    call_command("seed-demo", "--participants", "100", stdout=out, stderr=StringIO())
    printed = out.getvalue()
    assert "В базе не было опубликованной рамки компетенций" in printed
    assert "framework_default.json" in printed
    assert "версия 1" in printed
    framework = FrameworkVersion.objects.current()
    assert framework is not None and framework.codes()
    assert Campaign.objects.exists()  # the demo's diagnostics were seeded


@pytest.mark.django_db
def test_seed_demo_with_competencies_but_no_version_says_it_published_them() -> None:
    """Versions deleted by hand, competencies kept (one renamed): the command publishes what
    is there and says so — not «the default framework loaded» (review of 2026-12-05)."""
    from tandem.diagnostics.models import Competency, FrameworkVersion

    FrameworkVersion.objects.all().delete()
    own = Competency.objects.order_by("pk").first()
    assert own is not None
    own.name = "СВОЯ КОМПЕТЕНЦИЯ"
    own.save()
    out = StringIO()
    call_command("seed-demo", "--participants", "100", stdout=out, stderr=StringIO())
    printed = out.getvalue()
    assert "Опубликованы компетенции, уже бывшие в базе" in printed
    assert "Загружена рамка по умолчанию" not in printed
    framework = FrameworkVersion.objects.current()
    assert framework is not None
    assert "СВОЯ КОМПЕТЕНЦИЯ" in [c["name"] for c in framework.competencies()]


def _figures() -> set[tuple[object, ...]]:
    """The diagnostics' answer, strong-area and gain figures as stored, without ids."""
    from tandem.diagnostics.models import AnswerTally, GainTally, StrongTally

    return {(model.__name__, *row) for model in (AnswerTally, StrongTally, GainTally)
            for row in model.objects.order_by().values_list(
                *[f.attname for f in model._meta.fields if not f.primary_key])}


def _response_figures() -> set[tuple[object, ...]]:
    from tandem.diagnostics.models import ResponseTally

    return set(ResponseTally.objects.values_list("organization_id", "campaign_id",
                                                 "invited", "submitted"))


@dataclass(frozen=True)
class TwoRegions:
    """What the first of a country's two demo regions left, and the statements of the
    second's load (seed 2, 120 people each: ``last=False``, then ``index=2``)."""

    keys_before: list[tuple[str, str, bool]]  # the bulk tables' foreign keys, before both
    keys_after_first: list[tuple[str, str, bool]]
    figures_of_first: set[tuple[object, ...]]  # _figures() after the first
    responses_of_first: set[tuple[object, ...]]  # _response_figures() after the first
    last_answer_of_first: int | None
    last_response_of_first: int | None
    second_load: list[str]  # the SQL of the second region's load


class TestTwoRegions:
    """The tests of a country's next region read one load of two regions, done once per
    class and test worker in a transaction of its own, rolled back at the end
    (tandem.testing.built_once); each test runs in a savepoint of its own. The load (two
    regions of 120) was done again for each of them, the better part of their time."""

    @pytest.fixture(scope="class")
    @classmethod
    def loaded(cls, django_db_setup: None, django_db_blocker: Any,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoRegions]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from tandem.demo.services import demo_region_create
        from tandem.diagnostics.models import Answer, Response

        with built_once(django_db_blocker, tmp_path_factory.mktemp("demo-media")):
            keys_before = _foreign_keys()
            demo_region_create(participants=120, seed=2, last=False)
            first = (_foreign_keys(), _figures(), _response_figures(),
                     Answer.objects.order_by("-pk").values_list("pk", flat=True).first(),
                     Response.objects.order_by("-pk").values_list("pk", flat=True).first())
            with CaptureQueriesContext(connection) as queries:
                demo_region_create(participants=120, seed=2, index=2)
            yield TwoRegions(keys_before, *first,
                             [q["sql"] for q in queries.captured_queries])

    @pytest.fixture
    def two(self, loaded: TwoRegions, db: None) -> TwoRegions:
        return loaded

    def test_a_region_before_the_last_leaves_its_keys_checked_but_not_valid(
            self, two: TwoRegions) -> None:
        """``last=False`` (a country's regions but the last): the foreign keys of the bulk
        tables come back NOT VALID, checked for the region's own rows only; the next region
        that is the last validates them over the whole tables, as they were before."""
        from django.db import connection

        from tandem.diagnostics import tallies

        before = two.keys_before
        if connection.vendor == "postgresql":
            assert before and all(valid for _n, _d, valid in before)
            assert two.keys_after_first == [(n, d + " NOT VALID", False) for n, d, _v in before]
        assert _foreign_keys() == before
        assert tallies.stale() == []
        assert Participant.objects.count() == 240

    def test_a_next_region_s_figures_read_only_the_answers_after_the_earlier_regions_(
            self, two: TwoRegions) -> None:
        """Issue #16, item 5: a country's next region sums its figures from the answers after
        those already in the table (``tallies.rebuild(answers_after=...)``): the aggregates
        do not read every earlier region's answers again. Its figures are still all of its
        answers — equal to their recomputation (``stale()``) and to a rebuild without the
        bound — and the earlier region's stay as they were."""
        from tandem.diagnostics import tallies

        first, last_of_first = two.figures_of_first, two.last_answer_of_first
        assert last_of_first is not None
        assert tallies.stale() == []
        region_2 = _figures() - first
        assert region_2 and first <= _figures()  # the first region's figures untouched
        inserts = [sql for sql in two.second_load
                   if sql.startswith('INSERT INTO "diagnostics_answertally"')]
        assert len(inserts) == 1
        assert all(f'"diagnostics_answer"."id" > {last_of_first}' in sql for sql in inserts)
        # The mentors read no answer at all: the published people of the region's groups
        # (rule 5, docs/monitoring.md «Риск во времени: наставники»).
        strong = [sql for sql in two.second_load
                  if sql.startswith('INSERT INTO "diagnostics_strongtally"')]
        assert len(strong) == 1 and '"diagnostics_answer"' not in strong[0]
        # The bound loses nothing of the region: a rebuild without it stores the same rows.
        tallies.rebuild()
        assert _figures() == first | region_2

    def test_a_next_region_s_figures_read_only_its_own_questionnaires(
            self, two: TwoRegions) -> None:
        """A country's next region joins its answers with its own questionnaires only — those
        after the earlier regions' (``tallies.rebuild(responses_after=...)``) — and counts
        only those: the statements bound the questionnaires' id, the join's side the planner
        does not bound from the answers' (docs/performance.md, «страна целиком»). Its figures
        are still all of its questionnaires (``stale()``), the earlier region's stay."""
        from tandem.diagnostics import tallies

        first, last_of_first = two.responses_of_first, two.last_response_of_first
        assert last_of_first is not None
        assert tallies.stale() == []
        assert first < _response_figures()
        inserts = [sql for sql in two.second_load
                   if sql.startswith(('INSERT INTO "diagnostics_responsetally"',
                                      'INSERT INTO "diagnostics_answertally"'))]
        assert len(inserts) == 2  # (the mentors' read no questionnaire: published people)
        assert all(f'"diagnostics_response"."id" > {last_of_first}' in sql for sql in inserts)


class TestBoundedRebuilds:
    """The contracts of the bounded rebuilds read one demo region (seed 3, 120 people),
    loaded once per class and test worker in a transaction of its own, rolled back at the
    end (tandem.testing.built_once); each test runs in a savepoint of its own, so what
    one rebuilds the next does not see."""

    @pytest.fixture(scope="class")
    @classmethod
    def loaded(cls, django_db_setup: None, django_db_blocker: Any,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
        from tandem.demo.services import demo_region_create

        with built_once(django_db_blocker, tmp_path_factory.mktemp("demo-media")):
            demo_region_create(participants=120, seed=3)
            yield

    @pytest.fixture
    def region(self, loaded: None, db: None) -> None:
        return loaded

    def test_a_rebuild_bounded_after_an_organization_s_answers_leaves_them_out(
            self, region: None) -> None:
        """The contract of ``answers_after``: only answers with a greater id are summed — a
        bound past an organization's answers sums none (which is why only a loader whose
        organizations are new may pass it)."""
        from tandem.diagnostics import tallies
        from tandem.diagnostics.models import Answer, AnswerTally

        organizations = list(Organization.objects.values_list("pk", flat=True))
        total = sum(AnswerTally.objects.values_list("answers", flat=True))
        assert total == Answer.objects.filter(response__status="submitted").count() > 0
        last = Answer.objects.order_by("-pk").values_list("pk", flat=True).first()
        first = Answer.objects.order_by("pk").values_list("pk", flat=True).first()
        assert first is not None and last is not None
        tallies.rebuild(organizations, answers_after=first - 1)
        assert sum(AnswerTally.objects.values_list("answers", flat=True)) == total
        tallies.rebuild(organizations, answers_after=last)
        assert not AnswerTally.objects.exists()
        tallies.rebuild(organizations)
        assert tallies.stale() == []

    def test_a_rebuild_bounded_after_an_organization_s_questionnaires_leaves_them_out(
            self, region: None) -> None:
        """The contract of ``responses_after``: only questionnaires with a greater id, and
        their answers, are summed — a bound before them all sums what no bound does, one
        after them all sums none."""
        from tandem.diagnostics import tallies
        from tandem.diagnostics.models import AnswerTally, Response, ResponseTally, StrongTally

        organizations = list(Organization.objects.values_list("pk", flat=True))

        def stored() -> set[tuple[object, ...]]:
            return ({("r", *row) for row in ResponseTally.objects.values_list(
                        "organization_id", "campaign_id", "invited", "new", "draft",
                        "submitted")}
                    | {("a", *row) for row in AnswerTally.objects.values_list(
                        "organization_id", "campaign_id", "competency", "answers", "strong")}
                    | {("s", *row) for row in StrongTally.objects.values_list(
                        "organization_id", "campaign_id", "area", "people", "levelled")})

        whole = stored()
        assert {row[0] for row in whole} == {"r", "a", "s"}
        first = Response.objects.order_by("pk").values_list("pk", flat=True).first()
        last = Response.objects.order_by("-pk").values_list("pk", flat=True).first()
        assert first is not None and last is not None
        tallies.rebuild(organizations, responses_after=first - 1)
        assert stored() == whole
        tallies.rebuild(organizations, responses_after=last)
        assert not stored()
        tallies.rebuild(organizations)
        assert tallies.stale() == []

    def test_gains_bounded_after_an_organization_s_answers_leave_them_out(
            self, region: None) -> None:
        """``answers_after`` bounds the before/after gains too (``_gains_sql``): a bound
        before every answer sums what no bound does, a bound after them all sums nothing."""
        from tandem.diagnostics import tallies
        from tandem.diagnostics.models import Answer, GainTally

        organizations = list(Organization.objects.values_list("pk", flat=True))

        def gains() -> set[tuple[object, ...]]:
            return set(GainTally.objects.values_list(
                "organization_id", "campaign_id", "competency", "before_sum", "before_n",
                "after_sum", "after_n", "people"))

        whole = gains()
        assert whole
        first = Answer.objects.order_by("pk").values_list("pk", flat=True).first()
        last = Answer.objects.order_by("-pk").values_list("pk", flat=True).first()
        assert first is not None and last is not None
        tallies.rebuild(organizations, answers_after=first - 1)
        assert gains() == whole
        tallies.rebuild(organizations, answers_after=last)
        assert not GainTally.objects.exists()


def _region_digest() -> str:
    """A digest of what a demo region's people, questionnaires and answers hold, without
    the ids (a test database's sequences go on from other tests): each person by e-mail,
    each questionnaire by its person and round."""
    import hashlib

    from tandem.diagnostics.models import Answer, Response

    digest = hashlib.sha256()
    for person in (Participant.objects.order_by("email").values_list(
            "email", "organization__code", "surname", "name", "patronymic", "position",
            "subject", "experience_years", "age_band", "mentoring_consent_date",
            "personal_data_consent_date", "search_name", "line_manager__email")):
        digest.update(repr(person).encode())
    for response in (Response.objects.order_by("participant__email", "campaign__kind")
                     .values_list("participant__email", "campaign__kind", "campaign__status",
                                  "status", "answered", "submitted_at")):
        # The time is the run's: only whether there is one.
        digest.update(repr((*response[:-1], response[-1] is None)).encode())
    for row in (Answer.objects.order_by("response__participant__email",
                                        "response__campaign__kind", "pk").values_list(
            "response__participant__email", "response__campaign__kind", "competency",
            "self_level", "level", "can_teach", "wants_to_learn", "priority")):
        digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.mark.django_db
@pytest.mark.parametrize(("total", "expected"), [
    (1_700, "64ecb4c5f559cd19afaca7ea05b04741fd1ed73d3bc36ad0564fce422b66904c"),
])
def test_a_seed_gives_the_region_it_always_gave(total: int, expected: str) -> None:
    """The same people, questionnaires and answers for the same seed, whatever is done to
    make the seed faster (the digests were taken of the code at 365ef2d), on PostgreSQL
    and SQLite alike; 1,700 people: the further organizations, some with a final round.
    The answers depend on the people's ids: the sequences start where a fresh database's
    would (PostgreSQL does not roll them back after the other tests)."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)
    call_command("seed-demo", "--participants", str(total), "--seed", "3",
                 stdout=StringIO(), stderr=StringIO())
    assert _region_digest() == expected


def _line_by_line(text: object, response_id: int,
                  answers: list[generator.DemoAnswer]) -> bytes:
    """The answers' COPY lines as formatted before AnswerLines: one line at a time, each
    value by CopyText.value."""
    from tandem.web.bulk import CopyText

    assert isinstance(text, CopyText)
    return b"".join(
        b"%s%s\n" % ("\t".join(map(CopyText.value, (response_id, a.code, a.level, a.level,
                                                     a.can_teach, a.wants_to_learn,
                                                     a.priority))).encode(), text.tail)
        for a in answers)


_ANSWERS = st.lists(st.builds(
    generator.DemoAnswer, code=st.text(max_size=12), level=st.integers(0, 3),
    can_teach=st.booleans(), wants_to_learn=st.booleans(),
    priority=st.none() | st.integers(1, 3)), max_size=50)


@given(questionnaires=st.lists(st.tuples(st.integers(1, 2**62), _ANSWERS), max_size=8))
@settings(max_examples=200, deadline=None)
def test_answer_lines_joined_per_questionnaire_are_the_lines_one_by_one(
        questionnaires: list[tuple[int, list[generator.DemoAnswer]]]) -> None:
    """AnswerLines joins a questionnaire's cached tails with its id between them: the very
    bytes of formatting each line by itself — any competency text (tabs, backslashes,
    line breaks escaped), no answer at all (no line), one tail cache for all."""
    from tandem.demo.services import ANSWER_COLUMNS, AnswerLines
    from tandem.diagnostics.models import Answer
    from tandem.web.bulk import CopyText

    lines = AnswerLines(CopyText(Answer, ANSWER_COLUMNS))
    for response_id, answers in questionnaires:
        assert lines(response_id, answers) == _line_by_line(lines.text, response_id, answers)


def test_answer_lines_of_drawn_questionnaires_worked_example() -> None:
    """Real draws: a complete questionnaire of 45 answers is 45 lines, each starting with
    its id and a tab; a draft's half, the same as one by one."""
    from tandem.demo.services import ANSWER_COLUMNS, AnswerLines
    from tandem.diagnostics.models import Answer
    from tandem.web.bulk import CopyText

    competencies = [(f"area.c{i}", "both") for i in range(45)]
    lines = AnswerLines(CopyText(Answer, ANSWER_COLUMNS))
    complete = generator.answers_for("25-34", competencies, 7)
    block = lines(12345, complete)
    assert block.count(b"\n") == 45 and block.endswith(b"\n")
    assert all(line.startswith(b"12345\tarea.c") for line in block.splitlines())
    assert block == _line_by_line(lines.text, 12345, complete)
    assert lines(9, complete[:22]) == _line_by_line(lines.text, 9, complete[:22])
    assert lines(10, []) == b""


class _Rollback(Exception):
    pass


def _country_rows_digest() -> str:
    """Every row of the people, questionnaires and answers, all columns, in id order
    (the time a questionnaire was submitted only as whether there is one)."""
    import hashlib

    from tandem.diagnostics.models import Answer, Response

    digest = hashlib.sha256()
    for model in (Participant, Response, Answer):
        names = [f.attname for f in model._meta.concrete_fields
                 if f.attname not in {"submitted_at", "created_at", "updated_at"}]
        for row in model.objects.order_by("pk").values_list(*names):
            digest.update(repr(row).encode())
    digest.update(repr([t is None for t in Response.objects.order_by("pk").values_list(
        "submitted_at", flat=True)]).encode())
    return digest.hexdigest()


def _country(monkeypatch: pytest.MonkeyPatch, mode: str) -> tuple[str, list[tuple[bool, bool]]]:
    """Two regions of 120 loaded in a savepoint rolled back after, from the same ids
    (sequences reset as in a fresh database): their rows' digest and what each region took
    from the drawing ahead. ``mode``: "ahead" as seed-demo does; "in place": nothing drawn
    ahead; "wrong guess": the next region's people drawn for ids one past the right ones."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from tandem.demo import services
    from tandem.web import bulk

    with monkeypatch.context() as patch:
        if mode == "in place":
            patch.setattr(services, "draw_ahead", lambda **_kw: None)
        elif mode == "wrong guess":
            patch.setattr(services, "next_id", lambda model: bulk.next_id(model) + 1)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(no_style(),
                                                                 apps.get_models()):
                        cursor.execute(sql)
                results = services.demo_regions_create(regions=2, participants=120, seed=3)
                digest = _country_rows_digest()
                raise _Rollback
        except _Rollback:
            pass
    return digest, [(r.people_ahead, r.answers_ahead) for r in results]


@pytest.mark.django_db(transaction=False)
def test_the_next_region_drawn_ahead_is_the_region_drawn_in_place(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """seed-demo --regions: the second region's people and answers, drawn by a thread
    while the first one's figures are computed, are the very rows drawn in place; where
    the guess of its people's ids was wrong, the answers are drawn again at the load (the
    people, whose draws need no id, are still taken) — the same rows again."""
    ahead, taken = _country(monkeypatch, "ahead")
    assert taken == [(False, False), (True, True)]
    in_place, taken = _country(monkeypatch, "in place")
    assert taken == [(False, False), (False, False)]
    wrong, taken = _country(monkeypatch, "wrong guess")
    assert taken == [(False, False), (True, False)]
    assert ahead == in_place == wrong


@pytest.mark.django_db
def test_next_id_is_the_id_reserve_ids_gives_next() -> None:
    from tandem.web.bulk import next_id, reserve_ids

    Region.objects.create(name="Регион", code="r-next")
    guess = next_id(Region)
    assert next_id(Region) == guess  # reading moves nothing
    assert reserve_ids(Region, 3) == [guess, guess + 1, guess + 2]
    assert next_id(Region) == guess + 3


def _ahead_threads() -> list[object]:
    import threading

    return [t for t in threading.enumerate() if t.name.startswith("seed-demo-ahead")]


@pytest.mark.django_db
def test_an_error_of_the_drawing_thread_is_raised_and_the_thread_joined(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tandem.demo import services

    def broken(**_kw: object) -> None:
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(services, "draw_ahead", broken)
    with pytest.raises(RuntimeError, match="drawing failed"):
        services.demo_regions_create(regions=2, participants=120, seed=3)
    assert _ahead_threads() == []
    assert Region.objects.count() == 1  # the first region's load was done


@pytest.mark.django_db
def test_an_error_of_the_load_stops_the_drawing_thread_and_is_raised(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first region's figures fail while the thread draws the second: the error is
    raised, the thread told to stop and joined (it waits for that here)."""
    from tandem.demo import services

    real = services.draw_ahead
    stopped: list[bool] = []

    def waiting(**kw: object) -> object:
        stop = kw["stop"]
        assert stop is not None
        stopped.append(stop.wait(timeout=60))  # type: ignore[attr-defined]
        return real(**kw)  # type: ignore[arg-type]

    def failing(*_args: object, **_kw: object) -> None:
        raise ValueError("the figures failed")

    monkeypatch.setattr(services, "draw_ahead", waiting)
    monkeypatch.setattr(services.tallies, "rebuild", failing)
    with pytest.raises(ValueError, match="the figures failed"):
        services.demo_regions_create(regions=2, participants=120, seed=3)
    assert stopped == [True]
    assert _ahead_threads() == []
    assert Region.objects.count() == 0  # rolled back
