"""The questionnaires' tallies count the not started and the drafts too (the campaigns'
progress reads them instead of the questionnaires). Filled here from the questionnaires'
statuses — one grouped read of them, no answer read (a full ``tandem tallies --rebuild``
would reread every answer). ``tandem tallies --check`` confirms."""

from django.db import migrations, models
from django.db.models import Count, F, Q


def fill(apps, schema_editor):
    Response = apps.get_model("diagnostics", "Response")
    ResponseTally = apps.get_model("diagnostics", "ResponseTally")
    counts = {(row["org"], row["campaign_id"]): (row["new"], row["draft"]) for row in (
        Response.objects.values("campaign_id", org=F("participant__organization_id"))
        .order_by().annotate(new=Count("pk", filter=Q(status="new")),
                             draft=Count("pk", filter=Q(status="draft"))))}
    changed = []
    for tally in ResponseTally.objects.all().iterator(chunk_size=2000):
        tally.new, tally.draft = counts.get((tally.organization_id, tally.campaign_id), (0, 0))
        changed.append(tally)
    ResponseTally.objects.bulk_update(changed, ["new", "draft"], batch_size=2000)


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
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
