"""Reads of the framework, campaigns and answers, always through the user's scope."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404

from tandem.access.scope import Access, Scope
from tandem.core import diagnostics as core
from tandem.diagnostics.models import (
    DEFICIT_Q,
    STRENGTH_Q,
    Answer,
    AnswerTally,
    Campaign,
    Competency,
    CompetencyArea,
    FrameworkVersion,
    Response,
    ResponseTally,
    ResultImport,
    answerable_q,
    baseline_frozen_q,
    response_organization,
)
from tandem.territory.models import Region

# Above this many respondents the deficit map shows organizations, not people.
MAP_MAX_PEOPLE = 60


def framework_current() -> FrameworkVersion:
    """The published version (``FrameworkVersion.DoesNotExist`` when none is)."""
    version = FrameworkVersion.objects.current()
    if version is None:
        raise FrameworkVersion.DoesNotExist("no framework version has been published")
    return version


def framework_published() -> FrameworkVersion | None:
    """The published version, or None on a database that has none (a page says so)."""
    return FrameworkVersion.objects.current()


def framework_for_new_campaign() -> FrameworkVersion:
    """A new campaign takes the published version; a database whose data was flushed
    (no version at all) gets the default framework loaded first, as a fresh installation
    has it (a write, so only on a POST)."""
    version = FrameworkVersion.objects.current()
    if version is None:
        from tandem.diagnostics.defaults import ensure_default_framework

        return ensure_default_framework()
    return version


def framework_areas(*, scope: Scope) -> QuerySet[CompetencyArea]:
    """The framework's areas with the competencies the user reads: the federal ones and
    their home regions' own (``Scope.competency_q``)."""
    return CompetencyArea.objects.prefetch_related(Prefetch(
        "competencies", queryset=competencies_readable(scope=scope)))


def competencies_readable(*, scope: Scope) -> QuerySet[Competency]:
    """Federal competencies and the user's home regions' own, in the framework's order."""
    return Competency.objects.filter(scope.competency_q()).select_related("area", "region")


def competency_choices(*, region_ids: Iterable[int] = ()) -> list[tuple[str, str]]:
    """Active competencies as (code, "area: name"), in the framework's order: the one
    list a form offers when it names a competency — the federal ones and those of
    ``region_ids`` (another region's own are never offered)."""
    return [(c.code, f"{c.area.name}: {c.name}") for c in Competency.objects.of_regions(
        region_ids).filter(is_active=True).select_related("area").order_by(
        "area__order", "order", "code")]


def competency_ids(codes: list[str]) -> dict[str, int]:
    """The ids of the competencies with these codes (an unknown code is not a key); a
    code is no secret, and the form that takes the ids offers only the user's own."""
    return dict(Competency.objects.filter(code__in=codes).values_list("code", "pk"))


def areas_of(codes: Iterable[str], known: dict[str, str] | None = None) -> dict[str, str]:
    """The area code of each competency code: its competency's (one query); a code no
    competency has falls back to the part before the dot, as federal codes are written
    (a region's code «tyumen:local_history» says nothing of its area). ``known``: the
    rows of :func:`competency_areas` for these codes, read already (with other reads in
    one statement: ``web.together``) — no query here."""
    codes = set(codes)
    if known is None:
        known = dict(competency_areas(codes))
    return {code: known.get(code) or code.split(".", 1)[0] for code in codes}


def competency_areas(codes: Any) -> QuerySet[Any]:
    """(code, area code) of the competencies with these codes (a list, or a subquery of
    codes): what :func:`areas_of` reads."""
    return Competency.objects.filter(code__in=codes).order_by().values_list("code", "area__code")


def competency_get(*, scope: Scope, pk: int, for_: Access = "view") -> Competency:
    """A competency the user reads (``Scope.competency_q``); ``for_="manage"`` only for
    its owner — the federal operator for a federal one, the region's operator for a
    region's own: anyone else gets a 404, as for any object they may not change."""
    if for_ == "view" and not scope.can_read_framework:
        raise Http404
    qs = Competency.objects.filter(scope.competency_q(manage=for_ == "manage"))
    return get_object_or_404(qs.select_related("region"), pk=pk)


def competency_entry(c: Competency) -> dict[str, object]:
    """A competency as a version's snapshot holds it (``FrameworkVersion``)."""
    entry: dict[str, object] = {
        "code": c.code, "name": c.name, "description": c.description,
        "descriptors": c.descriptors, "typical_direction": c.typical_direction}
    if c.region_id is not None:
        entry["region"] = c.region_id
    return entry


