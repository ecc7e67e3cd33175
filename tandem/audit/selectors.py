"""Reads of the audit trail (django-auditlog's LogEntry), scoped like everything else.

Each audited model stores ``region_id`` (and, where there is one, ``organization_id``)
in the entry's additional data; that is what the scope filters on.
"""

from auditlog.models import LogEntry
from django.db.models import Model, QuerySet

from tandem.access.scope import Scope


def audit_entries(*, scope: Scope, model: str = "") -> QuerySet[LogEntry]:
    qs = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if not scope.can_view_audit:
        return qs.none()
    if not scope.everything:
        qs = qs.filter(additional_data__region_id__in=list(scope.region_ids))
    if model:
        qs = qs.filter(content_type__model=model)
    return qs


def audit_entries_for_object(obj: Model) -> QuerySet[LogEntry]:
    return (LogEntry.objects.get_for_object(obj).select_related("actor")
            .order_by("-timestamp", "-pk"))
