"""The people of a cell group of the deficit and strength shares (``AnswerMember``,
``tallies.answer_member_text``) as the rebuild computes them on the server — one statement,
one ``MAX`` a competency's position — and as ``stale()`` computes them in Python: the
two must agree, whatever the answers, the competencies' positions (first, middle, last),
codes of no version and blank answers."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.diagnostics import tallies
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import Answer, AnswerMember, Campaign, Response
from tandem.people.models import Participant
from tandem.testing import ParticipantFactory, World

pytestmark = pytest.mark.django_db

# Codes of no version (the part of them all: ``tallies.OTHERS``), in orders a collation
# other than code points would change.
ODD = ["zz.Zeta", "zz.alpha", "spb:цифра", "B"]

Answers = dict[str, tuple[int | None, bool, bool]]


def _answers(codes: list[str]) -> st.SearchStrategy[Answers]:
    return st.dictionaries(st.sampled_from(codes),
                           st.tuples(st.one_of(st.none(), st.integers(0, 3)), st.booleans(),
                                     st.booleans()), max_size=12)


def _stored(org: int) -> set[tuple[int, int, int, str]]:
    return set(AnswerMember.objects.filter(organization_id=org).values_list(
        "organization_id", "campaign_id", "person", "digest"))


# A position in the middle of the version's competencies.
MIDDLE = 15


def _computed(org: int) -> set[tuple[int, int, int, str]]:
    return {(m.organization_id, m.campaign_id, m.person, m.digest)
            for m in tallies._answer_members(tallies._submitted_answers([org]))}


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_servers_answer_members_are_pythons(world: World, data: st.DataObject) -> None:
    """Invariant: whatever people and answers (levels or none, wishes to teach or learn,
    competencies anywhere in the version — the first, the middle and the last
    positions — and codes of none), the members the rebuild stores are those
    ``_answer_members`` computes in Python, on SQLite and on PostgreSQL alike."""
    framework = ensure_default_framework()
    codes = sorted(set(framework.codes()))
    assert len(codes) > 2 * MIDDLE  # the last positions are far from the first
    people_answers = data.draw(st.lists(_answers(codes[:2] + codes[-6:] + ODD),
                                        min_size=1, max_size=4))
    campaign = Campaign.objects.create(title="Вх", organization=world.org_a,
                                       framework=framework, starts_on=dt.date(2026, 9, 1),
                                       ends_on=dt.date(2026, 9, 30))
    people = list(Participant.objects.filter(organization=world.org_a).order_by("pk"))
    while len(people) < len(people_answers):
        people.append(ParticipantFactory.create(organization=world.org_a))
    try:
        for person, answers in zip(people, people_answers, strict=False):
            response = Response.objects.create(campaign=campaign, participant=person,
                                               answered=len(answers),
                                               status=Response.Status.SUBMITTED)
            Answer.objects.bulk_create([
                Answer(response=response, competency=code, self_level=level, level=level,
                       can_teach=teach, wants_to_learn=learn)
                for code, (level, teach, learn) in answers.items()])
        tallies.rebuild([world.org_a.pk])
        stored = _stored(world.org_a.pk)
        assert stored == _computed(world.org_a.pk)
        assert len(stored) == sum(1 for answers in people_answers if answers)
        assert tallies.stale() == []
    finally:
        campaign.delete()


def test_a_persons_answer_text_is_by_position_of_the_versions_competencies(
        world: World) -> None:
    """Worked example: the first, the sixteenth (the second number's first nibble on
    PostgreSQL) and the last competency of the version, and a code of none."""
    framework = ensure_default_framework()
    codes = sorted(set(framework.codes()))
    campaign = Campaign.objects.create(title="Вх", organization=world.org_a,
                                       framework=framework, starts_on=dt.date(2026, 9, 1),
                                       ends_on=dt.date(2026, 9, 30))
    response = Response.objects.create(campaign=campaign, participant=world.alice_p,
                                       answered=4, status=Response.Status.SUBMITTED)
    Answer.objects.bulk_create([
        Answer(response=response, competency=codes[0], level=None),
        Answer(response=response, competency=codes[MIDDLE], level=3, self_level=3,
               can_teach=True),
        Answer(response=response, competency=codes[-1], level=0, self_level=0,
               wants_to_learn=True),
        Answer(response=response, competency="zz.x", level=1, self_level=1)])
    tallies.rebuild([world.org_a.pk])
    digits = {codes[0]: tallies.answer_digit(None, False, False),
              codes[MIDDLE]: tallies.answer_digit(3, True, False),
              codes[-1]: tallies.answer_digit(0, False, True),
              "zz.x": tallies.answer_digit(1, False, False)}
    slots = ["."] * len(codes)
    slots[0], slots[MIDDLE], slots[-1] = "0", str(digits[codes[MIDDLE]]), \
        str(digits[codes[-1]])
    expected = f"{framework.pk}|{''.join(slots)}|zz.x={digits['zz.x']}"
    assert _stored(world.org_a.pk) == {(world.org_a.pk, campaign.pk, world.alice_p.pk,
                                        expected)}