def region_snapshot(federal: FrameworkVersion, region: Region) -> dict[str, Any] | None:
    """The federal version with the region's own competencies in use added at the end of
    their areas (None when the region has none): what the region's people are diagnosed on.
    ``federal`` names the version it extends."""
    own = list(Competency.objects.filter(region=region, is_active=True).select_related("area"))
    if not own:
        return None
    areas: list[dict[str, Any]] = [dict(a, competencies=list(a["competencies"]))
                                   for a in federal.snapshot["areas"]]
    by_code = {a["code"]: a for a in areas}
    for c in own:  # the model's order: area, order, code
        area = by_code.get(c.area.code)
        if area is None:  # an area with no federal competency in this version
            area = by_code[c.area.code] = {"code": c.area.code, "name": c.area.name,
                                           "competencies": []}
            areas.append(area)
        area["competencies"].append(competency_entry(c))
    return {"areas": areas, "federal": federal.number}


def framework_preview(*, scope: Scope, region_id: int | None = None) -> FrameworkVersion:
    """What a new campaign of one of the user's home regions would pin (the region with the
    smallest id, or ``region_id`` if it is one of them): the published federal version
    with the region's own competencies added — unsaved, a preview. Raises
    ``FrameworkVersion.DoesNotExist`` when nothing is published, ``Http404`` for a region
    that is not the user's."""
    federal = framework_current()
    regions = Region.objects.all() if scope.everything else Region.objects.filter(
        pk__in=scope.home_units.region_ids)
    region: Region | None
    if region_id is not None:
        region = get_object_or_404(regions, pk=region_id)
    else:
        region = None if scope.everything else regions.order_by("pk").first()
    snapshot = region_snapshot(federal, region) if region is not None else None
    if snapshot is None:
        return federal
    return FrameworkVersion(number=federal.number, note=federal.note, snapshot=snapshot,
                            region=region, created_at=federal.created_at)


def campaigns_visible(*, scope: Scope) -> QuerySet[Campaign]:
    """Campaigns of the user's territory, and the wider ones that include it."""
    qs = Campaign.objects.select_related("organization", "municipality", "region", "framework")
    if scope.everything:
        return qs
    if not scope.is_staff:
        return qs.none()
    return qs.filter(Q(organization__in=scope.organizations())
                     | Q(municipality__in=scope.municipalities())
                     | Q(region__in=scope.regions()))


CAMPAIGNS_PER_PAGE = 50
# Where a campaign stands, for the list's filter and counts (the four add up to all):
# running, past its end date but not closed (the operator's next step: close it, or
# remind those who have not finished), a baseline that takes no questionnaire any more
# though still open — its final round is closed (``models.baseline_frozen_q``), whatever
# its dates: no reminder goes out, nothing is sent, so it is neither running nor
# overdue —, closed.
RUNNING, OVERDUE, FROZEN, CLOSED = "running", "overdue", "frozen", "closed"


def campaign_state_q(today: dt.date) -> dict[str, Q]:
    frozen = baseline_frozen_q()
    return {RUNNING: Q(status=Campaign.Status.OPEN, ends_on__gte=today) & ~frozen,
            OVERDUE: Q(status=Campaign.Status.OPEN, ends_on__lt=today) & ~frozen,
            FROZEN: Q(status=Campaign.Status.OPEN) & frozen,
            CLOSED: Q(status=Campaign.Status.CLOSED)}


class _Counted(Sequence[int]):
    """Ids whose number is already known: the paginator takes ``len`` and slices them,
    without a count query."""

    def __init__(self, rows: QuerySet[Any, int], count: int) -> None:
        self.rows, self.n = rows, count

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...
    def __getitem__(self, index: int | slice) -> int | list[int]:
        return self.rows[index] if isinstance(index, int) else list(self.rows[index])


