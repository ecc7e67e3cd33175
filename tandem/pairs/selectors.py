"""Reads for pair formation: the pool, runs, rules and pairs, through the user's scope."""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, overload

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from tandem.access.forms import UnitChoices, unit_choices
from tandem.access.scope import Scope
from tandem.core import names
from tandem.core.text import search_words, sort_key
from tandem.diagnostics.models import Campaign, FrameworkVersion, Response
from tandem.directory.selectors import participants_in
from tandem.pairs import wording
from tandem.pairs.models import MatchingRun, Pair, PairOrder, PairRule
from tandem.pairs.querysets import PairQuerySet
from tandem.people.models import Participant
from tandem.territory.models import Municipality, Organization
from tandem.web.forms import MAX_ID, form_int
from tandem.web.order import by_keys

Unit = Organization | Municipality

BUSY = [Pair.Status.APPROVED, Pair.Status.ACTIVE]


def pool_units(*, scope: Scope, municipality: object = None,
               organization: object = None) -> tuple[UnitChoices, list[tuple[str, str]]]:
    """Where the user may form pairs, as (key, name): «o:<id>» organizations — of one
    municipality at most (the chosen one, or the chosen organization's; all of them in a
    scope of one municipality: a region has thousands, issue #16) — then «m:<id>»
    municipal pools, every one the user coordinates (tens). Three queries at any size."""
    units = unit_choices(scope, municipality=municipality, organization=organization)
    offered = units.offered() if units.municipality or units.single_municipality else []
    municipalities = sorted(scope.coordinated_municipalities().values_list("pk", "name"),
                            key=lambda m: (sort_key(m[1]), m[0]))
    keys = [(f"o:{pk}", name) for pk, name in offered]
    keys += [(f"m:{pk}", name) for pk, name in municipalities]
    return units, keys


def unit_from_key(*, scope: Scope, key: str) -> Unit | None:
    """The organization («o:<id>») or municipal pool («m:<id>») of the user's named by
    ``key``; None for anything else. One query."""
    kind, _sep, raw = key.partition(":")
    pk = form_int(raw, limit=MAX_ID)
    if pk is None:
        return None
    if kind == "o":
        return scope.organizations().filter(pk=pk).first()
    if kind == "m":
        return scope.coordinated_municipalities().filter(pk=pk).first()
    return None


def unit_get(*, scope: Scope, key: str) -> Unit:
    """The pool unit named by ``key`` that the user forms pairs in; 404 otherwise."""
    unit = unit_from_key(scope=scope, key=key)
    if unit is None:
        raise Http404
    return unit


def run_unit(run: MatchingRun) -> Unit:
    """The unit a run was made for (404 if it no longer exists)."""
    unit = run.unit
    if unit is None:
        raise Http404
    return unit  # type: ignore[return-value]


def run_pool(*, scope: Scope, run: MatchingRun) -> QuerySet[Participant]:
    """The people of a run's pool whom the user manages, for the hand-made pair form."""
    return scope.manageable_participants().filter(
        pk__in=[p["id"] for p in run.instance["participants"]])


def programme_named(pk: int | None) -> Any:
    """The programme whose settings a run takes its defaults from (or None)."""
    from tandem.programmes.models import Programme

    return Programme.objects.filter(pk=pk).first() if pk else None


def orders_visible(*, scope: Scope) -> QuerySet[PairOrder]:
    """Orders on pairs of the organizations the user manages."""
    return PairOrder.objects.filter(organization__in=scope.organizations())


def order_get(*, scope: Scope, pk: int) -> PairOrder:
    return get_object_or_404(orders_visible(scope=scope)
                             .select_related("organization__municipality", "created_by"),
                             pk=pk)


def order_candidates(*, scope: Scope, organization: Organization) -> PairQuerySet:
    """Running pairs of ``organization`` whose first member the user manages."""
    return (Pair.objects.filter(organization=organization, status__in=BUSY)
            .filter(scope.person_q("a", manage=True))
            .select_related("a", "b").order_by("a__surname"))


