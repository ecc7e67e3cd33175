"""A rebuild computes the kept figures on the database server (``INSERT … SELECT … GROUP
BY``, tandem/diagnostics/tallies.py): held here to a reference written from the rules in
plain Python — questionnaires and answers read as rows and counted one by one — on
generated data (frameworks that put a code in another area than its prefix says, codes
outside every framework, final rounds on any baseline, any statuses and levels)."""

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core import diagnostics as core
from tandem.diagnostics import tallies
from tandem.diagnostics.models import (
    Answer,
    AnswerTally,
    Campaign,
    FrameworkVersion,
    GainTally,
    MunicipalityAnswerTally,
    MunicipalityStrong,
    PublishedAnswer,
    Response,
    ResponseTally,
    StrongBest,
    StrongTally,
)
from tandem.people.models import Participant
from tandem.territory.models import Organization
from tandem.testing import OrganizationFactory, ParticipantFactory, World

pytestmark = pytest.mark.django_db

# Codes with and without a dot, a dot first or last, letters outside ASCII.
CODES = ["a.one", "a.two", "b.one", "plain", "c.x.y", ".lead", "tail.", "м.код"]
AREAS = ["a", "b", "other"]
STATUSES = [None, *Response.Status.values]  # None: no questionnaire

answer_st = st.tuples(st.sampled_from([None, *core.LEVELS]), st.booleans(), st.booleans())
response_st = st.tuples(st.sampled_from(STATUSES),
                        st.dictionaries(st.sampled_from(CODES), answer_st, max_size=5))
campaign_st = st.tuples(st.integers(0, 1),  # framework
                        st.booleans(),  # final
                        st.one_of(st.none(), st.integers(0, 3)))  # baseline: an earlier one


def _key(model: type, rows: Any) -> set[tuple[object, ...]]:
    fields = tallies._FIELDS[model]
    return {(model.__name__, *row) for row in rows.values_list(*fields)}