@dataclass
class CampaignsPage:
    counts: dict[str, int]  # per state, of every campaign listed under the municipality filter
    page: Page[int]  # the ids of the campaigns shown
    rows: list[tuple[Campaign, "Progress"]]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def campaigns_page(*, scope: Scope, today: dt.date, municipality_id: int | None = None,
                   state: str = "", page: int | str | None = 1) -> CampaignsPage:
    """The campaigns list of a staff member: how many campaigns are running, overdue and
    closed (one aggregate), and one page of them (newest first) with their progress summed
    from the kept tallies — four queries, whatever the number of campaigns (at 5,456
    organizations every one has its own). ``municipality_id``: the campaigns of that
    municipality and of its organizations."""
    states = campaign_state_q(today)
    listed = campaigns_visible(scope=scope).select_related(None)
    if municipality_id is not None:
        listed = listed.filter(Q(municipality_id=municipality_id)
                               | Q(organization__municipality_id=municipality_id))
    counts = {name: n or 0 for name, n in listed.order_by().aggregate(
        **{name: Count("pk", filter=q) for name, q in states.items()}).items()}
    if state in states:
        listed = listed.filter(states[state])
    # The page is cut from the ids alone (no join for the thousands not shown); the counts
    # above already say how many there are.
    ids = _Counted(listed.order_by("-starts_on", "-pk").values_list("pk", flat=True),
                   counts[state] if state in states else sum(counts.values()))
    shown: Page[int] = Paginator(ids, CAMPAIGNS_PER_PAGE).get_page(page)
    # The list needs no framework (its snapshot is 30 KB a row).
    found: dict[int, Campaign] = {c.pk: c for c in Campaign.objects.filter(
        pk__in=list(shown.object_list))
             .select_related("organization", "municipality", "region")
             .annotate(frozen=ExpressionWrapper(states[FROZEN], output_field=BooleanField()))}
    campaigns = [found[pk] for pk in shown.object_list if pk in found]
    progress = campaigns_progress(campaigns=campaigns, scope=scope)
    return CampaignsPage(counts=counts, page=shown,
                         rows=[(c, progress[c.pk]) for c in campaigns])


def campaigns_manageable(*, scope: Scope) -> QuerySet[Campaign]:
    """Campaigns whose whole territory lies in the user's scope."""
    qs = campaigns_visible(scope=scope)
    if scope.everything:
        return qs
    return qs.filter(Q(organization__in=scope.organizations())
                     | Q(municipality__in=scope.coordinated_municipalities())
                     | Q(region_id__in=scope.region_ids))


def campaign_get(*, scope: Scope, pk: int, for_: Access = "view") -> Campaign:
    """A campaign of the user's territory; ``for_="manage"`` only if its whole territory
    lies in the user's scope (see :func:`campaigns_manageable`)."""
    qs = campaigns_manageable(scope=scope) if for_ == "manage" else campaigns_visible(scope=scope)
    return get_object_or_404(qs, pk=pk)


def result_import_get(*, scope: Scope, campaign: Campaign, pk: int) -> ResultImport:
    """An upload of external results to ``campaign`` (fetched for "manage") that the user
    made and has not committed yet."""
    return get_object_or_404(campaign.imports.filter(
        uploaded_by_id=scope.user_id, committed_at__isnull=True), pk=pk)


def campaign_responses(*, campaign: Campaign, scope: Scope) -> QuerySet[Response]:
    """The questionnaires of the campaign that the user may see."""
    return Response.objects.filter(
        campaign=campaign, participant__in=scope.manageable_participants())


@dataclass(frozen=True)
class Progress:
    total: int
    new: int
    draft: int
    submitted: int

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.total) if self.total else 0


def campaign_progress(*, campaign: Campaign, scope: Scope) -> Progress:
    return campaigns_progress(campaigns=[campaign], scope=scope)[campaign.pk]


def campaigns_progress(*, campaigns: list[Campaign], scope: Scope) -> dict[int, Progress]:
    """Progress of many campaigns in one query, over the questionnaires of the people the
    user manages — summed from the figures kept per organization
    (tandem/diagnostics/tallies.py), never counted over the questionnaires: the people a
    staff member manages are always whole organizations (``Scope.participant_q``), a
    teacher manages nobody. A change not yet rebuilt shows once its organization's job
    has run (the dashboard says how many wait)."""
    result = {c.pk: Progress(0, 0, 0, 0) for c in campaigns}
    if not scope.is_staff or not campaigns:
        return result
    kept = ResponseTally.objects.filter(campaign__in=[c.pk for c in campaigns])
    if not scope.everything:
        kept = kept.filter(organization__in=scope.organizations())
    for row in kept.values("campaign_id").order_by().annotate(
            total=Sum("invited"), new=Sum("new"), draft=Sum("draft"),
            submitted=Sum("submitted")):
        result[row["campaign_id"]] = Progress(total=row["total"], new=row["new"],
                                              draft=row["draft"], submitted=row["submitted"])
    return result


