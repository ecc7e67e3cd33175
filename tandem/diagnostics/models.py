"""Competency framework, diagnostic campaigns, questionnaires and answers."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from tandem.core import diagnostics as core
from tandem.core.release import MIN_PEOPLE
from tandem.people.models import (
    Participant,
    PersonsOrganizationQuerySet,
    TakesPersonsOrganization,
)
from tandem.territory.models import (
    Municipality,
    Organization,
    Region,
    UnitAnchored,
    exactly_one_unit,
)

LEVEL_NAMES = {
    0: _("не владею"),
    1: _("имею представление, применяю с помощью"),
    2: _("владею, применяю самостоятельно"),
    3: _("эксперт, могу научить других"),
}
LEVEL_VALIDATORS = [MinValueValidator(core.MIN_LEVEL), MaxValueValidator(core.MAX_LEVEL)]


class Direction(models.TextChoices):
    YOUNG_TO_EXPERIENCED = "young_to_experienced", _("чаще сильны молодые")
    EXPERIENCED_TO_YOUNG = "experienced_to_young", _("чаще сильны опытные")
    BOTH = "both", _("в обе стороны")


class CompetencyArea(models.Model):
    code = models.SlugField(_("код"), max_length=20, unique=True)
    name = models.CharField(_("название"), max_length=120)
    description = models.TextField(_("описание"), blank=True)
    order = models.PositiveSmallIntegerField(_("порядок"), default=0)

    class Meta:
        verbose_name = _("область компетенций")
        verbose_name_plural = _("области компетенций")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class CompetencyQuerySet(models.QuerySet["Competency"]):
    def of_regions(self, region_ids: Iterable[int]) -> "CompetencyQuerySet":
        """The federal competencies and those of these regions: what these regions'
        people are diagnosed on (docs/diagnostics.md, «Региональные компетенции»)."""
        return self.filter(Q(region__isnull=True) | Q(region_id__in=list(region_ids)))


# A regional competency's code is «<region code>:<name>»; a federal code has no colon, so
# the two never collide, nor do two regions' codes (region codes are unique).
REGIONAL_CODE_SEPARATOR = ":"


def regional_code_prefix(region: Region) -> str:
    return f"{region.code.lower()}{REGIONAL_CODE_SEPARATOR}"


class Competency(models.Model):
    """The working copy of the framework: federal competencies (``region`` empty), edited
    by the federal operator, and each region's own, edited by its operator.

    Campaigns never read it directly: they read the :class:`FrameworkVersion` they pinned.
    """

    area = models.ForeignKey(CompetencyArea, on_delete=models.PROTECT,
                             related_name="competencies", verbose_name=_("область"))
    code = models.CharField(_("код"), max_length=40, unique=True,
                            help_text=_("Латиницей: область.название, например ict.ai_lessons"))
    name = models.CharField(_("название"), max_length=120)
    description = models.TextField(_("описание"))
    descriptor_0 = models.TextField(_("уровень 0 — не владею"))
    descriptor_1 = models.TextField(_("уровень 1"))
    descriptor_2 = models.TextField(_("уровень 2"))
    descriptor_3 = models.TextField(_("уровень 3 — эксперт, могу научить"))
    typical_direction = models.CharField(_("кто обычно силён"), max_length=30,
                                         choices=Direction.choices, default=Direction.BOTH)
    order = models.PositiveSmallIntegerField(_("порядок"), default=0)
    is_active = models.BooleanField(_("используется"), default=True)
    # Empty: a federal competency; otherwise the region whose people alone are diagnosed on it.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="competencies", verbose_name=_("регион"))

    objects = CompetencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("компетенция")
        verbose_name_plural = _("компетенции")
        ordering = ["area__order", "order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def descriptors(self) -> list[str]:
        return [self.descriptor_0, self.descriptor_1, self.descriptor_2, self.descriptor_3]


class FrameworkVersionQuerySet(models.QuerySet["FrameworkVersion"]):
    def newest_first(self) -> "FrameworkVersionQuerySet":
        """These versions, the newest (the highest number) first: the one home of which
        version is newer, for :meth:`current` and for whoever reads several versions
        and lets the newest name things (``monitoring.effectiveness.gains_by_area``)."""
        return self.order_by("-number")

    def published(self) -> "FrameworkVersionQuerySet":
        """The federal versions, the newest first: :meth:`current` is the first of them
        (read as a subquery by ``monitoring.versions.version``: a publication changes
        the dashboards' names of areas and competencies, and writes no audit entry)."""
        return self.filter(region__isnull=True).newest_first()

    def current(self) -> "FrameworkVersion | None":
        """The current framework version — the newest published federal one, which new
        diagnostics pin, with their region's competencies added (``region_version`` in
        services) (None before the first publication). The one home of the rule."""
        return self.published().first()


class FrameworkVersion(models.Model):
    """A frozen copy of the framework; a campaign pins one, so later edits never change
    past results. ``snapshot``: {"areas": [{"code", "name", "competencies": [{"code",
    "name", "description", "descriptors": [4 texts], "typical_direction"}]}]}; in a
    regional version a region's competency also has ``"region": <region id>``, and the
    snapshot ``"federal": <number of the federal version it extends>``."""

    number = models.PositiveIntegerField(_("номер"), unique=True)
    # Empty: a federal version (published by the federal operator); otherwise a federal
    # version with this region's competencies added, made for the region's campaigns.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("регион"))
    note = models.CharField(_("что изменилось"), max_length=300, blank=True)
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True)

    objects = FrameworkVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("версия рамки компетенций")
        verbose_name_plural = _("версии рамки компетенций")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number}"

    @property
    def areas(self) -> list[dict[str, Any]]:
        return list(self.snapshot["areas"])

    def competencies(self) -> list[dict[str, Any]]:
        return [dict(c, area=a["code"], area_name=a["name"])
                for a in self.snapshot["areas"] for c in a["competencies"]]

    def codes(self) -> list[str]:
        return [c["code"] for c in self.competencies()]

    def area_of(self) -> dict[str, str]:
        return {c["code"]: c["area"] for c in self.competencies()}

    def shown_area_of(self) -> dict[str, str]:
        """The area the dashboards show each competency in when this is the current
        version: its own areas, and the regions' own competencies in theirs (one query);
        a code of neither goes by the part before its dot (``monitoring.selectors``
        places it so). The one home of the rule for the dashboard and for rule 5 of the
        deficit shares, which counts a person changed in an area by it
        (``diagnostics.tallies.answer_member_reader``)."""
        area_of = self.area_of()
        return {**dict(Competency.objects.filter(
            region__isnull=False, area__code__in=[a["code"] for a in self.areas]).values_list(
            "code", "area__code")), **area_of}


