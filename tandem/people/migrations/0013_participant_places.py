"""The place of each person's organization kept on the person (Participant.municipality,
Participant.region; issue #16): added empty and without their foreign keys, filled by one
``UPDATE … FROM`` (the organization and its municipality joined once; SQLite ≥ 3.33 and
PostgreSQL alike), then required with their foreign keys (checked once, by one scan) and
indexed for the participants' list of a coordinator and a region operator
(``participant_municipality_list``, ``participant_region_list``: the scope's people,
active, in name order); on PostgreSQL the table analysed last (the planner's statistics
of the new columns). Both columns in one statement: every row is rewritten once, not
twice (each rewrite of 300,000 rows leaves as many dead rows and index entries). Derived
from the organizations (whose moves are in the trail): no audit entry, as for every later
change of these columns (ParticipantQuerySet.keep_places). Reversible: the columns and
their indexes go."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE people_participant
   SET municipality_id = o.municipality_id, region_id = m.region_id
  FROM territory_organization o
  JOIN territory_municipality m ON m.id = o.municipality_id
 WHERE o.id = people_participant.organization_id
"""


def analyze(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The new columns' statistics at once (PostgreSQL): without them the planner takes
    a region's 300,000 people for 1,500 and sorts them all for a page (781 ms on t300k)
    until autovacuum gets to the table."""
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("ANALYZE people_participant")


def field(to: str, name: str, *, null: bool, constraint: bool) -> models.ForeignKey:
    return models.ForeignKey(db_constraint=constraint, db_index=False, editable=False,
                             null=null, on_delete=django.db.models.deletion.PROTECT,
                             related_name="+", to=to, verbose_name=name)


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0012_russian_model_names"),
        ("territory", "0007_organization_unit_ids"),
    ]

    operations = [
        migrations.AddField(model_name="participant", name="municipality",
                            field=field("territory.municipality", "муниципалитет",
                                        null=True, constraint=False)),
        migrations.AddField(model_name="participant", name="region",
                            field=field("territory.region", "регион",
                                        null=True, constraint=False)),
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=False),
        migrations.AlterField(model_name="participant", name="municipality",
                              field=field("territory.municipality", "муниципалитет",
                                          null=False, constraint=True)),
        migrations.AlterField(model_name="participant", name="region",
                              field=field("territory.region", "регион",
                                          null=False, constraint=True)),
        migrations.AddIndex(
            model_name="participant",
            index=models.Index(fields=["municipality", "is_active", "search_name", "id"],
                               name="participant_municipality_list"),
        ),
        migrations.AddIndex(
            model_name="participant",
            index=models.Index(fields=["region", "is_active", "search_name", "id"],
                               name="participant_region_list"),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop, elidable=False),
    ]
