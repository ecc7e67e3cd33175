"""The monitoring cache's version, by unit: a dashboard's figures are computed again when
something of *its* organizations (or their regions, or everything) changed — not when any
record anywhere did.

Every audited write (django-auditlog) names its unit in the entry's additional data
(``organization_id``, ``region_id``: ``Organization.audit_data`` and the models'
``get_additional_data``; a record moved to another organization — a person — changed the
one it left as well: its entry's old ``organization``; a pair's records change its
members' organizations too: ``member_organization_ids``). :func:`audit_written` (every
entry saved) and :func:`entries_were_written` (entries written in bulk,
``tandem/audit/entries.py``) append a :class:`UnitChange` row for it, once per
transaction and unit (a roster import of thousands of people in one organization writes
it once) — or again, if the version
was read in between. The diagnostics figures and the satisfaction cells carry their own
time (``TallyState.refreshed_at``, ``SurveyCellState.refreshed_at``, per organization).
:func:`version` reads these maxima for the organizations a dashboard shows.
"""

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import Max, Q, QuerySet, Value

from tandem.diagnostics import tallies as diagnostics_tallies
from tandem.diagnostics.models import FrameworkVersion
from tandem.monitoring.models import UnitChange
from tandem.surveys.models import SurveyCellState
from tandem.territory.models import LayoutVersion, Organization, layout_version
from tandem.web.transactions import forget_transaction_memory, transaction_memory

EVERYTHING = "*"

MEMORY = "unit-changes"


def _written_in_this_transaction() -> set[str]:
    """The keys already written by the current transaction (by its current savepoint:
    a savepoint rolled back takes its rows with it)."""
    memory = transaction_memory(MEMORY)
    if memory is None:
        return set()
    written: set[str] = memory.setdefault(tuple(connection.savepoint_ids), set())
    return written


def audit_written(sender: type, instance: object = None, created: bool = False,
                  **kwargs: object) -> None:
    """``post_save`` of an audit entry: the entry's unit changed now."""
    if created:
        _changed(instance)


def entries_were_written(sender: type, entries: Sequence[object] = (),
                         **kwargs: object) -> None:
    """Entries written in bulk (``tandem.audit.entries.write_entries``)."""
    for entry in entries:
        _changed(entry)


def _changed(log_entry: object) -> None:
    data = getattr(log_entry, "additional_data", None) or {}
    organization_id = data.get("organization_id") if isinstance(data, dict) else None
    region_id = data.get("region_id") if isinstance(data, dict) else None
    if organization_id is not None:
        also = [_left(log_entry), *_members(data)]
        changes = [(f"o:{unit}", UnitChange(organization_id=unit))
                   for unit in dict.fromkeys([organization_id, *also]) if unit is not None]
    elif region_id is not None:
        changes = [(f"r:{region_id}", UnitChange(region_id=region_id))]
    else:
        changes = [(EVERYTHING, UnitChange())]
    written = _written_in_this_transaction()
    for key, change in changes:
        if key not in written:
            change.save()
            written.add(key)
            if change.organization_id is not None:
                # Its dashboard (a curator's) computed again soon, if viewed: where a
                # worker runs tasks, once for a burst of writes (tasks.warm_soon).
                from tandem.monitoring.tasks import warm_soon

                warm_soon(change.organization_id)


def _members(data: dict[str, object]) -> list[int]:
    """The other organizations a record is seen from: a pair's (and its map's, meetings',
    surveys', reminders') members' organizations — ``Pair.get_additional_data``."""
    members = data.get("member_organization_ids")
    if not isinstance(members, list):
        return []
    return [unit for unit in members if isinstance(unit, int)]


def _left(log_entry: object) -> int | None:
    """The organization a record moved out of (a person moved to another organization:
    the entry names the new one): the unit it left changed too — its people, its
    curator's list. Read from the entry's own change of ``organization`` (the old key)."""
    changes = getattr(log_entry, "changes", None)
    if isinstance(changes, str):
        try:
            changes = json.loads(changes)
        except ValueError:
            return None
    moved = changes.get("organization") if isinstance(changes, dict) else None
    if not isinstance(moved, list | tuple) or not moved:
        return None
    try:
        return int(moved[0])
    except (TypeError, ValueError):  # "None": the record is new
        return None