class Campaign(UnitAnchored, models.Model):
    class Kind(models.TextChoices):
        INITIAL = "initial", _("входная")
        FINAL = "final", _("итоговая")

    class Status(models.TextChoices):
        OPEN = "open", _("идёт")
        CLOSED = "closed", _("завершена")

    title = models.CharField(_("название"), max_length=200)
    kind = models.CharField(_("вид"), max_length=10, choices=Kind.choices, default=Kind.INITIAL)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               verbose_name=_("регион"))
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, null=True,
                                     blank=True, verbose_name=_("муниципалитет"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True,
                                     blank=True, verbose_name=_("организация"))
    framework = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT,
                                  verbose_name=_("версия рамки"))
    starts_on = models.DateField(_("начало"))
    ends_on = models.DateField(_("окончание"))
    with_expert = models.BooleanField(
        _("с экспертной оценкой куратора"), default=False,
        help_text=_("Куратор ставит свой уровень; итоговый уровень считается по правилу "
                    "из docs/diagnostics.md."))
    baseline = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="finals", verbose_name=_("входная диагностика"),
                                 help_text=_("Для итоговой: с какой входной сравнивать."))
    status = models.CharField(_("статус"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)
    # When it was closed: the curator may reopen it for TANDEM_REOPEN_DAYS (services).
    closed_at = models.DateTimeField(_("завершена"), null=True, blank=True)
    # Reopened after a closing at least once (``services.campaign_reopen``; never unset): a
    # final round's first publication is past, so a cell of it not published then is
    # published only with ``MIN_PEOPLE`` people in it — rule 5, its «вне цифр» too
    # (``tallies._unpublished_of``; docs/monitoring.md, «Правило публикации «до / после»»).
    reopened = models.BooleanField(_("открывалась снова"), default=False, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("диагностика")
        verbose_name_plural = _("диагностики")
        ordering = ["-starts_on", "-pk"]
        # The newest first (``ordering``), read backwards from the index and cut at the
        # few shown — the overview's «диагностики» (four), a list's page — instead of
        # joining every visible campaign of a region to its unit and sorting them (issue
        # #16; docs/performance.md).
        indexes = [models.Index(fields=["starts_on", "id"], name="campaign_starts")]
        constraints = [
            exactly_one_unit("campaign_has_one_unit"),
            models.CheckConstraint(name="campaign_dates_in_order",
                                   condition=Q(ends_on__gte=models.F("starts_on"))),
        ]

    def __str__(self) -> str:
        return self.title

    audit_reason: str = ""  # why it was reopened (services): kept in the audit entry

    def get_additional_data(self) -> dict[str, object]:
        data = super().get_additional_data()
        return {**data, "reason": self.audit_reason} if self.audit_reason else data


def response_organization(prefix: str = "") -> str:
    """The one home of «the organization of a questionnaire» — the cell its figures count
    in (:mod:`tandem.diagnostics.tallies`; docs/monitoring.md, «Правило публикации «до /
    после»»): the field path of :attr:`Response.organization` from a model whose path to
    the questionnaire is ``prefix`` (``""`` a :class:`Response`, ``"response__"`` an
    :class:`Answer`, ``"responses__"`` a :class:`Campaign`). Never the person's
    organization now (``participant__organization``): a move would move their answers
    between cells, and three people moving out and back around one answer would walk
    around rule 5 («steps of three»)."""
    return f"{prefix}organization_id"


class ResponseQuerySet(PersonsOrganizationQuerySet["Response"]):
    """A response made without its organization takes its person's now
    (:class:`tandem.people.models.PersonsOrganizationQuerySet`)."""


class Response(TakesPersonsOrganization):
    """One participant's questionnaire in one campaign."""

    class Status(models.TextChoices):
        NEW = "new", _("не начата")
        DRAFT = "draft", _("заполняется")
        SUBMITTED = "submitted", _("отправлена")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="responses")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE,
                                    related_name="responses", verbose_name=_("участник"))
    # The cell the questionnaire counts in (:func:`response_organization`): submitted, the
    # organization its person belonged to when they submitted it (``services.response_submit``,
    # an import's commit) — a later move of theirs moves it nowhere; not submitted (handed
    # out, a draft, reopened), the person's organization now: set when it is handed out
    # and followed on their move (``tallies._participant_moved``) and on a reopening, so
    # a draft or an unsent questionnaire counts where its person is. None: that
    # organization was deleted (its tallies went with it, ``tallies.organization_deleting``);
    # the questionnaire stays the person's and counts in no cell. SET_NULL rather than
    # PROTECT (as ``surveys.Survey.organization``): an organization every person has left
    # may still be removed, though people once answered there.
    organization = models.ForeignKey(Organization, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("организация ответа"))
    status = models.CharField(_("статус"), max_length=10, choices=Status.choices,
                              default=Status.NEW)
    answered = models.PositiveSmallIntegerField(default=0)  # competencies with a level
    submitted_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("анкета")
        verbose_name_plural = _("анкеты")
        constraints = [models.UniqueConstraint(fields=["campaign", "participant"],
                                               name="one_response_per_campaign")]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.participant}"

    @property
    def locked(self) -> bool:
        return self.status == self.Status.SUBMITTED

    def get_additional_data(self) -> dict[str, object]:
        return self.participant.get_additional_data()


