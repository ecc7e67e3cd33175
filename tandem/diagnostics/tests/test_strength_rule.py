"""Strength and deficit: one rule (core/diagnostics.py) read by the profile, the SQL of the
deficit map and the reports (STRENGTH_Q, DEFICIT_Q) and matching (the exported instance)."""

import itertools

from tandem.core import diagnostics as core
from tandem.core.matching.instance import instance_from_dict
from tandem.core.matching.scoring import deficit_level, strength_level
from tandem.diagnostics.export import campaign_instance
from tandem.diagnostics.models import DEFICIT_Q, STRENGTH_Q, Answer
from tandem.testing import World, build_diagnostics

COMBINATIONS = list(itertools.product([None, *core.LEVELS], [False, True], [False, True]))


def test_every_level_and_mark_is_read_alike_by_sql_profile_and_matching(world: World) -> None:
    dw = build_diagnostics(world)
    codes = dw.campaign_a.framework.codes()
    assert len(codes) >= len(COMBINATIONS)
    Answer.objects.filter(response=dw.carol_r).delete()
    Answer.objects.bulk_create([
        Answer(response=dw.carol_r, competency=code, self_level=level, level=level,
               can_teach=can, wants_to_learn=want)
        for code, (level, can, want) in zip(codes, COMBINATIONS, strict=False)])
    answers = list(Answer.objects.filter(response=dw.carol_r))
    strong = {a.competency for a in answers if a.mark.strength}
    weak = {a.competency for a in answers if a.mark.deficit}
    # The cases that used to disagree: no level with a mark, and an expert who wants more.
    unassessed = {a.competency for a in answers if a.level is None}
    assert not (strong | weak) & unassessed
    assert not {a.competency for a in answers if a.level == core.MAX_LEVEL} & weak
    # SQL (deficit map, monitoring reports).
    mine = Answer.objects.filter(response=dw.carol_r)
    assert set(mine.filter(STRENGTH_Q).values_list("competency", flat=True)) == strong
    assert set(mine.filter(DEFICIT_Q).values_list("competency", flat=True)) == weak
    # Matching, from the instance the application exports.
    instance = instance_from_dict(campaign_instance(dw.campaign_a))
    [carol] = [p for p in instance.participants if p.id == world.carol_p.pk]
    used = [a.competency for a in answers]
    assert {c for c in used if strength_level(carol, c) is not None} == strong
    assert {c for c in used if deficit_level(carol, c) is not None} == weak
