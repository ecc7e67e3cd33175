"""Writes of the resource catalogue: one resource (the page and the API alike), storing an
uploaded file and committing its rows."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tandem.access.scope import Scope
from tandem.accounts.models import User
from tandem.resources import selectors
from tandem.resources.models import Owner, Resource, ResourceImport, owner_fields

REFUSED = gettext_lazy("Ничего не загружено: в файле есть ошибки (%(n)s). Исправьте их и "
                       "загрузите файл снова.")
ALREADY_COMMITTED = gettext_lazy("Этот файл уже загружен в каталог.")

# An upload nobody committed within a day was abandoned; its bytes need not stay.
STALE_AFTER = dt.timedelta(days=1)


class ImportRefused(Exception):
    pass


class ResourceInvalid(Exception):
    """The data did not pass ``ResourceForm``; ``form`` holds the errors to show."""

    def __init__(self, form: Any) -> None:
        super().__init__("resource data refused")
        self.form = form


@transaction.atomic
def resource_save(*, scope: Scope, user: User, data: Mapping[str, Any],
                  resource: Resource | None = None) -> Resource:
    """Creates or changes one resource: the one path of the page and the API, with the
    same checks (``ResourceForm``: the owner among the units the user keeps, the level
    that unit may hold, the dates). ``resource`` comes from
    ``selectors.resource_get(scope=…, pk=…, for_="manage")``."""
    from tandem.resources.forms import ResourceForm  # forms build on selectors, as we do

    form = ResourceForm(data, instance=resource, scope=scope)
    if not form.is_valid():
        raise ResourceInvalid(form)
    saved = form.save(commit=False)
    if saved.created_by_id is None:
        saved.created_by = user
    saved.save()
    form.save_m2m()
    return saved


@dataclass(frozen=True)
class ImportOutcome:
    created: int
    updated: int
    unchanged: int


@transaction.atomic
def resource_import_upload(*, owner: Owner, user: User, filename: str,
                           content: bytes) -> ResourceImport:
    """Keeps the file until the user confirms the preview; drops their abandoned ones."""
    ResourceImport.objects.filter(uploaded_by=user, committed_at__isnull=True,
                                  created_at__lt=timezone.now() - STALE_AFTER).delete()
    return ResourceImport.objects.create(uploaded_by=user, filename=filename[:255],
                                         content=content, **owner_fields(owner))


@transaction.atomic
def resource_import_commit(*, upload: ResourceImport, user: User) -> ImportOutcome:
    """Adds and updates every row of the file, or nothing if any row is wrong.

    The rows are checked again here, against the catalogue as it is now: it may have
    changed since the preview.
    """
    locked = ResourceImport.objects.select_for_update().get(pk=upload.pk)
    if locked.committed_at is not None:
        raise ImportRefused(str(ALREADY_COMMITTED))
    preview = selectors.resource_import_preview(upload=upload)
    if not preview.ok:
        raise ImportRefused(str(REFUSED) % {"n": max(1, preview.error_count)})
    owner = upload.owner
    created = updated = unchanged = 0
    # Row by row rather than bulk_create: the audit trail hears save() and the m2m signal,
    # and a catalogue file is hundreds of rows (imports.MAX_ROWS), not millions.
    for row in preview.rows:
        resource = row.resource
        if resource is None:
            resource = Resource(created_by=user, **owner_fields(owner))
            created += 1
        elif not row.changes:
            unchanged += 1  # saving it would only touch updated_at and the audit trail
            continue
        else:
            updated += 1
        for name, value in row.values.items():
            setattr(resource, name, value)
        resource.save()
        resource.competencies.set(row.competency_ids)
    upload.committed_at = timezone.now()
    upload.content = b""
    upload.save(update_fields=["committed_at", "content"])
    return ImportOutcome(created=created, updated=updated, unchanged=unchanged)