def baseline_frozen_q(prefix: str = "") -> Q:
    """Campaigns (``prefix=""``) or questionnaires (``"campaign__"``) of a baseline whose
    final round is closed: its «до / после» are published, so its questionnaires are no
    longer sent nor changed (docs/monitoring.md rule 4). The query twin of
    ``services.baseline_frozen``, which a write checks holding the finals' rows."""
    finals = Campaign.objects.filter(baseline_id=OuterRef(f"{prefix}pk"),
                                     kind=Campaign.Kind.FINAL, status=Campaign.Status.CLOSED)
    return Q(**{f"{prefix}kind": Campaign.Kind.INITIAL}) & Q(Exists(finals))


def answerable_q(prefix: str = "") -> Q:
    """Rounds whose unsent questionnaires may still be sent — open and not a frozen
    baseline (:func:`baseline_frozen_q`): what a teacher is asked to fill in (home's next
    steps and her questionnaires, ``selectors.responses_mine``)."""
    return Q(**{f"{prefix}status": Campaign.Status.OPEN}) & ~baseline_frozen_q(prefix)


class Answer(models.Model):
    # Its own index, though ``one_answer`` (response, competency) begins with it: that
    # index is several times bigger and priced much dearer per lookup, and without this
    # one a 300,000 region's load ran its figures' «до/после» (tallies, GainTally) for
    # over four minutes, where all its figures take 23 s of the server's CPU
    # (docs/performance.md, «VACUUM после засева»).
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    competency = models.CharField(_("компетенция"), max_length=40)
    self_level = models.PositiveSmallIntegerField(_("самооценка"), null=True, blank=True,
                                                  validators=LEVEL_VALIDATORS)
    expert_level = models.PositiveSmallIntegerField(_("оценка эксперта"), null=True,
                                                    blank=True, validators=LEVEL_VALIDATORS)
    # The combined level (core.combine_levels), kept so reports can aggregate in SQL.
    level = models.PositiveSmallIntegerField(_("уровень"), null=True, blank=True,
                                             validators=LEVEL_VALIDATORS)
    can_teach = models.BooleanField(_("могу научить"), default=False)
    wants_to_learn = models.BooleanField(_("хочу научиться"), default=False)
    priority = models.PositiveSmallIntegerField(
        _("приоритет"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(core.MAX_PRIORITIES)])

    class Meta:
        verbose_name = _("ответ")
        verbose_name_plural = _("ответы")
        constraints = [
            models.UniqueConstraint(fields=["response", "competency"], name="one_answer"),
            models.CheckConstraint(name="answer_levels_in_range", condition=(
                Q(self_level__isnull=True) | Q(self_level__lte=core.MAX_LEVEL))
                & (Q(expert_level__isnull=True) | Q(expert_level__lte=core.MAX_LEVEL))
                & (Q(level__isnull=True) | Q(level__lte=core.MAX_LEVEL))),
        ]
        # No (competency, level) index: no query looks answers up by competency across
        # questionnaires (the figures read them by questionnaire or whole, per
        # organization; 0 scans of it on the shared 300,000 base), and it was the
        # dearest index of a region's load (docs/performance.md).

    def __str__(self) -> str:
        return f"{self.competency}: {self.level}"

    def recompute(self) -> None:
        self.level = core.combine_levels(self.self_level, self.expert_level)

    @property
    def mark(self) -> core.Mark:
        return core.Mark(self.level, self.can_teach, self.wants_to_learn, self.priority)