def campaigns_progress_live(*, campaigns: list[Campaign], scope: Scope
                            ) -> dict[int, Progress]:
    """The same progress counted over the questionnaires themselves: the oracle the
    tests hold the kept figures to (no page calls it) — each questionnaire in the
    organization it counts in (:func:`models.response_organization`: submitted, where its
    person answered it), of the user's organizations (a teacher's: none)."""
    responses = Response.objects.filter(campaign__in=campaigns)
    if not scope.is_staff:
        responses = responses.none()
    elif not scope.everything:
        responses = responses.filter(
            **{f"{response_organization()}__in": scope.organizations()})
    rows = (responses.values("campaign").annotate(
                total=Count("pk"),
                new=Count("pk", filter=Q(status=Response.Status.NEW)),
                draft=Count("pk", filter=Q(status=Response.Status.DRAFT)),
                submitted=Count("pk", filter=Q(status=Response.Status.SUBMITTED))))
    result = {c.pk: Progress(0, 0, 0, 0) for c in campaigns}
    for row in rows:
        result[row["campaign"]] = Progress(total=row["total"], new=row["new"],
                                           draft=row["draft"], submitted=row["submitted"])
    return result


def campaign_unfinished(*, campaign: Campaign, scope: Scope,
                        limit: int = 50) -> list[Response]:
    return list(campaign_responses(campaign=campaign, scope=scope)
                .exclude(status=Response.Status.SUBMITTED)
                .select_related("participant__organization")
                .order_by("participant__surname", "participant__name", "pk")[:limit])


@dataclass
class CompetencyRow:
    code: str
    name: str
    area: str
    area_name: str
    cells: list[Any] = field(default_factory=list)
    strong: int = 0
    deficit: int = 0
    answered: int = 0


@dataclass
class DeficitMap:
    """Competencies × columns. By people, a cell is an answer's mark; by organizations,
    the share (0–100) of those who gave the competency a level with a deficit in it. Not
    under the release rule (docs/monitoring.md, «Правило публикации дефицитов»): only
    those who may open the questionnaires themselves reach it (``campaign_get``)."""

    by: str  # "people" or "organizations"
    columns: list[tuple[int, str]]
    rows: list[CompetencyRow]
    respondents: int


