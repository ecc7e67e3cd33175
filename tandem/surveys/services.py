"""Writes for surveys: creating them on schedule, sending them, and a teacher's answer."""

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.audit.entries import write_entries
from tandem.core import surveys as core
from tandem.notifications.models import Notification
from tandem.notifications.services import notify
from tandem.pairs.models import Pair
from tandem.people.models import organizations_now
from tandem.surveys import tallies
from tandem.surveys.models import Survey
from tandem.web.tasks import send_email

ALREADY_SUBMITTED = gettext_lazy("Опрос уже отправлен: ответы изменить нельзя.")
PAIR_ENDED = gettext_lazy("Пара прекращена досрочно: опрос закрыт.")

BATCH = 2000


class SurveyError(Exception):
    pass


def surveys_create_due(*, today: dt.date, dry_run: bool = False,
                       progress: Callable[[int, int], None] | None = None,
                       of: QuerySet[Pair] | None = None) -> int:
    """Creates the surveys every active or completed pair (of ``of`` only, when given: a
    region's, on its own «today») should have by ``today`` (rules:
    :mod:`tandem.core.surveys`), one per participant still in the programme. Idempotent:
    a survey that exists (answered or not) is never created twice. ``dry_run``: only
    counts."""
    pairs = (Pair.objects.filter(status__in=[Pair.Status.ACTIVE, Pair.Status.COMPLETED])
             .filter(Q() if of is None else Q(pk__in=of.values("pk")))
             .values_list("pk", "a_id", "b_id", "starts_on", "ends_on", "status",
                          "a__is_active", "b__is_active").order_by("pk"))
    total = pairs.count()
    created = 0
    done = 0
    last_pk = 0
    # Keyset batches: memory stays flat at the region's thousands of pairs.
    while True:
        batch = list(pairs.filter(pk__gt=last_pk)[:BATCH])
        if not batch:
            break
        last_pk = batch[-1][0]
        have = set(Survey.objects.filter(pair_id__in=[p[0] for p in batch])
                   .values_list("pair_id", "participant_id", "stage"))
        new = []
        for pk, a_id, b_id, starts_on, ends_on, status, a_active, b_active in batch:
            people = [who for who, active in ((a_id, a_active), (b_id, b_active)) if active]
            for due in core.surveys_due(starts_on=starts_on, ends_on=ends_on, status=status,
                                        today=today):
                for who in people:
                    if (pk, who, due.stage) not in have:
                        new.append(Survey(pair_id=pk, participant_id=who, stage=due.stage,
                                          due_on=due.due_on))
        # ignore_conflicts: a concurrent run (the task and cron) may have made the same.
        if not dry_run and new:
            with transaction.atomic():
                # Their organizations: their respondents' now, read and held by
                # bulk_create (people.models.organizations_now) — not the batch's read
                # above, which a move may have overtaken since.
                Survey.objects.bulk_create(new, ignore_conflicts=True)
                # bulk_create sends no model signal: the satisfaction cells of their
                # respondents' organizations («sent» counts them).
                tallies.touch({s.organization_id for s in new}, now=True)
        created += len(new)
        done += len(batch)
        if progress is not None:
            progress(done, total)
    return created


def survey_url(survey: Survey, base_url: str | None = None) -> str:
    base = (base_url or settings.TANDEM_BASE_URL).rstrip("/")
    return base + reverse("surveys:answer", kwargs={"pk": survey.pk})


