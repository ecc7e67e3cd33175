"""The regions of the members' organizations kept on the pair (Pair.region: A's
organization's; Pair.b_region: B's when it is another region, else none): added empty,
filled in batches of pairs (SQLite and PostgreSQL alike, one UPDATE … per batch and
column, by a correlated subquery through the organization's municipality), then
``region`` required and both indexed (``pair_region``: a region operator's list newest
first and its count, one index range; ``pair_border``: the few pairs seen from B's
region). Not atomic, as 0007: each batch commits on its own. Reversible: the columns and
their indexes go."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Case, OuterRef, Q, Subquery, Value, When
from django.db.models.lookups import Exact

BATCH = 20_000


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Pair = apps.get_model("pairs", "Pair")
    Organization = apps.get_model("territory", "Organization")

    def region(side):  # type: ignore[no-untyped-def]
        return Subquery(Organization.objects.filter(pk=OuterRef(f"{side}_organization"))
                        .values("municipality__region_id")[:1])

    last = 0
    while True:
        ids = list(
            Pair.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return
        batch = Pair.objects.filter(pk__gte=ids[0], pk__lte=ids[-1])
        # Derived from the organizations (whose moves are in the trail): no audit entry,
        # as for every later change of these columns (PairQuerySet.keep_regions).
        batch.update(region_id=region("a"))
        batch.update(b_region_id=Case(When(Exact(region("b"), region("a")), then=Value(None)),
                                      default=region("b")))
        last = ids[-1]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("pairs", "0012_pairorder_dated_index"),
        ("territory", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="pair",
            name="region",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="territory.region",
                verbose_name="регион пары",
            ),
        ),
        migrations.AddField(
            model_name="pair",
            name="b_region",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="territory.region",
                verbose_name="другой регион пары",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="pair",
            name="region",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="territory.region",
                verbose_name="регион пары",
            ),
        ),
        migrations.AddIndex(
            model_name="pair",
            index=models.Index(fields=["region", "created_at", "id"], name="pair_region"),
        ),
        migrations.AddIndex(
            model_name="pair",
            index=models.Index(
                condition=Q(b_region__isnull=False), fields=["b_region"], name="pair_border"
            ),
        ),
    ]