# Strength and deficit as SQL conditions on Answer, the same rules as core.is_strength
# and core.is_deficit, for aggregates over thousands of answers.
# A NULL level matches neither (no level — neither, as in the core).
STRENGTH_Q = Q(level=core.MAX_LEVEL) | Q(level=core.STRENGTH_MIN, can_teach=True)
DEFICIT_Q = Q(level__lte=core.DEFICIT_MAX) | Q(wants_to_learn=True, level__lt=core.MAX_LEVEL)


class ResultImport(models.Model):
    """An uploaded file of external diagnostic results, kept between preview and commit."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                    related_name="+")
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("загрузка результатов диагностики")
        verbose_name_plural = _("загрузки результатов диагностики")

    def __str__(self) -> str:
        return self.filename


# --- Figures kept current (docs/rules.md «Цифры диагностики»; tandem/diagnostics/tallies.py) ---
# Monitoring pages and the deficit map read these, never the answers: they are rebuilt for
# an organization whenever its questionnaires change (tallies.touch), and rolled up to the
# municipality for the answers (the biggest of them).


class TallyState(models.Model):
    """Per organization: since when its figures wait for a rebuild (NULL: current) and
    when they were last rebuilt — the «as of» a page shows."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE,
                                        primary_key=True, related_name="+")
    dirty_since = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # The municipality its answers were last added into (an organization that moves
    # leaves its old municipality's sums to be redone).
    municipality = models.ForeignKey(Municipality, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+")

    class Meta:
        verbose_name = _("состояние цифр диагностики")
        verbose_name_plural = _("состояния цифр диагностики")
        indexes = [models.Index(fields=["dirty_since"], name="tally_dirty",
                                condition=Q(dirty_since__isnull=False)),
                   models.Index(fields=["refreshed_at"], name="tally_refreshed")]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.refreshed_at}"


class ResponseTally(models.Model):
    """Questionnaires of one organization in one campaign: handed out, and of them not
    started, being filled in and submitted (``invited = new + draft + submitted``)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    invited = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    draft = models.PositiveIntegerField(default=0)
    submitted = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("итог ответов организации")
        verbose_name_plural = _("итоги ответов организаций")
        constraints = [models.UniqueConstraint(fields=["organization", "campaign"],
                                               name="one_response_tally")]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.campaign_id}: {self.submitted}/{self.invited}"


class AnswerCounts(models.Model):
    """What the answers' tallies count: answers, those with a level, deficits and strengths
    (STRENGTH_Q, DEFICIT_Q)."""

    answers = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    deficit = models.PositiveIntegerField(default=0)
    strong = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class _AnswerCell(AnswerCounts):
    """A cell of the deficit and strength shares — organization, campaign, competency —
    with its counts: current (:class:`AnswerTally`) or published (:class:`PublishedAnswer`)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    competency = models.CharField(max_length=40)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.campaign_id}/{self.competency}"