def deficit_map(*, campaign: Campaign, scope: Scope) -> DeficitMap:
    """The map of deficits and strengths over the submitted questionnaires. The totals
    and the map by organizations come from the figures kept per organization
    (tandem/diagnostics/tallies.py: a region's campaign has millions of answers); the map
    by people reads the few answers it shows — and counts its totals from those same
    answers: the questionnaires submitted in the user's organizations (where they count,
    :func:`models.response_organization`) whose people the user manages now. A person who
    answered here and has moved away since is in the organizations' figures but no longer
    the user's to see: in neither the columns nor the totals (the totals less the columns
    would give their marks away); one who answered elsewhere and is the user's now is in
    neither either."""
    orgs = scope.organizations()
    counted = AnswerTally.objects.filter(campaign=campaign, organization__in=orgs)
    respondents = ResponseTally.objects.filter(
        campaign=campaign, organization__in=orgs).aggregate(n=Sum("submitted"))["n"] or 0
    rows = {c["code"]: CompetencyRow(c["code"], c["name"], c["area"], c["area_name"])
            for c in campaign.framework.competencies()}
    for item in counted.values("competency").order_by().annotate(
            strong=Sum("strong"), deficit=Sum("deficit"), answered=Sum("answered")):
        row = rows.get(item["competency"])
        if row:
            row.strong, row.deficit = item["strong"], item["deficit"]
            row.answered = item["answered"]

    if respondents <= MAP_MAX_PEOPLE:
        submitted = campaign_responses(campaign=campaign, scope=scope).filter(
            status=Response.Status.SUBMITTED, **{f"{response_organization()}__in": orgs})
        answers = Answer.objects.filter(response__in=submitted)
        for row in rows.values():
            row.strong = row.deficit = row.answered = 0
        for item in answers.values("competency").order_by().annotate(
                strong=Count("pk", filter=STRENGTH_Q), deficit=Count("pk", filter=DEFICIT_Q),
                answered=Count("pk", filter=Q(level__isnull=False))):
            row = rows.get(item["competency"])
            if row:
                row.strong, row.deficit = item["strong"], item["deficit"]
                row.answered = item["answered"]
        cells: dict[tuple[str, int], core.Mark] = {}
        people: dict[int, tuple[str, str]] = {}
        for a in answers.values(
                "response__participant_id", "response__participant__surname",
                "response__participant__name", "competency", "level", "can_teach",
                "wants_to_learn"):
            pk = a["response__participant_id"]
            people[pk] = (a["response__participant__surname"], a["response__participant__name"])
            cells[(a["competency"], pk)] = core.Mark(a["level"], a["can_teach"],
                                                     a["wants_to_learn"])
        order = sorted(people, key=lambda pk: (*people[pk], pk))
        columns = [(pk, f"{people[pk][0]} {people[pk][1][:1]}.") for pk in order]
        for row in rows.values():
            row.cells = [cells.get((row.code, pk)) for pk in order]
        return DeficitMap("people", columns, list(rows.values()), submitted.count())

    per_org: dict[tuple[str, int], int] = {}
    names: dict[int, str] = {}
    # The share of those who gave the competency a level (a deficit needs one), as on the
    # dashboard — not of all answers: a blank level is no answer, not «no deficit».
    for cell in (counted.filter(answered__gt=0)
                 .values("competency", "organization_id", "organization__short_name")
                 .order_by().annotate(deficit=Sum("deficit"), n=Sum("answered"))):
        org = cell["organization_id"]
        names[org] = cell["organization__short_name"]
        per_org[(cell["competency"], org)] = round(100 * cell["deficit"] / cell["n"])
    columns = sorted(names.items(), key=lambda x: x[1])
    for row in rows.values():
        row.cells = [per_org.get((row.code, org)) for org, _n in columns]
    return DeficitMap("organizations", columns, list(rows.values()), respondents)


def responses_mine(*, scope: Scope) -> QuerySet[Response]:
    """The signed-in teacher's own questionnaires; ``answerable``: its round still takes
    it (``models.answerable_q``)."""
    if scope.own_participant_id is None:
        return Response.objects.none()
    return (Response.objects.filter(participant_id=scope.own_participant_id)
            .annotate(answerable=ExpressionWrapper(answerable_q("campaign__"),
                                                   output_field=BooleanField()))
            .select_related("campaign__framework").order_by("-campaign__starts_on", "-pk"))


# What a questionnaire is fetched for: to read it (its person and the staff who manage
# them), to answer it (its person only), to manage it (reopen, assess: staff only).
ResponseAccess = Literal["view", "answer", "manage"]


def _responses_q(scope: Scope, for_: ResponseAccess) -> Q:
    own = Q(participant_id=scope.own_participant_id) if scope.own_participant_id else Q(
        pk__in=[])
    managed = scope.person_q("participant", manage=True, by_key=True)
    q = {"view": own | managed, "answer": own, "manage": managed}[for_]
    return Q() if scope.everything and for_ == "view" else q


def response_get(*, scope: Scope, pk: int, for_: ResponseAccess = "view") -> Response:
    """A questionnaire the user may see: their own, or one of their managed people's;
    ``for_="answer"`` only their own, ``for_="manage"`` only their managed people's."""
    qs = Response.objects.select_related("campaign__framework", "participant__organization")
    return get_object_or_404(qs.filter(_responses_q(scope, for_)), pk=pk)


def responses_of(*, scope: Scope, participant_id: int) -> QuerySet[Response]:
    """One person's questionnaires that the user may open (as ``response_get``), newest
    campaign first: the participant's card links to their profiles."""
    return (Response.objects.filter(_responses_q(scope, "view"), participant_id=participant_id)
            .select_related("campaign").order_by("-campaign__starts_on", "-pk"))


def marks_of(response: Response) -> dict[str, core.Mark]:
    return {a.competency: a.mark for a in response.answers.all()}


def baseline_response(response: Response) -> Response | None:
    """The same person's submitted questionnaire in the campaign's baseline, if any."""
    baseline = response.campaign.baseline_id
    if not baseline:
        return None
    return (Response.objects.filter(campaign_id=baseline, participant_id=response.participant_id,
                                    status=Response.Status.SUBMITTED)
            .prefetch_related("answers").first())
