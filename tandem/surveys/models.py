"""Satisfaction surveys of a pair's participants, mid-term and final.

In reverse mentoring each participant is both a mentor (in one direction) and a mentee
(in the other), so one questionnaire asks about both roles. Scales are 1–10; free text
is shown to curators without names, and aggregates only over enough answers
(see :mod:`tandem.surveys.selectors`).
"""


from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Left
from django.utils.translation import gettext_lazy as _

from tandem.pairs.models import Pair
from tandem.people.models import (
    Participant,
    PersonsOrganizationQuerySet,
    TakesPersonsOrganization,
)

SCALE = [MinValueValidator(1), MaxValueValidator(10)]
TEXT_KEY = 100  # the leading characters of a free text its order index holds


class SurveyQuerySet(PersonsOrganizationQuerySet["Survey"]):
    """A survey made without its organization takes its person's now
    (:class:`tandem.people.models.PersonsOrganizationQuerySet`)."""


class Survey(TakesPersonsOrganization):
    class Stage(models.TextChoices):
        MID = "mid", _("промежуточный")
        FINAL = "final", _("итоговый")

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="surveys")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE,
                                    related_name="surveys")
    # The cell the survey counts in (docs/surveys.md, «Правило публикации», 1): the
    # organization its respondent belonged to when they answered (``survey_submit``),
    # before that when it was created for them — never their organization now, so a
    # person's move moves no answer between cells. None: that organization was deleted
    # (its cells went with it: ``tallies.organization_deleting``); the survey stays the
    # person's and counts in no cell.
    organization = models.ForeignKey("territory.Organization", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("организация ответа"))
    stage = models.CharField(_("этап"), max_length=10, choices=Stage.choices)
    due_on = models.DateField(_("ответить до"))
    sent_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # As a mentee: how useful was what the partner taught, how good was the support.
    mentee_benefit = models.PositiveSmallIntegerField(
        _("польза от того, чему научил партнёр"), null=True, blank=True, validators=SCALE)
    mentee_support = models.PositiveSmallIntegerField(
        _("поддержка партнёра"), null=True, blank=True, validators=SCALE)
    # As a mentor: how well it went, how engaged the partner was.
    mentor_satisfaction = models.PositiveSmallIntegerField(
        _("удовлетворённость своей ролью наставника"), null=True, blank=True,
        validators=SCALE)
    mentor_engagement = models.PositiveSmallIntegerField(
        _("вовлечённость партнёра"), null=True, blank=True, validators=SCALE)
    recommend = models.PositiveSmallIntegerField(
        _("готовность рекомендовать коллегам"), null=True, blank=True, validators=SCALE)
    text_good = models.TextField(_("что было самым полезным"), blank=True)
    text_improve = models.TextField(_("что стоит изменить"), blank=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("опрос удовлетворённости")
        verbose_name_plural = _("опросы удовлетворённости")
        constraints = [models.UniqueConstraint(fields=["pair", "participant", "stage"],
                                               name="one_survey_per_stage")]
        indexes = [
            models.Index(fields=["stage", "submitted_at"]),
            # The overview's unanswered surveys (``reminders.selectors.unanswered_surveys``:
            # not submitted, due before today, by due date): only the surveys still
            # waiting, so a region's answered ones are never read (issue #16).
            models.Index(fields=["due_on", "id"], name="survey_unanswered_due",
                         condition=models.Q(submitted_at__isnull=True)),
            # The results page's free texts (``selectors.free_texts``): the answered
            # surveys with that text, by stage and the text's first characters, so the
            # first 200 in the order of their words are read along the index and the
            # region's other texts are never sorted (issue #16). Only the first
            # TEXT_KEY characters: a whole answer may not fit a B-tree entry.
            *(models.Index(models.F("stage"), Left(name, TEXT_KEY),
                           name=f"survey_{name}_order",
                           condition=models.Q(submitted_at__isnull=False)
                           & ~models.Q(**{name: ""}))
              for name in ("text_good", "text_improve")),
        ]

    def __str__(self) -> str:
        return f"{self.pair} — {self.participant} ({self.get_stage_display()})"

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None

    def get_additional_data(self) -> dict[str, object]:
        return self.pair.get_additional_data()


class SurveyCell(models.Model):
    """The kept sums of one cell of the release rule (docs/surveys.md, «Правило
    публикации»): the surveys of the respondents of ``organization`` in academic ``year``
    (``sent``: an answered survey in the year it was answered, an unanswered one in the
    year it is due; answers: the year they were given, in the time zone of the
    organization's region) at ``stage``. Kept by :mod:`tandem.surveys.tallies`; the
    dashboard, the results page, the XLSX, the PDF and the API read these, never the
    surveys — of the questions, only the ``published_*`` sums (rule 5); ``sent``,
    ``answered`` and ``people`` are live. The ``*_people`` counts are of different people
    **within this cell**: they do not add up across cells, and the rule never adds them.
    A cell with no survey left stays while it has a published state (its figure is still
    shown until three people's answers differ from it)."""

    organization = models.ForeignKey("territory.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    year = models.PositiveSmallIntegerField()  # 2026: the academic year 2026/27
    stage = models.CharField(max_length=10, choices=Survey.Stage.choices)
    sent = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)  # who answered, whatever the question
    mentee_benefit_sum = models.PositiveIntegerField(default=0)
    mentee_benefit_n = models.PositiveIntegerField(default=0)
    mentee_benefit_people = models.PositiveIntegerField(default=0)
    mentee_support_sum = models.PositiveIntegerField(default=0)
    mentee_support_n = models.PositiveIntegerField(default=0)
    mentee_support_people = models.PositiveIntegerField(default=0)
    mentor_satisfaction_sum = models.PositiveIntegerField(default=0)
    mentor_satisfaction_n = models.PositiveIntegerField(default=0)
    mentor_satisfaction_people = models.PositiveIntegerField(default=0)
    mentor_engagement_sum = models.PositiveIntegerField(default=0)
    mentor_engagement_n = models.PositiveIntegerField(default=0)
    mentor_engagement_people = models.PositiveIntegerField(default=0)
    recommend_sum = models.PositiveIntegerField(default=0)
    recommend_n = models.PositiveIntegerField(default=0)
    recommend_people = models.PositiveIntegerField(default=0)
    # The published state (rule 5, «steps of three», by question:
    # tandem.core.release.republish_parts): what every figure reads of the cell — each
    # question's sum, answers and people as they were when last published — and who was
    # in it then, person id → the digests of their answers in the cell per question, as
    # one text (tallies.member_parts: "mentee_benefit:123;recommend:456", a blank answer
    # no part). The sums above are the cell now; these move to them only when every
    # question whose answers differ from those published differs for at least three
    # people.
    published_mentee_benefit_sum = models.PositiveIntegerField(default=0)
    published_mentee_benefit_n = models.PositiveIntegerField(default=0)
    published_mentee_benefit_people = models.PositiveIntegerField(default=0)
    published_mentee_support_sum = models.PositiveIntegerField(default=0)
    published_mentee_support_n = models.PositiveIntegerField(default=0)
    published_mentee_support_people = models.PositiveIntegerField(default=0)
    published_mentor_satisfaction_sum = models.PositiveIntegerField(default=0)
    published_mentor_satisfaction_n = models.PositiveIntegerField(default=0)
    published_mentor_satisfaction_people = models.PositiveIntegerField(default=0)
    published_mentor_engagement_sum = models.PositiveIntegerField(default=0)
    published_mentor_engagement_n = models.PositiveIntegerField(default=0)
    published_mentor_engagement_people = models.PositiveIntegerField(default=0)
    published_recommend_sum = models.PositiveIntegerField(default=0)
    published_recommend_n = models.PositiveIntegerField(default=0)
    published_recommend_people = models.PositiveIntegerField(default=0)
    published_members = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("сумма опроса организации")
        verbose_name_plural = _("суммы опросов организаций")
        constraints = [models.UniqueConstraint(fields=["organization", "year", "stage"],
                                               name="survey_cell_unique")]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.year}/{self.stage}: {self.sent}"


