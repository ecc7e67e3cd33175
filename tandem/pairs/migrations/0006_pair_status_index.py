# Running pairs picked by status for the overview's reminders (issue #16, docs/performance.md).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("pairs", "0005_pair_declined"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="pair",
            index=models.Index(fields=["status"], name="pair_status"),
        ),
    ]