def busy_participants() -> QuerySet[Participant]:
    """People already in an approved or active pair."""
    return Participant.objects.filter(Q(pairs_as_a__status__in=BUSY)
                                      | Q(pairs_as_b__status__in=BUSY))


def busy_counts(people: QuerySet[Participant], **pair_filter: Any) -> Counter[int]:
    """How many approved or active pairs each of ``people`` is in (two queries)."""
    counts: Counter[int] = Counter()
    for side in ("a", "b"):
        counts.update(Pair.objects.filter(status__in=BUSY, **{f"{side}__in": people},
                                          **pair_filter)
                      .values_list(f"{side}_id", flat=True))
    return counts


def running_pairs_among(people: QuerySet[Participant]) -> set[tuple[int, int]]:
    """The two people (smaller id first) of every running pair inside ``people``."""
    return {(min(a, b), max(a, b)) for a, b in
            Pair.objects.running().filter(a__in=people, b__in=people)
            .values_list("a_id", "b_id")}


def running_pair_exists(a_id: int, b_id: int) -> bool:
    """Whether these two people already work in a running pair (either way round); the
    database refuses a second one (constraint ``one_running_pair_of_two``)."""
    return Pair.objects.running().filter(
        Q(a_id=a_id, b_id=b_id) | Q(a_id=b_id, b_id=a_id)).exists()


def pool_responses(*, unit: Unit, scope: Scope,
                   capacity_of: Callable[[int], int] | None = None,
                   exclude_organizations: Iterable[int] = ()) -> list[Response]:
    """The pool: active people of the unit, with both consents, a submitted initial
    diagnostic (the latest one counts) and room for another pair: fewer pairs than the
    capacity of their organization (``capacity_of(organization_id)``, 1 by default)."""
    people = scope.manageable_participants(participants_in(unit)).with_consent()  # type: ignore[attr-defined]
    excluded = list(exclude_organizations)
    if excluded:
        people = people.exclude(organization_id__in=excluded)
    counts = busy_counts(people)
    if counts:
        organization_of = dict(Participant.objects.filter(pk__in=list(counts))
                               .values_list("pk", "organization_id"))
        full = [pid for pid, n in counts.items()
                if n >= (capacity_of(organization_of[pid]) if capacity_of else 1)]
        people = people.exclude(pk__in=full)
    latest: dict[int, Response] = {}
    # No framework snapshots here: thousands of rows would each drag a large JSON along.
    for response in (Response.objects.filter(participant__in=people,
                                             status=Response.Status.SUBMITTED,
                                             campaign__kind=Campaign.Kind.INITIAL)
                     .only("pk", "participant_id", "campaign_id", "campaign__framework_id",
                           "campaign__starts_on")
                     .select_related("campaign")
                     .order_by("participant_id", "-campaign__starts_on", "-pk")):
        latest.setdefault(response.participant_id, response)
    return list(latest.values())


def pool_frameworks(responses: list[Response]) -> list[FrameworkVersion]:
    return list(FrameworkVersion.objects.filter(
        pk__in={r.campaign.framework_id for r in responses}))


def rules_for(*, unit: Unit) -> QuerySet[PairRule]:
    field = "organization" if isinstance(unit, Organization) else "municipality"
    return PairRule.objects.filter(**{field: unit}).select_related("a", "b")


def rule_get(*, scope: Scope, pk: int) -> PairRule:
    """A lock or ban of a unit the user forms pairs in (404 otherwise)."""
    return get_object_or_404(
        PairRule.objects.filter(Q(organization__in=scope.organizations())
                                | Q(municipality__in=scope.coordinated_municipalities()))
        .select_related("a", "b", "organization", "municipality"), pk=pk)


def runs_visible(*, scope: Scope) -> QuerySet[MatchingRun]:
    qs = MatchingRun.objects.select_related("organization", "municipality", "created_by")
    if scope.everything:
        return qs
    return qs.filter(Q(organization__in=scope.organizations())
                     | Q(municipality__in=scope.coordinated_municipalities()))


