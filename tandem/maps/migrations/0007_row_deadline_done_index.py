# Overdue tasks in deadline order for the overview's reminders (issue #16, docs/performance.md).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("maps", "0006_evidence_link_label"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="row",
            index=models.Index(fields=["deadline", "done_at"], name="row_deadline_done"),
        ),
    ]
