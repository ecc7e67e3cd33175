"""Participants: the teachers who take part in reverse mentoring."""

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models, router, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from tandem.core.text import normalize_name, search_words, sort_key
from tandem.territory.models import Municipality, Organization, Region
from tandem.web.transactions import ids_at_commit

MAX_EXPERIENCE_YEARS = 60


class AgeBand(models.TextChoices):
    """An age band instead of a birth date: the minimum that 152-ФЗ lets us keep."""

    UNDER_25 = "u25", _("до 25 лет")
    FROM_25 = "25-34", _("25–34 года")
    FROM_35 = "35-44", _("35–44 года")
    FROM_45 = "45-54", _("45–54 года")
    FROM_55 = "55-64", _("55–64 года")
    FROM_65 = "65+", _("65 лет и старше")


def consent_q(prefix: str = "") -> models.Q:
    """Has both written consents — to mentoring (ст. 351.8 ТК РФ) and to the processing of
    personal data (152-ФЗ). The one home of the rule; ``prefix`` reaches a participant
    through a relation (``"participants__"``) for filters and ``Count(filter=…)``.
    One prediction restates it: seed-demo's ``draw_ahead`` (tandem/demo/services.py)
    guesses from the drawn people who will be asked; a change here makes its guess miss
    and the region's answers drawn again — the same rows, only slower (its test says
    which)."""
    return models.Q(**{f"{prefix}mentoring_consent_date__isnull": False,
                       f"{prefix}personal_data_consent_date__isnull": False})


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def active(self) -> "ParticipantQuerySet":
        return self.filter(is_active=True)

    def with_consent(self) -> "ParticipantQuerySet":
        return self.filter(consent_q())

    def mailable(self) -> "ParticipantQuerySet":
        """The one rule of who may be sent e-mail (the same as :attr:`Participant.mailable`):
        still in the programme, with an address, and with the consent to the processing of
        personal data (152-ФЗ). The named exceptions are listed in docs/security.md."""
        return self.filter(is_active=True, personal_data_consent_date__isnull=False).exclude(
            email="")

    def search(self, text: str) -> "ParticipantQuerySet":
        """Every word of ``text`` must occur in the full name (ё = е, any case)."""
        qs = self
        for word in search_words(text):
            qs = qs.filter(search_name__contains=word)
        return qs

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        """As ``QuerySet.bulk_create``, with the place of each person's organization
        (``Participant.municipality``, ``Participant.region``) read in one query for
        those that do not carry it yet (``Participant.save`` writes it in its own
        statement); again after the commit, as :meth:`keep_places_at_commit` says."""
        objs = list(objs)
        missing = {p.organization_id for p in objs
                   if p.municipality_id is None or p.region_id is None}
        if missing:
            place = {pk: (municipality, region) for pk, municipality, region in
                     Organization.objects.filter(pk__in=missing).values_list(
                         "pk", "municipality_id", "municipality__region_id")}
            for p in objs:
                if (p.municipality_id is None or p.region_id is None) \
                        and p.organization_id in place:
                    p.municipality_id, p.region_id = place[p.organization_id]
        created = super().bulk_create(objs, *args, **kwargs)
        pks = [p.pk for p in created if p.pk is not None]
        if pks:  # their organizations may be moving in a transaction not committed yet
            self.keep_places_at_commit_of(pks)
        return created

    def keep_places(self) -> int:
        """Writes the place of these people's organizations as it is now
        (``Participant.municipality``, ``Participant.region``) on the people where it
        differs: after an organization or a municipality moved (tandem/people/places.py).
        Derived columns, left out of the person's audit trail (the move itself is in the
        moved row's), so a plain ``UPDATE``: one statement that touches only the people
        whose kept place is not the one now. Returns how many people changed."""
        municipality_now, region_now = _places_now()
        return Participant.objects.filter(pk__in=self.stale_places().values("pk")).update(
            municipality_id=municipality_now, region_id=region_now)

    def stale_places(self) -> "ParticipantQuerySet":
        """Those of these people whose kept place (``municipality``, ``region``) is not
        their organization's now: none after every move (:meth:`keep_places`) — a check.
        One join with the organizations and their municipalities."""
        return self.filter(~Q(municipality_id=F("organization__municipality_id"))
                           | ~Q(region_id=F("organization__municipality__region_id")))

    def keep_places_at_commit(self) -> None:
        """:meth:`keep_places` again on the same people right after the transaction
        commits (at once outside one). Each writer of a person's place reads it from what
        it sees, and a concurrent move is not seen until it commits: a person saved (or
        created) while their organization moves to another municipality, or that
        municipality to another region. Each side runs this, so whichever commits last
        sees both and writes the place as it is then (as ``PairQuerySet.keep_regions``)."""
        again = self.all()
        # The primary's commit, even inside ``reading_from_replica()`` (``self.db`` is the
        # alias the people are read from).
        transaction.on_commit(again.keep_places, using=router.db_for_write(self.model))

    def keep_places_at_commit_of(self, pks: Iterable[int]) -> None:
        """:meth:`keep_places_at_commit` of the people ``pks`` (not of this queryset's
        filter: call it on ``Participant.objects``), collected over the whole transaction:
        one run after its commit over every person given in it, a thousand a statement
        (``web/transactions.py: ids_at_commit``) — not one callback and one transaction
        a person saved (a roster import of 500 changed people, issue #16)."""
        # The primary's commit, as above.
        ids_at_commit("people.keep_places", pks, _keep_places_of,
                      using=router.db_for_write(self.model))