def _reference() -> set[tuple[object, ...]]:
    """Every kept figure, counted in Python from the rows (docs/diagnostics.md rules:
    core.is_strength, core.is_deficit)."""
    org_of = dict(Participant.objects.values_list("pk", "organization_id"))
    place = {pk: (m, s) for pk, m, s in
             Organization.objects.values_list("pk", "municipality_id", "sector")}
    campaigns = {c.pk: c for c in Campaign.objects.select_related("framework")}
    current = FrameworkVersion.objects.current()
    shown = current.shown_area_of() if current else {}
    responses = {pk: (campaign, person, status) for pk, campaign, person, status in
                 Response.objects.values_list("pk", "campaign_id", "participant_id", "status")}
    submitted: dict[tuple[int, int | None], int] = {
        (person, campaign): pk for pk, (campaign, person, status) in responses.items()
        if status == Response.Status.SUBMITTED}
    answers: dict[int, list[tuple[str, int | None, bool, bool]]] = defaultdict(list)
    for response, *answer in Answer.objects.values_list(
            "response_id", "competency", "level", "can_teach", "wants_to_learn"):
        answers[response].append(tuple(answer))  # type: ignore[arg-type]

    rows: set[tuple[object, ...]] = set()
    progress: dict[tuple[int, int], dict[str, int]] = defaultdict(
        lambda: {"invited": 0, "new": 0, "draft": 0, "submitted": 0})
    counts: dict[tuple[int, int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    strong: dict[tuple[int, int, str], set[int]] = defaultdict(set)
    levelled: dict[tuple[int, int, str], set[int]] = defaultdict(set)
    gains: dict[tuple[int, int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    people: dict[tuple[int, int], int] = defaultdict(int)
    for pk, (campaign_id, person, status) in responses.items():
        org = org_of[person]
        progress[(org, campaign_id)]["invited"] += 1
        progress[(org, campaign_id)][status] += 1
        if status != Response.Status.SUBMITTED:
            continue
        campaign = campaigns[campaign_id]
        asked = set(campaign.framework.codes())
        for code, level, can_teach, wants in answers[pk]:
            item = counts[(org, campaign_id, code)]
            item[0] += 1
            item[1] += level is not None
            item[2] += core.is_deficit(level, wants)
            item[3] += core.is_strength(level, can_teach)
            if code not in asked:  # no writer makes it: in no area of the mentors
                continue
            # The area it is shown in now (the current version's), as the shares.
            cell = (org, campaign_id, shown.get(code) or code.split(".", 1)[0])
            if level is not None:
                levelled[cell].add(person)
            if core.is_strength(level, can_teach):
                strong[cell].add(person)
        baseline = submitted.get((person, campaign.baseline_id))
        if campaign.kind != Campaign.Kind.FINAL or baseline is None:
            continue
        # Only the person's latest final round of this baseline (docs/monitoring.md, «до /
        # после», rule 1): ends later, or the same day and made later.
        if any(other.kind == Campaign.Kind.FINAL and other.baseline_id == campaign.baseline_id
               and (other.ends_on, other.pk) > (campaign.ends_on, campaign.pk)
               and (person, other.pk) in submitted for other in campaigns.values()):
            continue
        people[(org, campaign_id)] += 1
        for which, offset in ((baseline, 0), (pk, 2)):
            for code, level, _teach, _wants in answers[which]:
                if level is not None:
                    gains[(org, campaign_id, code)][offset] += level
                    gains[(org, campaign_id, code)][offset + 1] += 1
    rows |= {("ResponseTally", org, campaign, *(n[k] for k in tallies._FIELDS[ResponseTally][2:]))
             for (org, campaign), n in progress.items()}
    rows |= {("AnswerTally", *key, *n) for key, n in counts.items()}
    rows |= {("GainTally", *key, *n, people[key[:2]]) for key, n in gains.items()}
    # Rule 5 from nothing (one rebuild of fresh campaigns): a group (organization,
    # campaign) is published once at least 3 people answered in it; the others are
    # counted nowhere, not even as left out.
    members: dict[tuple[int, int], set[int]] = defaultdict(set)
    for pk, (campaign_id, person, status) in responses.items():
        if status == Response.Status.SUBMITTED and answers[pk]:
            members[(org_of[person], campaign_id)].add(person)
    published = {key: n for key, n in counts.items() if len(members[key[:2]]) >= 3}
    rows |= {("PublishedAnswer", *key, *n) for key, n in published.items()}
    # The potential mentors: of the published groups' people only (rule 5 — a group of
    # one or two shows no mentors either).
    strong = {key: who for key, who in strong.items() if len(members[key[:2]]) >= 3}
    rows |= {("StrongTally", *key, len(who), len(levelled[key])) for key, who in strong.items()}
    # The release rule: a cell (organization, campaign, competency) given a level by
    # fewer than 3 people is not summed, its levels are left out.
    sums: dict[tuple[object, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for (org, campaign_id, code), n in published.items():
        c = campaigns[campaign_id]  # the round: kind and dates
        key = (*place[org], c.kind, c.starts_on, c.ends_on, code)
        added = [*n, 0] if n[1] >= 3 else [0, 0, 0, 0, n[1]]
        sums[key] = [a + b for a, b in zip(sums[key], added, strict=True)]
    rows |= {("MunicipalityAnswerTally", *key, *n) for key, n in sums.items()}
    # Potential mentors of the standard view: the best initial campaign per organization
    # and area among those where at least 3 people of it gave a level to a competency of
    # the area (the release rule, release.mentors_counted: at least 3 submitted is not
    # enough — the area of one levelled person would show them), and its sums per
    # municipality and sector.
    best: dict[tuple[int, str], int] = defaultdict(int)
    for (org, campaign_id, area), who in strong.items():
        if (campaigns[campaign_id].kind == Campaign.Kind.INITIAL
                and len(levelled[(org, campaign_id, area)]) >= 3):
            best[(org, area)] = max(best[(org, area)], len(who))
    rows |= {("StrongBest", *key, k) for key, k in best.items()}
    mentors: dict[tuple[object, ...], int] = defaultdict(int)
    for (org, area), k in best.items():
        mentors[(*place[org], area)] += k
    rows |= {("MunicipalityStrong", *key, k) for key, k in mentors.items()}
    return rows


def _stored() -> set[tuple[object, ...]]:
    models = (ResponseTally, AnswerTally, PublishedAnswer, StrongTally, GainTally,
              MunicipalityAnswerTally, StrongBest, MunicipalityStrong)
    return set().union(*(_key(model, model.objects.all()) for model in models))


def test_a_rebuild_on_the_server_equals_counting_in_python(world: World) -> None:
    # Four organizations: two sectors in municipality A (two schools sum together), one
    # in B; three people in A and C (cells the release rule counts), fewer in B and D.
    org_c = OrganizationFactory.create(municipality=world.municipality_a,
                                       sector=Organization.Sector.SUPPLEMENTARY)
    org_d = OrganizationFactory.create(municipality=world.municipality_a)
    pool = [world.alice_p, world.bob_p, world.carol_p, world.charlie_p, world.someone_b,
            *(ParticipantFactory.create(organization=org)
              for org in (org_c, org_c, org_c, org_d))]
    numbers = iter(range(9000, 10**6))

    @settings(max_examples=40, deadline=None)
    @given(frameworks=st.lists(st.dictionaries(st.sampled_from(CODES), st.sampled_from(AREAS),
                                               min_size=1), min_size=2, max_size=2),
           campaigns=st.lists(campaign_st, min_size=1, max_size=4),
           responses=st.lists(st.lists(response_st, min_size=len(pool), max_size=len(pool)),
                              min_size=4, max_size=4),
           some=st.sets(st.integers(0, 3), max_size=3))
    def check(frameworks: list[dict[str, str]], campaigns: list[tuple[int, bool, int | None]],
              responses: list[list[tuple[str | None, dict[str, tuple[int | None, bool, bool]]]]],
              some: set[int]) -> None:
        versions = []
        for area_of in frameworks:
            areas: dict[str, list[dict[str, str]]] = defaultdict(list)
            for code, area in area_of.items():
                areas[area].append({"code": code, "name": code})
            versions.append(FrameworkVersion.objects.create(number=next(numbers), snapshot={
                "areas": [{"code": a, "name": a, "competencies": c} for a, c in areas.items()]}))
        made: list[Campaign] = []
        for i, (framework, final, baseline) in enumerate(campaigns):
            made.append(Campaign.objects.create(
                title=f"К{i}", region=world.region, framework=versions[framework],
                kind=Campaign.Kind.FINAL if final else Campaign.Kind.INITIAL,
                baseline=made[baseline % i] if baseline is not None and i else None,
                # Two rounds by dates: campaigns of one round sum together.
                starts_on=dt.date(2026, 9, 1 + i % 2), ends_on=dt.date(2026, 12, 31)))
        try:
            for campaign, row in zip(made, responses, strict=False):
                for person, (status, values) in zip(pool, row, strict=True):
                    if status is None:
                        continue
                    response = Response.objects.create(campaign=campaign, participant=person,
                                                       status=status)
                    Answer.objects.bulk_create(
                        Answer(response=response, competency=code, self_level=level,
                               level=level, can_teach=teach, wants_to_learn=wants)
                        for code, (level, teach, wants) in values.items())
            tallies.rebuild()
            assert _stored() == _reference()
            assert tallies.stale() == []
            # A rebuild of some organizations (a submission: touch(now=True)) leaves
            # the same figures, its municipalities' sums included.
            organizations = [world.org_a, world.org_b, org_c, org_d]
            tallies.rebuild([organizations[i].pk for i in sorted(some)])
            assert _stored() == _reference()
        finally:
            for campaign in reversed(made):
                campaign.delete()
            for version in versions:
                version.delete()

    check()


def test_the_area_of_a_strength_is_the_area_shown_and_a_code_not_asked_is_in_none(
        world: World) -> None:
    """A worked example: the current version puts «a.one» in area «b» — the area the
    dashboards show it in (``FrameworkVersion.shown_area_of``, the areas' parts of rule 5
    too); a code the version does not ask (no writer makes one) is in no area of the
    mentors (it was by its prefix when they were counted from the answers); two
    strengths of one person in one area count them once; two people are no published
    group: no mentors, no summed cell, not even left out."""
    framework = FrameworkVersion.objects.create(number=9001, snapshot={"areas": [
        {"code": "b", "name": "B", "competencies": [{"code": "a.one", "name": "1"},
                                                    {"code": "b.one", "name": "2"}]}]})
    campaign = Campaign.objects.create(title="Входная", region=world.region,
                                       framework=framework, starts_on=dt.date(2026, 9, 1),
                                       ends_on=dt.date(2026, 12, 31))
    for person, marks in ((world.alice_p, {"a.one": 3, "b.one": 3, "a.two": 3}),
                          (world.bob_p, {"a.one": 2, "a.two": 1}),
                          (world.carol_p, {"b.one": 1, "a.two": 3})):
        response = Response.objects.create(campaign=campaign, participant=person,
                                           status=Response.Status.SUBMITTED)
        Answer.objects.bulk_create(Answer(response=response, competency=code, level=level,
                                          self_level=level, can_teach=True)
                                   for code, level in marks.items())
        tallies.rebuild([world.org_a.pk])
        if person == world.bob_p:
            assert set(AnswerTally.objects.filter(campaign=campaign).values_list(
                "competency", "answers", "answered", "deficit", "strong")) == {
                ("a.one", 2, 2, 0, 2), ("b.one", 1, 1, 0, 1), ("a.two", 2, 2, 1, 1)}
            assert not StrongTally.objects.filter(campaign=campaign).exists()
            assert not MunicipalityAnswerTally.objects.filter(
                kind=campaign.kind, starts_on=campaign.starts_on,
                ends_on=campaign.ends_on).exists()
    assert set(StrongTally.objects.filter(campaign=campaign).values_list(
        "area", "people", "levelled")) == {("b", 2, 3)}
    assert tallies.stale() == []


def test_replacing_no_organizations_writes_and_removes_nothing(world: World) -> None:
    """An empty list is no ``IN ()``: the stored sums stay as they were."""
    framework = FrameworkVersion.objects.create(number=9002, snapshot={"areas": [
        {"code": "a", "name": "A", "competencies": [{"code": "a.one", "name": "1"}]}]})
    campaign = Campaign.objects.create(title="Входная", region=world.region,
                                       framework=framework, starts_on=dt.date(2026, 9, 1),
                                       ends_on=dt.date(2026, 12, 31))
    response = Response.objects.create(campaign=campaign, participant=world.alice_p,
                                       status=Response.Status.SUBMITTED)
    Answer.objects.create(response=response, competency="a.one", level=2, self_level=2)
    tallies.rebuild([world.org_a.pk])
    before = list(AnswerTally.objects.values_list("organization_id", "competency", "answers"))
    assert before == [(world.org_a.pk, "a.one", 1)]
    tallies._rebuild_organizations([])
    assert list(AnswerTally.objects.values_list(
        "organization_id", "competency", "answers")) == before
