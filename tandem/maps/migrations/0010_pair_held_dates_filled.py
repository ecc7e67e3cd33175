# Fills the meeting dates kept on each pair (pairs.0010: Pair.held_until, Pair.held_next)
# from the meetings, as of the day of the migration: one UPDATE from the held meetings
# grouped by pair (issue #16, docs/performance.md). A pair without held meetings keeps
# its nulls, which say just that.

from django.db import migrations
from django.utils import timezone

SQL = """
UPDATE pairs_pair SET held_until = m.until, held_next = m.after
FROM (SELECT pair_id, MAX(date) FILTER (WHERE date <= %s) AS until,
             MIN(date) FILTER (WHERE date > %s) AS after
      FROM maps_meeting WHERE NOT planned GROUP BY pair_id) AS m
WHERE m.pair_id = pairs_pair.id
"""


def fill(apps, schema_editor):
    day = timezone.localdate()
    param = day if schema_editor.connection.vendor == "postgresql" else day.isoformat()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(SQL, [param, param])


class Migration(migrations.Migration):
    dependencies = [
        ("maps", "0009_row_open_deadline_index"),
        ("pairs", "0010_pair_held_meeting_dates"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