def _keep_places_of(pks: list[int]) -> None:
    Participant.objects.filter(pk__in=pks).keep_places()


def _places_now() -> tuple[Subquery, Subquery]:
    """The municipality and the region of a person's organization as they are now, for
    an ``UPDATE`` of people (correlated on the updated row's organization)."""
    def of(field: str) -> Subquery:
        return Subquery(Organization.objects.filter(pk=OuterRef("organization_id"))
                        .order_by().values(field)[:1])

    return of("municipality_id"), of("municipality__region_id")


# The place kept on each person (Participant.municipality, Participant.region).
PLACE_COLUMNS = ("municipality", "region")


class Participant(models.Model):
    # Indexed by ``participant_org_id`` below (organization first), not by a key of its own.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                     related_name="participants", db_index=False,
                                     verbose_name=_("организация"))
    # The place of the organization as it is now: its municipality and that
    # municipality's region — derived copies, as ``Pair.region`` is of the pairs' (issue
    # #16). The rule «who sees this person» (``Scope.participant_q``) and the participants'
    # list of a coordinator or a region operator read them and the indexes
    # ``participant_municipality_list`` / ``participant_region_list`` below: a region's
    # 400th page walks its own people in name order instead of the whole country's
    # (docs/performance.md). Written by save() (in its own statement, from the
    # organization's row), ``ParticipantQuerySet.bulk_create`` and seed-demo's ``COPY``;
    # followed when an organization moves to another municipality and a municipality to
    # another region (tandem/people/places.py); checked and repaired by ``tandem
    # tallies``. Derived, so not in the person's audit trail (tandem/people/apps.py).
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+",
                                     editable=False, db_index=False,  # the list's index
                                     verbose_name=_("муниципалитет"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               editable=False, db_index=False,  # the list's index
                               verbose_name=_("регион"))
    surname = models.CharField(_("фамилия"), max_length=100)
    name = models.CharField(_("имя"), max_length=100)
    patronymic = models.CharField(_("отчество"), max_length=100, blank=True)
    position = models.CharField(_("должность"), max_length=200)
    subject = models.CharField(_("предмет или направление работы"), max_length=200, blank=True)
    # Where the person works when the organization has several buildings (the pair rule
    # «в одном здании», tandem/core/programmes.py); empty — the organization's only one.
    building = models.CharField(
        _("здание (корпус, площадка)"), max_length=200, blank=True,
        help_text=_("Если у организации несколько зданий. Пусто — основное здание."))
    experience_years = models.PositiveSmallIntegerField(
        _("педагогический стаж, лет"),
        validators=[
            MinValueValidator(0, _("Стаж не может быть отрицательным.")),
            MaxValueValidator(MAX_EXPERIENCE_YEARS,
                              _("Стаж не может быть больше %(limit_value)s лет.")),
        ],
    )
    age_band = models.CharField(_("возрастная группа"), max_length=5, choices=AgeBand.choices)
    email = models.EmailField(_("e-mail"), max_length=254)
    phone = models.CharField(_("телефон"), max_length=30, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="participant",
                                verbose_name=_("учётная запись"))
    mentoring_consent_date = models.DateField(
        _("письменное согласие на наставничество (дата)"), null=True, blank=True,
        help_text=_("Ст. 351.8 ТК РФ: наставничество только с письменного согласия работника."))
    personal_data_consent_date = models.DateField(
        _("согласие на обработку персональных данных (дата)"), null=True, blank=True,
        help_text=_("152-ФЗ: дата подписанного согласия."))
    line_manager = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="reports",
                                     verbose_name=_("непосредственный руководитель"))
    is_active = models.BooleanField(_("активен"), default=True)
    deactivated_at = models.DateTimeField(_("выведен из программы"), null=True, blank=True)
    deactivation_reason = models.CharField(_("причина"), max_length=300, blank=True)
    # Lower-case full name with «ё» as «е», kept by save(); SQLite's LIKE folds case of
    # ASCII letters only, so Cyrillic search needs a normalised column.
    search_name = models.CharField(max_length=310, editable=False, db_index=True)
    # Set once, by the anonymisation (people.personal_data.participant_anonymise): the one
    # mark of an anonymised person — not the erased surname, which a real person may have.
    anonymised_at = models.DateTimeField(_("обезличен"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking, as map rows do: an edit carries the version it was made from,
    # and a save from an older version is refused (``people.services.participant_save``).
    version = models.PositiveIntegerField(default=1, editable=False)

    # The person's own choice (the bell and the home page show everything anyway).
    class EmailReminders(models.TextChoices):
        IMMEDIATELY = "immediately", _("сразу: письмо о каждом новом уведомлении")
        DAILY = "daily", _("раз в день, одним письмом")
        OFF = "off", _("не присылать: смотрю колокольчик и главную")

    email_reminders = models.CharField(
        _("письма-напоминания"), max_length=12, choices=EmailReminders.choices,
        default=EmailReminders.DAILY)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("участник")
        verbose_name_plural = _("участники")
        ordering = ["surname", "name", "patronymic", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="participant_email_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(experience_years__lte=MAX_EXPERIENCE_YEARS),
                name="participant_experience_range",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "is_active"]),
            # The people of a scope's organizations (``Scope.participant_q``: "a pair is
            # visible if either member is in scope") straight from the index, without
            # reading the table: 1.0–1.4 s → 0.5–0.9 s for a region of 300,000
            # (docs/performance.md). Also serves the foreign key.
            models.Index(fields=["organization", "id"], name="participant_org_id"),
            # The overview's «нет согласия» list (``home.selectors.missing_consent``): the
            # first few active people without both consents, by name — small (only those
            # still without consent) and already in the list's order.
            models.Index(fields=["search_name", "id"], name="participant_no_consent_name",
                         condition=models.Q(is_active=True) & ~consent_q()),
            # The positions of the «Участники» filter
            # (``directory.selectors.participant_positions``): the next distinct position
            # and whether someone of the scope's organizations holds it, one probe each,
            # instead of reading a region's people.
            models.Index(fields=["position", "organization"], name="participant_position"),
            # The participants' list of a coordinator and of a region operator
            # (``directory.selectors.participant_list``: the scope's people by the kept
            # place, active, in name order) — one range of one index in the list's order,
            # any page deep, without the table for the keys; and the scope's people of
            # ``Scope.person_q`` (their ids) from the index alone.
            models.Index(fields=["municipality", "is_active", "search_name", "id"],
                         name="participant_municipality_list"),
            models.Index(fields=["region", "is_active", "search_name", "id"],
                         name="participant_region_list"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keeps ``search_name`` and the place of the organization (``municipality``,
        ``region``): every save that writes the organization writes its place too, read in
        the same statement from the organization's row (no query of its own; the values
        come back by ``RETURNING``) — so a save from an out-of-date copy that puts an older
        organization back puts its place back with it — and once more after the commit
        (an organization moving in a transaction not committed yet:
        ``ParticipantQuerySet.keep_places_at_commit_of``)."""
        self.refresh_search_name()
        self.email = self.email.strip().lower()
        update_fields = kwargs.get("update_fields")
        placed = update_fields is None or bool(
            {"organization", "organization_id"} & set(update_fields))
        if placed:
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *PLACE_COLUMNS}
            kept = self.municipality_id, self.region_id
            here = Organization.objects.filter(pk=self.organization_id).order_by()
            self.municipality_id = Subquery(here.values("municipality_id")[:1])
            self.region_id = Subquery(here.values("municipality__region_id")[:1])
        try:
            super().save(*args, **kwargs)
        except BaseException:
            if placed:  # a failed save leaves no SQL on the copy (review of h/partcols)
                self.municipality_id, self.region_id = kept
            raise
        if placed:  # one run for the whole transaction, with every other person saved
            Participant.objects.keep_places_at_commit_of([self.pk])

    @property
    def is_anonymised(self) -> bool:
        """Whether the person's names and contacts were erased (docs/rules.md)."""
        return self.anonymised_at is not None

    # What :attr:`full_name` and :attr:`short_name` read, surname first: a list that
    # loads people with ``only()`` and prints their names names these columns
    # (``*NAME_FIELDS``, or ``f"a__{f}"`` through a relation), not a copy of them.
    NAME_FIELDS = ("surname", "name", "patronymic")

    @staticmethod
    def name_of(*parts: str) -> str:
        """The full name from the values of ``NAME_FIELDS`` (read as columns elsewhere)."""
        return " ".join(p for p in parts if p)

    @property
    def full_name(self) -> str:
        return self.name_of(*(getattr(self, f) for f in self.NAME_FIELDS))

    @staticmethod
    def short_name_of(surname: str, *given: str) -> str:
        """The surname and initials from the values of ``NAME_FIELDS``."""
        initials = "".join(f"{p[0]}." for p in given if p)
        return f"{surname} {initials}".strip()

    @property
    def short_name(self) -> str:
        return self.short_name_of(*(getattr(self, f) for f in self.NAME_FIELDS))

    @property
    def wants_reminders(self) -> bool:
        """Reminder letters (overdue tasks, quiet pairs, maps not agreed, unanswered
        surveys) go to whom :attr:`mailable` allows and who did not turn them off
        (``email_reminders``). Notices the law or the pair needs — a pair to confirm, a
        decline, an invitation to a diagnostic — follow :attr:`mailable` alone."""
        return self.mailable and self.email_reminders != self.EmailReminders.OFF

    @property
    def mailable(self) -> bool:
        """The one rule of who may be sent e-mail (every letter: pair notices, surveys,
        reminders, diagnostic invitations, school letters): still in the programme, with an
        address and the consent to the processing of personal data (152-ФЗ). The queryset
        twin is ``Participant.objects.mailable()``; the only exception (the curator's
        appointment letter) is named in docs/security.md."""
        return bool(self.is_active and self.email and self.personal_data_consent_date)

    @property
    def has_consent(self) -> bool:
        """The rule of :func:`consent_q` for one loaded participant."""
        return bool(self.mentoring_consent_date and self.personal_data_consent_date)

    def refresh_search_name(self) -> None:
        self.search_name = normalize_name(self.surname, self.name, self.patronymic)

    def get_additional_data(self) -> dict[str, object]:
        return self.organization.audit_data()


def by_name(p: "Participant") -> tuple[str, str, int]:
    """The key of people's Russian alphabetical order (``sorted(people, key=by_name)``):
    surname, name, patronymic; case ignored, «ё» as «е» (``tandem.core.text.sort_key``)."""
    return (*sort_key(p.full_name), p.pk)


def organizations_now(ids: Iterable[int], *, using: str) -> dict[int, int]:
    """The one home of «the organizations these people belong to now», as a record takes
    its person's organization (a questionnaire handed out, submitted or reopened —
    ``diagnostics.models.Response.organization``; a survey created or answered —
    ``surveys.models.Survey.organization``): ``{person: organization}``, read ``FOR SHARE``
    on PostgreSQL (in the order of the people, 2,000 a statement) and held until the
    caller's transaction ends — call it inside one. A person's move updates their row
    (``FOR NO KEY UPDATE``, which a share lock conflicts with): a record written while its
    person is moving would otherwise take the organization they are leaving after the
    move committed, or before it, unseen by it (the move follows their questionnaires not
    submitted: ``diagnostics.tallies._participant_moved``). Held, the move waits for the
    caller's transaction, or the caller for the move (and then reads the new
    organization); and the organization read cannot lose its last person and be deleted
    before the caller commits. Take it before the rows of the records themselves, in the
    move's order (the person's row, then theirs). SQLite writes one transaction at a time:
    a plain read."""
    people = sorted(set(ids))
    found: dict[int, int] = {}
    connection = connections[using]
    for start in range(0, len(people), 2000):
        rows = (Participant.objects.using(using).filter(pk__in=people[start:start + 2000])
                .order_by("pk").values_list("pk", "organization_id"))
        if connection.vendor != "postgresql":
            found.update(rows)
            continue
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} FOR SHARE", params)
            found.update(cursor.fetchall())
    return found


