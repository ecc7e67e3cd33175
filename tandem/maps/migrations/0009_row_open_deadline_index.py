# The open rows in deadline order for the overview's overdue tasks (issue #16,
# docs/performance.md): a partial index that holds only rows not done.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("maps", "0008_technology_tallies"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="row",
            index=models.Index(condition=models.Q(done_at__isnull=True),
                               fields=["deadline", "id"], name="row_open_deadline"),
        ),
    ]
