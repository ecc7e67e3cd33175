"""Satisfaction surveys of a pair's participants, mid-term and final.

In reverse mentoring each participant is both a mentor (in one direction) and a mentee
(in the other), so one questionnaire asks about both roles. Scales are 1–10; free text
is shown to curators without names, and aggregates only over enough answers
(see :mod:`tandem.surveys.selectors`).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.pairs.models import Pair
from tandem.people.models import Participant

SCALE = [MinValueValidator(1), MaxValueValidator(10)]


class Survey(models.Model):
    class Stage(models.TextChoices):
        MID = "mid", _("промежуточный")
        FINAL = "final", _("итоговый")

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="surveys")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE,
                                    related_name="surveys")
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

    class Meta:
        verbose_name = _("опрос удовлетворённости")
        verbose_name_plural = _("опросы удовлетворённости")
        constraints = [models.UniqueConstraint(fields=["pair", "participant", "stage"],
                                               name="one_survey_per_stage")]
        indexes = [models.Index(fields=["stage", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.pair} — {self.participant} ({self.get_stage_display()})"

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None

    def get_additional_data(self) -> dict[str, object]:
        return self.pair.get_additional_data()