def fill_organizations_now(records: Iterable[Any], *, using: str) -> None:
    """Gives each record (a questionnaire, a survey: a ``participant_id`` and an
    ``organization_id``) made without its organization its person's now, read by
    :func:`organizations_now` (``FOR SHARE``, held to the end of the caller's transaction:
    call it inside the one that inserts them) — one query a 2,000 people."""
    records = list(records)
    missing = {r.participant_id for r in records if r.organization_id is None}
    if not missing:
        return
    of = organizations_now(missing, using=using)
    for record in records:
        if record.organization_id is None:
            record.organization_id = of.get(record.participant_id)


def organizations_then(moments: Iterable[tuple[int, dt.datetime]]
                       ) -> dict[tuple[int, dt.datetime], int]:
    """``{(person, moment): organization}``: the organization each person belonged to at
    a moment, read from the audit trail of their moves (one query): the organization the
    first move after the moment left (an entry whose ``changes`` name the organization,
    the value before), or, no move since, the one they belong to now. A move written
    without an entry (none does: every move saves the person) reads as no move — the
    organization now."""
    from auditlog.models import LogEntry

    wanted = set(moments)
    if not wanted:
        return {}
    people = {person for person, _at in wanted}
    now = dict(Participant.objects.filter(pk__in=people).values_list("pk", "organization_id"))
    moves: dict[int, list[tuple[dt.datetime, int]]] = {}
    for person, at, changes in (
            LogEntry.objects.get_for_model(Participant)
            .filter(object_id__in=people, action=LogEntry.Action.UPDATE,
                    timestamp__gt=min(at for _person, at in wanted),
                    changes__has_key="organization")
            .order_by("timestamp", "pk").values_list("object_id", "timestamp", "changes")):
        left = str(changes["organization"][0])
        if left.isdigit():
            moves.setdefault(person, []).append((at, int(left)))
    found = {}
    for person, at in wanted:
        first = next((left for moved, left in moves.get(person, []) if moved > at), None)
        organization = first if first is not None else now.get(person)
        if organization is not None:
            found[(person, at)] = organization
    return found


