# The running pairs, narrow, for the overview's quiet pairs and maps not agreed (issue #16,
# docs/performance.md): an index-only scan instead of the pairs' wide rows.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("pairs", "0008_pair_created_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="pair",
            index=models.Index(
                condition=models.Q(status__in=["approved", "active"]),
                fields=["starts_on", "id", "a_organization", "b_organization",
                        "a_confirmed_at", "b_confirmed_at"],
                name="pair_running"),
        ),
    ]
