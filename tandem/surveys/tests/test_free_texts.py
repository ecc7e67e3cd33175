"""Free texts of the results page (``selectors.free_texts``): only from counted cells —
(organization, academic year in its region's zone, stage) with answers of at least
MIN_ANSWERS people —, in the order of their words, at most TEXT_LIMIT; read along the
text-order index with the kept cell checked per answer (issue #16) and exactly what the
earlier reading gave (lists of counted organizations per zone and year): the oracle
below is that reading, over the surveys themselves."""

import datetime as dt
import functools
import itertools

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import Scope, scope_for
from tandem.core.effectiveness import MIN_ANSWERS
from tandem.core.periods import academic_year
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.surveys import selectors
from tandem.surveys.models import MunicipalitySurveyCell, Survey, SurveyCell, SurveyCellMark
from tandem.surveys.selectors import FreeText, free_texts, satisfaction_summary
from tandem.surveys.tests.helpers import active_pair
from tandem.territory.models import Organization
from tandem.territory.zones import zone_named
from tandem.testing import (
    MunicipalityFactory,
    OrganizationFactory,
    ParticipantFactory,
    RegionFactory,
    World,
)

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
_names = itertools.count()


def _answer(person: Participant, partner: Participant, *, at: dt.datetime = NOON,
            stage: str = "mid", good: str = "", improve: str = "") -> Survey:
    """One answered survey of ``person`` (a completed pair of its own, so one person may
    answer many times)."""
    pair = active_pair(person, partner, status=Pair.Status.COMPLETED)
    return Survey.objects.create(
        pair=pair, participant=person, stage=stage, due_on=at.date(), submitted_at=at,
        mentee_benefit=8, mentee_support=8, mentor_satisfaction=8, mentor_engagement=8,
        recommend=8, text_good=good, text_improve=improve)


def _people(organization: Organization, count: int) -> list[Participant]:
    return [ParticipantFactory.create(organization=organization) for _ in range(count)]


def _texts(scope: Scope, filters: Filters | None = None) -> list[FreeText]:
    filters = filters or Filters()
    return free_texts(scope=scope, filters=filters,
                      summary=satisfaction_summary(scope=scope, filters=filters))


def _oracle(scope: Scope, filters: Filters, limit: int) -> list[FreeText]:
    """The texts as the page read them before issue #16: the answers whose (organization,
    academic year of the answer's day in its region's zone) is among the counted cells of
    the stage (the kept cells of the request that the rule allows — at least MIN_ANSWERS
    people, the organization not waiting for its rebuild — written out here in Python,
    not by the query under test; review finding), sorted, the first ``limit``, blanks
    dropped."""
    summary = satisfaction_summary(scope=scope, filters=filters)
    rows = list(Survey.objects.filter(
        submitted_at__isnull=False, participant__organization__in=filters.organizations(scope))
        .values_list("stage", "participant__organization_id",
                     "participant__organization__municipality__region__time_zone",
                     "submitted_at", "text_good", "text_improve"))
    result = []
    for s in summary.stages:
        if s.answered == 0:
            continue
        assert summary.years is not None
        marked = set(SurveyCellMark.objects.values_list("organization_id", flat=True))
        keys = {(organization, year) for organization, year, people in SurveyCell.objects.filter(
            organization__in=filters.organizations(scope), year__range=summary.years,
            stage=s.stage, answered__gt=0).values_list("organization_id", "year", "people")
            if people >= MIN_ANSWERS and organization not in marked}
        assert summary.counted.get(s.stage, frozenset()) == {y for _o, y in keys}
        chosen = [r for r in rows if r[0] == s.stage and (
            r[1], academic_year(timezone.localtime(r[3], zone_named(r[2] or None)).date()))
            in keys]
        good, improve = ([t.strip() for t in sorted(str(r[i]) for r in chosen if r[i])[:limit]
                          if t.strip()] for i in (4, 5))
        result.append(FreeText(stage=s.stage, label=s.label, answered=s.answered,
                               shown=bool(keys), good=good if keys else [],
                               improve=improve if keys else []))
    return result


