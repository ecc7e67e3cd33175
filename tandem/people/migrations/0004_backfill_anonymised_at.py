"""Marks the people anonymised before ``anonymised_at`` existed.

Then the only mark was the erased surname «Удалено». A real person may bear it, so the
backfill takes the whole fingerprint the anonymisation leaves: that surname with no first
name and the invented address ``anonymised-<id>@invalid.example``. The time is the best one
kept: when they left the programme (the anonymisation sets it if it was empty).
"""

from django.db import migrations
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Now


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Participant = apps.get_model("people", "Participant")
    erased = Participant.objects.filter(
        Q(surname="Удалено", name="", email__startswith="anonymised-",
          email__endswith="@invalid.example"), anonymised_at__isnull=True)
    for p in erased.only("pk", "email"):
        if p.email == f"anonymised-{p.pk}@invalid.example":
            Participant.objects.filter(pk=p.pk).update(
                anonymised_at=Coalesce(F("deactivated_at"), Now()))


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0003_participant_anonymised_at'),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
