"""The organization's reverse mentoring programme for an academic year, its roadmap and its
indicators (docs/programmes.md).

A programme is a draft until adopted by an order; an adopted one is read-only. To change
it, the curator starts a revision: a draft copy with the next version number. The adopted
version stays in force (and keeps giving the matching defaults) until the revision is
adopted; then it is marked superseded.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core import programmes as core
from tandem.resources.models import Resource
from tandem.territory.models import Organization

FORM_LABELS = {code: label for code, label in core.FORMS + core.METHODS}
TECHNOLOGY_LABELS = dict(core.TECHNOLOGIES)
STAGE_LABELS = dict(core.STAGES)


class Programme(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("черновик")
        ADOPTED = "adopted", _("принята")
        SUPERSEDED = "superseded", _("заменена новой редакцией")

    # The pair rules' choices, worded once for the programme and the run form.
    class AgeGroups(models.TextChoices):
        ANY = "any", _("любые")
        DIFFERENT = "different", _("только разные")

    class Subject(models.TextChoices):
        ANY = "any", _("любой")
        SAME = "same", _("только один и тот же")
        DIFFERENT = "different", _("только разные")

    class Place(models.TextChoices):
        ANY = "any", _("любое здание и онлайн")
        SAME_BUILDING = "same_building", _("только в одном здании (встречи очно)")

    class PairScope(models.TextChoices):
        ORGANIZATION = "organization", _("внутри организации")
        MUNICIPALITY = "municipality", _("в муниципальном пуле (с коллегами других "
                                         "организаций муниципалитета)")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                     related_name="programmes", verbose_name=_("организация"))
    year = models.PositiveSmallIntegerField(_("учебный год"),
                                            help_text=_("Первый год: 2026 — это 2026/2027."))
    version = models.PositiveSmallIntegerField(_("редакция"), default=1)
    status = models.CharField(_("статус"), max_length=12, choices=Status.choices,
                              default=Status.DRAFT)
    goals = models.TextField(_("цель"), blank=True)
    tasks = models.TextField(_("задачи"), blank=True, help_text=_("Каждая задача — с новой "
                                                                  "строки."))
    forms = models.JSONField(_("формы и методы"), default=list, blank=True)
    forms_other = models.TextField(_("свои формы и методы"), blank=True,
                                   help_text=_("Каждая — с новой строки."))
    technologies = models.JSONField(_("технологии восполнения дефицитов"), default=list,
                                    blank=True)
    technologies_other = models.TextField(_("свои технологии"), blank=True,
                                          help_text=_("Каждая — с новой строки."))
    pair_scope = models.CharField(_("где формируются пары"), max_length=12,
                                  choices=PairScope.choices, default=PairScope.ORGANIZATION)
    reciprocity_required = models.BooleanField(
        _("взаимность обязательна"), default=True,
        help_text=_("Пара формируется, только если каждый может чему-то научить другого."))
    no_reporting_line = models.BooleanField(
        _("без пар с непосредственным руководителем"), default=True,
        help_text=_("Пары внутри линии подчинения не формируются."))
    capacity = models.PositiveSmallIntegerField(
        _("пар на одного педагога"), default=1,
        validators=[MinValueValidator(1), MaxValueValidator(core.MAX_CAPACITY)])
    # Who may pair with whom (tandem.core.programmes.PairPreferences): the defaults of the
    # run form, named as its fields are.
    min_experience_gap = models.PositiveSmallIntegerField(
        _("разница в стаже, не меньше (лет)"), default=0,
        validators=[MaxValueValidator(core.MAX_EXPERIENCE_GAP)])
    age_groups = models.CharField(_("возрастные группы в паре"), max_length=12,
                                  choices=AgeGroups.choices, default=AgeGroups.ANY)
    subject = models.CharField(_("предмет или направление в паре"), max_length=12,
                               choices=Subject.choices, default=Subject.ANY)
    place = models.CharField(_("где работает пара"), max_length=16,
                             choices=Place.choices, default=Place.ANY)
    resources = models.ManyToManyField(Resource, blank=True, related_name="programmes",
                                       verbose_name=_("ресурсы"))
    order_number = models.CharField(_("номер приказа"), max_length=40, blank=True)
    order_date = models.DateField(_("дата приказа"), null=True, blank=True)
    adopted_at = models.DateTimeField(null=True, blank=True)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("программа реверсивного наставничества")
        verbose_name_plural = _("программы реверсивного наставничества")
        ordering = ["organization__short_name", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "version"],
                                    name="programme_version_unique"),
            # At most one programme in force and one draft per organization and year.
            models.UniqueConstraint(fields=["organization", "year"],
                                    condition=Q(status="adopted"),
                                    name="programme_one_adopted"),
            models.UniqueConstraint(fields=["organization", "year"],
                                    condition=Q(status="draft"),
                                    name="programme_one_draft"),
            models.CheckConstraint(name="programme_capacity_range",
                                   condition=Q(capacity__gte=1, capacity__lte=core.MAX_CAPACITY)),
            models.CheckConstraint(
                name="programme_adopted_has_order",
                condition=Q(status="draft") | (Q(order_date__isnull=False)
                                               & ~Q(order_number=""))),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {core.year_label(self.year)} · ред. {self.version}"

    @property
    def year_label(self) -> str:
        return core.year_label(self.year)

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def task_list(self) -> list[str]:
        return [t.strip() for t in self.tasks.splitlines() if t.strip()]

    @property
    def form_labels(self) -> list[str]:
        return ([str(FORM_LABELS[f]) for f in self.forms if f in FORM_LABELS]
                + [t.strip() for t in self.forms_other.splitlines() if t.strip()])

    @property
    def technology_labels(self) -> list[str]:
        return ([str(TECHNOLOGY_LABELS[t]) for t in self.technologies
                 if t in TECHNOLOGY_LABELS]
                + [t.strip() for t in self.technologies_other.splitlines() if t.strip()])

    @property
    def rules(self) -> core.MatchingRules:
        return core.MatchingRules(scope=self.pair_scope,  # type: ignore[arg-type]
                                  reciprocity_required=self.reciprocity_required,
                                  no_reporting_line=self.no_reporting_line,
                                  capacity=self.capacity,
                                  preferences=self.preferences)

    @property
    def preferences(self) -> core.PairPreferences:
        return core.PairPreferences(min_experience_gap=self.min_experience_gap,
                                    age_groups=self.age_groups, subject=self.subject,
                                    place=self.place)

    def get_additional_data(self) -> dict[str, object]:
        return self.organization.audit_data()


class RoadmapRow(models.Model):
    """One line of the roadmap («дорожная карта»)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="roadmap")
    stage = models.CharField(_("этап"), max_length=20, choices=list(core.STAGES))
    activity = models.CharField(_("мероприятие"), max_length=500)
    starts_on = models.DateField(_("начало"))
    ends_on = models.DateField(_("окончание"))
    responsible = models.CharField(_("ответственный"), max_length=200)
    result = models.CharField(_("результат"), max_length=500)

    class Meta:
        verbose_name = _("строка дорожной карты")
        verbose_name_plural = _("строки дорожной карты")
        ordering = ["starts_on", "ends_on", "pk"]
        constraints = [models.CheckConstraint(name="roadmap_dates_in_order",
                                              condition=Q(ends_on__gte=models.F("starts_on")))]

    def __str__(self) -> str:
        return self.activity

    def get_additional_data(self) -> dict[str, object]:
        return self.programme.organization.audit_data()


class Indicator(models.Model):
    """An indicator the organization reports, with its target value."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE,
                                  related_name="indicators")
    title = models.CharField(_("показатель"), max_length=300)
    unit = models.CharField(_("единица"), max_length=30, blank=True)
    target = models.DecimalField(_("целевое значение"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("показатель программы")
        verbose_name_plural = _("показатели программы")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def target_text(self) -> str:
        return f"{self.target.normalize():f} {self.unit}".strip()

    def get_additional_data(self) -> dict[str, object]:
        return self.programme.organization.audit_data()
