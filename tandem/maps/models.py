"""The individual reverse mentoring map of a pair, and the record of the work done."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core import maps as core
from tandem.core import task_library as core_library
from tandem.core.programmes import TECHNOLOGIES
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.resources.models import Resource
from tandem.web.attachments import Attachment
from tandem.web.uploads import own_name

FORM_LABELS = {
    core.CONSULTATION: _("консультация"),
    core.MASTER_CLASS: _("мастер-класс"),
    core.JOINT_LESSON: _("совместное занятие"),
    core.MUTUAL_VISITS: _("взаимопосещение занятий"),
    core.JOINT_PROJECT: _("совместный проект"),
    core.ONLINE_MEETING: _("онлайн-встреча"),
    core.PRACTICUM: _("практикум"),
    core.RESOURCE_STUDY: _("совместное изучение ресурса"),
}
LEVEL = [MinValueValidator(0), MaxValueValidator(3)]
TECHNOLOGY_LABELS = dict(TECHNOLOGIES)


def technology_label(value: str) -> str:
    """A row's technology for a person: the programme's wording of a code, or the
    organization's own technology as written."""
    return TECHNOLOGY_LABELS.get(value, value)


class Map(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("черновик")
        AGREED = "agreed", _("согласована участниками")
        APPROVED = "approved", _("утверждена куратором")
        IN_PROGRESS = "in_progress", _("выполняется")
        COMPLETED = "completed", _("завершена")
        ENDED_EARLY = "ended_early", _("прекращена досрочно")

    # A real map belongs to a pair; a training map (docs/training.md) to a team of an event
    # of the school of mentors. Exactly one is set, and every query of real maps goes
    # through the pair, so training maps never reach a pair's page, a report or the API.
    pair = models.OneToOneField(Pair, on_delete=models.CASCADE, related_name="map",
                                null=True, blank=True)
    team = models.OneToOneField("training.Team", on_delete=models.CASCADE, related_name="map",
                                null=True, blank=True)
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT)
    a_agreed_at = models.DateTimeField(null=True, blank=True)
    b_agreed_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    ended_reason = models.CharField(_("причина досрочного прекращения"), max_length=300,
                                    blank=True)
    # When the map was finished or ended early, and from which step: the curator may
    # reopen it for TANDEM_REOPEN_DAYS (tandem/maps/lifecycle.py map_reopen).
    closed_at = models.DateTimeField(_("закрыта"), null=True, blank=True)
    closed_from = models.CharField(_("шаг до закрытия"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("карта наставничества")
        verbose_name_plural = _("карты наставничества")
        constraints = [models.CheckConstraint(
            name="map_of_pair_or_team",
            condition=models.Q(pair__isnull=False, team__isnull=True)
            | models.Q(pair__isnull=True, team__isnull=False))]

    def __str__(self) -> str:
        return f"Карта: {self.pair or self.team}"

    def get_absolute_url(self) -> str:
        if self.pair_id is not None:
            return reverse("maps:detail", kwargs={"pair_pk": self.pair_id})
        return reverse("training:team_map", kwargs={"pk": self.team_id})

    @property
    def is_training(self) -> bool:
        return self.team_id is not None

    @property
    def term(self) -> tuple[dt.date, dt.date]:
        """The dates a row's deadline must fall within: the pair's, or the case's."""
        if self.pair is not None:
            return self.pair.starts_on, self.pair.ends_on
        case = self.team.case  # type: ignore[union-attr]
        return case.starts_on, case.ends_on

    @property
    def editable(self) -> bool:
        """Rows change while the map is a draft or being carried out."""
        return self.status in (self.Status.DRAFT, self.Status.IN_PROGRESS)

    audit_reason: str = ""  # why it was reopened (lifecycle): kept in the audit entry

    def get_additional_data(self) -> dict[str, object]:
        if self.pair is None:
            data = self.team.get_additional_data()  # type: ignore[union-attr]
        else:
            data = self.pair.get_additional_data()
        if self.audit_reason:
            data = {**data, "reason": self.audit_reason}
        return data


class Row(models.Model):
    class Direction(models.TextChoices):
        A_TO_B = "ab", _("А наставляет Б")
        B_TO_A = "ba", _("Б наставляет А")

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="rows")
    direction = models.CharField(max_length=2, choices=Direction.choices)
    order = models.PositiveSmallIntegerField(default=0)
    competency = models.CharField(_("компетенция (код)"), max_length=40)
    title = models.CharField(_("дефицит"), max_length=200)
    current_level = models.PositiveSmallIntegerField(_("текущий уровень"), validators=LEVEL)
    target_level = models.PositiveSmallIntegerField(_("целевой уровень"), validators=LEVEL)
    partner_level = models.PositiveSmallIntegerField(_("уровень партнёра"), validators=LEVEL)
    task = models.TextField(_("задача"))
    forms = models.JSONField(_("формы и методы"), default=list)
    deadline = models.DateField(_("срок"))
    product = models.CharField(_("результат или продукт"), max_length=300)
    evidence = models.CharField(_("как будет показан"), max_length=300)
    resources = models.ManyToManyField(Resource, blank=True, related_name="map_rows",
                                       verbose_name=_("ресурсы"))
    resources_note = models.CharField(max_length=200, blank=True)
    # A code of tandem.core.programmes.TECHNOLOGIES, or the organization's own technology
    # (a line of Programme.technologies_other) as its text; empty on old rows.
    technology = models.CharField(_("технология"), max_length=200, blank=True)
    # The library template the row was drafted or swapped from (its source_id); empty for a
    # row written by hand. «Другая задача» skips the templates already on the map.
    template_id = models.CharField(max_length=120, blank=True)
    done_at = models.DateField(_("выполнено"), null=True, blank=True)
    # Optimistic locking: a save must carry the version it was edited from.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("строка карты")
        verbose_name_plural = _("строки карты")
        ordering = ["direction", "order", "pk"]
        constraints = [models.CheckConstraint(
            name="row_target_not_below_current",
            condition=models.Q(target_level__gte=models.F("current_level")))]
        # Overdue tasks, the most urgent first (the overview's reminders): rows past a
        # deadline in deadline order, "not done" read from the index (issue #16).
        # row_open_deadline: the open rows only, in the reminders' order (deadline, id),
        # so that the overview walks them from the earliest and stops at its few, joined
        # by key to their maps and pairs (pairs.querysets.task_overdue_parts; a region's
        # 14,000 overdue rows were all read and sorted, docs/performance.md).
        indexes = [models.Index(fields=["deadline", "done_at"], name="row_deadline_done"),
                   models.Index(fields=["deadline", "id"], name="row_open_deadline",
                                condition=models.Q(done_at__isnull=True))]

    def __str__(self) -> str:
        return self.title

    @property
    def form_labels(self) -> list[str]:
        return [str(FORM_LABELS.get(f, f)) for f in self.forms]

    @property
    def technology_label(self) -> str:
        return technology_label(self.technology)

    def get_additional_data(self) -> dict[str, object]:
        return self.map.get_additional_data()


class Meeting(models.Model):
    class Format(models.TextChoices):
        OFFLINE = "offline", _("очно")
        ONLINE = "online", _("онлайн")

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField(_("дата"))
    time = models.TimeField(_("время"), null=True, blank=True)
    planned = models.BooleanField(_("запланирована"), default=False,
                                  help_text=_("Ещё не прошла: попадёт в календарь (.ics)."))
    format = models.CharField(_("формат"), max_length=10, choices=Format.choices,
                              default=Format.OFFLINE)
    topic = models.CharField(_("тема"), max_length=300)
    led_by = models.ForeignKey(Participant, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("кто вёл"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("длительность, мин"), default=45, validators=[MinValueValidator(5),
                                                         MaxValueValidator(600)])
    notes = models.TextField(_("заметки"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("встреча")
        verbose_name_plural = _("встречи")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.topic}"

    def get_additional_data(self) -> dict[str, object]:
        return self.pair.get_additional_data()


def evidence_path(instance: "Evidence", filename: str) -> str:
    # Only the file's own name, never a path the uploader chose; the pair keeps its files
    # apart, and a random prefix keeps equal names apart.
    import secrets

    safe = own_name(filename, 100)
    return f"evidence/pair-{instance.row.map.pair_id}/{secrets.token_hex(8)}-{safe}"


class Evidence(Attachment):
    """Proof that a row's task is done: a link or an uploaded file (web/attachments.py)."""

    max_upload_mb = 10
    file = models.FileField(upload_to=evidence_path, blank=True)

    row = models.ForeignKey(Row, on_delete=models.CASCADE, related_name="evidence_items")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("подтверждение")
        verbose_name_plural = _("подтверждения")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def file_url(self) -> str:
        return reverse("maps:evidence", args=[self.pk])


class Reflection(models.Model):
    """A participant's reflection on one direction of the map."""

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="reflections")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=2, choices=Row.Direction.choices)
    text = models.TextField(_("рефлексия"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("рефлексия")
        verbose_name_plural = _("рефлексия")
        constraints = [models.UniqueConstraint(fields=["map", "participant", "direction"],
                                               name="one_reflection")]

    def __str__(self) -> str:
        return f"{self.participant}: {self.direction}"


class TaskTemplate(models.Model):
    """A task template of the library (docs/task-library.md): what a pair does together
    for one competency in one direction. The shipped library has no owner (the default,
    federal level); a region and an organization keep their own templates. A template
    with the same ``source_id`` at a nearer level replaces the farther one for that
    region or organization, and an inactive one hides it (``selectors.library_for``)."""

    class Direction(models.TextChoices):
        YOUNG_TO_SENIOR = "young_to_senior", _("молодой педагог учит опытного")
        SENIOR_TO_YOUNG = "senior_to_young", _("опытный педагог учит молодого")
        MUTUAL = "mutual", _("осваивают вместе")

    source_id = models.CharField(_("идентификатор"), max_length=120)
    competency = models.CharField(_("компетенция (код)"), max_length=40)
    direction = models.CharField(_("направление"), max_length=20, choices=Direction.choices)
    task = models.TextField(_("задача"))
    technology = models.CharField(_("технология"), max_length=40)
    form = models.CharField(_("форма работы"), max_length=20)
    product = models.CharField(_("продукт"), max_length=600)
    evidence = models.CharField(_("как показывается результат"), max_length=600)
    weeks = models.PositiveSmallIntegerField(_("срок, недель"))
    level_from = models.PositiveSmallIntegerField(_("уровень наставляемого: от"),
                                                  validators=LEVEL)
    level_to = models.PositiveSmallIntegerField(_("уровень наставляемого: до"),
                                                validators=LEVEL)
    resource_hint = models.CharField(_("подсказка по ресурсу"), max_length=600, blank=True)
    region = models.ForeignKey("territory.Region", on_delete=models.CASCADE, null=True,
                               blank=True, related_name="+")
    organization = models.ForeignKey("territory.Organization", on_delete=models.CASCADE,
                                     null=True, blank=True, related_name="+")
    is_active = models.BooleanField(_("используется"), default=True)
    # The library's order (the JSON's), the last tie-breaker of the drafting rule.
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("шаблон задачи")
        verbose_name_plural = _("библиотека задач")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(name="task_template_one_owner",
                                   condition=models.Q(region__isnull=True)
                                   | models.Q(organization__isnull=True)),
            models.CheckConstraint(name="task_template_levels_in_order",
                                   condition=models.Q(level_to__gte=models.F("level_from"))),
            models.UniqueConstraint(fields=["source_id"], name="task_template_default_id",
                                    condition=models.Q(region__isnull=True,
                                                       organization__isnull=True)),
            models.UniqueConstraint(fields=["source_id", "region"],
                                    name="task_template_region_id",
                                    condition=models.Q(region__isnull=False)),
            models.UniqueConstraint(fields=["source_id", "organization"],
                                    name="task_template_organization_id",
                                    condition=models.Q(organization__isnull=False)),
        ]
        indexes = [models.Index(fields=["competency", "direction"])]

    def __str__(self) -> str:
        return self.source_id

    @property
    def owner_level(self) -> str:
        if self.organization_id:
            return "organization"
        if self.region_id:
            return "region"
        return "federal"

    @property
    def form_label(self) -> str:
        return str(FORM_LABELS.get(self.form, self.form))

    def get_additional_data(self) -> dict[str, object]:
        if self.organization_id:
            return {"region_id": self.organization.municipality.region_id,  # type: ignore[union-attr]
                    "organization_id": self.organization_id}
        return {"region_id": self.region_id}

    def as_core(self) -> core_library.TaskTemplate:
        return core_library.TaskTemplate(
            id=self.source_id, competency=self.competency, direction=self.direction,
            task=self.task, technology=self.technology, form=self.form,
            product=self.product, evidence=self.evidence, weeks=self.weeks,
            levels=(self.level_from, self.level_to), resource_hint=self.resource_hint)


class TechnologyTally(models.Model):
    """Map rows naming a technology, counted per pair's organization (``Pair.organization``),
    the organizations its members work in now, the row's competency and technology and
    the pair's term: what the dashboard's «технологии» table sums instead of reading every
    row of the visible pairs (:mod:`tandem.maps.tallies`). The filters select on these
    keys — the pair's organization among the filtered ones, a member among the user's
    people (``pairs_visible``), the term overlapping the period — so the sum is exact."""

    organization = models.ForeignKey("territory.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    a_organization_id = models.IntegerField()
    b_organization_id = models.IntegerField()
    competency = models.CharField(max_length=40)
    technology = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("итог технологий организации")
        verbose_name_plural = _("итоги технологий организаций")
        constraints = [models.UniqueConstraint(
            fields=["organization", "a_organization_id", "b_organization_id", "competency",
                    "technology", "starts_on", "ends_on"], name="one_technology_tally")]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.competency}/{self.technology}: {self.rows}"


class TechnologyMunicipalityTally(models.Model):
    """:class:`TechnologyTally` summed per municipality and sector of the pair's
    organization, competency and technology, over every term: what a region's or the
    country's «технологии» table of the standard view (no period) reads — a few thousand
    rows instead of one per organization's term and pair of member organizations
    (:mod:`tandem.maps.tallies`). A row whose pair has neither member in the pair's own
    organization keeps the members' organizations (``a_organization_id``,
    ``b_organization_id``; both null otherwise), so a scope of regions can still ask
    whether either member works inside it (``pairs_visible``)."""

    municipality = models.ForeignKey("territory.Municipality", on_delete=models.CASCADE,
                                     related_name="+")
    sector = models.CharField(max_length=20)
    competency = models.CharField(max_length=40)
    technology = models.CharField(max_length=200)
    a_organization_id = models.IntegerField(null=True, blank=True)
    b_organization_id = models.IntegerField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("итог технологий муниципалитета")
        verbose_name_plural = _("итоги технологий муниципалитетов")
        # One row per key (``tallies.SUM_KEY``): a second would double the table. The
        # writers hold the municipality's row (``tallies._rebuild_locked``); should one
        # ever write unheld, the database refuses the duplicate instead of keeping it.
        # Two partial constraints, as a NULL is distinct from any other in a unique key
        # (the members' organizations are both null or both set: ``tallies._sum_key``).
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "sector", "competency", "technology"],
                condition=models.Q(a_organization_id__isnull=True),
                name="one_technology_sum"),
            models.UniqueConstraint(
                fields=["municipality", "sector", "competency", "technology",
                        "a_organization_id", "b_organization_id"],
                condition=models.Q(a_organization_id__isnull=False),
                name="one_technology_sum_of_members")]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.competency}/{self.technology}: {self.rows}"


