"""The members' organizations kept on the pair (Pair.a_organization, Pair.b_organization):
added empty, filled from the members in batches of pairs (SQLite and PostgreSQL alike, one
UPDATE … per batch and side, by a correlated subquery), then required and indexed (``pair_members``: a unit's pairs counted from the index
alone). Not atomic: each
batch commits on its own (a long table is not held in one transaction; PostgreSQL also
refuses to alter a table with the new keys' checks still pending in the transaction)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

BATCH = 20_000


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Pair = apps.get_model("pairs", "Pair")
    Participant = apps.get_model("people", "Participant")
    last = 0
    while True:
        ids = list(
            Pair.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return
        batch = Pair.objects.filter(pk__gte=ids[0], pk__lte=ids[-1])
        for side in ("a", "b"):
            # Derived from the member (whose organization is in the trail): no audit entry,
            # as for every later change of these columns (tandem/pairs/members.py).
            batch.update(
                **{
                    f"{side}_organization": Subquery(
                        Participant.objects.filter(pk=OuterRef(side)).values("organization")[:1]
                    )
                }
            )
        last = ids[-1]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("pairs", "0006_pair_status_index"),
        ("people", "0001_initial"),
        ("territory", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="pair",
            name="a_organization",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="territory.organization",
                verbose_name="организация участника А",
            ),
        ),
        migrations.AddField(
            model_name="pair",
            name="b_organization",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="territory.organization",
                verbose_name="организация участника Б",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="pair",
            name="a_organization",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="territory.organization",
                verbose_name="организация участника А",
            ),
        ),
        migrations.AlterField(
            model_name="pair",
            name="b_organization",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="territory.organization",
                verbose_name="организация участника Б",
            ),
        ),
        migrations.AddIndex(
            model_name="pair",
            index=models.Index(
                fields=["a_organization", "b_organization", "status", "starts_on", "ends_on"],
                name="pair_members",
            ),
        ),
    ]
