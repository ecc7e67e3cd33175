"""Demo surveys: the mid-term survey of every active pair, answered by most participants.

The demo region is seeded before the middle of its pairs' term, so these surveys show the
page as it will look after the mid-term round; they are due by the schedule's own rule.
Bulk inserts only: it runs at 30,000 participants too.
"""

import datetime as dt
import random

from django.utils import timezone

from tandem.core import surveys as core
from tandem.pairs.models import Pair
from tandem.surveys.models import Survey
from tandem.territory.demo import DemoContext

ANSWER_SHARE = 0.85
GOOD = ["Научилась делать интерактивные задания, дети ждут их на каждом занятии.",
        "Разобрали вместе работу с родителями — стало спокойнее на собраниях.",
        "Полезнее всего были взаимные посещения занятий.",
        "Освоила онлайн-тесты и теперь проверяю домашние задания быстрее.",
        "Партнёр помог с программой кружка и документацией.",
        "Интересно смотреть на занятие глазами молодого коллеги.",
        "Совместный проект с учениками — лучшее, что было.",
        "Наконец разобрался с аттестацией и портфолио."]
IMPROVE = ["Больше времени на встречи: часто не совпадают расписания.",
           "Хотелось бы больше готовых материалов в каталоге ресурсов.",
           "Встречаться чаще в начале, реже — потом.",
           "Добавить онлайн-встречи для тех, кто работает в разные смены.",
           "", "", ""]


def _score(rng: random.Random) -> int:
    """Mostly 7–10, as in published programmes' reports; never below 4."""
    return min(10, max(4, round(rng.gauss(8.2, 1.3))))


def seed(context: DemoContext) -> None:
    rng = random.Random(context.seed * 7919 + 6)
    now = timezone.now()
    pairs = (Pair.objects.filter(status=Pair.Status.ACTIVE,
                                 organization__municipality__region=context.region)
             .values_list("pk", "a_id", "b_id", "starts_on", "ends_on").order_by("pk"))
    surveys = []
    for pk, a_id, b_id, starts_on, ends_on in pairs.iterator(chunk_size=2000):
        due_on = core.mid_opens(starts_on, ends_on) + dt.timedelta(days=core.ANSWER_DAYS)
        for who in (a_id, b_id):
            survey = Survey(pair_id=pk, participant_id=who, stage=Survey.Stage.MID,
                            due_on=due_on, sent_at=now)
            if rng.random() < ANSWER_SHARE:
                survey.submitted_at = now - dt.timedelta(hours=rng.randint(1, 240))
                survey.mentee_benefit = _score(rng)
                survey.mentee_support = _score(rng)
                survey.mentor_satisfaction = _score(rng)
                survey.mentor_engagement = _score(rng)
                survey.recommend = _score(rng)
                if rng.random() < 0.5:
                    survey.text_good = rng.choice(GOOD)
                    survey.text_improve = rng.choice(IMPROVE)
            surveys.append(survey)
    Survey.objects.bulk_create(surveys, batch_size=5000, ignore_conflicts=True)
