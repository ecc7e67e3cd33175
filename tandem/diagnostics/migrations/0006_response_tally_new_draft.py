"""The questionnaires' tallies count the not started and the drafts too (the campaigns'
progress reads them instead of the questionnaires). Every organization that has tallies is
marked for a rebuild: ``tandem tallies --refresh`` (or the job) fills the new columns."""

from django.db import migrations, models
from django.utils import timezone


def mark_for_rebuild(apps, schema_editor):
    ResponseTally = apps.get_model("diagnostics", "ResponseTally")
    TallyState = apps.get_model("diagnostics", "TallyState")
    ids = set(ResponseTally.objects.values_list("organization_id", flat=True).distinct())
    TallyState.objects.bulk_create([TallyState(organization_id=pk) for pk in sorted(ids)],
                                   ignore_conflicts=True, batch_size=2000)
    TallyState.objects.filter(organization_id__in=ids, dirty_since__isnull=True).update(
        dirty_since=timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ("diagnostics", "0005_regional_competencies"),
    ]

    operations = [
        migrations.AddField(
            model_name="responsetally",
            name="new",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="responsetally",
            name="draft",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(mark_for_rebuild, migrations.RunPython.noop),
    ]
