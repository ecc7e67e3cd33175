"""One running pair of the same two people at most (issue: re-running formation created
duplicates). Before the constraint, later duplicates of a running pair are ended early,
with the reason written on the pair and its map; the earliest pair keeps the work."""

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


REASON = "Повтор уже действующей пары тех же двух людей: закрыта при обновлении Тандема."
RUNNING = ("approved", "active")
FINISHED_MAP = ("completed", "ended_early")


def end_duplicates(apps, schema_editor):
    Pair = apps.get_model("pairs", "Pair")
    Map = apps.get_model("maps", "Map")
    seen = set()
    for pair in Pair.objects.filter(status__in=RUNNING).order_by("pk"):
        key = (min(pair.a_id, pair.b_id), max(pair.a_id, pair.b_id))
        if key not in seen:
            seen.add(key)
            continue
        pair.status, pair.ended_reason = "ended_early", REASON
        pair.save(update_fields=["status", "ended_reason"])
        for the_map in Map.objects.filter(pair=pair).exclude(status__in=FINISHED_MAP):
            the_map.status, the_map.ended_reason = "ended_early", REASON
            the_map.save(update_fields=["status", "ended_reason"])


class Migration(migrations.Migration):

    dependencies = [
        ('pairs', '0003_run_heartbeat'),
        ('maps', '0004_load_task_library'),
        ('people', '0002_participant_version'),
        ('territory', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(end_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='pair',
            constraint=models.UniqueConstraint(django.db.models.functions.comparison.Least('a', 'b'), django.db.models.functions.comparison.Greatest('a', 'b'), condition=models.Q(('status__in', ['approved', 'active'])), name='one_running_pair_of_two', violation_error_message='Эти двое уже работают в паре.'),
        ),
    ]