def surveys_send(*, dry_run: bool = False, base_url: str | None = None,
                 of: QuerySet[Pair] | None = None) -> int:
    """E-mails every survey not sent yet (of the pairs ``of`` only, when given) through the
    task queue and marks it sent. A participant without an address or consent finds it on
    their dashboard instead, so it is marked as offered too — it is never retried in a
    loop."""
    pending = (Survey.objects.filter(sent_at__isnull=True, submitted_at__isnull=True)
               .filter(Q() if of is None else Q(pair__in=of.values("pk")))
               .exclude(pair__status__in=[Pair.Status.ENDED_EARLY, Pair.Status.DECLINED])
               .select_related("participant", "pair__a", "pair__b",
                               "pair__organization__municipality").order_by("pk"))
    if dry_run:
        return sum(1 for s in pending.iterator(chunk_size=BATCH) if s.participant.mailable)
    sent = 0
    survey_type = ContentType.objects.get_for_model(Survey)
    while True:
        batch = list(pending[:BATCH])
        if not batch:
            break
        # Claim the batch first: a concurrent run (the task and cron) claims other rows,
        # so no survey is e-mailed twice; the letters leave only after the claim commits.
        now = timezone.now()
        with transaction.atomic():
            Survey.objects.filter(pk__in=[s.pk for s in batch], sent_at__isnull=True).update(
                sent_at=now)
            claimed = set(Survey.objects.filter(pk__in=[s.pk for s in batch], sent_at=now)
                          .values_list("pk", flat=True))
            # The claim is an update() (atomic against the concurrent run), so the audit
            # entries are written here, one per claimed survey (tandem/audit/tests allow-list).
            write_entries([LogEntry(
                content_type=survey_type, object_pk=str(s.pk), object_id=s.pk,
                object_repr=str(s), action=LogEntry.Action.UPDATE, timestamp=now,
                changes={"sent_at": ["None", str(now)]},
                additional_data=s.get_additional_data()) for s in batch if s.pk in claimed])
            letters = []
            for survey in batch:
                me = survey.participant
                if survey.pk not in claimed:
                    continue
                # The bell too: the letter below is the news's own (``mailed``).
                notify(user_ids=[me.user_id], kind=Notification.Kind.SURVEY_OPEN,
                       text=_("Открыт опрос о работе в паре %(pair)s: ответьте, пожалуйста.")
                       % {"pair": str(survey.pair)},
                       url=reverse("surveys:answer", kwargs={"pk": survey.pk}),
                       about=(survey.pair.a_id, survey.pair.b_id), mailed=True)
                if not me.mailable:
                    continue
                partner = survey.pair.b if survey.pair.a_id == me.pk else survey.pair.a
                body = render_to_string("surveys/email/survey.txt", {
                    "me": me, "partner": partner, "survey": survey,
                    "url": survey_url(survey, base_url)})
                letters.append((body, me.email))
            transaction.on_commit(lambda letters=letters: _enqueue(letters))  # type: ignore[misc]
        sent += len(letters)
    return sent


def _enqueue(letters: list[tuple[str, str]]) -> None:
    for body, to in letters:
        send_email.enqueue(subject=_("Тандем: опрос о работе в паре"), body=body, to=[to])


@transaction.atomic
def survey_submit(*, survey: Survey, data: Mapping[str, Any]) -> Survey:
    """Saves the answers and locks the survey; a second submit is refused. The answer
    counts in the cell of the organization the respondent belongs to now, at submission
    (``Survey.organization``: a later move of theirs moves it nowhere), read ``FOR SHARE``
    and held (:func:`tandem.people.models.organizations_now`): a move of theirs waits
    for the submission, or the submission for the move (and then it counts in the new
    organization). Their row first, then the survey's, as an erasure takes them."""
    organization = organizations_now([survey.participant_id], using="default").get(
        survey.participant_id)
    locked = (Survey.objects.select_for_update(of=("self", "pair"))  # (the pair: ended early)
              .select_related("pair", "participant").get(pk=survey.pk))
    if locked.submitted_at is not None:
        raise SurveyError(str(ALREADY_SUBMITTED))
    if locked.pair.status == Pair.Status.ENDED_EARLY:
        raise SurveyError(str(PAIR_ENDED))
    for name in ("mentee_benefit", "mentee_support", "mentor_satisfaction",
                 "mentor_engagement", "recommend", "text_good", "text_improve"):
        setattr(locked, name, data.get(name) if not name.startswith("text_")
                else (data.get(name) or "").strip())
    locked.submitted_at = timezone.now()
    locked.organization_id = organization
    locked.full_clean()
    locked.save()  # its organization's satisfaction cells: the model signal, in this transaction
    return locked