def version(organizations: QuerySet[Organization], *, every: bool = False) -> "Version":
    """Changes when an audited record of these organizations, of their regions or of
    everything changes, or when their diagnostics figures or satisfaction cells are
    rebuilt, or when how many of them wait for a diagnostics rebuild changes (a mark
    writes no audit entry), or when a framework version is published (no audit entry
    either: ``FrameworkVersionQuerySet.published``, its number read in the same
    statement) — or when the territory's layout changes (an organization added, deleted
    or moved to another municipality: ``territory.models.layout_version``, one row, read
    in the same statement), which changes *which* organizations a scope
    has: a moved organization's own changes are no longer read for the coordinator it
    left (her maxima stay as they were, yet its people must leave her pages), nor older
    ones for the one it joined. ``every``: the organizations are every organization
    there is (``access.filters.Filters.every_organization``) — the whole tables are read.

    Ids are handed out when a row is written, not when its transaction commits: a long
    transaction that commits after a shorter, later one adds a row *below* the maximum
    already read, and the version does not move. Such a change reaches the dashboard when
    its cache entry expires (``selectors.CACHE_SECONDS``) or, for a view computed ahead,
    when the hourly run computes it again (``selectors.WARM_AGAIN_SECONDS``), which bounds
    how stale a figure may be; counting the rows as well would not close it for good (the hourly
    :func:`prune` lowers counts)."""
    everything = Q(organization_id__isnull=True, region_id__isnull=True)
    ids = organizations.values("pk")
    changed = UnitChange.objects.filter(
        Q(organization_id__in=ids)
        | Q(region_id__in=organizations.values("municipality__region_id")) | everything)
    cells = SurveyCellState.objects.filter(organization_id__in=ids)
    if every:
        # The country (``every``: a federal operator, no filter —
        # ``access.filters.Filters.every_organization``): every unit is its unit — the
        # maxima of the whole tables (an index's last entry, not a join of each table
        # with the country's tens of thousands of organizations: 36 ms a view on the
        # country of 1.5 M; docs/performance.md).
        changed, cells = UnitChange.objects.all(), SurveyCellState.objects.all()
    # The kept figures' own times: diagnostics and satisfaction cells (a rebuild by the
    # job after a write writes no audit entry of its own). Each an aggregate of its own
    # table over the organizations' ids (a hash join), not a subquery per organization:
    # a region has thousands of them. The maxima and the layout's row in one statement
    # (scalar subqueries): one round trip and one plan on the dashboard's every view.
    # The diagnostics' time comes with how many organizations wait for a rebuild
    # (``tallies.state_rows``, one pass over their TallyState rows, as the FROM of the
    # statement): the dashboard shows both, and computing its figures does not read the
    # table again (:class:`Version`).
    layout = LayoutVersion.objects.order_by("pk").values("version")[:1]
    # The newest published framework (its number): a publication renames areas and
    # competencies on every dashboard and writes no audit entry.
    framework = FrameworkVersion.objects.published().values("number")[:1]
    try:
        parts = [_maximum(changed, "id"), _maximum(cells, "refreshed_at"), layout, framework]
        sql, params = zip(*(part.query.sql_with_params() for part in parts), strict=True)
        tally_sql, tally_params = (diagnostics_tallies.state_rows(organizations, every=every)
                                   .query.sql_with_params())
    except EmptyResultSet:
        # No organization at all (``none()``, an empty list of ids): only what changes
        # everything counts, the layout and the framework.
        parts = [_maximum(UnitChange.objects.filter(everything), "id"), layout, framework]
        sql, params = zip(*(part.query.sql_with_params() for part in parts), strict=True)
        sql, params = (sql[0], "NULL", sql[1], sql[2]), (params[0], (), params[1], params[2])
        tally_sql, tally_params = "SELECT NULL AS at, 0 AS waiting", ()
    with connections[changed.db].cursor() as cursor:
        cursor.execute(f"SELECT ({sql[0]}), t.at, t.waiting, ({sql[1]}), ({sql[2]}), "  # noqa: S608
                       f"({sql[3]}) FROM ({tally_sql}) t",
                       [*params[0], *params[1], *params[2], *params[3], *tally_params])
        last, tallied, waiting, surveyed, layout_now, published = cursor.fetchone()
    # A write after this read, even in the same transaction, must show in the next read.
    forget_transaction_memory(MEMORY)
    if layout_now is None:  # the row was deleted (a test's flush): made again
        layout_now = layout_version()
    # How many organizations wait is shown (the figures' «ещё N ждут пересчёта»): a mark
    # writes no audit entry, so it is part of the key, not only of the figures under it.
    key = Version(f"{last}/{tallied}/{surveyed}/{layout_now}/{waiting}/{published}")
    key.tally_state = (diagnostics_tallies.as_datetime(tallied), int(waiting))
    return key


class Version(str):
    """A version (the string a cache key holds) that also carries what was read with it:
    ``tally_state`` — the diagnostics figures' newest rebuild and how many organizations
    wait for one (``tandem.diagnostics.tallies.state``) — for the figures computed under
    this key. ``None`` where the string came from elsewhere."""

    tally_state: tuple[dt.datetime | None, int] | None = None


def _maximum(rows: QuerySet[Any], field: str) -> QuerySet[Any]:
    """``SELECT MAX(field)`` of ``rows``, ungrouped (a constant to group by adds no GROUP
    BY), to be read as a scalar subquery."""
    return rows.order_by().annotate(one=Value(1)).values("one").annotate(
        m=Max(field)).values("m")


def prune(sender: object = None, **kwargs: object) -> int:
    """The hourly run (``tandem.web.signals.hourly``) keeps only the newest change of each
    unit: :func:`version` reads maxima per unit, and removing rows below a unit's newest
    changes none of them — nor can a row still being written be removed (it is newer than
    what the delete sees). Returns how many rows went."""
    newest = (UnitChange.objects.values("organization_id", "region_id").order_by()
              .annotate(last=Max("id")).values("last"))
    deleted, _by_model = UnitChange.objects.exclude(pk__in=newest).delete()
    return deleted
