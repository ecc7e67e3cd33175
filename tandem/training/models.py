"""Case-based training at an event of the school of mentors: a case (a made-up pair with a
fixed list of resources), the teams of an event, and the trainer's scores.

A team's map is an ordinary :class:`tandem.maps.models.Map` whose ``team`` is set and whose
``pair`` is empty (docs/training.md): it is edited in the same editor, and never reached by
the queries of real maps, which all go through a pair.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core import training as core
from tandem.people.models import AgeBand, Participant
from tandem.resources.models import Resource
from tandem.school.models import Event
from tandem.territory.models import Municipality, Region

CRITERION_LABELS = {
    core.BOTH_DIRECTIONS: _("Оба направления: каждый участник и наставник, и наставляемый"),
    core.DEFICITS_ADDRESSED: _("Каждый дефицит участников закрыт строкой карты"),
    core.CASE_RESOURCES: _("Использованы только ресурсы кейса"),
    core.REALISTIC_DEADLINES: _("Реалистичные сроки"),
    core.MEASURABLE_RESULTS: _("Измеримые результаты"),
}
SCORE_LABELS = {0: _("не выполнено"), 1: _("частично"), 2: _("выполнено")}


class Case(models.Model):
    """A training case: a context and a made-up pair, owned by a region (or one of its
    municipalities, when a coordinator wrote it)."""

    title = models.CharField(_("название"), max_length=200)
    context = models.TextField(_("ситуация"), help_text=_(
        "Организация, её задачи, условия работы пары — всё, что команда должна учесть."))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="cases",
                               verbose_name=_("регион"))
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="cases",
                                     verbose_name=_("муниципалитет"))
    # The made-up pair's term: a map's deadlines must fall inside it.
    starts_on = models.DateField(_("начало работы пары"))
    ends_on = models.DateField(_("окончание работы пары"))
    resources = models.ManyToManyField(Resource, related_name="cases", blank=True,
                                       verbose_name=_("ресурсы кейса"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("кейс")
        verbose_name_plural = _("кейсы")
        ordering = ["title", "pk"]
        constraints = [models.CheckConstraint(name="case_term_in_order",
                                              condition=Q(ends_on__gt=models.F("starts_on")))]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, object]:
        return {"region_id": self.region_id}


class CaseParticipant(models.Model):
    """One of the case's two fictional teachers: ``a`` (usually the young one) and ``b``."""

    class Role(models.TextChoices):
        A = "a", _("участник А")
        B = "b", _("участник Б")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="people")
    role = models.CharField(max_length=1, choices=Role.choices)
    name = models.CharField(_("имя"), max_length=120)
    age_band = models.CharField(_("возраст"), max_length=5, choices=AgeBand.choices)
    experience_years = models.PositiveSmallIntegerField(_("стаж, лет"),
                                                        validators=[MaxValueValidator(60)])
    position = models.CharField(_("должность"), max_length=200)
    subject = models.CharField(_("направление, предмет"), max_length=200, blank=True)
    # {competency code: level 0..3} from the competency framework.
    levels = models.JSONField(_("уровни по компетенциям"), default=dict)
    strengths = models.JSONField(_("сильные стороны (коды)"), default=list)
    deficits = models.JSONField(_("дефициты (коды)"), default=list)
    note = models.TextField(_("о себе"), blank=True)

    class Meta:
        verbose_name = _("участник кейса")
        verbose_name_plural = _("участники кейса")
        ordering = ["case", "role"]
        constraints = [models.UniqueConstraint(fields=["case", "role"],
                                               name="one_case_person_per_role")]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, object]:
        return self.case.get_additional_data()


class Team(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="teams",
                              verbose_name=_("мероприятие"))
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="teams",
                             verbose_name=_("кейс"))
    number = models.PositiveSmallIntegerField(_("номер"), validators=[MinValueValidator(1)])
    name = models.CharField(_("название"), max_length=120, blank=True)
    feedback = models.TextField(_("общий отзыв тренера"), blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("команда")
        verbose_name_plural = _("команды")
        ordering = ["event", "number"]
        constraints = [models.UniqueConstraint(fields=["event", "number"],
                                               name="one_team_number_per_event")]

    def __str__(self) -> str:
        return self.name or str(_("Команда %(n)s") % {"n": self.number})

    def get_additional_data(self) -> dict[str, object]:
        return self.event.get_additional_data()


class TeamMember(models.Model):
    # The event is repeated here so that one person is in one team of an event at most.
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("участник команды")
        verbose_name_plural = _("участники команд")
        constraints = [models.UniqueConstraint(fields=["event", "participant"],
                                               name="one_team_per_event")]

    def __str__(self) -> str:
        return f"{self.team}: {self.participant_id}"

    def get_additional_data(self) -> dict[str, object]:
        return {"region_id": self.event.region_id,
                "organization_id": self.participant.organization_id}


class Score(models.Model):
    """The trainer's score of a team's map on one criterion of the rubric."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField(max_length=30, choices=list(CRITERION_LABELS.items()))
    score = models.PositiveSmallIntegerField(
        _("балл"), validators=[MaxValueValidator(core.MAX_SCORE)])
    comment = models.TextField(_("комментарий"), blank=True)

    class Meta:
        verbose_name = _("оценка")
        verbose_name_plural = _("оценки")
        constraints = [
            models.UniqueConstraint(fields=["team", "criterion"], name="one_score_per_criterion"),
            models.CheckConstraint(name="score_in_range",
                                   condition=Q(score__lte=core.MAX_SCORE))]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"

    def get_additional_data(self) -> dict[str, object]:
        return self.team.get_additional_data()