def test_texts_come_only_from_organizations_of_three_people(world: World) -> None:
    """Worked example: three people of A wrote (one twice), two of B wrote: the region
    operator reads A's four texts in their order and never B's; B's curator and the
    coordinator of B's municipality read none («Тексты скрыты»)."""
    a1, a2, a3, partner_a = _people(world.org_a, 4)
    b1, b2, partner_b = _people(world.org_b, 3)
    _answer(a1, partner_a, good="Яркие встречи", improve="Больше практики")
    _answer(a2, partner_a, good="асинхронные задания")
    _answer(a3, partner_a, good="   ")  # blank: counted as an answer, shown as nothing
    _answer(a1, a2, good="Ёлка идей")
    _answer(b1, partner_b, good="Секрет Б1", improve="Мало времени Б1")
    _answer(b2, partner_b, good="Секрет Б2")
    region = _texts(scope_for(world.olga))
    assert [(t.stage, t.shown) for t in region] == [("mid", True)]
    assert region[0].good == ["Ёлка идей", "Яркие встречи", "асинхронные задания"]
    assert region[0].improve == ["Больше практики"]
    for who in (world.charlie, world.dave):
        assert [(t.shown, t.good, t.improve) for t in _texts(scope_for(who))] == [
            (False, [], [])]
    # The region operator filtering B: withheld as well, whatever A holds.
    only_b = _texts(scope_for(world.olga), Filters(organization_id=world.org_b.pk))
    assert [(t.shown, t.good) for t in only_b] == [(False, [])]


def test_a_third_person_releases_the_texts_of_the_cell(world: World) -> None:
    b1, b2, b3, partner = _people(world.org_b, 4)
    _answer(b1, partner, good="Первый")
    _answer(b2, partner, good="Второй")
    assert [t.shown for t in _texts(scope_for(world.charlie))] == [False]
    _answer(b3, partner)  # without a text: the cell now holds three people
    assert [(t.shown, t.good) for t in _texts(scope_for(world.charlie))] == [
        (True, ["Второй", "Первый"])]