class AnswerTally(_AnswerCell):
    """Answers of submitted questionnaires, per organization, campaign and competency:
    all of them, those with a level, deficits and strengths (STRENGTH_Q, DEFICIT_Q)."""

    class Meta:
        verbose_name = _("итог оценок организации")
        verbose_name_plural = _("итоги оценок организаций")
        constraints = [models.UniqueConstraint(fields=["organization", "campaign", "competency"],
                                               name="one_answer_tally")]
        indexes = [models.Index(fields=["campaign", "organization"])]


class _Round(models.Model):
    """A round's key in a unit's sums — sector, kind, dates and competency — and the
    answers left out of them: what the answers' (:class:`_AnswerRound`) and the «before
    / after» (:class:`_GainRound`) sums of municipalities and regions share."""

    sector = models.CharField(max_length=20)
    kind = models.CharField(max_length=10, choices=Campaign.Kind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    competency = models.CharField(max_length=40)
    left_out = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def round_key(self) -> str:
        return f"{self.sector}/{self.kind} {self.starts_on}–{self.ends_on}/{self.competency}"


class _AnswerRound(AnswerCounts, _Round):
    """The sums of :class:`AnswerTally` over a unit's organizations of one sector and over
    the campaigns of one round, per competency — the fields a municipality's
    (:class:`MunicipalityAnswerTally`) and a region's (:class:`RegionAnswerTally`) sums
    share; each adds its unit."""

    class Meta:
        abstract = True


class MunicipalityAnswerTally(_AnswerRound):
    """The sum of :class:`AnswerTally` over a municipality's organizations of one sector
    and over the campaigns of one round — one kind and the same dates: what the region's
    and the country's dashboards read. Keyed by the round, not the campaign: every
    organization may run its own campaign of a round, and a sum per campaign would hold
    as many rows as the organizations' own tallies (274,716 of them in a region of 5,456
    organizations; by round 27,651). The dashboard picks campaigns by kind and dates only
    (``Filters.overlapping``), so the sums of a round answer it exactly.

    Only counted cells are summed (:func:`answer_counted_q`, the release rule: an
    organization's competency in a campaign answered by fewer than ``MIN_PEOPLE`` people
    enters no sum); ``left_out``: the levels of the others — a row exists for every
    competency of any cell of the group (zeros where only small ones have it)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("итог оценок муниципалитета")
        verbose_name_plural = _("итоги оценок муниципалитетов")
        constraints = [models.UniqueConstraint(
            fields=["municipality", "sector", "kind", "starts_on", "ends_on", "competency"],
            name="one_municipality_round_tally")]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.round_key()}"


class RegionAnswerTally(_AnswerRound):
    """The sum of :class:`MunicipalityAnswerTally` over a region's municipalities — the
    same keys with the region for the municipality: what the country's dashboard reads (a
    row per region, sector, round and competency — tens of thousands of municipality rows
    summed on every computation before, issue #16). Exactly the sum of its
    municipalities' rows, so it holds the counted cells only, as they do (the release
    rule carries over unchanged), and ``left_out`` summed likewise. Redone from them for
    the whole region, under the region's sums' lock (``tallies._hold_region_sums``), by
    every writer of a municipality's rows
    (``tallies._roll_up``) and by a municipality moving to another region
    (``tallies._municipality_rezoned``)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("итог оценок региона")
        verbose_name_plural = _("итоги оценок регионов")
        constraints = [models.UniqueConstraint(
            fields=["region", "sector", "kind", "starts_on", "ends_on", "competency"],
            name="one_region_round_tally")]

    def __str__(self) -> str:
        return f"{self.region_id}/{self.round_key()}"


class PublishedAnswer(_AnswerCell):
    """The published state of a cell group (organization, campaign) of the deficit and
    strength shares, per competency — what every share of monitoring reads (the
    organizations' and any period's, and through :class:`MunicipalityAnswerTally` the
    region's and the country's), not the current :class:`AnswerTally`: a group's
    published counts move to its current ones only when every competency whose
    contribution changed (``tallies.answer_member_text``) changed for at least
    ``MIN_PEOPLE`` people (rule 5, «steps of three», by part,
    ``tandem.core.release.republish_parts``; docs/monitoring.md, «Правило публикации
    дефицитов»). A group never published is published once ``MIN_PEOPLE`` people are in
    it; until then nothing of it is shown, not even as left out."""

    class Meta:
        verbose_name = _("опубликованный итог оценок организации")
        verbose_name_plural = _("опубликованные итоги оценок организаций")
        constraints = [models.UniqueConstraint(fields=["organization", "campaign", "competency"],
                                               name="one_published_answer")]
        indexes = [models.Index(fields=["campaign", "organization"])]


