# The meeting dates kept on each pair for the overview's «тихие пары» (issue #16,
# docs/performance.md): two derived columns and their indexes; maps.0010 fills them.
import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pairs", "0009_pair_running_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="pair",
            name="held_next",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="pair",
            name="held_until",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="pair",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce("held_until", "starts_on"),
                models.F("id"),
                condition=models.Q(("status__in", ["approved", "active"])),
                name="pair_quiet",
            ),
        ),
        migrations.AddIndex(
            model_name="pair",
            index=models.Index(
                condition=models.Q(
                    ("held_next__isnull", False), ("status__in", ["approved", "active"])
                ),
                fields=["held_next"],
                name="pair_held_next",
            ),
        ),
        migrations.AddIndex(
            model_name="pair",
            index=models.Index(
                condition=models.Q(
                    ("held_until__isnull", False), ("status__in", ["approved", "active"])
                ),
                fields=["held_until"],
                name="pair_held_until",
            ),
        ),
    ]