_Record = TypeVar("_Record", bound=models.Model)


class PersonsOrganizationQuerySet(models.QuerySet[_Record]):
    """The queryset of a record that takes its person's organization (a questionnaire, a
    survey): ``bulk_create`` fills it for those made without one, as
    :class:`TakesPersonsOrganization`'s ``save`` does — read ``FOR SHARE`` and held
    through the insert (:func:`organizations_now`, one query a 2,000 people): a move of
    one of them waits for it, or it for the move (and then it takes the new
    organization)."""

    def bulk_create(self, objs: Iterable[_Record], *args: Any,  # type: ignore[override]
                    **kwargs: Any) -> list[Any]:
        records: list[Any] = list(objs)
        self._for_write = True  # as Django's own: the write database, not the read side
        using = self.db
        with transaction.atomic(using=using):
            fill_organizations_now(records, using=using)
            return list(super().bulk_create(records, *args, **kwargs))


class TakesPersonsOrganization(models.Model):
    """A record (with ``participant`` and ``organization``) that, made without its
    organization, takes its person's now — read ``FOR SHARE`` and held through the
    insert (:func:`organizations_now`)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        record: Any = self
        if not (self._state.adding and record.organization_id is None
                and record.participant_id):
            super().save(*args, **kwargs)
            return
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            fill_organizations_now([self], using=using)
            super().save(*args, **kwargs)


class PeopleCount(models.Model):
    """Per organization: its active people, those of them with both consents
    (:func:`consent_q`) and those with a login — kept by :mod:`tandem.people.counts`, so the
    overview, the organizations' tree and the dashboard read them instead of counting a
    region's people on every request (issue #16). Whether they wait for a recount is a
    :class:`PeopleCountMark` row's."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE,
                                        primary_key=True, related_name="people_count")
    active = models.PositiveIntegerField(default=0)
    with_consent = models.PositiveIntegerField(default=0)
    with_login = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("число участников организации")
        verbose_name_plural = _("числа участников организаций")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.active}"


class PeopleCountMark(models.Model):
    """Someone of an organization joined, left, moved, consented or got a login: written
    by the writer's transaction, removed by the recount that saw it. Inserts only, a plain
    organization id (as the other kept figures' marks): writers never wait on each other
    or on a recount."""

    id = models.BigAutoField(primary_key=True)
    organization_id = models.IntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("отметка к пересчёту числа участников")
        verbose_name_plural = _("отметки к пересчёту числа участников")

    def __str__(self) -> str:
        return f"{self.organization_id} @ {self.created_at}"