class _AnswerPeople(models.Model):
    """A person of a cell group (organization, campaign) of the deficit and strength
    shares with their contribution to each competency of it, one text a person
    (``tallies.answer_member_text``: by position of the campaign's framework version's
    competencies, one character a competency): current (:class:`AnswerMember`) or
    published (:class:`PublishedAnswerMember`). ``person``: a participant's id, not a
    key (the published members outlive a deleted person)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    person = models.PositiveBigIntegerField()
    digest = models.TextField(blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.campaign_id}/{self.person}"


class AnswerMember(_AnswerPeople):
    """A person who submitted a questionnaire of a campaign counted in an organization,
    as it is now — what rule 5 compares with :class:`PublishedAnswerMember`. Rebuilt with
    the organization's tallies."""

    class Meta:
        verbose_name = _("участник ячейки оценок")
        verbose_name_plural = _("участники ячеек оценок")
        constraints = [models.UniqueConstraint(fields=["organization", "campaign", "person"],
                                               name="one_answer_member")]


class PublishedAnswerMember(_AnswerPeople):
    """The members of a group's published state (:class:`PublishedAnswer`) with their
    contributions as published."""

    class Meta:
        verbose_name = _("опубликованный участник ячейки оценок")
        verbose_name_plural = _("опубликованные участники ячеек оценок")
        constraints = [models.UniqueConstraint(fields=["organization", "campaign", "person"],
                                               name="one_published_answer_member")]


def answer_counted_q(prefix: str = "") -> Q:
    """An :class:`AnswerTally` row that enters the deficit and strength figures: its
    organization's competency in its campaign was given a level by at least
    ``MIN_PEOPLE`` people — the query twin of ``tandem.core.release.counted`` over a cell
    whose answers are its people (docs/monitoring.md, «Правило публикации дефицитов»)."""
    return Q(**{f"{prefix}answered__gte": MIN_PEOPLE})


def response_counted_q(prefix: str = "") -> Q:
    """A :class:`ResponseTally` row — a cell (organization, campaign) — whose strong
    people may enter the potential mentors: at least ``MIN_PEOPLE`` submitted
    questionnaires — the query twin of ``tandem.core.release.enough``."""
    return Q(**{f"{prefix}submitted__gte": MIN_PEOPLE})


def strong_counted_q(prefix: str = "") -> Q:
    """A :class:`StrongTally` row that enters the potential mentors: at least
    ``MIN_PEOPLE`` people of its organization gave a level to a competency of its area in
    its campaign (``levelled``) — the query twin of ``tandem.core.release.mentors_counted``
    (docs/monitoring.md, «Правило публикации дефицитов»)."""
    return Q(**{f"{prefix}levelled__gte": MIN_PEOPLE})


class MunicipalityResponseTally(models.Model):
    """The sum of :class:`ResponseTally` over a municipality's organizations of one sector
    and over the campaigns of one round (kind and dates, as
    :class:`MunicipalityAnswerTally`): questionnaires handed out and submitted — the
    completion a region's and the country's dashboards compare (388 rows a round in a
    region of 5,456 organizations in 57 municipalities, not one per organization and
    campaign). Not started
    and being filled in are not summed: a questionnaire's first save moves it from one to
    the other and recounts only its organization's row (``tallies.recount_progress``),
    which leaves these sums as they were."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    sector = models.CharField(max_length=20)
    kind = models.CharField(max_length=10, choices=Campaign.Kind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    invited = models.PositiveIntegerField(default=0)
    submitted = models.PositiveIntegerField(default=0)
    # The organizations' campaigns of the group with at least MIN_PEOPLE submitted
    # (response_counted_q): whether any of its rounds may enter the potential mentors.
    counted = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("итог ответов муниципалитета")
        verbose_name_plural = _("итоги ответов муниципалитетов")
        constraints = [models.UniqueConstraint(
            fields=["municipality", "sector", "kind", "starts_on", "ends_on"],
            name="one_municipality_round_responses")]

    def __str__(self) -> str:
        return (f"{self.municipality_id}/{self.sector}/{self.kind} {self.starts_on}–"
                f"{self.ends_on}: {self.submitted}/{self.invited}")


class StrongTally(models.Model):
    """People of one organization strong in at least one competency of an area (the area
    it is shown in: ``FrameworkVersion.shown_area_of`` of the version current when the
    tally was built), per campaign: the potential mentors of the area; ``levelled``: the
    people who gave a level to at least one competency of the area — the cell's people
    under the release rule (:func:`strong_counted_q`). Of the group's **published** people
    (:class:`PublishedAnswerMember`, rule 5: ``tallies._strong_sql``), not of its answers
    now, so it moves in steps of three people. A row only where someone is strong."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    area = models.CharField(max_length=40)
    people = models.PositiveIntegerField(default=0)
    levelled = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("число сильных по области")
        verbose_name_plural = _("числа сильных по областям")
        constraints = [models.UniqueConstraint(fields=["organization", "campaign", "area"],
                                               name="one_strong_tally")]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.campaign_id}/{self.area}: {self.people}"