def run_get(*, scope: Scope, pk: int) -> MatchingRun:
    return get_object_or_404(runs_visible(scope=scope), pk=pk)


def pair_q(*, scope: Scope, via: str = "", manage: bool = False,
           correlated: bool = False) -> Q:
    """The rule of :func:`pairs_visible` (with ``manage``, of :func:`pairs_manageable`) as
    a filter on a pair reached through the relation ``via`` (``"pair"`` from a map,
    ``"row__map__pair"`` from evidence; ``""`` for a pair itself).

    Staff (curator, coordinator, operator): either member works in an organization whose
    people the user manages — by the members' organizations kept on the pair
    (``a_organization``, ``b_organization``; :meth:`Scope.organization_q`), an indexed
    filter on the pair that never reads the people (a region's 300,000 of them were hashed
    for every pairs query, issue #16). A teacher: their own pairs, by their record's key
    (:meth:`Scope.person_q`). The federal operator sees no pair. One shape for a pair
    picked by id and for a whole list: the filter is cheap either way. ``correlated``:
    the organizations of a coordinator or an operator asked by key for each row
    (:meth:`Scope.organization_q`) — for rows walked in an index's order, few of them."""
    to = f"{via}__" if via else ""
    q = Q(pk__in=[])
    if scope.is_staff:
        q = (scope.organization_q(f"{to}a_organization", correlated=correlated)
             | scope.organization_q(f"{to}b_organization", correlated=correlated))
    if not manage and scope.own_participant_id is not None and not scope.everything:
        q |= Q(**{f"{to}a": scope.own_participant_id}) | Q(**{f"{to}b": scope.own_participant_id})
    return q


def _with_people(pairs: PairQuerySet) -> PairQuerySet:
    return pairs.select_related("a__organization", "b__organization", "organization",
                                "curator")


def pairs_visible(*, scope: Scope) -> PairQuerySet:
    """Pairs where either member is someone the user may see (:func:`pair_q`)."""
    return _with_people(Pair.objects.filter(_by_sides(scope) or pair_q(scope=scope)))


def listed_q(scope: Scope) -> Q:
    """The rule of :func:`pairs_visible` for a whole list — the pairs page, its count and
    the API's list — in the shape PostgreSQL reads fastest for the user's kind."""
    return _by_region(scope) or _by_sides(scope) or pair_q(scope=scope)


def _by_region(scope: Scope) -> Q | None:
    """:func:`pair_q` of an operator of whole regions (and no other role): the pairs whose
    member's organization is of their region(s) are those with ``region`` or ``b_region``
    one of them (the regions kept on the pair, ``Pair.region``). A list newest first and
    its count are then one range of the index ``pair_region`` — with the organizations'
    rule PostgreSQL walked the country's pairs newest first (182,773 of other regions
    before the 50 of the region, 370–570 ms on a country of 1.5 million) and counted
    through the whole ``pair_members`` index (issue #16). The pairs seen only from B's
    side (``b_region``: a member moved to another region's organization — few, by the
    partial index ``pair_border``) and the operator's own pairs as a teacher are read
    first, by value (one query): ``region IN … OR b_region IN …`` made PostgreSQL walk
    the country again. None for everyone else."""
    if not _whole_regions(scope):
        return None
    regions, others = _region_split(scope)
    q = Q(region__in=regions)
    return q | Q(pk__in=others) if others else q


def _whole_regions(scope: Scope) -> bool:
    """An operator of whole regions and no other role."""
    return bool(scope.is_staff and not scope.everything and scope.region_ids
                and not scope.municipality_ids and not scope.organization_ids)


def _region_split(scope: Scope) -> tuple[list[int], list[int]]:
    """A region operator's regions and the pairs they see from elsewhere (by ``b_region``
    or as a member themselves): one query."""
    regions = sorted(scope.region_ids)
    also = Q(b_region__in=regions)
    if scope.own_participant_id is not None:
        also |= Q(a=scope.own_participant_id) | Q(b=scope.own_participant_id)
    others = list(Pair.objects.filter(also).exclude(region__in=regions)
                  .values_list("pk", flat=True))
    return regions, others


