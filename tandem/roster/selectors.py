"""Reads for the roster: the user's organizations, the people a file may be about, the
user's own uploads. Every lookup takes a whole file's worth of keys at once."""

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from tandem.access.scope import Scope
from tandem.core.text import sort_key
from tandem.people.models import Participant
from tandem.roster.models import RosterExport, RosterImport
from tandem.territory.models import Organization

# Keys per IN (...) query: well under SQLite's limit of 32,766 bound parameters, and
# large enough that a file of a few thousand rows costs one query per kind of lookup.
CHUNK = 5000


def _chunks(keys: Iterable[str]) -> Iterator[list[str]]:
    batch = sorted(set(keys))
    for start in range(0, len(batch), CHUNK):
        yield batch[start:start + CHUNK]


def roster_organizations(*, scope: Scope) -> list[Organization]:
    """The organizations whose people this user may load, by short name (Russian order)."""
    return sorted(scope.organizations().select_related("municipality"),
                  key=lambda o: (sort_key(o.short_name), o.pk))


CODES_LISTED = 50  # organizations whose codes the roster page lists, at most


def roster_codes(*, scope: Scope, query: str = "") -> tuple[int, list[Organization]]:
    """The number of the user's organizations and the codes the roster page shows: all of
    them up to :data:`CODES_LISTED`; beyond that (a region has thousands — issue #16) only
    those whose code, name or municipality holds every word of ``query`` (any case, ё =
    е: :meth:`OrganizationQuerySet.search`), the first :data:`CODES_LISTED` of them in
    Russian order, sorted and cut by the database
    (:meth:`OrganizationQuerySet.in_russian_order`; the template XLSX lists every one).
    Three queries at most: the count, the municipalities' names, the rows shown."""
    organizations = scope.organizations()
    total = organizations.count()
    query = query.strip()[:100]
    if total > CODES_LISTED:
        if not query:
            return total, []
        organizations = organizations.search(  # type: ignore[attr-defined]
            query, municipality_names=scope.organization_municipalities()
            .values_list("pk", "name"))
    shown = organizations.in_russian_order()  # type: ignore[attr-defined]
    return total, list(shown.select_related("municipality")[:CODES_LISTED])


def participants_by_email(emails: Iterable[str]) -> dict[str, Participant]:
    """Participants with these e-mails, in any organization: an e-mail is unique in the
    whole system, so the file must not give someone else's address to a new person."""
    found: dict[str, Participant] = {}
    for batch in _chunks(e.lower() for e in emails):
        # Lower(email) is what the unique index holds, so the lookup can use it.
        for p in (Participant.objects.annotate(email_key=Lower("email"))
                  .filter(email_key__in=batch).select_related("organization__municipality")):
            found[p.email.lower()] = p
    return found


def participants_by_name(*, organization_ids: Iterable[int],
                         names: Iterable[str]) -> dict[tuple[int, str], list[Participant]]:
    """Participants of these organizations by (organization id, normalised full name)."""
    found: dict[tuple[int, str], list[Participant]] = {}
    organization_ids = sorted(set(organization_ids))
    if not organization_ids:
        return found
    for batch in _chunks(names):
        for p in (Participant.objects
                  .filter(organization_id__in=organization_ids, search_name__in=batch)
                  .select_related("organization__municipality").order_by("pk")):
            found.setdefault((p.organization_id, p.search_name), []).append(p)
    return found


def roster_imports_of(*, user_id: int | None) -> QuerySet[RosterImport]:
    """Only the uploader sees an upload: it holds people's data that is not saved yet."""
    return RosterImport.objects.filter(uploaded_by_id=user_id)


def roster_import_get(*, user_id: int | None, pk: int) -> RosterImport:
    return get_object_or_404(roster_imports_of(user_id=user_id), pk=pk)


def roster_import_progress(*, user_id: int | None, pk: int) -> RosterImport:
    """The upload without its report: the progress poll must stay cheap."""
    return get_object_or_404(
        roster_imports_of(user_id=user_id).only("status", "progress", "rows_done",
                                                "rows_total", "uploaded_by_id"),
        pk=pk)


def roster_imports_recent(*, user_id: int | None, limit: int = 5) -> list[RosterImport]:
    return list(roster_imports_of(user_id=user_id)
                .only("filename", "status", "created_at", "committed_at")[:limit])


def roster_exports_of(*, user_id: int | None) -> QuerySet[RosterExport]:
    """A person's own background exports (the files hold personal data: nobody else's)."""
    return RosterExport.objects.filter(requested_by_id=user_id)


def roster_export_progress(*, user_id: int | None, pk: int) -> RosterExport:
    """The job without its file: the progress poll stays cheap."""
    return get_object_or_404(roster_exports_of(user_id=user_id).defer("content"), pk=pk)


def roster_export_ready(*, user_id: int | None, pk: int) -> RosterExport:
    return get_object_or_404(roster_exports_of(user_id=user_id),
                             pk=pk, status=RosterExport.Status.DONE)