def test_the_order_is_of_the_whole_text_past_its_indexed_characters(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Texts alike in their first TEXT_KEY characters are ordered by the rest; the cut at
    TEXT_LIMIT takes the first of that order."""
    people = _people(world.org_a, 5)
    same = "ж" * selectors.TEXT_KEY
    for person, tail in zip(people[:4], ["в", "а", "г", "б"], strict=True):
        _answer(person, people[4], good=same + tail)
    monkeypatch.setattr(selectors, "TEXT_LIMIT", 3)
    (mid,) = _texts(scope_for(world.alice))
    assert mid.good == [same + "а", same + "б", same + "в"]


def _two_regions(world: World) -> list[Organization]:
    """A second region five hours east of Moscow with one organization, operated by Olga
    too: the organizations of both regions."""
    east = RegionFactory.create(time_zone="Asia/Yekaterinburg")
    east_org = OrganizationFactory.create(municipality=MunicipalityFactory.create(region=east),
                                          name="Восточная школа")
    RoleAssignment.objects.create(user=world.olga, role=Role.REGION_OPERATOR, region=east)
    return [world.org_a, world.org_b, east_org]


# Around the start of the academic year in either zone (Moscow +3, Yekaterinburg +5), and
# well inside a year.
MOMENTS = [dt.datetime(2026, 8, 31, h, 30, tzinfo=dt.UTC) for h in (18, 20, 22)] + [
    dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), NOON]
WORDS = ["", " ", "а", "Б", "б", "ё", "Ж" * 120 + "а", "Ж" * 120 + "Б", "итог", "Итог"]
ANSWER = st.tuples(st.integers(0, 2), st.integers(0, 3), st.sampled_from(MOMENTS),
                   st.sampled_from(["mid", "final"]), st.sampled_from(WORDS),
                   st.sampled_from(WORDS))


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(ANSWER, max_size=14), limit=st.sampled_from([2, 5, 200]))
def test_the_texts_are_those_of_the_counted_cells_whatever_the_answers(
        world: World, monkeypatch: pytest.MonkeyPatch,
        answers: list[tuple[int, int, dt.datetime, str, str, str]], limit: int) -> None:
    """Any answers of up to four people in each of three organizations of two regions in
    two zones, near the turn of the academic year: every view (the region operator of
    both, a filter of one organization or a municipality, a curator, a coordinator, two
    academic years) shows exactly the texts the earlier reading showed — only of counted
    cells, in order, cut at the limit."""
    if not RoleAssignment.objects.filter(user=world.olga).exclude(
            region=world.region).exists():  # the world is shared by the examples: once
        _two_regions(world)
    organizations = list(Organization.objects.order_by("pk"))
    pools = {o.pk: list(Participant.objects.filter(organization=o).order_by("pk"))
             for o in organizations}
    for o in organizations:
        pools[o.pk] += _people(o, 5 - len(pools[o.pk]))
    Survey.objects.all().delete()
    Pair.objects.all().delete()
    SurveyCell.objects.all().delete()  # the kept figures reset by hand, with the surveys
    MunicipalitySurveyCell.objects.all().delete()
    SurveyCellMark.objects.all().delete()
    chosen = [o for o in organizations if o.name in ("Школа А", "Дом творчества Б",
                                                     "Восточная школа")]
    for which, who, at, stage, good, improve in answers:
        pool = pools[chosen[which].pk]
        _answer(pool[who], pool[4], at=at, stage=stage, good=good, improve=improve)
    monkeypatch.setattr(selectors, "TEXT_LIMIT", limit)
    two_years = Filters(date_from=dt.date(2025, 10, 1), date_to=dt.date(2026, 10, 1))
    views = [(scope_for(world.olga), two_years), (scope_for(world.olga), Filters()),
             (scope_for(world.olga), Filters(organization_id=world.org_a.pk,
                                             date_from=dt.date(2025, 10, 1))),
             (scope_for(world.olga), Filters(municipality_id=world.municipality_b.pk)),
             (scope_for(world.alice), two_years), (scope_for(world.dave), two_years)]
    with timezone.override(dt.UTC):  # "today" of Filters() in late 2026
        for scope, filters in views:
            assert _texts(scope, filters) == _oracle(scope, filters, limit), filters


def _results_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("surveys:results")).status_code == 200
    return len(ctx.captured_queries)


def test_the_results_page_reads_as_many_queries_at_any_number_of_organizations(
        client: Client, world: World) -> None:
    """Two counted organizations, then twenty more (each with three people who wrote),
    one of them in a second region of another zone: the region operator's page issues the
    same queries."""
    client.force_login(world.olga)

    def counted_organization(organization: Organization) -> None:
        *people, partner = _people(organization, 4)
        for i, person in enumerate(people):
            _answer(person, partner, at=timezone.now(), good=f"Текст {organization.pk} {i}")

    counted_organization(world.org_a)
    counted_organization(world.org_b)
    small = _results_queries(client)
    east = _two_regions(world)[-1]
    counted_organization(east)
    for _ in range(19):
        counted_organization(OrganizationFactory.create(municipality=world.municipality_a,
                                                        name=f"Школа {next(_names)}"))
    assert _results_queries(client) == small  # a second zone too: its answers join the OR


def test_an_organization_whose_cells_wait_for_their_rebuild_gives_no_texts(
        world: World) -> None:
    """Review finding: a person's survey leaves a cell of three (the pair deleted with
    it); until the cells are rebuilt the kept cell still says three people, and the two
    remaining texts — telling, by comparison, which text was the leaver's — must not be
    shown. Withheld while the organization's mark waits; after the rebuild the cell holds
    two: withheld still. A person's move is no such change any more: their answer stays
    in the cell of the organization they answered in (``Survey.organization``)."""
    from tandem.surveys import tallies

    b1, b2, b3, partner = _people(world.org_b, 4)
    _answer(b1, partner, good="Текст П1")
    _answer(b2, partner, good="Текст П2")
    third = _answer(b3, partner, good="Текст П3")
    shown = [(True, ["Текст П1", "Текст П2", "Текст П3"])]
    assert [(t.shown, t.good) for t in _texts(scope_for(world.charlie))] == shown
    b3.organization = world.org_a
    b3.save()
    assert not SurveyCellMark.objects.exists()
    assert [(t.shown, t.good) for t in _texts(scope_for(world.charlie))] == shown
    third.pair.delete()
    assert SurveyCellMark.objects.filter(organization_id=world.org_b.pk).exists()
    assert [(t.shown, t.good) for t in _texts(scope_for(world.charlie))] == [(False, [])]
    summary = satisfaction_summary(scope=scope_for(world.charlie), filters=Filters())
    assert not any(summary.counted.values())  # «Тексты скрыты», as the texts say
    tallies.refresh()
    assert not SurveyCellMark.objects.exists()
    assert [(t.shown, t.good) for t in _texts(scope_for(world.charlie))] == [(False, [])]


def test_the_marks_are_asked_of_the_answer_not_inside_the_cells_exists(world: World) -> None:
    """Issue #16: nested in the ``EXISTS`` on the kept cell, the «no mark» half of
    TEXT_SOURCE made PostgreSQL take a region's texts for a couple of rows and sort all of
    them (0.6–0.9 s on 300,000 teachers) instead of walking the text index. It is asked
    once, of the respondent's organization on the answer: the cell's ``EXISTS`` holds
    only its people."""
    *people, partner = _people(world.org_a, 4)
    for i, person in enumerate(people):
        _answer(person, partner, at=timezone.now(), good=f"Текст {i}")
    scope = scope_for(world.olga)
    summary = satisfaction_summary(scope=scope, filters=Filters())
    with CaptureQueriesContext(connection) as ctx:
        texts = free_texts(scope=scope, filters=Filters(), summary=summary)
    assert [t.good for t in texts] == [["Текст 0", "Текст 1", "Текст 2"]]
    reads = [q["sql"] for q in ctx.captured_queries if "text_good" in q["sql"].split("FROM")[0]]
    assert len(reads) == 1
    sql = reads[0]
    assert sql.count('"surveys_surveycellmark"') == 1
    cell = sql[sql.index('FROM "surveys_surveycell"'):]
    assert '"surveys_surveycellmark"' not in cell[:cell.index("LIMIT 1")]
    # ... and still only from unmarked organizations.
    SurveyCellMark.objects.create(organization_id=world.org_a.pk)
    assert [t.shown for t in free_texts(scope=scope, filters=Filters(), summary=summary)] == [
        True]
    assert [t.good for t in free_texts(scope=scope, filters=Filters(), summary=summary)] == [
        []]


def test_one_rule_of_texts_for_the_summary_and_the_texts(world: World,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule of where texts come from has one home (``selectors.text_source``): made
    stricter there (cells of four people), the summary's «Тексты скрыты» and the texts
    both follow — B's cell of three gives none, not even in the region's view next to A's
    cell of four (review finding: the texts query had composed the rule by itself)."""
    a = _people(world.org_a, 5)
    b = _people(world.org_b, 4)
    for i in range(4):
        _answer(a[i], a[4], good=f"A-{i}")
    for i in range(3):
        _answer(b[i], b[3], good=f"B-{i}")
    rule = selectors.text_source
    scope = scope_for(world.olga)
    (mid,) = _texts(scope)
    assert sorted(mid.good) == ["A-0", "A-1", "A-2", "A-3", "B-0", "B-1", "B-2"]
    monkeypatch.setattr(selectors, "text_source",
                        lambda organization: (rule(organization)[0] & Q(people__gte=4),
                                              rule(organization)[1]))
    # The summary's aggregates are built once per process (``_cells_summed``): a shape of
    # its own for the stricter rule, the process's own one left as it was for the tests
    # after this one (monkeypatch puts it back).
    monkeypatch.setattr(selectors, "_cells_summed",
                        functools.cache(selectors._cells_summed.__wrapped__))
    only_b = Filters(organization_id=world.org_b.pk)
    assert not any(satisfaction_summary(scope=scope, filters=only_b).counted.values())
    (mid,) = _texts(scope)
    assert mid.shown and mid.good == ["A-0", "A-1", "A-2", "A-3"]
    assert _texts(scope, only_b)[0].good == []