class PairPages:
    """A scope's pairs newest first (``-created_at``, ``-pk``) as ``Paginator`` wants them
    (``count()`` and slices), made of disjoint parts each read on its own, a page's pairs
    then read by key (``rows``). A region operator's pairs of one region are one range of
    the index ``pair_region``; ``region IN (…) OR id IN (…)`` (two regions, or a pair seen
    from B's side) made PostgreSQL walk the country's pairs newest first again (175–410 ms
    on a country of 1.5 million). Each part is read by its own index: the count as one
    ``UNION ALL`` of the parts, a page's keys as one statement: the first ``stop`` keys of
    each part, their ``UNION ALL`` ordered and cut (``LIMIT``/``OFFSET``) by PostgreSQL,
    only the page's keys come back; one part — its count and the page's keys by ``OFFSET``.
    ``rows(ids)``: the page's pairs in that order (the API's: with their figures); by
    default the list's columns (:data:`LISTED_FIELDS`) of ``qs``."""

    def __init__(self, qs: PairQuerySet, parts: list[PairQuerySet],
                 rows: Callable[[list[int]], list[Pair]] | None = None) -> None:
        self.qs, self.parts, self.rows = qs, parts, rows

    def count(self) -> int:
        first, *rest = [p.order_by().values("pk") for p in self.parts]
        return first.union(*rest, all=True).count() if rest else first.count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Pair]:
        return iter(self[0:None])

    @overload
    def __getitem__(self, item: int) -> Pair: ...
    @overload
    def __getitem__(self, item: slice) -> list[Pair]: ...
    def __getitem__(self, item: int | slice) -> Pair | list[Pair]:
        if isinstance(item, int):
            return self[item:item + 1][0]
        ids = self.ids(item.start or 0, item.stop)
        if self.rows is not None:
            return self.rows(ids) if ids else []
        return by_keys(ids, self.qs.filter(pk__in=ids)) if ids else []

    def ids(self, start: int, stop: int | None) -> list[int]:
        """The keys of the pairs ``start``–``stop`` of the list: one query."""
        if len(self.parts) == 1:
            return list(self.parts[0].order_by(*NEWEST).values_list("pk", flat=True)
                        [start:stop])
        # Merged and cut by PostgreSQL (issue #16): each part its first ``stop`` keys by
        # its own index, then the page of their union — not ``stop`` keys a part into
        # Python (a deep page of two regions on tcountry: 99 against 9 ms, docs/
        # performance.md «h/pairdeep»). The parts are disjoint (one region each, the
        # others outside them): no key is met twice.
        parts = []
        for part in self.parts:
            try:
                parts.append(part.order_by(*NEWEST).values_list("created_at", "pk")[:stop]
                             .query.sql_with_params())
            except EmptyResultSet:  # a filter no pair can pass (no organizations): no rows
                continue
        if not parts:
            return []
        union = " UNION ALL ".join(f"({part})" for part, _ in parts)
        sql = (f'SELECT "id" FROM ({union}) AS "parts" ("created_at", "id")'  # noqa: S608  (Django's SQL, values as params)
               ' ORDER BY "created_at" DESC, "id" DESC LIMIT %s OFFSET %s')
        params = [p for _, ps in parts for p in ps]
        with connections[self.qs.db].cursor() as cursor:
            cursor.execute(sql, [*params, None if stop is None else stop - start, start])
            return [pk for (pk,) in cursor.fetchall()]


# The order of every list of pairs: newest first (Pair.Meta.ordering, said aloud).
NEWEST = ("-created_at", "-pk")


