"""The file now lives in RosterImportPart (0004 moved it); its old column goes. A migration
of its own: PostgreSQL alters no table that has foreign-key checks pending from the
parts just written in the same transaction."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("roster", "0004_roster_import_parts"),
    ]

    operations = [
        # A default first, so that going back re-creates the column for existing rows.
        migrations.AlterField(
            model_name="rosterimport",
            name="content",
            field=models.BinaryField(default=b""),
        ),
        migrations.RemoveField(
            model_name="rosterimport",
            name="content",
        ),
    ]
