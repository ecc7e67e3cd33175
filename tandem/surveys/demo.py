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
from tandem.surveys import tallies
from tandem.surveys.models import Survey
from tandem.territory.demo import DemoContext

ANSWER_SHARE = 0.85
# Free texts are put together from parts, so that the answers of one organization read
# like different people wrote them: no text occurs more than twice in an organization
# (``texts_for``), whatever its size.
GOOD_WHAT = ["Научилась делать интерактивные задания", "Освоила онлайн-тесты",
             "Разобрали вместе работу с родителями", "Партнёр помог с программой кружка",
             "Наконец разобрался с аттестацией и портфолио",
             "Взаимные посещения занятий", "Совместный проект с учениками",
             "Освоил облачные документы", "Вместе подготовили открытое занятие",
             "Разобрали трудные случаи дисциплины в группе",
             "Сделали с партнёром видеоролик о кружке",
             "Научилась вести страницу объединения в сообществе",
             "Вместе написали раздел программы", "Попробовал проектную задачу с детьми",
             "Разобрали, как готовиться к родительскому собранию",
             "Составили вместе план мастер-класса", "Опробовали цифровую доску на занятии",
             "Обменялись приёмами удержания внимания подростков"]
GOOD_EFFECT = ["— дети ждут этого на каждом занятии", "— стало спокойнее на собраниях",
               "— теперь проверяю задания быстрее", "— это было полезнее всего",
               "— удалось увидеть своё занятие глазами коллеги",
               "— теперь пользуюсь этим постоянно",
               "— коллеги попросили показать и им", "— на это раньше не хватало смелости",
               "— сэкономило несколько часов в неделю", "— родители заметили разницу",
               "— результат показали на методобъединении", "— одному на это не хватило бы времени"]
IMPROVE_WHAT = ["Больше времени на встречи", "Встречаться чаще в начале, реже — потом",
                "Добавить онлайн-встречи", "Больше готовых материалов в каталоге ресурсов",
                "Короче анкеты", "Заранее согласовывать темы встреч",
                "Приглашать на встречи пар методиста", "Давать больше примеров карт",
                "Собирать пары одной параллели", "Предусмотреть замену на время отпуска"]
IMPROVE_WHY = [": часто не совпадают расписания.", ": работаем в разные смены.",
               ": к концу четверти времени совсем нет.", ": трудно начать без образца.",
               ": хочется видеть, как работают другие пары.", "."]
MAX_REPEATS = 2


def texts_for(parts: list[list[str]], rng: random.Random, *, join: str = " "
              ) -> list[str]:
    """Every combination of ``parts`` (one from each list), shuffled by ``rng``, each
    repeated ``MAX_REPEATS`` times in a row of shuffles: taking them in order never gives
    a text more than ``MAX_REPEATS`` times."""
    combos = [""]
    for options in parts:
        combos = [f"{c}{join if c and not o.startswith((':', '.')) else ''}{o}"
                  for c in combos for o in options]
    texts: list[str] = []
    for _round in range(MAX_REPEATS):
        texts += rng.sample(combos, len(combos))
    return texts


def _score(rng: random.Random) -> int:
    """Mostly 7–10, as in published programmes' reports; never below 4."""
    return min(10, max(4, round(rng.gauss(8.2, 1.3))))


def seed(context: DemoContext) -> None:
    rng = random.Random(context.seed * 7919 + 6)
    now = timezone.now()
    pairs = (Pair.objects.filter(status=Pair.Status.ACTIVE,
                                 organization__municipality__region=context.region)
             .values_list("pk", "a_id", "b_id", "organization_id", "starts_on", "ends_on",
                          "a__organization_id", "b__organization_id")
             .order_by("pk"))
    surveys = []
    good: dict[int, list[str]] = {}
    improve: dict[int, list[str]] = {}
    for (pk, a_id, b_id, org_id, starts_on, ends_on, a_org,
         b_org) in pairs.iterator(chunk_size=2000):
        if org_id not in good:
            good[org_id] = texts_for([GOOD_WHAT, GOOD_EFFECT], rng)
            improve[org_id] = texts_for([IMPROVE_WHAT, IMPROVE_WHY], rng)
        due_on = core.mid_opens(starts_on, ends_on) + dt.timedelta(days=core.ANSWER_DAYS)
        for who, where in ((a_id, a_org), (b_id, b_org)):
            # Answered in the organization each respondent is in (Survey.organization).
            survey = Survey(pair_id=pk, participant_id=who, organization_id=where,
                            stage=Survey.Stage.MID, due_on=due_on, sent_at=now)
            if rng.random() < ANSWER_SHARE:
                survey.submitted_at = now - dt.timedelta(hours=rng.randint(1, 240))
                survey.mentee_benefit = _score(rng)
                survey.mentee_support = _score(rng)
                survey.mentor_satisfaction = _score(rng)
                survey.mentor_engagement = _score(rng)
                survey.recommend = _score(rng)
                # About half write what was good; of them, about half what to improve.
                if rng.random() < 0.5 and good[org_id]:
                    survey.text_good = good[org_id].pop() + "."
                    if rng.random() < 0.5 and improve[org_id]:
                        survey.text_improve = improve[org_id].pop()
            surveys.append(survey)
    Survey.objects.bulk_create(surveys, batch_size=5000, ignore_conflicts=True)
    # Written in bulk (no model signal): the region's satisfaction cells, once, here.
    tallies.rebuild(o.pk for o in context.organizations.values())