class TechnologyRegionTally(models.Model):
    """:class:`TechnologyMunicipalityTally` summed per region, sector, competency and
    technology, the members' organizations folded in: what the country's «технологии»
    table of the standard view (the federal operator: every region, every pair visible)
    reads — a row per region instead of the municipalities' sums whole (issue #16). A
    region operator's scope still reads the municipalities' sums (a pair counts there
    only if a member works inside the scope: ``pairs_visible``). Kept with the
    municipalities' sums in the same transaction, by their difference, under the
    region's lock (``tallies._hold_region_sums``, taken last); redone whole from the
    municipalities' sums when a municipality moves to another region or goes, and by
    ``tandem tallies --rebuild`` (:mod:`tandem.maps.tallies`)."""

    region = models.ForeignKey("territory.Region", on_delete=models.CASCADE,
                               related_name="+")
    sector = models.CharField(max_length=20)
    competency = models.CharField(max_length=40)
    technology = models.CharField(max_length=200)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("итог технологий региона")
        verbose_name_plural = _("итоги технологий регионов")
        constraints = [models.UniqueConstraint(
            fields=["region", "sector", "competency", "technology"],
            name="one_technology_region_sum")]

    def __str__(self) -> str:
        return f"{self.region_id}/{self.competency}/{self.technology}: {self.rows}"


class TechnologyTallyMark(models.Model):
    """An organization's pairs' rows, terms or members changed: written by the writer's
    transaction, removed by the rebuild that saw it. Inserts only (as ``PairTallyMark``).
    ``municipality_id``: the municipality an organization that moved or changed its
    sector (or went) was summed into before — the rebuild sums that one again too."""

    id = models.BigAutoField(primary_key=True)
    organization_id = models.IntegerField(db_index=True)
    municipality_id = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("отметка к пересчёту технологий")
        verbose_name_plural = _("отметки к пересчёту технологий")

    def __str__(self) -> str:
        return f"{self.organization_id} @ {self.created_at}"
