"""What the dashboard shows: a handful of aggregate queries, whatever the data size —
and, for staff, kept in the shared cache by unit (:func:`overview`)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q, QuerySet, Value
from django.utils import timezone, translation

from tandem.access.scope import Scope
from tandem.diagnostics.models import Response
from tandem.diagnostics.selectors import responses_mine
from tandem.directory.selectors import RegionNode, organization_tree, participant_get
from tandem.home.next_steps import next_steps
from tandem.monitoring import versions
from tandem.monitoring.selectors import CACHE_SECONDS, WARM_SECONDS
from tandem.pairs.models import Pair
from tandem.pairs.querysets import confirmation_missing_q
from tandem.pairs.selectors import pairs_of
from tandem.people.models import Participant, by_name, consent_q
from tandem.surveys.models import Survey
from tandem.territory.models import Organization
from tandem.web.panels import STAFF, RenderedPanel, panels_for, shown_now
from tandem.web.personal_cache import personal_cache, personal_key


@dataclass(frozen=True)
class Totals:
    organizations: int
    municipalities: int
    participants: int
    with_consent: int
    without_consent: int
    with_login: int

    @property
    def consent_percent(self) -> int:
        return round(100 * self.with_consent / self.participants) if self.participants else 0


def totals_of(tree: list[RegionNode]) -> Totals:
    """The overview's totals: the sums of the territory tree's municipalities
    (:func:`tandem.directory.selectors.organization_tree` — the kept people counts of
    exactly ``scope.organizations()``, tandem/people/counts.py). The tree beside them on
    the page and on ``/organizations/`` shows the same figures by municipality: one
    computation, so the two cannot differ, and no query of their own."""
    municipalities = [m for region in tree for m in region.municipalities]
    participants = sum(m.participant_count for m in municipalities)
    with_consent = sum(m.consent_count for m in municipalities)
    return Totals(
        organizations=sum(m.organization_count for m in municipalities),
        municipalities=len(municipalities), participants=participants,
        with_consent=with_consent, without_consent=participants - with_consent,
        with_login=sum(m.login_count for m in municipalities),
    )


def dashboard_totals(*, scope: Scope) -> Totals:
    return totals_of(organization_tree(scope=scope))


def missing_consent(*, scope: Scope, limit: int = 8) -> list[Participant]:
    """The first participants who still lack a written consent, for the curator's to-do,
    in Russian alphabetical order (the normalised name picks them, ``by_name`` orders).
    Said as a condition on the row itself (not «not among those with consent»), so that
    the partial index ``participant_no_consent_name`` walks the names in order instead of
    hashing every consenting person of the region (issue #16)."""
    qs = (scope.manageable_participants(Participant.objects.filter(is_active=True))
          .exclude(consent_q())
          .select_related("organization").order_by("search_name", "pk"))
    return sorted(qs[:limit], key=by_name)


def recent_campaigns(*, scope: Scope, limit: int = 4) -> list[tuple[object, object]]:
    from tandem.diagnostics.selectors import campaigns_progress, campaigns_visible

    # Without the framework version (its snapshot: ~50 KB a campaign, read and kept in
    # the overview's cache entry, never shown): the campaign and its unit's names only.
    campaigns = list(campaigns_visible(scope=scope).select_related(None)
                     .select_related("organization", "municipality", "region")
                     .filter(status="open")[:limit])
    progress = campaigns_progress(campaigns=campaigns, scope=scope)
    return [(c, progress[c.pk]) for c in campaigns]


def dashboard_context(*, scope: Scope) -> dict[str, object]:
    """The staff part of the overview, computed (not cached)."""
    if not scope.is_staff:
        return {}
    return {**_figures(scope), "missing_consent": missing_consent(scope=scope)}


def _figures(scope: Scope) -> dict[str, object]:
    """What of the staff part the cache keeps: figures by unit, the units' names and the
    campaigns — nobody's name. The people without consent (:func:`missing_consent`)
    are read live at every view (one indexed query of at most eight rows): whole rows of
    people — e-mail, phone — have no place in a shared cache (tandem/web/personal_cache.py)."""
    tree = organization_tree(scope=scope)
    return {"totals": totals_of(tree), "tree": tree,
            "campaigns": recent_campaigns(scope=scope)}


@dataclass(frozen=True)
class StaffOverview:
    """What the overview shows a staff user: its own figures and the panels kept by unit
    (``Panel.by_unit``, tandem/web/panels.py); from :func:`overview`, with the
    people without consent (read live, never kept)."""

    context: dict[str, object]
    panels: list[RenderedPanel]


def overview_key(scope: Scope, today: dt.date, version: str) -> str:
    """The cache key of the staff part: whose — the scope's units (``Scope.units_key``:
    the part is computed in ``scope.units``, :func:`staff_overview`, and so reads nothing
    else of the user: a federal operator of a region, a coordinator who teaches elsewhere
    share their units' entry) and their time zone —, which day (the reminders' rules take
    it), and the data version of its organizations (:func:`staff_key`)."""
    units = scope.units
    raw = f"{units.units_key}|{units.time_zone}|{today.isoformat()}|{version}"
    # Kept with the entries that name people, under the prefix the anonymisation deletes
    # (tandem/web/personal_cache.py): its panels named people until the reminders' names
    # were read at every view (reminders/panels.py), and a panel that shows a name must
    # not fall out of that rule by accident.
    return personal_key("home", raw)


def overview(*, scope: Scope, request: Any, today: dt.date) -> StaffOverview:
    """What the overview shows of the data, from the shared cache when nothing it reads
    changed since — two entries, read in one query:

    - the staff part (figures by unit and the panels kept by unit, :func:`_figures`), one
      entry per set of units, shared by everyone whose roles hold the same units (computed
      in ``scope.units``: :func:`staff_key`): its key names the units, their time
      zone, the day and the **data version of its organizations** — the monitoring
      dashboard's version by unit (:func:`tandem.monitoring.versions.version`: one
      statement and the layout's row): an audited record of these organizations, of their
      regions or of everything, or their diagnostics and satisfaction figures rebuilt. An
      edit in another organization keeps the entry; what writes no audit entry and
      rebuilds no figures is seen when the entry expires, after the monitoring dashboard's
      ``CACHE_SECONDS`` (the same bound for both pages) — or, for an entry computed ahead
      with the unit's dashboard (:func:`warm_overview`), ``WARM_SECONDS``, as that
      dashboard's. The people without consent are
      read live (:func:`missing_consent`).
    - the teacher's own part (:func:`own_context`: her card, questionnaires, «что сделать
      сейчас», pairs), one entry **per user** under the personal prefix (forgotten on
      anonymisation, tandem/web/personal_cache.py), never another user's: its key names the
      user, the day, the language, the same version — of her own organization as well
      (every record of her pairs, maps, tasks, meetings and surveys names her organization
      among its members', ``Pair.get_additional_data``; her card and her campaigns are
      audited) — and :func:`own_stamp` for what writes no audit entry (her questionnaires;
      a partner of another organization renamed).

    Both entries are kept in the personal cache (tandem/web/personal_cache.py: a table of
    their own, so a full one culls only them, never the monitoring dashboards' entries).
    Only a staff user's own part is kept (a curator, a coordinator who teaches): their
    entries are as many as the units' staff — a teacher's is not, a region's teachers
    would fill that table (``MAX_ENTRIES``) in minutes and cull the staff entries.
    A teacher's page computes it (:func:`own_context`, the view)."""
    if not scope.is_staff:
        return StaffOverview({}, [])
    own = scope.own_participant_id is not None
    version = versions.version(scope.organizations())
    keys = {"staff": staff_key(scope, today, version)}
    if own:
        # Her own part reads her organization too: where it is outside her units, under
        # their version with hers (one statement more) — the staff part stays her
        # colleagues' and the warm-up's entry.
        mine_version = (versions.version(_with_own_organization(scope))
                        if _own_outside(scope) else version)
        keys["own"] = own_key(scope, today, mine_version, own_stamp(scope))
    # Both name people: the personal cache (not the dashboards', whose entries a full
    # table of them would cull first — tandem/web/personal_cache.py).
    personal = personal_cache()
    found = personal.get_many(list(keys.values()))
    staff: StaffOverview | None = found.get(keys["staff"])
    if staff is None:
        staff = staff_overview(scope, today)
        personal.set(keys["staff"], staff, CACHE_SECONDS)
    context: dict[str, object] = {**staff.context,
                                  "missing_consent": missing_consent(scope=scope)}
    # What the kept panels show that the version does not cover (the reminders' names).
    panels: list[RenderedPanel] = shown_now(staff.panels)
    if own:
        mine: dict[str, object] | None = found.get(keys["own"])
        if mine is None:
            mine = own_context(scope=scope, today=today)
            personal.set(keys["own"], mine, CACHE_SECONDS)
        context.update(mine)
    return StaffOverview(context, panels)


def staff_overview(scope: Scope, today: dt.date) -> StaffOverview:
    """The staff part as kept (:func:`overview`): the figures by unit and the panels kept
    by unit — which read no request (``tandem.web.panels``: ``by_unit``), so the warm-up
    (:func:`warm_overview`) computes the same entry as the page — in the scope's units
    alone (``Scope.units``), all that its key names (:func:`overview_key`)."""
    scope = scope.units
    return StaffOverview(_figures(scope), panels_for(None, scope, STAFF, by_unit=True,
                                                     today=today))


def staff_key(scope: Scope, today: dt.date, version: str | None = None) -> str:
    """The key of the staff part of ``scope`` on ``today`` (:func:`overview_key`), under
    ``version`` — the version of the scope's organizations (``scope.organizations()``,
    read here where not given: the warm-up's), never of the user's own organization
    outside them (her own part's, :func:`own_key`): the page and the warm-up key it
    alike for everyone of the same units."""
    if version is None:
        version = versions.version(scope.organizations())
    return overview_key(scope, today, version)


def warm_overview(sender: object = None, *, scope: Scope, again: bool = False,
                  **kwargs: object) -> bool:
    """A unit's standard dashboard was computed ahead (``signals.unit_warmed``, sent by
    ``tandem.monitoring.tasks.warm_dashboards`` in the unit's time zone: after a rebuild
    of every figure, the hourly run, a staff login where a worker runs the tasks): the
    staff part of the same unit's overview too, under the key its page reads
    (:func:`staff_key`: the scope's units, time zone, day and version — one function for
    both), so that its first view finds it (issue #16: on a region of 300,000 the first
    ``/`` of a region operator or a coordinator computed it, 0.6–1.0 s, its reminders
    panel most of it). ``scope``: one region's, municipality's or organization's, with
    its region's zone (the country's — a superuser's alone — is not computed). Unless
    ``again``, only where its entry is missing. Kept ``WARM_SECONDS``, as the dashboard's
    entries computed ahead: the hourly run computes it again with a viewed dashboard of
    the unit, which bounds what the version misses to an hour; elsewhere to
    ``WARM_SECONDS`` (an entry the page computes lives ``CACHE_SECONDS``). Nobody's name
    is kept (:func:`_figures`; the reminders' names are read at every view,
    ``shown_now``), and the entry is in the personal cache all the same, as the page's.
    The people without consent and a staff member's own part as a teacher are not
    computed (read, or kept per user, by the page). Whether it was computed."""
    if scope.everything or not scope.is_staff:
        return False
    today = timezone.localdate()  # once: the key's day is the day computed
    key = staff_key(scope, today)
    personal = personal_cache()
    if not again and personal.get(key) is not None:
        return False
    personal.set(key, staff_overview(scope, today), WARM_SECONDS)
    return True


def _own_outside(scope: Scope) -> bool:
    """Whether the user's own organization is outside the organizations of her roles
    (``scope.organizations()``): a curator's by the ids at hand, an operator's or a
    coordinator's by one lookup of the organization by its key."""
    own = scope.own_organization_id
    if own is None or scope.everything or own in scope.organization_ids:
        return False
    if not (scope.region_ids or scope.municipality_ids):
        return True
    return not scope.organizations().filter(pk=own).exists()


def _with_own_organization(scope: Scope) -> QuerySet[Organization]:
    """The organizations whose version keys the user's own part (:func:`own_key`) where
    her organization is outside her units (:func:`_own_outside`, the one test of it): the
    scope's and hers (a coordinator teaching in another municipality). The staff part is
    keyed by the scope's alone (:func:`staff_key`)."""
    return Organization.objects.filter(Q(pk__in=scope.organizations().values("pk"))
                                       | Q(pk=scope.own_organization_id))


@dataclass(frozen=True)
class MyCard:
    """The teacher's card on the overview, as shown (nothing else of her row: no e-mail,
    no phone — docs/security.md, the shared cache)."""

    pk: int
    full_name: str
    position: str
    organization_name: str
    mentoring_consent_date: dt.date | None
    personal_data_consent_date: dt.date | None
    email_reminders: str


@dataclass(frozen=True)
class MyResponse:
    pk: int
    title: str
    status: str
    answered: int
    locked: bool
    campaign_open: bool


@dataclass(frozen=True)
class MyPair:
    pk: int
    names: str  # «Бобров Б. О. ⇄ Каролёва К.»
    status: str
    to_confirm: bool  # approved, and my confirmation missing


def own_context(*, scope: Scope, today: dt.date) -> dict[str, object]:
    """The teacher's own part of the overview, computed — as shown: her card, her last
    questionnaires, «что сделать сейчас», her running pairs."""
    assert scope.own_participant_id is not None
    me = participant_get(scope=scope, pk=scope.own_participant_id)
    pairs = (pairs_of(scope=scope, person=me.pk)
             .exclude(status__in=[Pair.Status.ENDED_EARLY, Pair.Status.DECLINED])
             .annotate(to_confirm=ExpressionWrapper(confirmation_missing_q(me.pk),
                                                    output_field=BooleanField()))[:3])
    return {
        "me": MyCard(me.pk, me.full_name, me.position, me.organization.short_name,
                     me.mentoring_consent_date, me.personal_data_consent_date,
                     str(me.get_email_reminders_display())),
        "my_responses": [
            MyResponse(r.pk, r.campaign.title, str(r.get_status_display()), r.answered,
                       r.locked, r.answerable)  # type: ignore[attr-defined]
            for r in responses_mine(scope=scope)[:5]],
        "next_steps": next_steps(scope=scope, today=today),
        "my_pairs": [
            MyPair(p.pk, f"{p.a.short_name} ⇄ {p.b.short_name}",
                   str(p.get_status_display()), p.to_confirm)
            for p in pairs],
    }


def own_stamp(scope: Scope) -> str:
    """What of the teacher's own part writes no audit entry, in one statement: her
    questionnaires (``Response`` is not audited: answering saves ``updated_at``, an
    imported result sets ``submitted_at``; a campaign opened adds one) and the people
    her part names — her and her pairs' members, whose ``updated_at`` moves with every
    save (a partner of another organization renamed is a change of *that* organization),
    and her satisfaction surveys (the nightly run creates them in bulk, with no audit
    entry: her step «Ответьте на короткий опрос» must show at once)."""
    me = scope.own_participant_id
    assert me is not None
    responses = Response.objects.filter(participant_id=me)
    # Each by its own index (the person's key, the pair's member columns): an OR of
    # the three would read every person of the region.
    parts = [_aggregate(responses, Count("pk")), _aggregate(responses, Max("updated_at")),
             _aggregate(responses, Max("submitted_at")),
             _aggregate(Participant.objects.filter(pk=me), Max("updated_at")),
             _aggregate(Pair.objects.filter(a_id=me), Max("b__updated_at")),
             _aggregate(Pair.objects.filter(b_id=me), Max("a__updated_at")),
             _aggregate(Survey.objects.filter(participant_id=me), Count("pk")),
             _aggregate(Survey.objects.filter(participant_id=me), Max("pk"))]
    sql, params = zip(*(part.query.sql_with_params() for part in parts), strict=True)
    with connections[responses.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"({s})" for s in sql),
                       [p for group in params for p in group])
        row = cursor.fetchone()
    return "/".join(map(str, row))


def _aggregate(rows: QuerySet[Any], aggregate: Any) -> QuerySet[Any]:
    """``SELECT aggregate`` of ``rows``, ungrouped, to be read as a scalar subquery."""
    return rows.order_by().annotate(one=Value(1)).values("one").annotate(
        m=aggregate).values("m")


def own_key(scope: Scope, today: dt.date, version: str, stamp: str) -> str:
    """The own part's key: the user and her person (never another user's entry), the day
    (overdue tasks, the coming week's meetings), the language (the steps' texts), the
    version of her organizations and :func:`own_stamp` — under the personal prefix."""
    raw = (f"{scope.user_id}|{scope.own_participant_id}|{today.isoformat()}|"
           f"{translation.get_language()}|{version}|{stamp}")
    return personal_key("home-own", raw)
