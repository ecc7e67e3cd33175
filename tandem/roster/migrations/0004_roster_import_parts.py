"""A roster upload's file moves from one BinaryField into pieces of at most 1 MB
(RosterImportPart), so a 200 MB file is never held whole in memory; rows done / total
for the progress bar."""

import django.db.models.deletion
from django.db import migrations, models

SIZE = 1024 * 1024


def to_parts(apps, schema_editor):  # type: ignore[no-untyped-def]
    RosterImport = apps.get_model("roster", "RosterImport")
    RosterImportPart = apps.get_model("roster", "RosterImportPart")
    waiting = RosterImport.objects.exclude(content=b"").values_list("pk", flat=True)
    for pk in list(waiting):
        content = bytes(RosterImport.objects.filter(pk=pk).values_list("content", flat=True)[0])
        RosterImportPart.objects.bulk_create(
            RosterImportPart(upload_id=pk, kind="file", number=n, data=content[start:start + SIZE])
            for n, start in enumerate(range(0, len(content), SIZE)))
        RosterImport.objects.filter(pk=pk).update(size=len(content))


def from_parts(apps, schema_editor):  # type: ignore[no-untyped-def]
    RosterImport = apps.get_model("roster", "RosterImport")
    RosterImportPart = apps.get_model("roster", "RosterImportPart")
    for pk in list(RosterImportPart.objects.filter(kind="file")
                   .values_list("upload_id", flat=True).distinct()):
        parts = RosterImportPart.objects.filter(upload_id=pk, kind="file").order_by("number")
        RosterImport.objects.filter(pk=pk).update(
            content=b"".join(bytes(d) for d in parts.values_list("data", flat=True)))


class Migration(migrations.Migration):

    dependencies = [
        ("roster", "0003_roster_export"),
    ]

    operations = [
        migrations.AddField(
            model_name="rosterimport",
            name="size",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="rosterimport",
            name="rows_done",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="rosterimport",
            name="rows_total",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.CreateModel(
            name="RosterImportPart",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("file", "файл"),
                                                   ("problems", "список ошибок")],
                                          default="file", max_length=8)),
                ("number", models.PositiveIntegerField()),
                ("data", models.BinaryField()),
                ("upload", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                             related_name="parts",
                                             to="roster.rosterimport")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("upload", "kind", "number"),
                                                        name="roster_part_once")],
            },
        ),
        migrations.RunPython(to_parts, from_parts),
    ]