class _GainSums(models.Model):
    """The sums of a cell (organization, final round) per competency: current
    (:class:`GainTally`) or published (:class:`PublishedGain`)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    competency = models.CharField(max_length=40)
    before_sum = models.PositiveIntegerField(default=0)
    before_n = models.PositiveIntegerField(default=0)
    after_sum = models.PositiveIntegerField(default=0)
    after_n = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.campaign_id}/{self.competency}"


class _GainPeople(models.Model):
    """A person of a cell (organization, final round) with the digests of their levels by
    part: current (:class:`GainMember`) or published (:class:`PublishedGainMember`)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    person = models.PositiveBigIntegerField()
    # By part — a side of a competency, its digest the level — by position of the pair of
    # framework versions' competencies (``tallies.member_text``, read back by
    # ``tallies.member_parts``): ``<final's version>.<baseline's version>|<levels>``.
    digest = models.TextField(blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.campaign_id}/{self.person}"


class GainTally(_GainSums):
    """Before and after, per organization, final round and competency: the sum and number
    of levels in the final round and in its baseline, over the people who submitted both
    (``people``: how many) — the «before / after by area» of monitoring."""

    class Meta:
        verbose_name = _("итог прироста организации")
        verbose_name_plural = _("итоги прироста организаций")
        constraints = [models.UniqueConstraint(fields=["organization", "campaign", "competency"],
                                               name="one_gain_tally")]


class GainMember(_GainPeople):
    """A person of a cell (organization, final round) of «before / after» as it is now — who
    submitted the final round as their latest of its baseline, and the baseline — and a
    their level in each part of it — a side (before, after) of a competency
    (``tallies.member_text``): what rule 5 of the release rule, by part
    (``tandem.core.release.republish_parts``), compares with the published members
    (:class:`PublishedGainMember`). Rebuilt with the organization's tallies; ``person``
    is a participant's id, not a key (the published members outlive a deleted person)."""

    class Meta:
        verbose_name = _("участник ячейки прироста")
        verbose_name_plural = _("участники ячеек прироста")
        constraints = [models.UniqueConstraint(fields=["organization", "campaign", "person"],
                                               name="one_gain_member")]


class PublishedGain(_GainSums):
    """The published state of a cell (organization, final round), per competency — what
    every «before / after» figure reads (the page, the PDF, the API, and through
    :class:`MunicipalityGainTally` the region and the country), not the current
    :class:`GainTally`: a cell's published sums move to its current ones only when every
    part (a side of a competency) that differs from the published members does so
    for at least ``MIN_PEOPLE`` people (rule 5, «steps of three», by part,
    ``tandem.core.release.republish_parts``; docs/monitoring.md), and
    only while its round is closed. A round's first publication (its first closing) publishes
    every cell of it, a small one too (fewer than ``MIN_PEOPLE``: its levels enter nothing,
    its people count as left out), with its members; later, a cell is published like any
    other, by rule 5 — one never published has no sums here (nothing of it is shown, not
    even its people). A cell of an open round with no published member keeps its current
    sums here (shown nowhere: they say the round is pending)."""

    class Meta:
        verbose_name = _("опубликованный итог прироста организации")
        verbose_name_plural = _("опубликованные итоги прироста организаций")
        constraints = [models.UniqueConstraint(fields=["organization", "campaign", "competency"],
                                               name="one_published_gain")]


class PublishedGainMember(_GainPeople):
    """The members of a cell's published state (:class:`PublishedGain`) with the digests of
    their levels as published — what :class:`GainMember` is compared with."""

    class Meta:
        verbose_name = _("опубликованный участник ячейки прироста")
        verbose_name_plural = _("опубликованные участники ячеек прироста")
        constraints = [models.UniqueConstraint(fields=["organization", "campaign", "person"],
                                               name="one_published_gain_member")]



def gain_cell_q(prefix: str = "") -> Q:
    """A :class:`GainTally` row of a counted cell — its organization and final round hold
    at least ``MIN_PEOPLE`` people with both rounds: the query twin of
    ``tandem.core.release.enough`` (docs/monitoring.md, «Правило публикации «до / после»»);
    whose people count as shown, not left out."""
    return Q(**{f"{prefix}people__gte": MIN_PEOPLE})