def _by_sides(scope: Scope) -> Q | None:
    """:func:`pair_q` of a coordinator (a municipality's few hundred organizations, no
    whole region) as ``pk in (A's side UNION ALL B's side [UNION ALL their own])``:
    each side read by its organization's index, a few hundred pairs. With the sides
    OR-ed PostgreSQL walks the pairs of the whole country newest first and tests each one
    until the list's 50 are found — a coordinator's pairs page read 182,773 pairs of
    other regions (228 ms; the count 74 ms) on a country of 1.5 million, against 38 and
    41 ms (issue #16). None for an operator of whole regions (thousands of organizations:
    the walk finds a region's pairs sooner than the sides are read; 250 against 450 ms),
    for a curator (the organizations' ids by value: PostgreSQL already reads both sides by
    their indexes, ``BitmapOr``; the union was 15–40 ms slower) and for everyone else."""
    if (not scope.is_staff or scope.everything or scope.region_ids
            or not scope.municipality_ids):
        return None
    sides = [Pair.objects.filter(scope.organization_q(f"{member}_organization"))
             .values("pk") for member in ("a", "b")]
    if scope.own_participant_id is not None:
        sides += [Pair.objects.filter(**{member: scope.own_participant_id}).values("pk")
                  for member in ("a", "b")]
    return Q(pk__in=sides[0].union(*sides[1:], all=True))


def pairs_search_pages(*, scope: Scope, rows: Callable[[list[int]], list[Pair]] | None = None,
                       **filters: Any) -> PairQuerySet | PairPages:
    """The one home of «a scope's pairs, a page of them»: the pairs page (``/pairs/``)
    and the API's list (``/api/v1/pairs/``) both read it, so both list the same pairs
    (:func:`listed_q`) with the same filters (:func:`pairs_search`'s ``text``, ``status``,
    ``organization_id``, ``organization_ids``) in the same order (:data:`NEWEST`), for
    ``Paginator`` (``count()`` and slices).

    On PostgreSQL an operator of several regions, or who sees pairs from B's side, gets
    the disjoint parts each read by its own index (:class:`PairPages`); a coordinator
    (:func:`_by_sides`) the page's keys, then its rows by key (:class:`PairPages` of one
    part, every database); everyone else one query. ``rows(ids)``: how a page's pairs are read
    from its keys once the page is cut — the API's figures are computed for that page
    only (``api.selectors.pairs_page``); without it the list's columns
    (:data:`LISTED_FIELDS`), and one query the page when the list is one part."""
    if _whole_regions(scope):
        regions, others = _region_split(scope)
        q = Q(region__in=regions) | Q(pk__in=others) if others else Q(region__in=regions)
        qs = _search(_with_people(Pair.objects.filter(q)), **filters).order_by(*NEWEST)
        if connection.vendor == "postgresql" and (len(regions) > 1 or others):
            parts = [qs.filter(region=r) for r in regions]
            if others:
                parts.append(qs.filter(pk__in=others))
            return PairPages(qs, parts, rows)
    else:
        qs = pairs_search(scope=scope, **filters).order_by(*NEWEST)
        if rows is None and _by_sides(scope) is not None:
            # A coordinator's pairs come from the union of the sides, in no index's
            # order: read whole, each joined to its two people and their organizations
            # before the sort kept 50 (2,117 pairs, 109 ms on tcountry, issue #16).
            # The page's keys first (the sort of keys only), then its 50 rows by key
            # alone (the keys are the visible pairs': no second union).
            return PairPages(qs, [qs], _listed_rows)
    return qs if rows is None else PairPages(qs, [qs], rows)


def _listed_rows(ids: list[int]) -> list[Pair]:
    """The list's columns (:data:`LISTED_FIELDS`) of the pairs ``ids``, in that order."""
    return by_keys(ids, _search(_with_people(Pair.objects.filter(pk__in=ids))))