class SurveyCellState(models.Model):
    """Per organization: when its cells were last rebuilt (or recounted to other figures:
    the dashboards' cache version, ``monitoring.versions``), and where they are summed. Its
    row is what every writer of its cells and of their share of the municipalities' sums
    locks (:mod:`tandem.surveys.tallies`), so two rebuilds of one organization queue, and
    so does a move of it.

    ``summed_municipality`` and ``summed_sector``: the (municipality, sector) whose
    :class:`MunicipalitySurveyCell` rows hold this organization's cells — recorded by the
    writer that put them there, under this lock. A writer subtracts at this place, never
    at a place read before it held the lock (a ``pre_save`` read, a form's copy), adds at
    the organization's place as it reads it after the lock, and records that one. None:
    its cells are summed nowhere (a state made by code older than the sums, or whose
    municipality was deleted with its sums)."""

    organization = models.OneToOneField("territory.Organization", on_delete=models.CASCADE,
                                        primary_key=True, related_name="survey_cell_state")
    refreshed_at = models.DateTimeField(null=True, blank=True)
    summed_municipality = models.ForeignKey("territory.Municipality", null=True, blank=True,
                                            on_delete=models.SET_NULL, related_name="+")
    summed_sector = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        verbose_name = _("состояние сумм опросов")
        verbose_name_plural = _("состояния сумм опросов")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.refreshed_at}"