def gain_counted_q(prefix: str = "") -> Q:
    """A :class:`GainTally` row whose levels enter figures: of a counted cell
    (:func:`gain_cell_q`), its competency levelled by at least ``MIN_PEOPLE`` people both
    before and after — the query twin of ``tandem.core.release.level_counted``."""
    return gain_cell_q(prefix) & Q(**{f"{prefix}before_n__gte": MIN_PEOPLE,
                                      f"{prefix}after_n__gte": MIN_PEOPLE})


def gain_published_q(prefix: str = "") -> Q:
    """Levels of a final round that may be published: the round is closed — the query
    twin of ``tandem.core.release.round_published``. ``prefix``: the path to the round's
    status (``campaign__`` from a :class:`GainTally`; none from a
    :class:`MunicipalityGainTally`, which keeps its rounds' status)."""
    return Q(**{f"{prefix}status": Campaign.Status.CLOSED})


class _GainRound(_Round):
    """The published «before / after» sums over a unit's organizations of one sector and
    over the final rounds of one kind, the same dates and status, per competency — the
    fields a municipality's (:class:`MunicipalityGainTally`) and a region's
    (:class:`RegionGainTally`) sums share; each adds its unit."""

    status = models.CharField(max_length=10, choices=Campaign.Status.choices,
                              default=Campaign.Status.OPEN)
    before_sum = models.PositiveIntegerField(default=0)
    before_n = models.PositiveIntegerField(default=0)
    after_sum = models.PositiveIntegerField(default=0)
    after_n = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class MunicipalityGainTally(_GainRound):
    """The sum of :class:`PublishedGain` (the cells' published states, rule 5) over a
    municipality's organizations of one sector and over the final rounds of one kind, the
    same dates and status (open ones are pending: :func:`gain_published_q`), per
    competency — what a region's and the country's «before / after by area» read, not a
    row per organization, campaign and competency (61,932 of them in a region of 5,456
    organizations). Only counted cells
    (:func:`gain_counted_q`) are summed; a row exists for every competency of any cell of
    the group (zeros where only small ones have it). ``people``: the final questionnaires
    of the group's counted cells, ``left_out``: of the others — each the same in each of
    its competencies' rows."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("итог прироста муниципалитета")
        verbose_name_plural = _("итоги прироста муниципалитетов")
        constraints = [models.UniqueConstraint(
            fields=["municipality", "sector", "kind", "starts_on", "ends_on", "status",
                    "competency"],
            name="one_municipality_round_gain")]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.round_key()}"


class RegionGainTally(_GainRound):
    """:class:`MunicipalityGainTally` summed over a region's municipalities — the same
    keys with the region for the municipality: what a region's and the country's «before /
    after by area» read (a row per region, not per municipality; issue #16). The levels
    are the sums of the municipalities' rows of the competency; ``people`` and
    ``left_out``, the sums over the municipalities of each one's value for the group
    (one per municipality, not per row), the same in each of the group's competencies'
    rows — so the release rule carries over unchanged. Redone with the municipalities'
    sums (``tallies._resum_regions``)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("итог прироста региона")
        verbose_name_plural = _("итоги прироста регионов")
        constraints = [models.UniqueConstraint(
            fields=["region", "sector", "kind", "starts_on", "ends_on", "status",
                    "competency"],
            name="one_region_round_gain")]

    def __str__(self) -> str:
        return f"{self.region_id}/{self.round_key()}"

class StrongBest(models.Model):
    """Potential mentors of an organization in an area, as the dashboard's standard view
    (no period chosen) counts them: of its initial rounds where at least ``MIN_PEOPLE``
    of it gave a level in the area (:func:`strong_counted_q`, the release rule), the one
    with the most people strong in the area (the largest such :class:`StrongTally`) — kept
    with the organization's tallies, so that a region reads one row per organization and
    area, not one per campaign."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    area = models.CharField(max_length=40)
    people = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("потенциальные наставники организации")
        verbose_name_plural = _("потенциальные наставники организаций")
        constraints = [models.UniqueConstraint(fields=["organization", "area"],
                                               name="one_strong_best")]
        indexes = [models.Index(fields=["people"], name="strong_best_people")]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.area}: {self.people}"


class MunicipalityStrong(models.Model):
    """The sum of :class:`StrongBest` over a municipality's organizations of one sector:
    the potential mentors a region's and the country's standard view compare."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    sector = models.CharField(max_length=20)
    area = models.CharField(max_length=40)
    people = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("потенциальные наставники муниципалитета")
        verbose_name_plural = _("потенциальные наставники муниципалитетов")
        constraints = [models.UniqueConstraint(fields=["municipality", "sector", "area"],
                                               name="one_municipality_strong")]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.sector}/{self.area}: {self.people}"