def pairs_search(*, scope: Scope, text: str = "", status: str = "",
                 organization_id: int | None = None,
                 organization_ids: Sequence[int] | None = None
                 ) -> PairQuerySet:
    """The visible pairs whose member's surname (or name) contains ``text``, in a status,
    of an organization (either member's: a municipal-pool pair is found from both), of
    organizations ``organization_ids`` (a municipality's, known to the filter form)."""
    return _search(_with_people(Pair.objects.filter(listed_q(scope))), text=text,
                   status=status, organization_id=organization_id,
                   organization_ids=organization_ids)


def _search(qs: PairQuerySet, *, text: str = "", status: str = "",
            organization_id: int | None = None,
            organization_ids: Sequence[int] | None = None
            ) -> PairQuerySet:
    # A member's name: every word (the first three) in A's or B's search name (folded:
    # ``search_name``, ё = е, any case, as Participant.objects.search), read from the
    # members' names kept on the pair (``Pair.names``: A's, a space, B's — a word has no
    # space, so it is in ``names`` exactly when it is in one of the two): one
    # ``LIKE '%word%'`` a word of the pair's own row, on PostgreSQL by the trigram index
    # ``pair_names_trgm`` beside the region's range. Not a probe of each pair's two
    # members by key (a region operator's rare name read all the region's 45,000 pairs,
    # 470–525 ms, issue #16), nor an ILIKE of two joined people's columns or
    # ``a IN (people named …)`` (1–3 s: docs/performance.md «h/apipairs», «h/pairnames»).
    for word in search_words(text)[:3]:
        qs = qs.filter(names__contains=word)
    if status in Pair.Status.values:
        qs = qs.filter(status=status)
    if organization_id is not None:
        qs = qs.filter(Q(a_organization_id=organization_id)
                       | Q(b_organization_id=organization_id))
    if organization_ids is not None:
        qs = qs.of_unit(list(organization_ids))
    # What the list shows: the members and their organizations — not the pair's own
    # organization nor its curator, nor the lessons (JSON): two joins, 100 objects and
    # 100 JSON values a page less; of the members and their organizations only what the
    # table prints (names, organization's short name): 80 columns a row less, a third of
    # the CPU of reading the page (docs/performance.md, «Списки: повторный просмотр…»).
    return (qs.select_related(None).select_related("a__organization", "b__organization")
            .only(*LISTED_FIELDS))


# The columns of pairs_search: what pairs/_pair_table.html shows.
LISTED_FIELDS = (
    "a", "b", "status", "starts_on", "ends_on", "a_confirmed_at", "b_confirmed_at",
    *(f"{m}__{f}" for m in ("a", "b")
      for f in (*Participant.NAME_FIELDS, "organization", "organization__short_name")))


def pair_get(*, scope: Scope, pk: int) -> Pair:
    return get_object_or_404(pairs_visible(scope=scope), pk=pk)


def pair_manageable_only(*, scope: Scope, pk: int) -> PairQuerySet:
    """A queryset of the one pair ``pk`` the user manages (404 otherwise), for the
    services that take pairs as a queryset."""
    pairs = pairs_manageable(scope=scope).filter(pk=pk)
    if not pairs.exists():
        raise Http404
    return pairs


def pairs_manageable(*, scope: Scope) -> PairQuerySet:
    """Pairs where either member is someone the user may manage (a subset of
    :func:`pairs_visible`: whom one manages, one sees)."""
    if not scope.is_staff:
        return Pair.objects.none()
    return _with_people(Pair.objects.filter(pair_q(scope=scope, manage=True)))