class SurveyCellMark(models.Model):
    """Something an organization's cells count changed: written by the writer's
    transaction, removed by the rebuild that saw it. Inserts only, a plain organization
    id (as :class:`tandem.monitoring.models.PairTallyMark`): writers never wait on each
    other or on a rebuild."""

    id = models.BigAutoField(primary_key=True)
    organization_id = models.IntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("отметка к пересчёту сумм опросов")
        verbose_name_plural = _("отметки к пересчёту сумм опросов")

    def __str__(self) -> str:
        return f"{self.organization_id} @ {self.created_at}"


class MunicipalitySurveyCell(models.Model):
    """The release rule's sums of one municipality's organizations of one ``sector`` for
    one academic ``year`` and ``stage``: what a region's and the country's figures read
    instead of every organization's :class:`SurveyCell` (issue #16). Only what the rule
    may add up across cells (:class:`tandem.core.release.Sums`): per question, the total
    and the answers of the **counted** cells (``selectors.counted_q``) and the answers of
    the others (``left_out``, published as such) — never an uncounted cell's total nor
    anyone's count of people, so it holds nothing a union of counted cells does not.
    ``text_cells``: its cells with answers of at least ``MIN_ANSWERS`` people (where free
    texts may come from, before the rule's «not waiting for a rebuild», which the reader
    applies); ``cells``: how many organization cells it sums (a row goes only when every
    sum is zero: one left with sums but no cell is a drift ``tandem tallies --check``
    must see). Kept by :mod:`tandem.surveys.tallies` by difference, with the
    organizations' cells, at the place each organization's :class:`SurveyCellState`
    records; the hourly run sums them again from the cells, so a drift does not last."""

    municipality = models.ForeignKey("territory.Municipality", on_delete=models.CASCADE,
                                     related_name="+")
    sector = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    stage = models.CharField(max_length=10, choices=Survey.Stage.choices)
    cells = models.IntegerField(default=0)
    sent = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    text_cells = models.IntegerField(default=0)
    mentee_benefit_total = models.IntegerField(default=0)
    mentee_benefit_answers = models.IntegerField(default=0)
    mentee_benefit_left_out = models.IntegerField(default=0)
    mentee_support_total = models.IntegerField(default=0)
    mentee_support_answers = models.IntegerField(default=0)
    mentee_support_left_out = models.IntegerField(default=0)
    mentor_satisfaction_total = models.IntegerField(default=0)
    mentor_satisfaction_answers = models.IntegerField(default=0)
    mentor_satisfaction_left_out = models.IntegerField(default=0)
    mentor_engagement_total = models.IntegerField(default=0)
    mentor_engagement_answers = models.IntegerField(default=0)
    mentor_engagement_left_out = models.IntegerField(default=0)
    recommend_total = models.IntegerField(default=0)
    recommend_answers = models.IntegerField(default=0)
    recommend_left_out = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("сумма опроса муниципалитета")
        verbose_name_plural = _("суммы опросов муниципалитетов")
        constraints = [models.UniqueConstraint(fields=["municipality", "sector", "year", "stage"],
                                               name="municipality_survey_cell_unique")]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.sector}/{self.year}/{self.stage}: {self.sent}"
