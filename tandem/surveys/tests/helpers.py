"""Builders of survey data for the tests."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from tandem.core import release as rule
from tandem.core.periods import academic_year
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.surveys import tallies
from tandem.surveys.models import Survey, SurveyCell
from tandem.surveys.selectors import FIELDS, SatisfactionSummary, assemble, published
from tandem.territory.models import Organization
from tandem.territory.zones import zone_named
from tandem.testing import ParticipantFactory, World


def active_pair(a: Participant, b: Participant, *, starts_on: dt.date = dt.date(2026, 9, 1),
                ends_on: dt.date = dt.date(2027, 5, 31),
                status: str = Pair.Status.ACTIVE) -> Pair:
    return Pair.objects.create(a=a, b=b, organization=a.organization, starts_on=starts_on,
                               ends_on=ends_on, status=status)


def answered_surveys(world: World, scores: list[tuple[int, int]], *,
                     stage: str = Survey.Stage.MID,
                     texts: list[str] | None = None) -> list[Survey]:
    """One answered survey per (mentor_satisfaction, mentee_benefit) in organization A,
    each from a new participant of a new pair."""
    surveys = []
    for i, (mentor, mentee) in enumerate(scores):
        a = ParticipantFactory.create(organization=world.org_a)
        b = ParticipantFactory.create(organization=world.org_a)
        pair = active_pair(a, b)
        surveys.append(Survey.objects.create(
            pair=pair, participant=a, stage=stage, due_on=dt.date(2027, 1, 30),
            sent_at=timezone.now(), submitted_at=timezone.now(), mentor_satisfaction=mentor,
            mentor_engagement=mentor, mentee_benefit=mentee, mentee_support=mentee,
            recommend=mentor, text_good=(texts[i] if texts else ""),
            text_improve=""))
    return surveys


Key = tuple[int, int, str]  # a cell: (organization, academic year, stage)


def answers_by_cell() -> dict[Key, dict[int, list[tuple[Any, ...]]]]:
    """Every answered survey by cell and respondent, as ``(id, *the 1–10 answers)`` — the
    cell (the organization the survey was answered in, ``Survey.organization``) found in
    Python (the day of the answer in the zone of the organization's region,
    ``tandem.core.periods.academic_year``), apart from the SQL of ``tallies._computed``."""
    cells: dict[Key, dict[int, list[tuple[Any, ...]]]] = defaultdict(lambda: defaultdict(list))
    for organization, zone, stage, submitted_at, person, pk, *answers in (
            Survey.objects.filter(submitted_at__isnull=False).order_by("pk").values_list(
                "organization_id", "organization__municipality__region__time_zone", "stage",
                "submitted_at", "participant_id", "pk", *FIELDS)):
        year = academic_year(timezone.localtime(submitted_at, zone_named(zone)).date())
        cells[organization, year, stage][person].append((pk, *answers))
    return cells


@dataclass
class PublishedOracle:
    """Rule 5 replayed by the tests over the surveys as they are after each step: per cell,
    the members and the per-question :class:`rule.Cell` last published — moved to the
    cell as it is now only when :func:`rule.republish_parts` says so (over each person's
    digests per question, ``tallies.member_parts``)."""

    members: dict[Key, dict[str, str]] = field(default_factory=dict)
    cells: dict[Key, dict[str, rule.Cell]] = field(default_factory=dict)

    def step(self) -> set[Key]:
        """Applies the rule to every cell; returns the cells whose published state moved."""
        now = answers_by_cell()
        moved = set()
        for key in sorted(now.keys() | self.members.keys()):
            people = now.get(key, {})
            current = {str(person): tallies.member_parts(theirs)
                       for person, theirs in people.items()}
            if rule.republish_parts(self.members.get(key, {}), current):
                moved.add(key)
                self.members[key] = current
                self.cells[key] = {}
                for i, name in enumerate(FIELDS):
                    given = [[s[1 + i] for s in theirs if s[1 + i] is not None]
                             for theirs in people.values()]
                    self.cells[key][name] = rule.Cell(key, sum(map(sum, given)),
                                                      sum(map(len, given)),
                                                      sum(1 for g in given if g))
        return moved

    def sums(self, organizations: set[int], years: tuple[int, int]
             ) -> dict[tuple[str, str], rule.Sums]:
        """Per (question, stage), the rule's sums of the published cells of a request."""
        sums: dict[tuple[str, str], rule.Sums] = {}
        for stage in Survey.Stage.values:
            for name in FIELDS:
                sums[name, stage] = rule.summed(
                    cell[name] for key, cell in self.cells.items()
                    if key[0] in organizations and years[0] <= key[1] <= years[1]
                    and key[2] == stage)
        return sums

    def summary(self, organizations: QuerySet[Organization],
                years: tuple[int, int]) -> SatisfactionSummary:
        """What the summary must be: the counts and the years with texts of the scan of
        the surveys (live: they tell who answered, not what), the means of the published
        cells."""
        live = tallies.live_summary(organizations, years)
        return assemble(sent={s.stage: {"sent": s.sent, "answered": s.answered}
                              for s in live.stages},
                        sums=self.sums(set(organizations.values_list("pk", flat=True)), years),
                        counted={k: set(v) for k, v in live.counted.items()}, years=years)


def kept_summary(organizations: QuerySet[Organization], years: tuple[int, int], *,
                 now: bool) -> SatisfactionSummary:
    """The summary of these organizations and years made in Python from the kept cells,
    cell by cell (:func:`rule.summed`): of their sums now (``now``: what the scan of the
    surveys must give) or of their published sums (what every page must show)."""
    cells = SurveyCell.objects.filter(organization__in=organizations,
                                      year__range=years).order_by("pk")
    sent: dict[str, dict[str, int]] = {}
    counted: dict[str, set[int]] = {stage: set() for stage in Survey.Stage.values}
    by_question: dict[tuple[str, str], list[rule.Cell]] = defaultdict(list)
    for cell in cells:
        counts = sent.setdefault(cell.stage, {"sent": 0, "answered": 0})
        counts["sent"] += cell.sent
        counts["answered"] += cell.answered
        if cell.answered and cell.people >= rule.MIN_PEOPLE:
            counted[cell.stage].add(cell.year)
        for name in FIELDS:
            sums = [getattr(cell, f"{name}_{part}" if now else published(name, part))
                    for part in ("sum", "n", "people")]
            by_question[name, cell.stage].append(rule.Cell(cell.pk, *sums))
    return assemble(sent=sent, sums={key: rule.summed(group)
                                     for key, group in by_question.items()},
                    counted=counted, years=years)