def run_view(run: MatchingRun) -> dict[str, Any]:
    """The run's result with names and competency titles, ready for the page (2 queries)."""
    result = run.result or {}
    titles = {c["code"]: c.get("title", c["code"]) for c in run.instance.get("competencies", [])}
    ids = {p["a"] for p in result.get("pairs", [])} | {p["b"] for p in result.get("pairs", [])}
    ids |= {u["id"] for u in result.get("unmatched", [])}
    ids |= {s["id"] for u in result.get("unmatched", []) for s in u.get("suggestions", [])}
    people = {p.pk: p for p in Participant.objects.filter(pk__in=ids)
              .select_related("organization")}
    rules = {(r.a_id, r.b_id): r.kind for r in PairRule.objects.filter(
        Q(a__in=ids) & Q(b__in=ids))}

    def lessons(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**item, "title": titles.get(item["competency"], item["competency"])}
                for item in items]

    pairs = []
    for p in result.get("pairs", []):
        a, b = people.get(p["a"]), people.get(p["b"])
        if a is None or b is None:
            continue
        key = (min(a.pk, b.pk), max(a.pk, b.pk))
        pairs.append({"a": a, "b": b, "weight": p["weight"], "key": f"{key[0]}-{key[1]}",
                      "a_phrase": teaches_phrase(a, b), "b_phrase": teaches_phrase(b, a),
                      "a_teaches_b": lessons(p["a_teaches_b"]),
                      "b_teaches_a": lessons(p["b_teaches_a"]),
                      "rule": rules.get(key)})
    unmatched = []
    kinds = _forbidden_kinds(run, {u["id"] for u in result.get("unmatched", [])}, rules)
    for u in result.get("unmatched", []):
        person = people.get(u["id"])
        if person is None:
            continue
        # Worded here, through gettext, from the engine's code and parameters.
        unmatched.append({"person": person, "reason": u["reason"],
                          "reason_text": wording.unmatched_reason(
                              u["reason"], u.get("reason_params"),
                              kinds.get(u["id"], "mixed")),
                          "suggestions": [{**s, "person": people.get(s["id"])}
                                          for s in u.get("suggestions", [])
                                          if people.get(s["id"])]})
    upper = result.get("upper_bound") or 0
    gap_percent = round(100 * result.get("gap", 0) / upper, 2) if upper else 0
    # A municipal pool mixes schools: each person's organization is shown by their name.
    return {"pairs": pairs, "unmatched": unmatched, "by_school": run_by_school(run),
            "result": {**result, "gap_percent": gap_percent}}


def _forbidden_kinds(run: MatchingRun, ids: set[Any],
                     rules: dict[tuple[int, int], str]) -> dict[Any, str]:
    """For each of ``ids``, what its forbidden partners in the run's instance are: all the
    curator's bans («ban»), all pairs already working («paired»), all removed by a stated
    rule («rule»), or several kinds («mixed»)."""
    existing = {tuple(k) for k in (run.rules or {}).get("existing", [])}
    found: dict[Any, set[str]] = {}
    for a, b in (run.instance or {}).get("constraints", {}).get("forbidden", []):
        if a not in ids and b not in ids:
            continue
        key = (min(a, b), max(a, b))
        kind = ("ban" if rules.get(key) == PairRule.Kind.FORBID
                else "paired" if key in existing else "rule")
        for person in (a, b):
            if person in ids:
                found.setdefault(person, set()).add(kind)
    return {person: kinds.pop() if len(kinds) == 1 else "mixed"
            for person, kinds in found.items()}


def run_by_school(run: MatchingRun) -> bool:
    """Whether a run's pool spans schools (a municipality's pool), so that each person's
    organization is named beside them (#14, 7)."""
    return run.municipality_id is not None


def teaches_phrase(teacher: Participant, learner: Participant) -> str:
    """«Анна Ивановна учит Петра Сергеевича»."""
    return (f"{names.name_patronymic(teacher.name, teacher.patronymic)} учит "
            f"{names.name_patronymic(learner.name, learner.patronymic, 'accusative')}")


def pairs_of(*, scope: Scope, person: int) -> PairQuerySet:
    """The visible pairs (:func:`pair_q`) where ``person`` is a member: by the members'
    indexes. Not :func:`pairs_visible` narrowed afterwards — a coordinator's visible pairs
    are read by sides first (a municipality's pairs; the overview of a coordinator who also
    teaches took 15 ms instead of 0.04 ms on a country of 1.5 million, review of
    h/countrypages)."""
    return _with_people(Pair.objects.filter(pair_q(scope=scope), Q(a=person) | Q(b=person)))
