"""The audit entry of a record deleted with its parent.

auditlog writes a deleted record's entry in ``post_delete`` and asks the record for its
additional data then (``get_additional_data``: the organization and region the trail's
scope filters on), which most records read through a parent — a row through its map
and pair, a role assignment through its organization. Django deletes a cascade model by
model, ordered only by the keys that may not be null: a map (``Map.pair`` is nullable, a
training map has none) may go after its pair, a role assignment after its organization.
The parent then is gone when the child's entry is written; the read raised
``Pair.DoesNotExist`` and rolled the whole delete back (a pair with a map could not be
deleted, an organization's delete in the admin was a 500).

Django sends every ``pre_delete`` of a cascade before it deletes a single row, so the data
is read there, while every parent still exists, and kept on the instance for its
``post_delete`` entry. A record whose parent was already gone before the delete began
(a copy read long ago) keeps what it holds itself: its entry is written without the
scope rather than the delete refused."""

from typing import Any

from auditlog.context import auditlog_disabled
from auditlog.registry import auditlog
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_delete, pre_delete, pre_save


def keep_additional_data(sender: type, instance: Any, **kwargs: object) -> None:
    """(``pre_delete`` of an audited model) The record's additional data as of now, kept
    for the entry of its deletion; the instance answers with it while it keeps this pk."""
    if auditlog_disabled.get():
        return
    forget_additional_data(sender, instance)  # a delete that failed before: read afresh
    read = type(instance).get_additional_data
    try:
        data = read(instance)
    except ObjectDoesNotExist:
        data = {}
    pk = instance.pk

    def get_additional_data() -> dict[str, object]:
        # Saved again after the delete (a new pk, or none): the data is read afresh.
        return data if instance.pk == pk else read(instance)

    instance.get_additional_data = get_additional_data


def forget_additional_data(sender: type, instance: Any, **kwargs: object) -> None:
    """(``post_delete`` after auditlog's entry, ``pre_save``) The kept data is for one
    delete only: a delete that failed after ``pre_delete`` (a deadlock, a receiver that
    raised) must not leave it on the instance for a later save's entry."""
    instance.__dict__.pop("get_additional_data", None)


def connect() -> None:
    """Every audited model with additional data keeps it for its deletion; called once
    every app has registered its models (``AuditConfig.ready``: the audit app is listed
    after them)."""
    for model in auditlog.get_models():
        if callable(getattr(model, "get_additional_data", None)):
            label = model._meta.label
            pre_delete.connect(keep_additional_data, sender=model,
                               dispatch_uid=f"audit_keep_additional_data_{label}")
            # Connected after auditlog's own receivers: its delete entry is written first.
            post_delete.connect(forget_additional_data, sender=model,
                                dispatch_uid=f"audit_forget_additional_data_{label}")
            pre_save.connect(forget_additional_data, sender=model,
                             dispatch_uid=f"audit_forget_kept_data_{label}")
